//! `genesys-notify relay`: a channel's notifications into a NATS JetStream stream.

use std::time::Duration;

use anyhow::Context;
use genesys_notifications::ConnectOptions;
use genesys_relay::record::channel_tag;
use genesys_relay::{Relay, RelayOptions, StreamOptions};

use crate::api::ApiArgs;
use crate::exit::{EXIT_CODES_HELP, usage};
use crate::listen::{Tuning, connect_pool};
use crate::nats::{NatsArgs, StreamArgs, relay_error};
use crate::pump::Source;
use crate::signal::Shutdown;
use crate::topics::TopicArgs;

/// Relay notifications into NATS JetStream.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXIT_CODES_HELP)]
pub(crate) struct RelayArgs {
    /// Connect URI of an existing channel. Without it, a managed channel is created with
    /// the credentials.
    #[arg(long, value_name = "URI", help_heading = "Channel", conflicts_with_all = ["api_base", "login_base"])]
    uri: Option<String>,
    #[command(flatten, next_help_heading = "Managed channel (without --uri)")]
    api: ApiArgs,
    /// Managed mode: use at most this many channels (1 to 20; the service allows 20 per
    /// OAuth client and evicts the oldest beyond, so the default leaves room for other
    /// tools). Topics are packed 1,000 to a channel; a set that cannot fit is refused
    /// (exit 12) before any channel is created.
    #[arg(long, value_name = "N", default_value_t = 15, value_parser = clap::value_parser!(u8).range(1..=20), help_heading = "Managed channel (without --uri)", conflicts_with = "uri")]
    max_channels: u8,
    /// Managed mode: how a combined topic (`prefix?a&b`) counts toward the 1,000 topics of a
    /// channel: `expanded` (each topic it expands to; safe) or `entries` (once).
    #[arg(long, value_name = "RULE", default_value = "expanded", value_parser = ["expanded", "entries"], help_heading = "Managed channel (without --uri)", conflicts_with = "uri")]
    topic_counting: String,
    #[command(flatten, next_help_heading = "Topics")]
    topics: TopicArgs,
    #[command(flatten, next_help_heading = "Tuning")]
    tuning: Tuning,
    #[command(flatten, next_help_heading = "NATS")]
    nats: NatsArgs,
    #[command(flatten, next_help_heading = "Stream")]
    stream: StreamArgs,
    /// Retention by age of a stream the relay creates.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = humantime::parse_duration, help_heading = "Stream")]
    max_age: Duration,
    /// Retention by size (bytes) of a stream the relay creates; unlimited by default.
    #[arg(long, value_name = "BYTES", help_heading = "Stream")]
    max_bytes: Option<u64>,
    /// JetStream's de-duplication window of a stream the relay creates: two relays (or a
    /// restarted one) writing the same event within it store it once.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = humantime::parse_duration, help_heading = "Stream")]
    duplicate_window: Duration,
    /// Replicas of a stream the relay creates (3 on a NATS cluster).
    #[arg(long, value_name = "N", default_value_t = 1, help_heading = "Stream")]
    replicas: usize,
    /// This relay's id, stable across restarts (default: the host name). Give each relay
    /// of a pair its own.
    #[arg(long, value_name = "ID", help_heading = "Relay")]
    relay_id: Option<String>,
    /// Publications awaiting their JetStream acknowledgement, at most.
    #[arg(long, value_name = "N", default_value_t = 1024, help_heading = "Relay")]
    max_in_flight: usize,
    /// Publish again when an acknowledgement has not arrived within this time.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration, help_heading = "Relay")]
    ack_timeout: Duration,
    /// On SIGINT/SIGTERM, wait at most this long for the acknowledgements.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration, help_heading = "Relay")]
    drain_timeout: Duration,
    /// How often to record the relay's watermark (a crash is reported as a gap from the
    /// last one).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration, help_heading = "Relay")]
    checkpoint_interval: Duration,
    /// Serve Prometheus metrics on `http://HOST:PORT/metrics` and health on `/healthz`.
    #[arg(long, value_name = "HOST:PORT", help_heading = "Relay")]
    metrics_addr: Option<String>,
}

