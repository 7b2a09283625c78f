//! The client secret and the access tokens never appear in `Debug`,
//! `Display`, errors or logs; channel URIs (whose channel id is the socket's only
//! credential) never appear whole in logs.
//!
//! Logs are captured with a `tracing` subscriber at TRACE for every target of the client
//! side (the library and its HTTP/TLS/WebSocket dependencies) while a managed channel goes
//! through token fetches, a revoked token, reconnects, maintenance and eviction.
#![cfg(feature = "rest")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::rest::{
    Credentials, Environment, ManagedOptions, RestClient, RetryPolicy, Secret,
};
use genesys_notifications::{Channel, ConnectOptions, Error, Event, connect};
use genesys_sim::{Fault, SimConfig, Simulator};
use serde_json::json;
use support::*;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

const CLIENT: &str = "rel-client";
const SECRET: &str = "s3cr3t-Zq8-never-log-me";
const TOPIC_M: &str = "v2.users.0a1b2c3d-0000-4000-8000-000000000001.presence";

/// Everything the subscriber writes, kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Installs the capturing subscriber on this thread (the tests run on a current-thread
/// runtime, so every task logs through it). The simulator's own logs are excluded: they are
/// the service's side, not ours.
fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(
            "trace,genesys_sim=off,axum=off,tower=off,tower_http=off",
        ))
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (captured, guard)
}

fn config() -> SimConfig {
    SimConfig {
        clients: vec![(CLIENT.to_owned(), SECRET.to_owned())],
        ..SimConfig::default()
    }
}

fn rest(sim: &Simulator, secret: &str) -> RestClient {
    RestClient::builder(
        Environment::local(&sim.base_url()).unwrap(),
        Credentials::client_credentials(CLIENT, secret),
    )
    .retry_policy(RetryPolicy::default().jitter(false))
    .build()
    .unwrap()
}

/// Every text a user or an operator may see of an error: Display, alternate Display,
/// Debug, pretty Debug and the whole source chain.
fn error_texts(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("{e} | {e:#} | {e:?} | {e:#?}");
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(&format!(" | {c} | {c:?}"));
        cause = c.source();
    }
    out
}

fn assert_absent(haystack: &str, needles: &[String], what: &str) {
    for needle in needles {
        assert!(
            !haystack.contains(needle.as_str()),
            "{what} contains {needle:?}:\n{}",
            excerpt(haystack, needle)
        );
    }
}

