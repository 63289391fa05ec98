//! Parlor's benchmark: the same open-loop load generator drives Parlor (FULL and NORMAL),
//! a naive axum broadcaster, Node `ws` and Socket.IO, one after the other on this machine,
//! and prints one Markdown table per scenario (and writes JSON).
//!
//! Scenarios (docs/benchmarks.md):
//! - `p1`: 10 rooms × 100 members, 20 msgs/s per room (20,000 deliveries/s), 100-byte bodies;
//! - `p2`: 100 rooms × 10 members, 1 msg/s per room;
//! - `p3`: durable write throughput through the real send path (Parlor only);
//! - `p4`: server memory per idle connection;
//! - `p5`: latest page and scroll-back page, server-side, in a room of 1,000,000 messages;
//! - `max`: the P1 rooms at rising rates, until p99 passes 50 ms (run on request).
//!
//! `scripts/bench.sh` builds everything in release mode and runs this; `--smoke` runs every
//! scenario tiny, only to prove the harness works.

mod client;
mod scenarios;
mod servers;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use scenarios::{Fanout, Population};
use servers::{Kind, Programs, Server};

struct Args {
    smoke: bool,
    servers: Vec<Kind>,
    scenarios: Vec<String>,
    seconds: u64,
    idle: usize,
    json: PathBuf,
    programs: Programs,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        smoke: false,
        servers: Kind::ALL.to_vec(),
        scenarios: ["p1", "p2", "p3", "p4", "p5"].map(String::from).to_vec(),
        seconds: 10,
        idle: 5000,
        json: PathBuf::from("target/bench/results.json"),
        programs: Programs {
            parlor: PathBuf::from("target/release/parlor"),
            naive: PathBuf::from("target/release/examples/naive_broadcast"),
            peers: PathBuf::from("bench/peers"),
        },
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--smoke" {
            args.smoke = true;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--servers" => {
                args.servers = value
                    .split(',')
                    .map(|k| {
                        Kind::ALL
                            .into_iter()
                            .find(|x| x.key() == k)
                            .ok_or(format!("unknown server {k}"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--scenarios" => args.scenarios = value.split(',').map(String::from).collect(),
            "--seconds" => args.seconds = value.parse().map_err(|_| "bad --seconds")?,
            "--idle" => args.idle = value.parse().map_err(|_| "bad --idle")?,
            "--json" => args.json = value.into(),
            "--parlor-bin" => args.programs.parlor = value.into(),
            "--naive-bin" => args.programs.naive = value.into(),
            "--peers" => args.programs.peers = value.into(),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    for path in [
        &mut args.programs.parlor,
        &mut args.programs.naive,
        &mut args.programs.peers,
    ] {
        *path = std::fs::canonicalize(&*path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(args)
}

fn fanout_for(scenario: &str, smoke: bool, seconds: u64) -> Fanout {
    let measure = Duration::from_secs(if smoke { 1 } else { seconds });
    let warmup = Duration::from_secs(if smoke { 1 } else { 2 });
    match (scenario, smoke) {
        ("p1", false) => Fanout {
            rooms: 10,
            members: 100,
            rate_per_room: 20.0,
            body_bytes: 100,
            warmup,
            measure,
        },
        ("p2", false) => Fanout {
            rooms: 100,
            members: 10,
            rate_per_room: 1.0,
            body_bytes: 100,
            warmup,
            measure,
        },
        (_, _) => Fanout {
            rooms: 2,
            members: 5,
            rate_per_room: 10.0,
            body_bytes: 100,
            warmup,
            measure,
        },
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut results: Vec<(String, Kind, Value)> = Vec::new();
    if args.scenarios.iter().any(|s| s == "p5") {
        eprintln!("running p5 on parlor's store…");
        let (messages, samples) = if args.smoke {
            (10_000, 100)
        } else {
            (1_000_000, 2_000)
        };
        results.push((
            "p5".into(),
            Kind::ParlorFull,
            scenarios::store_queries(messages, samples).await,
        ));
    }
    for &kind in &args.servers {
        for scenario in &args.scenarios {
            if scenario == "p5" || !scenarios::applies(scenario, kind) {
                continue;
            }
            eprintln!("running {scenario} on {}…", kind.name());
            let server = Server::start(kind, &args.programs).await;
            let value = match scenario.as_str() {
                "p1" | "p2" => {
                    let s = fanout_for(scenario, args.smoke, args.seconds);
                    let population = scenarios::populate(&server, s.rooms, s.members).await;
                    scenarios::fanout(&server, &population, &s).await
                }
                "p3" => {
                    let population = scenarios::populate(&server, 4, 4).await;
                    let secs = Duration::from_secs(if args.smoke { 1 } else { args.seconds });
                    scenarios::writes(
                        &server,
                        &population,
                        4,
                        if args.smoke { 16 } else { 512 },
                        secs,
                    )
                    .await
                }
                "max" => {
                    let mut s = fanout_for("p1", args.smoke, args.seconds);
                    let population = scenarios::populate(&server, s.rooms, s.members).await;
                    s.warmup = Duration::from_secs(1);
                    s.measure = Duration::from_secs(if args.smoke { 1 } else { 4 });
                    let steps: &[f64] = if args.smoke {
                        &[5.0, 10.0]
                    } else {
                        &[20.0, 30.0, 40.0, 50.0, 60.0, 70.0]
                    };
                    let mut passed: Option<Value> = None;
                    let mut failed: Option<Value> = None;
                    for &rate in steps {
                        s.rate_per_room = rate;
                        let v = scenarios::fanout(&server, &population, &s).await;
                        eprintln!(
                            "  {:.0} deliveries/s offered: {:.0} delivered, p99 {:.2} ms",
                            v["offered_deliveries_per_s"].as_f64().unwrap_or(0.0),
                            v["deliveries_per_s"].as_f64().unwrap_or(0.0),
                            v["p99_ms"].as_f64().unwrap_or(0.0)
                        );
                        let ok = v["p99_ms"].as_f64().unwrap_or(f64::MAX) <= 50.0
                            && v["deliveries_per_s"].as_f64().unwrap_or(0.0)
                                >= 0.95 * v["offered_deliveries_per_s"].as_f64().unwrap_or(0.0);
                        if ok {
                            passed = Some(v);
                        } else {
                            failed = Some(v);
                            break;
                        }
                    }
                    json!({"highest_passing": passed, "first_failing": failed})
                }
                "p4" => {
                    let population: Population = scenarios::populate(&server, 10, 10).await;
                    let count = if args.smoke { 50 } else { args.idle };
                    scenarios::idle(&server, &population, count).await
                }
                other => {
                    eprintln!("loadgen: unknown scenario {other}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            server.stop().await;
            results.push((scenario.clone(), kind, value));
        }
    }
    print_tables(&results);
    let json = json!(results
        .iter()
        .map(|(scenario, kind, value)| json!({"scenario": scenario, "server": kind.key(), "result": value}))
        .collect::<Vec<_>>());
    if let Some(dir) = args.json.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = std::fs::write(
        &args.json,
        serde_json::to_string_pretty(&json).unwrap_or_default(),
    ) {
        eprintln!("loadgen: cannot write {}: {e}", args.json.display());
        return std::process::ExitCode::FAILURE;
    }
    eprintln!("wrote {}", args.json.display());
    let broken = results.iter().any(|(s, _, v)| {
        (s == "p1" || s == "p2") && v["deliveries_per_s"].as_f64().unwrap_or(0.0) == 0.0
    });
    if broken {
        eprintln!("loadgen: a fan-out run delivered nothing");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}

fn print_tables(results: &[(String, Kind, Value)]) {
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    for scenario in ["p1", "p2"] {
        let rows: Vec<_> = results.iter().filter(|(s, _, _)| s == scenario).collect();
        if rows.is_empty() {
            continue;
        }
        let v = &rows[0].2;
        println!(
            "\n### {scenario}: {} rooms × {} members, offered {:.0} deliveries/s\n",
            v["rooms"],
            v["members"],
            f(v, "offered_deliveries_per_s")
        );
        println!("| server | deliveries/s | p50 ms | p99 ms | p99.9 ms | max ms | user µs/dlv | sys µs/dlv | total µs/dlv | peak RSS MB | errors | disconnects |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (_, kind, v) in rows {
            println!(
                "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {} | {} |",
                kind.name(),
                f(v, "deliveries_per_s"),
                f(v, "p50_ms"),
                f(v, "p99_ms"),
                f(v, "p999_ms"),
                f(v, "max_ms"),
                f(v, "user_us_per_delivery"),
                f(v, "sys_us_per_delivery"),
                f(v, "total_us_per_delivery"),
                f(v, "peak_rss_mb"),
                v["errors"],
                v["disconnects"],
            );
        }
    }
    let writes: Vec<_> = results.iter().filter(|(s, _, _)| s == "p3").collect();
    if !writes.is_empty() {
        println!("\n### p3: durable writes through the real send path\n");
        println!("| server | senders | in flight each | acked msgs/s |");
        println!("|---|---:|---:|---:|");
        for (_, kind, v) in writes {
            println!(
                "| {} | {} | {} | {:.0} |",
                kind.name(),
                v["senders"],
                v["window"],
                f(v, "acked_messages_per_s")
            );
        }
    }
    if let Some((_, _, v)) = results.iter().find(|(s, _, _)| s == "p5") {
        println!(
            "\n### p5: history queries in a room of {} messages (server-side)\n",
            v["messages"]
        );
        println!("| query | p50 ms | p99 ms |");
        println!("|---|---:|---:|");
        println!(
            "| latest 50 | {:.3} | {:.3} |",
            f(v, "latest_p50_ms"),
            f(v, "latest_p99_ms")
        );
        println!(
            "| scroll-back page of 50 | {:.3} | {:.3} |",
            f(v, "scrollback_p50_ms"),
            f(v, "scrollback_p99_ms")
        );
    }
    let max: Vec<_> = results.iter().filter(|(s, _, _)| s == "max").collect();
    if !max.is_empty() {
        println!("\n### max: highest offered rate (10 rooms × 100 members) with p99 ≤ 50 ms and ≥ 95 % delivered\n");
        println!("| server | highest passing deliveries/s | its p99 ms | next step deliveries/s offered | achieved | p99 ms |");
        println!("|---|---:|---:|---:|---:|---:|");
        for (_, kind, v) in max {
            let (pass, fail) = (&v["highest_passing"], &v["first_failing"]);
            println!(
                "| {} | {:.0} | {:.2} | {:.0} | {:.0} | {:.2} |",
                kind.name(),
                f(pass, "offered_deliveries_per_s"),
                f(pass, "p99_ms"),
                f(fail, "offered_deliveries_per_s"),
                f(fail, "deliveries_per_s"),
                f(fail, "p99_ms"),
            );
        }
    }
    let idle: Vec<_> = results.iter().filter(|(s, _, _)| s == "p4").collect();
    if !idle.is_empty() {
        println!("\n### p4: idle connections\n");
        println!("| server | connections | failed | server RSS MB | KB per connection |");
        println!("|---|---:|---:|---:|---:|");
        for (_, kind, v) in idle {
            println!(
                "| {} | {} | {} | {:.1} | {:.1} |",
                kind.name(),
                v["connections"],
                v["failed"],
                f(v, "rss_mb"),
                f(v, "kb_per_connection")
            );
        }
    }
}
