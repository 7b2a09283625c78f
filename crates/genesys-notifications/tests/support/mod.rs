//! Test helpers: the simulator with test defaults, a switchable TCP proxy that can answer
//! handshakes with any HTTP status, and stream helpers.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "rest")]
pub mod rest;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::{Channel, Error, Event, Events, Notification};
use genesys_sim::{SimChannel, SimConfig, Simulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

pub const TOPIC: &str = "v2.users.u1.presence";

pub async fn sim() -> Simulator {
    sim_with(SimConfig::default()).await
}

pub async fn sim_with(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

pub fn channel(sim: &Simulator) -> SimChannel {
    sim.create_channel("demo-client")
}

/// What the proxy does with new connections.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Pipe to the simulator.
    Forward(SocketAddr),
    /// Answer the HTTP request with this status and body.
    Status(u16, &'static str),
    /// Accept and never answer.
    Silent,
    /// Pipe to the simulator; while [`Proxy::hold`] is on, what the simulator sends waits in
    /// the proxy (nothing is dropped), as if it were stuck behind a long queue.
    Holdable(SocketAddr),
}

/// A TCP endpoint in front of the simulator whose behaviour can be switched at any time.
/// Test-only: the simulator cannot answer a WebSocket handshake with 401/403.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    held: Arc<tokio::sync::watch::Sender<bool>>,
    /// What clients sent while the proxy held (in [`Mode::Holdable`]).
    sent_while_held: Arc<Mutex<Vec<u8>>>,
}

impl Proxy {
    pub async fn start(mode: Mode) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(Mutex::new(mode));
        let m = mode.clone();
        let held = Arc::new(tokio::sync::watch::Sender::new(false));
        let sent_while_held = Arc::new(Mutex::new(Vec::new()));
        let (h, sent) = (held.clone(), sent_while_held.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                // Small frames go on at once (with Nagle's algorithm, a second small write
                // waits for the peer's delayed acknowledgement: 40 ms of real time, which
                // paused time turns into seconds while the runtime polls for it).
                let _ = client.set_nodelay(true);
                let mode = m.lock().unwrap().clone();
                let (held, sent) = (h.subscribe(), sent.clone());
                tokio::spawn(async move {
                    match mode {
                        Mode::Forward(to) => {
                            if let Ok(mut server) = TcpStream::connect(to).await {
                                let _ = server.set_nodelay(true);
                                let _ =
                                    tokio::io::copy_bidirectional(&mut client, &mut server).await;
                            }
                        }
                        Mode::Status(code, body) => {
                            let mut buf = vec![0u8; 4096];
                            let mut seen = Vec::new();
                            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                                match client.read(&mut buf).await {
                                    Ok(0) | Err(_) => return,
                                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                                }
                            }
                            let resp = format!(
                                "HTTP/1.1 {code} Status\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            );
                            let _ = client.write_all(resp.as_bytes()).await;
                            let _ = client.shutdown().await;
                        }
                        Mode::Silent => {
                            let mut buf = vec![0u8; 4096];
                            while let Ok(n) = client.read(&mut buf).await {
                                if n == 0 {
                                    return;
                                }
                            }
                        }
                        Mode::Holdable(to) => {
                            if let Ok(server) = TcpStream::connect(to).await {
                                let _ = server.set_nodelay(true);
                                hold_pipe(client, server, held, sent).await;
                            }
                        }
                    }
                });
            }
        });
        Proxy {
            addr,
            mode,
            held,
            sent_while_held,
        }
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Holds (or releases) what the simulator sends on [`Mode::Holdable`] connections.
    pub fn hold(&self, on: bool) {
        self.held.send_replace(on);
    }

    /// The bytes clients sent while the proxy held.
    pub fn sent_while_held(&self) -> Vec<u8> {
        self.sent_while_held.lock().unwrap().clone()
    }

    /// The channel's URI through the proxy.
    pub fn uri(&self, channel: &SimChannel) -> String {
        format!("ws://{}/channels/{}", self.addr, channel.id)
    }
}

/// Pipes `client` and `server`; bytes from the server wait while `held` is on.
async fn hold_pipe(
    client: TcpStream,
    server: TcpStream,
    held: tokio::sync::watch::Receiver<bool>,
    sent: Arc<Mutex<Vec<u8>>>,
) {
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let up_held = held.clone();
    let up = async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = client_rx.read(&mut buf).await {
            if n == 0 {
                break;
            }
            if *up_held.borrow() {
                sent.lock().unwrap().extend_from_slice(&buf[..n]);
            }
            if server_tx.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_tx.shutdown().await;
    };
    let mut held = held;
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = server_rx.read(&mut buf).await {
            if n == 0 || held.wait_for(|h| !*h).await.is_err() {
                break;
            }
            if client_tx.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = client_tx.shutdown().await;
    };
    tokio::join!(up, down);
}

/// The next item, which must come (tests run on paused time, so this only fails on a bug).
pub async fn next(channel: &mut Channel) -> Result<Notification, Error> {
    tokio::time::timeout(Duration::from_secs(24 * 3600), channel.next())
        .await
        .expect("an item within a day")
        .expect("the stream has not ended")
}

pub async fn next_note(channel: &mut Channel) -> Notification {
    match next(channel).await {
        Ok(n) => n,
        Err(e) => panic!("expected a notification, got {e:?}"),
    }
}

pub async fn next_err(channel: &mut Channel) -> Error {
    match next(channel).await {
        Ok(n) => panic!("expected an error, got {n:?}"),
        Err(e) => e,
    }
}

/// Waits for the first event matching `pred`, returning it with the instant it was seen.
pub async fn wait_event(
    events: &mut Events,
    mut pred: impl FnMut(&Event) -> bool,
) -> (Event, Instant) {
    loop {
        let e = tokio::time::timeout(Duration::from_secs(7 * 24 * 3600), events.next())
            .await
            .expect("event within a week")
            .expect("events stream open");
        if pred(&e) {
            return (e, Instant::now());
        }
    }
}

/// Lets the runtime run every ready task (simulator and driver) without advancing time
/// meaningfully.
pub async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

pub fn body_i(n: &Notification) -> u64 {
    let v: serde_json::Value = n.body().unwrap();
    v["i"].as_u64().unwrap()
}
