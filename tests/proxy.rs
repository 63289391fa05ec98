//! The production layout, for real: `deploy/nginx.conf` (its node addresses and port
//! replaced) in front of two nodes on one PostgreSQL and one Redis. People sign up and
//! chat through the proxy alone; their sockets land on both nodes; every message reaches
//! both, once.

mod support;

use std::time::Duration;

use parlor::protocol::ServerFrame;
use support::cluster::{free_port, Meeting};
use support::{metrics, msg_id, Person, Socket, TestServer};

/// nginx, run by the test in the foreground with `deploy/nginx.conf` included.
struct Nginx {
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    /// Kills nginx's whole process group (master and workers), so that no worker outlives
    /// the test.
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &group])
            .status();
        let _ = self.child.wait();
    }
}

fn nginx(port: u16, nodes: &[&TestServer]) -> Nginx {
    let dir = tempfile::tempdir().expect("temp dir");
    let sample = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf"))
        .expect("deploy/nginx.conf");
    let site = sample
        .replace("10.0.0.11:3000", &nodes[0].addr.to_string())
        .replace("10.0.0.12:3000", &nodes[1].addr.to_string())
        .replace("listen 80;", &format!("listen 127.0.0.1:{port};"));
    assert_ne!(site, sample, "the sample's addresses were not found");
    let d = dir.path().display();
    std::fs::write(dir.path().join("parlor.conf"), site).expect("write");
    std::fs::write(
        dir.path().join("nginx.conf"),
        format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
             include {d}/parlor.conf;\n}}\n"
        ),
    )
    .expect("write");
    // Workers run as `nobody` when the tests run as root.
    let _ = std::process::Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(dir.path())
        .status();
    use std::os::unix::process::CommandExt;
    let child = std::process::Command::new("nginx")
        .args(["-p"])
        .arg(dir.path())
        .arg("-c")
        .arg(dir.path().join("nginx.conf"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .expect("nginx (scripts/services.sh installs it)");
    // Dropped (and so killed and waited for) on every path, the panic's included.
    let nginx = Nginx { child, _dir: dir };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return nginx;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nginx did not listen on {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_behind_the_sample_nginx_config_chat_as_one() {
    let meeting = Meeting::shared().await;
    let mut nodes = Vec::new();
    for name in ["a", "b"] {
        let dir = tempfile::tempdir().expect("dir");
        let tune = meeting.tune(name);
        let server = TestServer::start_in(dir.path(), |c| {
            tune(c);
            c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
            c.messages_per_second = 1000;
        })
        .await;
        nodes.push((server, dir));
    }
    let port = free_port();
    let _nginx = nginx(port, &[&nodes[0].0, &nodes[1].0]);
    let front: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let origin = format!("http://{front}");

    let alice = Person::sign_up_at(front, "alice").await;
    let bob = Person::sign_up_at(front, "bob").await;
    let room = alice
        .call_at(front, "open_direct", &[("username", "bob")])
        .await
        .json()
        .as_i64()
        .expect("room");
    // Four sockets through the proxy: round robin puts two on each node.
    let mut sockets = Vec::new();
    for person in [&alice, &bob, &alice, &bob] {
        let mut s = Socket::open_at(front, Some(&person.cookie), Some(&origin))
            .await
            .expect("upgrade through nginx");
        s.watch(room, 0).await;
        sockets.push(s);
    }
    let per_node: Vec<f64> = [
        metrics(nodes[0].0.metrics_addr).await,
        metrics(nodes[1].0.metrics_addr).await,
    ]
    .iter()
    .map(|m| m.get("parlor_connections").copied().unwrap_or(0.0))
    .collect();
    assert_eq!(
        per_node,
        [2.0, 2.0],
        "the proxy spreads sockets over both nodes"
    );

    // Sockets 0 and 1 send (one on each node); 2 and 3 only watch, one on each node.
    for k in 0..6u64 {
        let sender = &mut sockets[(k % 2) as usize];
        let answer = sender
            .say(room, &msg_id(k), &format!("via nginx {k}"))
            .await;
        assert!(matches!(answer, ServerFrame::Ack(_)), "{answer:?}");
    }
    for (i, s) in sockets.iter_mut().enumerate().skip(2) {
        let mut seqs = Vec::new();
        while seqs.len() < 6 {
            if let ServerFrame::Message(m) = s.next_content().await {
                seqs.push(m.seq);
            }
        }
        assert_eq!(seqs, [1, 2, 3, 4, 5, 6], "watcher {i}");
    }
    for (server, _dir) in nodes {
        server.stop().await;
    }
}