impl RelayArgs {
    fn relay_options(&self) -> RelayOptions {
        let mut stream = StreamOptions::default();
        stream.name = self.stream.stream.clone();
        stream.prefix = self.stream.subject_prefix.clone();
        stream.max_age = self.max_age;
        stream.max_bytes = self.max_bytes;
        stream.duplicate_window = self.duplicate_window;
        stream.replicas = self.replicas;
        let mut options = RelayOptions::default();
        options.stream = stream;
        if let Some(id) = &self.relay_id {
            options.relay_id = id.clone();
        }
        options.max_in_flight = self.max_in_flight;
        options.ack_timeout = self.ack_timeout;
        options.drain_timeout = self.drain_timeout;
        options.checkpoint_interval = self.checkpoint_interval;
        options
    }
}

/// Runs `relay`.
pub(crate) async fn run(args: RelayArgs) -> anyhow::Result<()> {
    let topics = args.topics.collect()?;
    let options = args.relay_options();
    let nats = args
        .nats
        .options(&format!("genesys-relay {}", options.relay_id));
    let mut shutdown = Shutdown::install()?;

    // NATS and the stream first: no channel is opened when they cannot be used.
    let mut relay = tokio::select! {
        relay = Relay::connect(&nats, options) => relay.map_err(relay_error)?,
        signal = shutdown.recv() => {
            tracing::info!(event = "interrupted", signal, "{signal} before NATS was ready");
            return Ok(());
        }
    };
    let _metrics = match &args.metrics_addr {
        Some(addr) => {
            let (bound, task) = genesys_relay::metrics::serve(addr, relay.metrics())
                .await
                .map_err(relay_error)?;
            tracing::info!(event = "metrics", addr = %bound, "metrics on http://{bound}/metrics");
            Some(AbortOnDrop(task))
        }
        None => None,
    };
    // When NATS is slow or away the relay stops reading the channel; the channel's buffer
    // (--max-buffer) fills, then it stops reading the socket (--overflow block, the default)
    // or drops and reports the loss as a `lagged` gap record (drop-newest, drop-oldest).
    let options = args.tuning.options();
    let (mut source, tag) = tokio::select! {
        channel = connect(&args, &topics, options) => channel?,
        signal = shutdown.recv() => {
            tracing::info!(event = "interrupted", signal, "{signal} before the subscription completed");
            return Ok(());
        }
    };
    let until = async {
        let signal = shutdown.recv().await;
        tracing::info!(event = "signal", signal, "{signal}: draining");
    };
    let summary = match &mut source {
        Source::Channel(channel) => relay.run(channel, &tag, until).await,
        Source::Pool(pool) => relay.run(pool, &tag, until).await,
    }
    .map_err(relay_error)?;
    tracing::info!(
        event = "done",
        received = summary.received,
        acked = summary.acked,
        duplicates = summary.duplicates,
        gaps = summary.gaps,
        unacked = summary.unacked,
        "done: {} notification(s) received, {} acknowledged ({} duplicate), {} gap record(s), {} unacknowledged",
        summary.received,
        summary.acked,
        summary.duplicates,
        summary.gaps,
        summary.unacked
    );
    Ok(())
}

/// Stops the metrics server with the command.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Connects in URI mode (one channel) or managed mode (a pool of as many channels as the
/// topics need); returns the source and its tag (a hash of the channel ids, which are
/// credentials and never written anywhere).
async fn connect(
    args: &RelayArgs,
    topics: &[String],
    options: ConnectOptions,
) -> anyhow::Result<(Source, String)> {
    if let Some(uri) = &args.uri {
        tracing::info!(
            event = "connecting",
            mode = "uri",
            "connecting to the channel"
        );
        let id = uri.rsplit('/').next().unwrap_or_default();
        let channel = options
            .connect(uri, topics.iter().cloned())
            .await
            .context("cannot listen on the channel")?;
        return Ok((Source::Channel(channel), channel_tag(id)));
    }
    if !args.api.has_location() {
        return Err(usage(
            "nothing to relay: give --uri, or a region (--region or GENESYSCLOUD_REGION) \
             and OAuth client credentials for a managed channel",
        ));
    }
    let rest = args.api.rest_client()?;
    let pool = connect_pool(
        rest,
        options,
        args.max_channels,
        &args.topic_counting,
        topics,
    )
    .await?;
    // The pool's tag: a hash of its first channels' ids (credentials, never written).
    let ids: Vec<String> = pool.channels().into_iter().map(|c| c.channel_id).collect();
    let tag = channel_tag(&ids.join(","));
    Ok((Source::Pool(pool), tag))
}