fn excerpt(haystack: &str, needle: &str) -> String {
    haystack
        .lines()
        .filter(|l| l.contains(needle))
        .take(5)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Drains the stream for `d` of (paused) time, returning non-fatal errors seen.
async fn pump(ch: &mut Channel, d: Duration) -> Vec<Error> {
    let mut errors = Vec::new();
    let until = tokio::time::Instant::now() + d;
    while let Ok(item) = tokio::time::timeout_at(until, ch.next()).await {
        match item {
            Some(Ok(_)) => {}
            Some(Err(e)) => errors.push(e),
            None => break,
        }
    }
    errors
}

fn channel_ids(sim: &Simulator, ids: &mut Vec<String>) {
    for c in sim.stats().channels {
        if !ids.contains(&c.id) {
            ids.push(c.id);
        }
    }
}

#[test]
fn secret_types_and_options_never_show_the_values() {
    let secret = Secret::new(SECRET);
    let credentials = Credentials::client_credentials(CLIENT, SECRET);
    let token = Credentials::access_token("tok-Hh7-never-log-me");
    let shown = format!(
        "{secret} {secret:?} {secret:#?} {credentials:?} {credentials:#?} {token:?} {token:#?}"
    );
    assert_absent(
        &shown,
        &[SECRET.to_owned(), "tok-Hh7-never-log-me".to_owned()],
        "Debug/Display",
    );
    assert!(
        shown.contains(CLIENT),
        "the client id is not a secret: {shown}"
    );
    let client = RestClient::new(
        Environment::local("http://127.0.0.1:9").unwrap(),
        credentials.clone(),
    )
    .unwrap();
    let options = ManagedOptions::new(client.clone());
    let shown = format!("{client:?} {client:#?} {options:?} {options:#?}");
    assert_absent(
        &shown,
        &[SECRET.to_owned()],
        "RestClient/ManagedOptions Debug",
    );
}

#[tokio::test(start_paused = true)]
async fn a_managed_channel_through_faults_never_logs_a_secret_or_a_whole_channel_uri() {
    let (captured, _guard) = capture();
    let sim = Simulator::start(config()).await.unwrap();
    let rest = rest(&sim, SECRET);
    let mut tokens = vec![
        rest.access_token()
            .await
            .unwrap()
            .expose_secret()
            .to_owned(),
    ];
    let mut ids = Vec::new();
    let mut ch = ManagedOptions::new(rest.clone())
        .connect([TOPIC_M])
        .await
        .unwrap();
    let mut events = ch.events();
    channel_ids(&sim, &mut ids);
    let mut errors = Vec::new();

    sim.publish(TOPIC_M, json!({"i": 1}));
    errors.extend(pump(&mut ch, Duration::from_secs(1)).await);
    let current = |sim: &Simulator| {
        sim.stats()
            .channels
            .into_iter()
            .find(|c| c.connected)
            .map(|c| c.id)
            .unwrap()
    };
    sim.fault(&current(&sim), Fault::Drop).unwrap();
    errors.extend(pump(&mut ch, Duration::from_secs(5)).await);
    sim.fault(&current(&sim), Fault::SocketClosing).unwrap();
    errors.extend(pump(&mut ch, Duration::from_secs(90)).await);
    channel_ids(&sim, &mut ids);
    // A revoked token: 401 on the next REST call, a new token, a new channel.
    assert!(sim.revoke_tokens(CLIENT) >= 1);
    errors.extend(pump(&mut ch, Duration::from_secs(90)).await);
    channel_ids(&sim, &mut ids);
    sim.fault(&current(&sim), Fault::Evict).unwrap();
    errors.extend(pump(&mut ch, Duration::from_secs(90)).await);
    channel_ids(&sim, &mut ids);
    tokens.push(
        rest.access_token()
            .await
            .unwrap()
            .expose_secret()
            .to_owned(),
    );
    while let Ok(Some(e)) = tokio::time::timeout(Duration::ZERO, events.next()).await {
        if let Event::Gap(g) = e {
            assert!(!format!("{g:?}").contains(SECRET));
        }
    }
    // Lifecycle Debug of the channel and its handle.
    let shown = format!("{ch:?} {:?}", ch.handle());
    ch.close().await;

    let mut needles = vec![SECRET.to_owned()];
    needles.extend(tokens.iter().cloned());
    assert!(
        tokens.iter().all(|t| t.len() >= 16),
        "{} tokens",
        tokens.len()
    );
    // The paths the run claims to reach: the revoked token was answered with 401 (on the
    // eviction's channel creation) and replaced; the channel was replaced.
    assert_ne!(tokens[0], tokens[1], "the revoked token was replaced");
    assert!(
        ids.len() >= 3,
        "maintenance and eviction made new channels: {ids:?}"
    );
    for e in &errors {
        assert_absent(&error_texts(e), &needles, "a stream error");
    }
    assert_absent(&shown, &needles, "Channel Debug");
    let logs = captured.text();
    assert!(
        logs.lines().count() > 20,
        "the capture works: {} lines",
        logs.lines().count()
    );
    assert_absent(&logs, &needles, "the logs");
    // Channel ids: the logs may show a shortened form, never the whole id or URI.
    assert!(ids.len() >= 2, "{ids:?}");
    let whole: Vec<String> = ids.clone();
    assert_absent(&logs, &whole, "the logs (whole channel id)");
}

#[tokio::test(start_paused = true)]
async fn credential_failures_never_echo_the_secret_or_the_token() {
    let (captured, _guard) = capture();
    let sim = Simulator::start(config()).await.unwrap();
    let wrong = "wr0ng-Kp2-never-log-me";
    let e = ManagedOptions::new(rest(&sim, wrong))
        .connect([TOPIC_M])
        .await
        .unwrap_err();
    assert!(
        e.is_authorization_failure() || e.is_connection_failure(),
        "{e:?}"
    );
    assert_absent(&error_texts(&e), &[wrong.to_owned()], "the error");
    let rest_err = rest(&sim, wrong).access_token().await.unwrap_err();
    assert_absent(
        &error_texts(&rest_err),
        &[wrong.to_owned()],
        "the REST error",
    );

    let bogus = "tok-Xy9-never-log-me-0123456789";
    let static_rest = RestClient::builder(
        Environment::local(&sim.base_url()).unwrap(),
        Credentials::access_token(bogus),
    )
    .build()
    .unwrap();
    let e = static_rest.create_channel().await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e:?}");
    assert_absent(&error_texts(&e), &[bogus.to_owned()], "the REST error");
    let e = ManagedOptions::new(static_rest)
        .connect([TOPIC_M])
        .await
        .unwrap_err();
    assert_absent(&error_texts(&e), &[bogus.to_owned()], "the error");

    let logs = captured.text();
    assert_absent(
        &logs,
        &[wrong.to_owned(), bogus.to_owned(), SECRET.to_owned()],
        "the logs",
    );
}

