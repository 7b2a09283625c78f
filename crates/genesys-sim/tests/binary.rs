//! The `genesys-sim` binary: first stdout line, flags, a working server. Real time, with
//! short configured intervals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;

/// Kills the child on drop, so a failing test leaves no process behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    (running, line)
}

#[tokio::test]
async fn prints_the_listening_line_and_serves() {
    let (_child, line) = spawn(&[
        "--port",
        "0",
        "--heartbeat-interval",
        "200ms",
        "--client",
        "me:pw",
    ]);
    let base = line
        .strip_suffix('\n')
        .and_then(|l| l.strip_prefix("listening on "))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let port: u16 = base
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0);

    let http = reqwest::Client::new();
    let demo = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(demo.status(), 401, "--client replaces the demo client");
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("me", Some("pw"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let channel: Value = http
        .post(format!("{base}/api/v2/notifications/channels"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uri = channel["connectUri"].as_str().unwrap();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(uri, tcp).await.unwrap();
    let heartbeat = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("a heartbeat within the configured interval")
        .unwrap()
        .unwrap();
    let heartbeat: Value = serde_json::from_str(heartbeat.to_text().unwrap()).unwrap();
    assert_eq!(heartbeat["eventBody"]["message"], "WebSocket Heartbeat");
}

#[test]
fn bad_flags_exit_with_a_reason() {
    let output = Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
        .args(["--heartbeat-interval", "often"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--heartbeat-interval"), "{stderr}");
}

#[tokio::test]
async fn serves_https_with_the_given_certificate() {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = std::env::temp_dir().join(format!("genesys-sim-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let (_child, line) = spawn(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--public-host",
        "localhost",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let port: u16 = base
        .strip_prefix("https://localhost:")
        .unwrap_or_else(|| panic!("not https: {base:?}"))
        .parse()
        .unwrap();
    // A real TLS client that trusts only the given certificate: the handshake and a token
    // request over it succeed.
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ck.cert.pem().as_bytes()).unwrap()])
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        token["access_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    // Plain HTTP on the same port is not served.
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .post(format!("http://127.0.0.1:{port}/oauth/token"))
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[test]
fn a_missing_certificate_file_is_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
        .args([
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/cert.pem"), "{stderr}");
}
