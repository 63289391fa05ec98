//! The search benchmark (docs/benchmarks.md, "Search"): a store of `--messages` messages
//! (1,000,000) in `--rooms` rooms (1,000), written through the store's own batch write (so
//! the index is built as in production), and a reader who belongs to 50 of the rooms. Then
//! one more room of `--big-room` messages (200,000) with a reader of its own, who is in no
//! other room: the case where the reader's rooms hold many messages. Each term is searched
//! `--queries` times (300) by each reader through `Store::search` (ranked, membership in the
//! query, snippets made), and beside it `--like-queries` times (30: each reads every message
//! of the reader's rooms) with `LIKE '%term%'` on the same data (membership joined, newest
//! first, the same page size). Prints a Markdown table.
//!
//! `search_bench [--messages 1000000] [--rooms 1000] [--big-room 200000] [--queries 300]
//!               [--like-queries 30] [--database-url sqlite://target/bench/search.db]`
//!
//! The database is kept: a second run on the same URL with the same sizes measures again
//! without writing.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use parlor::server::config::Config;
use parlor::server::search::tokens::query_terms;
use parlor::server::store::{Action, NewUser, SendRequest, Store};

/// Rooms the reader belongs to.
const READER_ROOMS: usize = 50;
/// Users who own (and write in) the rooms; user 0 is the reader.
const OWNERS: usize = 20;
/// Messages per write transaction.
const BATCH: usize = 1000;

/// The searched terms, each mixed into the messages at its own rate (per 10,000), in the
/// forms a writer would use (Korean particles attached, English inflections).
const TERMS: [(&str, &[&str], u64); 4] = [
    ("서울", &["서울에서", "서울은", "서울로", "서울"], 100),
    (
        "deploy",
        &["deploying", "deployed", "deploy", "Deploy"],
        100,
    ),
    ("한강", &["한강에", "한강은"], 5),
    ("rollback", &["rollback", "rollbacks"], 5),
];
/// Syllables of the Korean filler: none of the terms' own.
const SYLLABLES: [&str; 24] = [
    "가", "나", "다", "라", "마", "바", "사", "아", "자", "차", "카", "타", "파", "하", "고", "노",
    "도", "로", "모", "보", "소", "오", "조", "초",
];
const PARTICLES: [&str; 8] = ["", "에서", "은", "는", "이", "가", "을", "로"];

struct Args {
    messages: usize,
    rooms: usize,
    big_room: usize,
    queries: usize,
    like_queries: usize,
    database_url: String,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        messages: 1_000_000,
        rooms: 1_000,
        big_room: 200_000,
        queries: 300,
        like_queries: 30,
        database_url: "sqlite://target/bench/search.db".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--messages" => args.messages = value()?.parse().map_err(|e| format!("{e}"))?,
            "--rooms" => args.rooms = value()?.parse().map_err(|e| format!("{e}"))?,
            "--big-room" => args.big_room = value()?.parse().map_err(|e| format!("{e}"))?,
            "--queries" => args.queries = value()?.parse().map_err(|e| format!("{e}"))?,
            "--like-queries" => args.like_queries = value()?.parse().map_err(|e| format!("{e}"))?,
            "--database-url" => args.database_url = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.rooms < READER_ROOMS {
        return Err(format!("--rooms must be at least {READER_ROOMS}"));
    }
    Ok(args)
}

/// xorshift64*: the same data on every run, and no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A message of 6 to 14 words, mostly Korean or mostly English, with the terms at their
/// rates.
fn body(rng: &mut Rng) -> String {
    let korean = rng.below(2) == 0;
    let words = 6 + rng.below(9);
    let mut out: Vec<String> = (0..words)
        .map(|_| {
            if korean == (rng.below(5) != 0) {
                let n = 1 + rng.below(3);
                let stem: String = (0..n)
                    .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                    .collect();
                format!("{stem}{}", PARTICLES[rng.below(PARTICLES.len())])
            } else {
                let n = 3 + rng.below(6);
                (0..n)
                    .map(|i| {
                        let set = if i % 2 == 0 {
                            "bcfghjkmnpstvwz"
                        } else {
                            "aeiu"
                        };
                        set.as_bytes()[rng.below(set.len())] as char
                    })
                    .collect()
            }
        })
        .collect();
    for (_, forms, per_10k) in TERMS {
        if (rng.below(10_000) as u64) < per_10k {
            let at = rng.below(out.len() + 1);
            out.insert(at, forms[rng.below(forms.len())].to_owned());
        }
    }
    out.join(" ")
}

