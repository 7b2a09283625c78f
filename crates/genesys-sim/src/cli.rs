//! The `genesys-sim` command line as a library: [`SimArgs`] (every flag of the binary, for
//! `#[command(flatten)]` in another CLI), [`SimArgs::into_config`], and [`run`] /
//! [`run_until`], the binary's whole body.
//!
//! ```
//! use clap::Parser;
//! use genesys_sim::cli::SimArgs;
//!
//! /// Another tool embedding the simulator with exactly the options of `genesys-sim`.
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     sim: SimArgs,
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cli = Cli::try_parse_from(["tool", "--heartbeat-interval", "5s", "--client", "me:pw"])?;
//! let config = cli.sim.into_config()?;
//! assert_eq!(config.heartbeat_interval, std::time::Duration::from_secs(5));
//! assert_eq!(config.clients, [("me".to_owned(), "pw".to_owned())]);
//! // In an async main: genesys_sim::cli::run(cli.sim).await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::ValueEnum;

use crate::{
    DeniedTopic, ExpiryBehaviour, ExtendOn, GeneratorConfig, OtherTokenChannels, PostResponse,
    RateLimit, SimConfig, SimError, Simulator, TlsConfig, TopicCounting,
};

/// The `genesys-sim` command-line options, every flag of the binary, reusable by other CLIs
/// with `#[command(flatten)]`.
///
/// [`into_config`](SimArgs::into_config) validates them and builds the [`SimConfig`];
/// [`run`] serves until Ctrl-C or SIGTERM. `Debug` shows client ids, never their secrets.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to bind (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Host name to advertise in connectUri and the listening line instead of the bound
    /// address (e.g. `localhost` to match a TLS certificate).
    #[arg(long)]
    public_host: Option<String>,
    /// Interval between heartbeats.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    heartbeat_interval: Duration,
    /// Time between `v2.system.socket_closing` and the close of the socket.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    socket_closing_grace: Duration,
    /// Channel lifetime (extended by subscription changes).
    #[arg(long, default_value = "24h", value_parser = humantime::parse_duration)]
    channel_lifetime: Duration,
    /// Access token lifetime.
    #[arg(long, default_value = "24h", value_parser = humantime::parse_duration)]
    token_lifetime: Duration,
    /// OAuth client `ID:SECRET` (repeatable; default `demo-client:demo-secret`).
    #[arg(long = "client", value_name = "ID:SECRET", value_parser = parse_client)]
    clients: Vec<Client>,
    /// Generate realistic events for every subscribed topic.
    #[arg(long)]
    generate: bool,
    /// Generated events per second (with --generate).
    #[arg(long, default_value_t = 1.0)]
    generate_rate: f64,
    /// Seed for ids, tokens and generated events.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// TLS certificate chain (PEM); serves https/wss. Needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM). Needs --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Refuse the socket `subscribe` message (treat it as an unknown frame).
    #[arg(long)]
    no_ws_subscribe: bool,
    /// Channels per client before the least recently used is evicted.
    #[arg(long, default_value_t = 20)]
    max_channels: usize,
    /// Topics per channel.
    #[arg(long, default_value_t = 1000)]
    max_topics: usize,
    /// Topic names this long or longer are refused.
    #[arg(long, default_value_t = 200)]
    max_topic_len: usize,
    /// Topic pattern the clients may not subscribe to, `*` matching anything, optionally
    /// with the missing permissions: `v2.analytics.*=analytics:queueObservation:view`
    /// (repeatable).
    #[arg(long = "deny-topic", value_name = "PATTERN[=PERM,...]", value_parser = parse_denied)]
    denied_topics: Vec<DeniedTopic>,
    /// Per-client request budget on /api/v2, e.g. `300/60s`; over it: 429 + Retry-After.
    #[arg(long, value_name = "N/DURATION", value_parser = parse_rate)]
    rate_limit: Option<RateLimit>,
    /// Frames queued per socket before further events count as lost.
    #[arg(long, default_value_t = 4096)]
    queue_capacity: usize,
    /// Drop a socket whose writes make no progress for this long (client not reading).
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    write_timeout: Duration,

    // ---- choices the protocol reference leaves unconfirmed ([U]) ----
    /// [U] Close code after socket_closing and its grace period.
    #[arg(long, default_value_t = 1001)]
    close_code_maintenance: u16,
    /// [U] Close code when the channel expires.
    #[arg(long, default_value_t = 1000)]
    close_code_expired: u16,
    /// [U] Close code when the channel is evicted by a 21st one.
    #[arg(long, default_value_t = 1000)]
    close_code_evicted: u16,
    /// [U] Close code when a second socket takes over the channel.
    #[arg(long, default_value_t = 1000)]
    close_code_kicked: u16,
    /// [U] Close code when the channel's token expires (with --token-expiry-closes-channels).
    #[arg(long, default_value_t = 1000)]
    close_code_token_expired: u16,
    /// Close code when the simulator shuts down.
    #[arg(long, default_value_t = 1001)]
    close_code_shutdown: u16,
    /// [U] Send `{"result":"404",...}` before closing an expired, evicted or token-expired
    /// channel's socket.
    #[arg(long)]
    not_found_frame: bool,
    /// [U] Echo `correlationId` in socket subscribe results.
    #[arg(long)]
    echo_correlation_id: bool,
    /// [U] What the socket sees at channel expiry.
    #[arg(long, value_enum, default_value_t = Expiry::Close)]
    expiry: Expiry,
    /// [U] Which subscription changes extend the channel's lifetime.
    #[arg(long, value_enum, default_value_t = Extend::Any)]
    extend_on: Extend,
    /// [U] Give heartbeats and pongs `version` and `metadata` too.
    #[arg(long)]
    metadata_full_envelope: bool,
    /// [U] `eventBody.message` of the pong.
    #[arg(long, default_value = "pong")]
    pong_message: String,
    /// [U] How combined topics count toward --max-topics.
    #[arg(long, value_enum, default_value_t = Counting::Expanded)]
    topic_counting: Counting,
    /// [U] What POST .../subscriptions answers.
    #[arg(long, value_enum, default_value_t = PostAnswer::Full)]
    post_response: PostAnswer,
    /// [U] Status of DELETE .../subscriptions.
    #[arg(long, default_value_t = 204)]
    delete_status: u16,
    /// [U] Close channels when the token that created them expires or is revoked.
    #[arg(long)]
    token_expiry_closes_channels: bool,
    /// [U] Match topic names case-insensitively.
    #[arg(long)]
    case_insensitive_topics: bool,
    /// [U] Answer unknown client frames with a "400" error result.
    #[arg(long)]
    reply_to_invalid_frames: bool,
    /// [U] Accept a socket `unsubscribe` message (no source documents one).
    #[arg(long)]
    ws_unsubscribe: bool,
    /// [U] How other tokens' channels appear with includechannels=oauthclient.
    #[arg(long, value_enum, default_value_t = OtherChannels::ExpiresOnly)]
    other_token_channels: OtherChannels,
    /// [U] Values of the socket_closing body as a JSON object merged over the default one;
    /// `null` removes a key, e.g. `{"reason":"REBALANCE","message":null}`.
    #[arg(long, value_name = "JSON", value_parser = parse_json_object)]
    socket_closing_body: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Expiry {
    /// Close the socket.
    Close,
    /// Send v2.system.no_longer_subscribed.{id}, then close.
    Notice,
    /// Keep the socket open, deliver nothing.
    Silent,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Extend {
    Any,
    Rest,
    Ws,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Counting {
    Expanded,
    Entries,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PostAnswer {
    Full,
    Added,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OtherChannels {
    ExpiresOnly,
    Full,
}

/// An OAuth client from `--client ID:SECRET`; `Debug` omits the secret.
#[derive(Clone)]
struct Client {
    id: String,
    secret: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

fn parse_client(s: &str) -> Result<Client, String> {
    match s.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => Ok(Client {
            id: id.to_owned(),
            secret: secret.to_owned(),
        }),
        _ => Err("expected ID:SECRET".to_owned()),
    }
}

fn parse_denied(s: &str) -> Result<DeniedTopic, String> {
    match s.split_once('=') {
        None if !s.is_empty() => Ok(DeniedTopic::new(s)),
        Some((pattern, perms)) if !pattern.is_empty() => Ok(DeniedTopic {
            pattern: pattern.to_owned(),
            missing_permissions: perms
                .split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        }),
        _ => Err("expected PATTERN or PATTERN=PERM,...".to_owned()),
    }
}

fn parse_json_object(s: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    match serde_json::from_str(s) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err("expected a JSON object".to_owned()),
        Err(e) => Err(format!("not valid JSON: {e}")),
    }
}

fn parse_rate(s: &str) -> Result<RateLimit, String> {
    let (n, per) = s
        .split_once('/')
        .ok_or("expected N/DURATION, e.g. 300/60s")?;
    let requests = n
        .parse::<u32>()
        .map_err(|e| format!("invalid request count '{n}': {e}"))?;
    let per =
        humantime::parse_duration(per).map_err(|e| format!("invalid duration '{per}': {e}"))?;
    if per.is_zero() {
        return Err("the window must be longer than zero".to_owned());
    }
    Ok(RateLimit { requests, per })
}

impl SimArgs {
    /// Validates the options and builds the configuration.
    ///
    /// # Errors
    ///
    /// [`SimError::Tls`] when the certificate or key file cannot be read or used,
    /// [`SimError::Config`] for values clap accepts but the simulator cannot use (a close
    /// code that cannot be sent, a non-positive `--generate-rate`, a `--delete-status` that
    /// is no HTTP status).
    pub fn into_config(self) -> Result<SimConfig, SimError> {
        let args = self;
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsConfig::from_pem_files(cert, key)?),
            (None, None) => None,
            _ => return Err(invalid("--tls-cert and --tls-key go together")),
        };
        if !(args.generate_rate.is_finite() && args.generate_rate > 0.0) {
            return Err(invalid("--generate-rate must be a positive number"));
        }
        let mut config = SimConfig {
            host: args.host,
            port: args.port,
            public_host: args.public_host,
            heartbeat_interval: args.heartbeat_interval,
            socket_closing_grace: args.socket_closing_grace,
            channel_lifetime: args.channel_lifetime,
            token_lifetime: args.token_lifetime,
            tls,
            ws_subscribe: !args.no_ws_subscribe,
            max_channels_per_client: args.max_channels,
            max_topics: args.max_topics,
            max_topic_len: args.max_topic_len,
            denied_topics: args.denied_topics,
            rate_limit: args.rate_limit,
            socket_queue_capacity: args.queue_capacity,
            write_timeout: args.write_timeout,
            seed: args.seed,
            generator: args.generate.then_some(GeneratorConfig {
                rate_per_sec: args.generate_rate,
            }),
            ..SimConfig::default()
        };
        if !args.clients.is_empty() {
            config.clients = args.clients.into_iter().map(|c| (c.id, c.secret)).collect();
        }
        let p = &mut config.protocol;
        p.close_codes.maintenance = args.close_code_maintenance;
        p.close_codes.expired = args.close_code_expired;
        p.close_codes.evicted = args.close_code_evicted;
        p.close_codes.kicked = args.close_code_kicked;
        p.close_codes.token_expired = args.close_code_token_expired;
        p.close_codes.shutdown = args.close_code_shutdown;
        p.not_found_frame = args.not_found_frame;
        p.echo_correlation_id = args.echo_correlation_id;
        p.expiry = match args.expiry {
            Expiry::Close => ExpiryBehaviour::Close,
            Expiry::Notice => ExpiryBehaviour::NoticeThenClose,
            Expiry::Silent => ExpiryBehaviour::Silent,
        };
        p.extend_on = match args.extend_on {
            Extend::Any => ExtendOn::Any,
            Extend::Rest => ExtendOn::Rest,
            Extend::Ws => ExtendOn::Ws,
            Extend::Never => ExtendOn::Never,
        };
        p.metadata_full_envelope = args.metadata_full_envelope;
        p.pong_message = args.pong_message;
        p.topic_counting = match args.topic_counting {
            Counting::Expanded => TopicCounting::Expanded,
            Counting::Entries => TopicCounting::Entries,
        };
        p.post_response = match args.post_response {
            PostAnswer::Full => PostResponse::Full,
            PostAnswer::Added => PostResponse::Added,
        };
        p.delete_status = args.delete_status;
        p.token_expiry_closes_channels = args.token_expiry_closes_channels;
        p.case_insensitive_topics = args.case_insensitive_topics;
        p.reply_to_invalid_frames = args.reply_to_invalid_frames;
        p.ws_unsubscribe = args.ws_unsubscribe;
        p.socket_closing_body = args.socket_closing_body.unwrap_or_default();
        p.other_token_channels = match args.other_token_channels {
            OtherChannels::ExpiresOnly => OtherTokenChannels::ExpiresOnly,
            OtherChannels::Full => OtherTokenChannels::Full,
        };
        for code in [
            p.close_codes.maintenance,
            p.close_codes.expired,
            p.close_codes.evicted,
            p.close_codes.kicked,
            p.close_codes.token_expired,
            p.close_codes.shutdown,
        ] {
            if !(code == 1000 || code == 1001 || (3000..5000).contains(&code)) {
                return Err(SimError::Config(format!(
                    "close code {code} cannot be sent (use 1000, 1001 or 3000-4999)"
                )));
            }
        }
        if !(200..600).contains(&p.delete_status) {
            return Err(invalid("--delete-status must be an HTTP status (200-599)"));
        }
        Ok(config)
    }
}

fn invalid(reason: &str) -> SimError {
    SimError::Config(reason.to_owned())
}

/// Runs the simulator until Ctrl-C or (on Unix) SIGTERM: prints exactly
/// `listening on http://HOST:PORT` (`https://` with TLS) as a line on stdout once it
/// listens, then serves; on the signal it closes every socket with the shutdown close code
/// and returns. It does not install a tracing subscriber (the caller chooses the logging).
///
/// The signal handlers are installed before the simulator starts, so a signal sent right
/// after the listening line is never missed.
///
/// # Errors
///
/// The [`SimError`] of [`SimArgs::into_config`] as is (so callers can tell a usage problem
/// by downcasting), a start failure ([`SimError::Bind`], [`SimError::Tls`]) with the
/// context "cannot start the simulator", or a failure to install the signal handlers.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let terminated = terminated().context("cannot listen for Ctrl-C / SIGTERM")?;
    run_until(args, terminated).await
}

