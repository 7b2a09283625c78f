//! Secrets never reach the logs, at any level. In its own test binary: log capture is
//! per thread and tracing caches callsite interest process-wide.
#![cfg(feature = "rest")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use genesys_notifications::rest::{Credentials, Environment, RestClient};
use genesys_sim::{SimConfig, Simulator};

const CLIENT: &str = "demo-client";
const SECRET: &str = "demo-secret";
const USER_PRESENCE: &str = "v2.users.0a1b2c3d-0000-4000-8000-000000000001.presence";

fn rest_client(sim: &Simulator, credentials: Credentials) -> RestClient {
    RestClient::new(Environment::local(&sim.base_url()).unwrap(), credentials).unwrap()
}

fn client_credentials() -> Credentials {
    Credentials::client_credentials(CLIENT, SECRET)
}

async fn simulator(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

/// Collects everything logged, at every level.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn secrets_never_reach_the_logs() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    let channel = rest.create_channel().await.unwrap();
    rest.replace_subscriptions(&channel.id, &[USER_PRESENCE], true)
        .await
        .unwrap();
    sim.revoke_tokens(CLIENT);
    rest.subscriptions(&channel.id).await.unwrap();
    let token = rest.access_token().await.unwrap();
    let bad = rest_client(
        &sim,
        Credentials::client_credentials(CLIENT, "not-the-secret"),
    );
    let _ = bad.create_channel().await.unwrap_err();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("REST call"),
        "the test logs something: {text}"
    );
    for secret in [SECRET, "not-the-secret", token.expose_secret()] {
        assert!(!text.contains(secret), "{secret} leaked into the logs");
    }
    // Nor its Basic form.
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:{SECRET}"));
    assert!(!text.contains(&basic));
}

/// A channel's connect URI (and its whole id) is the socket's credential: never in `Debug`
/// of the REST types, in errors or in the logs.
#[tokio::test(start_paused = true)]
async fn connect_uris_never_show_in_debug_errors_or_logs() {
    use futures_util::StreamExt;
    use genesys_notifications::rest::{ChannelInfo, ManagedOptions};
    use genesys_sim::Fault;

    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    let options = ManagedOptions::new(rest.clone());
    let mut managed = options.clone().start([USER_PRESENCE]).await.unwrap();
    let info: ChannelInfo = managed.channel_info.clone();
    let uri = info.connect_uri.clone();
    // Traffic, a reconnect and a channel replacement, all logged.
    sim.publish(USER_PRESENCE, serde_json::json!({"n": 1}));
    managed.channel.next().await.unwrap().unwrap();
    sim.fault(&info.id, Fault::Kick).unwrap();
    sim.publish(USER_PRESENCE, serde_json::json!({"n": 2}));
    sim.fault(&info.id, Fault::Evict).unwrap();
    let mut shown = vec![
        format!("{info:?} {info:#?}"),
        format!("{managed:?}"),
        format!("{:?}", options.reuse_channel(info.clone())),
    ];
    // A URI error names the channel shortened.
    let error = genesys_notifications::connect(&uri.replace("ws://", "http://"), [USER_PRESENCE])
        .await
        .unwrap_err();
    shown.push(format!("{error} {error:?}"));
    assert!(shown[0].contains(&info.id[..16]), "{}", shown[0]);
    drop(managed);

    let secret_part = &info.id[16..];
    shown.push(String::from_utf8(logs.0.lock().unwrap().clone()).unwrap());
    assert!(shown[4].contains("REST call"), "the test logs something");
    for text in shown {
        assert!(!text.contains(&uri), "the connect URI leaked: {text}");
        assert!(!text.contains(secret_part), "the channel id leaked: {text}");
    }
}
