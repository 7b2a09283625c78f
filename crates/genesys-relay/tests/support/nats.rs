//! A real `nats-server` with JetStream on 127.0.0.1, for tests: obtained by `.ci/nats-server`
//! (cached under `target/`), on a free port, with a temporary store directory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The nats-server binary; obtained once per test process.
pub fn binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = root();
        let output = Command::new("bash")
            .arg(root.join(".ci/nats-server"))
            .current_dir(&root)
            .stderr(Stdio::inherit())
            .output()
            .expect("run .ci/nats-server");
        assert!(
            output.status.success(),
            "cannot obtain nats-server (see .ci/nats-server)"
        );
        PathBuf::from(String::from_utf8(output.stdout).expect("utf-8 path").trim())
    })
    .clone()
}

/// A running server. Killed and its store removed on drop.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    /// The client port.
    pub port: u16,
    dir: PathBuf,
}

impl NatsServer {
    /// Starts a server on a free port with a fresh store directory.
    pub fn start() -> NatsServer {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "genesys-relay-nats-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("store dir");
        let mut server = NatsServer {
            child: None,
            port: 0,
            dir,
        };
        server.spawn(None);
        server
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL): no goodbye to the clients.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same store.
    pub fn restart(&mut self) {
        self.kill();
        let port = self.port;
        // The port may linger briefly after the kill.
        for _ in 0..50 {
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.spawn(Some(port));
    }

    fn spawn(&mut self, port: Option<u16>) {
        let port_arg = port.map_or_else(|| "-1".to_owned(), |p| p.to_string());
        let mut child = Command::new(binary())
            .args(["-js", "-a", "127.0.0.1", "-p", &port_arg, "-sd"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nats-server");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut ready = Some(tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("Listening for client connections on ") {
                    let addr = &line[at + "Listening for client connections on ".len()..];
                    if let Some(port) = addr
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.trim().parse::<u16>().ok())
                        && let Some(tx) = &ready
                    {
                        let _ = tx.send(Some(port));
                    }
                }
                if line.contains("Server is ready")
                    && let Some(tx) = ready.take()
                {
                    let _ = tx.send(None);
                }
                if std::env::var_os("NATS_SERVER_LOG").is_some() {
                    eprintln!("nats-server: {line}");
                }
            }
        });
        let mut bound = None;
        loop {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(Some(port)) => bound = Some(port),
                Ok(None) => break,
                Err(_) => panic!("nats-server did not become ready"),
            }
        }
        self.port = bound.expect("nats-server port");
        self.child = Some(child);
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