/// [`run`] with the caller's own shutdown signal: serves until `shutdown` completes.
///
/// # Errors
///
/// As [`run`], without the signal handlers.
pub async fn run_until(args: SimArgs, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let config = args.into_config()?;
    let sim = Simulator::start(config)
        .await
        .context("cannot start the simulator")?;
    println!("listening on {}", sim.base_url());
    shutdown.await;
    tracing::info!("shutting down");
    sim.shutdown().await;
    Ok(())
}

/// Installs the Ctrl-C and (on Unix) SIGTERM handlers now; the future resolves on either.
fn terminated() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SimArgs,
    }

    fn parse(args: &[&str]) -> Result<SimArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("genesys-sim").chain(args.iter().copied()))
            .map(|cli| cli.args)
    }

    #[test]
    fn parses_flags() {
        let args = parse(&[
            "--heartbeat-interval",
            "500ms",
            "--channel-lifetime",
            "24h",
            "--client",
            "a:b",
            "--client",
            "c:d",
            "--deny-topic",
            "v2.analytics.*=analytics:queueObservation:view",
            "--rate-limit",
            "10/1s",
            "--expiry",
            "notice",
            "--extend-on",
            "rest",
            "--close-code-kicked",
            "4001",
            "--queue-capacity",
            "7",
            "--generate",
            "--generate-rate",
            "2.5",
            "--topic-counting",
            "entries",
            "--max-topics",
            "10",
            "--socket-closing-body",
            r#"{"reason":"REBALANCE","message":null}"#,
        ])
        .unwrap();
        let c = args.into_config().unwrap();
        assert_eq!(c.heartbeat_interval, Duration::from_millis(500));
        assert_eq!(
            c.clients,
            [
                ("a".to_owned(), "b".to_owned()),
                ("c".to_owned(), "d".to_owned())
            ]
        );
        assert_eq!(
            c.denied_topics[0].missing_permissions,
            ["analytics:queueObservation:view"]
        );
        assert_eq!(
            c.rate_limit,
            Some(RateLimit {
                requests: 10,
                per: Duration::from_secs(1)
            })
        );
        assert_eq!(c.protocol.expiry, ExpiryBehaviour::NoticeThenClose);
        assert_eq!(c.protocol.extend_on, ExtendOn::Rest);
        assert_eq!(c.protocol.close_codes.kicked, 4001);
        assert_eq!(c.socket_queue_capacity, 7);
        assert_eq!(c.generator.map(|g| g.rate_per_sec), Some(2.5));
        assert_eq!(c.protocol.topic_counting, TopicCounting::Entries);
        assert_eq!(c.max_topics, 10);
        assert_eq!(
            serde_json::Value::Object(c.protocol.socket_closing_body),
            serde_json::json!({"reason": "REBALANCE", "message": null})
        );
    }

    #[test]
    fn rejects_bad_values() {
        assert!(parse(&["--client", "nosecret"]).is_err());
        assert!(parse(&["--rate-limit", "10"]).is_err());
        assert!(parse(&["--heartbeat-interval", "soon"]).is_err());
        assert!(parse(&["--socket-closing-body", "[1]"]).is_err());
        assert!(parse(&["--socket-closing-body", "{"]).is_err());
        assert!(parse(&["--tls-cert", "x.pem"]).is_err());
        let args = parse(&["--close-code-expired", "1006"]).unwrap();
        assert!(matches!(args.into_config(), Err(SimError::Config(r)) if r.contains("1006")));
        let args = parse(&["--generate-rate", "0"]).unwrap();
        assert!(matches!(args.into_config(), Err(SimError::Config(_))));
        let args = parse(&["--delete-status", "42"]).unwrap();
        assert!(matches!(args.into_config(), Err(SimError::Config(_))));
        let args = parse(&[
            "--tls-cert",
            "/nonexistent/c.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ]);
        assert!(
            matches!(args.unwrap().into_config(), Err(SimError::Tls(r)) if r.contains("/nonexistent/c.pem"))
        );
    }

    #[test]
    fn no_flags_mean_the_library_defaults() {
        let defaults = parse(&[]).unwrap().into_config().unwrap();
        let lib = SimConfig::default();
        assert_eq!(defaults.clients, lib.clients);
        assert_eq!(defaults.protocol, lib.protocol);
        assert_eq!(defaults.host, lib.host);
        assert_eq!(defaults.port, lib.port);
        assert_eq!(defaults.heartbeat_interval, lib.heartbeat_interval);
        assert_eq!(defaults.socket_closing_grace, lib.socket_closing_grace);
        assert_eq!(defaults.channel_lifetime, lib.channel_lifetime);
        assert_eq!(defaults.token_lifetime, lib.token_lifetime);
        assert_eq!(defaults.socket_queue_capacity, lib.socket_queue_capacity);
        assert_eq!(defaults.write_timeout, lib.write_timeout);
        assert_eq!(defaults.ws_subscribe, lib.ws_subscribe);
        assert!(defaults.generator.is_none() && defaults.tls.is_none());
    }

    #[test]
    fn debug_never_shows_client_secrets() {
        let args = parse(&["--client", "someone:s3cr3t-value"]).unwrap();
        let debug = format!("{args:?}");
        assert!(debug.contains("someone"), "{debug}");
        assert!(!debug.contains("s3cr3t-value"), "{debug}");
    }

    #[tokio::test(start_paused = true)]
    async fn run_until_serves_until_the_shutdown_future_completes() {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let args = parse(&["--heartbeat-interval", "1s"]).unwrap();
        let task = tokio::spawn(run_until(args, async {
            let _ = stopped.await;
        }));
        // Paused time only jumps once every task is idle: the simulator is up and waiting.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(!task.is_finished());
        stop.send(()).unwrap();
        task.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn run_until_returns_invalid_options_as_sim_errors() {
        let err = run_until(parse(&["--close-code-shutdown", "2000"]).unwrap(), async {})
            .await
            .unwrap_err();
        assert!(
            matches!(err.downcast_ref(), Some(SimError::Config(_))),
            "{err:#}"
        );
    }

    #[tokio::test]
    async fn run_until_reports_a_bind_failure() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port().to_string();
        let err = run_until(parse(&["--port", &port]).unwrap(), async {})
            .await
            .unwrap_err();
        assert!(
            matches!(err.downcast_ref(), Some(SimError::Bind(_))),
            "{err:#}"
        );
        assert!(
            format!("{err:#}").starts_with("cannot start the simulator"),
            "{err:#}"
        );
    }
}
