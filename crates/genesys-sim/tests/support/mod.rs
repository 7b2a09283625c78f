//! Helpers shared by the integration tests: a plain HTTP client (reqwest) and a plain
//! WebSocket client (tokio-tungstenite) against an in-process simulator.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use genesys_sim::{SimConfig, Simulator};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

pub type Ws = WebSocketStream<TcpStream>;

pub const CHANNELS: &str = "/api/v2/notifications/channels";

pub async fn start(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

/// One shared client (building one loads the TLS roots, which is slow). No idle pooling:
/// every test has its own runtime, and a pooled connection must not outlive it.
pub fn http() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap()
        })
        .clone()
}

/// `POST /oauth/token` for the demo client.
pub async fn token(sim: &Simulator) -> String {
    token_for(sim, "demo-client", "demo-secret").await
}

pub async fn token_for(sim: &Simulator, id: &str, secret: &str) -> String {
    let response = http()
        .post(format!("{}/oauth/token", sim.base_url()))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// An authenticated request builder.
pub fn api(
    sim: &Simulator,
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    http()
        .request(method, format!("{}{path}", sim.base_url()))
        .bearer_auth(token)
}

/// The status of an authenticated request without a body.
pub async fn status_of(
    sim: &Simulator,
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> reqwest::StatusCode {
    api(sim, token, method, path).send().await.unwrap().status()
}

/// `POST /api/v2/notifications/channels`, returns the `Channel` JSON.
pub async fn create_channel(sim: &Simulator, token: &str) -> Value {
    let response = api(sim, token, reqwest::Method::POST, CHANNELS)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// `PUT`/`POST` subscriptions; returns (status, body).
pub async fn subscribe(
    sim: &Simulator,
    token: &str,
    method: reqwest::Method,
    channel: &str,
    topics: &[&str],
    query: &str,
) -> (u16, Value) {
    let body: Vec<Value> = topics
        .iter()
        .map(|t| serde_json::json!({ "id": t }))
        .collect();
    let response = api(
        sim,
        token,
        method,
        &format!("{CHANNELS}/{channel}/subscriptions{query}"),
    )
    .json(&body)
    .send()
    .await
    .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Opens the WebSocket at `connect_uri` (loopback, same runtime).
pub async fn connect(sim: &Simulator, connect_uri: &str) -> Ws {
    try_connect(sim, connect_uri)
        .await
        .expect("handshake succeeds")
}

pub async fn try_connect(
    sim: &Simulator,
    connect_uri: &str,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let tcp = TcpStream::connect(sim.addr()).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    tokio_tungstenite::client_async(connect_uri, tcp)
        .await
        .map(|(ws, _)| ws)
}

/// The handshake's HTTP status when it is refused.
pub async fn refused_status(sim: &Simulator, connect_uri: &str) -> u16 {
    match try_connect(sim, connect_uri).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("handshake unexpectedly succeeded"),
    }
}

/// Next message of any kind.
pub async fn recv(ws: &mut Ws) -> Message {
    ws.next().await.expect("socket open").expect("valid frame")
}

/// Next text frame as JSON.
pub async fn recv_json(ws: &mut Ws) -> Value {
    match recv(ws).await {
        Message::Text(text) => serde_json::from_str(text.as_str()).expect("JSON frame"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// Next text frame that is not a heartbeat.
pub async fn recv_event(ws: &mut Ws) -> Value {
    loop {
        let v = recv_json(ws).await;
        if !is_heartbeat(&v) {
            return v;
        }
    }
}

pub fn is_heartbeat(v: &Value) -> bool {
    v["topicName"] == "channel.metadata" && v["eventBody"]["message"] == "WebSocket Heartbeat"
}

/// Waits for the close frame (skipping other frames) and returns it.
pub async fn recv_close(ws: &mut Ws) -> CloseFrame {
    loop {
        match recv(ws).await {
            Message::Close(Some(frame)) => return frame,
            Message::Close(None) => panic!("close without a frame"),
            _ => {}
        }
    }
}

pub async fn send_json(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

/// Subscribes `topics` with the socket `subscribe` message; asserts the service accepted.
pub async fn subscribe_socket(ws: &mut Ws, topics: &[&str]) {
    send_json(
        ws,
        serde_json::json!({"message": "subscribe", "topics": topics}),
    )
    .await;
    assert_eq!(
        recv_json(ws).await["result"],
        "200",
        "subscribing {topics:?}"
    );
}

/// Asserts that nothing arrives for `d` (virtual time).
pub async fn assert_silent(ws: &mut Ws, d: Duration) {
    if let Ok(m) = tokio::time::timeout(d, ws.next()).await {
        panic!("expected silence, got {m:?}");
    }
}

pub fn id(channel: &Value) -> String {
    channel["id"].as_str().unwrap().to_owned()
}

pub fn uri(channel: &Value) -> String {
    channel["connectUri"].as_str().unwrap().to_owned()
}