#[tokio::test(start_paused = true)]
async fn uri_mode_errors_and_logs_never_show_the_whole_channel_uri() {
    let (captured, _guard) = capture();
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = ConnectOptions::new()
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    let mut errors = Vec::new();
    sim.fault(&info.id, Fault::Drop).unwrap();
    errors.extend(pump(&mut ch, Duration::from_secs(5)).await);
    sim.fault(&info.id, Fault::SocketClosing).unwrap();
    errors.extend(pump(&mut ch, Duration::from_secs(90)).await);
    // Refused reconnects, for real: the handshakes are refused for 3 s while the client
    // retries, then it gets back in.
    sim.fault(
        &info.id,
        Fault::RefuseConnections {
            duration: Duration::from_secs(3),
        },
    )
    .unwrap();
    sim.fault(&info.id, Fault::Drop).unwrap();
    errors.extend(pump(&mut ch, Duration::from_secs(30)).await);
    let (mut attempts, mut reconnected) = (0, 0);
    while let Ok(Some(e)) = tokio::time::timeout(Duration::ZERO, events.next()).await {
        attempts += usize::from(matches!(e, Event::ReconnectAttempt { .. }));
        reconnected += usize::from(matches!(e, Event::Reconnected { .. }));
    }
    // The drop: 1 attempt; the refused outage: at least one refused attempt, then success.
    assert!(attempts >= 3, "{attempts} reconnect attempts");
    assert_eq!(reconnected, 2);
    assert!(errors.iter().all(|e| !e.is_fatal()), "{errors:?}");
    // Eviction: the stream ends with a fatal item.
    sim.fault(&info.id, Fault::Evict).unwrap();
    errors.extend(pump(&mut ch, Duration::from_secs(30)).await);
    assert!(
        errors.last().is_some_and(Error::is_fatal),
        "eviction ends a URI-mode channel: {errors:?}"
    );
    // A kick (a close 1000 without notice) on a second channel: with no other connection
    // holding the channel, the one reconnect attempt gets back in and the span is a gap.
    let other = channel(&sim);
    let mut ch2 = connect(&other.connect_uri, [TOPIC]).await.unwrap();
    sim.fault(&other.id, Fault::Kick).unwrap();
    let kicked = pump(&mut ch2, Duration::from_secs(30)).await;
    assert!(
        kicked.len() == 1 && kicked[0].is_gap() && !kicked[0].is_fatal(),
        "{kicked:?}"
    );
    errors.extend(kicked);
    // A channel that does not exist, a connect timeout: what the user sees.
    let missing = format!("ws://{}/channels/streaming-0-missingchannelid", sim.addr());
    errors.push(connect(&missing, [TOPIC]).await.unwrap_err());
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let timeout_uri = format!(
        "ws://{}/channels/streaming-0-timeoutchannelid",
        silent.local_addr().unwrap()
    );
    errors.push(
        ConnectOptions::new()
            .connect_timeout(Duration::from_secs(2))
            .connect(&timeout_uri, [TOPIC])
            .await
            .unwrap_err(),
    );
    let needles = vec![
        info.id.clone(),
        other.id.clone(),
        "streaming-0-missingchannelid".to_owned(),
        "streaming-0-timeoutchannelid".to_owned(),
    ];
    for e in &errors {
        assert_absent(&error_texts(e), &needles, "an error");
    }
    assert_absent(&captured.text(), &needles, "the logs");
}