async fn fill(store: &Store, args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut owners = Vec::new();
    for i in 0..OWNERS {
        let name = format!("owner{i}");
        let user = store
            .create_user(NewUser {
                username: &name,
                display_name: &name,
                password_hash: "x",
            })
            .await?
            .ok_or("user exists")?;
        owners.push(user.id);
    }
    // The first 50 rooms are the reader's (owner 0); the others are shared among the other
    // owners in turn.
    let mut rooms = Vec::new();
    for r in 0..args.rooms {
        let owner = if r < READER_ROOMS {
            owners[0]
        } else {
            owners[1 + r % (OWNERS - 1)]
        };
        rooms.push((
            store
                .create_group(owner, &format!("room {r}"), false)
                .await?,
            owner,
        ));
    }
    let mut rng = Rng(0x5EED_CAFE);
    let mut written = 0;
    while written < args.messages {
        let n = BATCH.min(args.messages - written);
        let batch: Vec<SendRequest> = (written..written + n)
            .map(|i| {
                let (room, owner) = rooms[rng.below(rooms.len())];
                SendRequest {
                    room_id: room,
                    sender_id: owner,
                    sender_name: String::new(),
                    sender_username: String::new(),
                    client_msg_id: format!("m{i}"),
                    action: Action::post(body(&mut rng), None),
                }
            })
            .collect();
        store.write_batch(&batch).await?;
        written += n;
        if written % 100_000 == 0 {
            eprintln!(
                "[search_bench] {written} messages, {:.0?}",
                started.elapsed()
            );
        }
    }
    // The big room, and its reader alone in it with one writer.
    let big_reader = store
        .create_user(NewUser {
            username: "big",
            display_name: "big",
            password_hash: "x",
        })
        .await?
        .ok_or("user exists")?;
    let big = store.create_group(big_reader.id, "big room", false).await?;
    let mut done = 0;
    while done < args.big_room {
        let n = BATCH.min(args.big_room - done);
        let batch: Vec<SendRequest> = (done..done + n)
            .map(|i| SendRequest {
                room_id: big,
                sender_id: big_reader.id,
                sender_name: String::new(),
                sender_username: String::new(),
                client_msg_id: format!("b{i}"),
                action: Action::post(body(&mut rng), None),
            })
            .collect();
        store.write_batch(&batch).await?;
        done += n;
    }
    eprintln!(
        "[search_bench] wrote {} messages in {:.1?} ({:.0} msgs/s, index included)",
        args.messages + args.big_room,
        started.elapsed(),
        (args.messages + args.big_room) as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    if let Some(path) = args.database_url.strip_prefix("sqlite://") {
        if let Some(dir) = std::path::Path::new(path).parent() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let config = Config {
        database_url: args.database_url.clone(),
        ..Config::default()
    };
    let store = Store::open(&config).await?;
    sqlx::any::install_default_drivers();
    let raw = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&args.database_url)
        .await?;
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&raw)
        .await?;
    if held == 0 {
        fill(&store, &args).await?;
    } else if held as usize != args.messages + args.big_room {
        return Err(format!(
            "{} holds {held} messages, not {}",
            args.database_url,
            args.messages + args.big_room
        )
        .into());
    }
    let per_page = Config::default().search_page;
    println!(
        "\n### Search: {} messages in {} rooms, and a room of {} ({:?})\n",
        args.messages,
        args.rooms,
        args.big_room,
        store.backend()
    );
    println!("| reader | term | messages with it | in the reader's rooms | index p50 | index p99 | `LIKE` p50 | `LIKE` p99 |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let like_sql = "SELECT m.room_id, m.seq FROM messages m
         JOIN members mb ON mb.room_id = m.room_id AND mb.user_id = $1
         WHERE m.kind = 'message' AND m.deleted = 0 AND m.body LIKE $2
         ORDER BY m.id DESC LIMIT $3";
    let count_sql = "SELECT COUNT(*) FROM messages m WHERE m.body LIKE $1";
    let mine_sql = "SELECT COUNT(*) FROM messages m
         JOIN members mb ON mb.room_id = m.room_id AND mb.user_id = $1 WHERE m.body LIKE $2";
    let readers = [
        ("owner0", format!("in {READER_ROOMS} rooms")),
        ("big", format!("in the room of {}", args.big_room)),
    ];
    for (username, who) in readers {
        let reader: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&raw)
            .await?;
        for (term, _, _) in TERMS {
            let terms = query_terms(term);
            let pattern = format!("%{term}%");
            let all: i64 = sqlx::query_scalar(count_sql)
                .bind(&pattern)
                .fetch_one(&raw)
                .await?;
            let mine: i64 = sqlx::query_scalar(mine_sql)
                .bind(reader)
                .bind(&pattern)
                .fetch_one(&raw)
                .await?;
            let mut index = Histogram::<u64>::new(3)?;
            let mut like = Histogram::<u64>::new(3)?;
            let mut first = None;
            for _ in 0..args.queries {
                let t = Instant::now();
                let page = store.search(reader, &terms, 0, per_page).await?;
                index.record(t.elapsed().as_micros() as u64)?;
                first.get_or_insert(page);
            }
            let found = first.is_some_and(|page| !page.hits.is_empty());
            for _ in 0..args.like_queries {
                let t = Instant::now();
                let rows: Vec<(i64, i64)> = sqlx::query_as(like_sql)
                    .bind(reader)
                    .bind(&pattern)
                    .bind(per_page)
                    .fetch_all(&raw)
                    .await?;
                like.record(t.elapsed().as_micros() as u64)?;
                if found == rows.is_empty() {
                    return Err(format!("{term}: the index and LIKE disagree").into());
                }
            }
            println!(
                "| {who} | `{term}` | {all} | {mine} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
                ms(&index, 0.5),
                ms(&index, 0.99),
                ms(&like, 0.5),
                ms(&like, 0.99)
            );
        }
    }
    store.close().await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(())
}
