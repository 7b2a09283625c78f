//! `genesys-notify listen`: a channel's notifications as JSON lines on stdout.

use std::time::Duration;

use anyhow::Context;
use genesys_notifications::models::Template;
use genesys_notifications::rest::{Pool, PoolOptions, RestClient, TopicCounting};
use genesys_notifications::{ConnectOptions, Maintenance, Overflow, ReconnectPolicy};
use tokio::time::Instant;

use crate::api::ApiArgs;
use crate::exit::{Coded, EXIT_CODES_HELP, Exit, usage};
use crate::output::Lines;
use crate::pump::{Pump, Source, Stop, short_id};
use crate::signal::Shutdown;
use crate::topics::TopicArgs;

/// Listen to notifications: one JSON object a line on stdout, lifecycle on stderr.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXIT_CODES_HELP)]
pub(crate) struct ListenArgs {
    /// Connect URI of an existing channel (`wss://streaming.../channels/ID`, from
    /// `channels create`). Without it, a managed channel is created with the credentials.
    #[arg(long, value_name = "URI", help_heading = "Channel", conflicts_with_all = ["api_base", "login_base"])]
    uri: Option<String>,
    #[command(flatten, next_help_heading = "Managed channel (without --uri)")]
    api: ApiArgs,
    #[command(flatten, next_help_heading = "Topics")]
    topics: TopicArgs,
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
    /// Also write heartbeats (`channel.metadata`, about every 30 s) to stdout.
    #[arg(long, help_heading = "Output")]
    include_heartbeats: bool,
    /// Pretty-print each notification over indented lines instead of one a line.
    #[arg(long, help_heading = "Output")]
    pretty: bool,
    /// Print only notifications of this topic template (repeatable), as a pattern
    /// (`v2.users.{id}.presence`) or a name (`UserPresence`); --count counts only those.
    #[arg(long = "filter", value_name = "TEMPLATE", help_heading = "Output")]
    filter: Vec<Template>,
    /// Exit 0 after this many notifications.
    #[arg(long, value_name = "N", help_heading = "Stopping")]
    count: Option<u64>,
    /// Exit 0 after this long, e.g. `90s`, `15m`, `2h 30m`.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, help_heading = "Stopping")]
    duration: Option<Duration>,
    #[command(flatten, next_help_heading = "Tuning")]
    tuning: Tuning,
}

/// Connection and recovery tuning.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Tuning {
    /// Timeout of each connection attempt (TCP, TLS and WebSocket handshake).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    connect_timeout: Duration,
    /// How long to wait for the service to confirm a subscription.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    subscribe_timeout: Duration,
    /// Reconnect when nothing at all arrived for this long (the service sends a heartbeat
    /// about every 30 s); `0s` disables the watchdog.
    #[arg(long, value_name = "DURATION", default_value = "75s", value_parser = humantime::parse_duration)]
    heartbeat_timeout: Duration,
    /// Give up (exit 14) after this many failed reconnect attempts in a row; `0` never
    /// reconnects. Default: first retry at once, then backoff with jitter up to 30 s,
    /// forever.
    #[arg(long, value_name = "N")]
    max_reconnect_attempts: Option<u32>,
    /// Extend the channel's lifetime (resubscribe) this long after the last subscription
    /// (the service keeps a channel 24 h; a managed channel is also extended an hour
    /// before the service's `expires`).
    #[arg(long, value_name = "DURATION", default_value = "23h", value_parser = humantime::parse_duration)]
    lifetime: Duration,
    /// Largest frame accepted, in bytes; a larger frame is reported on stderr and the
    /// socket reconnected.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    max_message_size: usize,
    /// Never extend the channel's lifetime: a warning is logged when it is about to expire
    /// (a managed channel is then replaced; a --uri channel ends, exit 13).
    #[arg(long)]
    no_extend: bool,
    /// Bound of the buffer between the socket and stdout, e.g. `64MiB`, `512KiB`, `1GB`,
    /// `1000000` (bytes; KiB/MiB/GiB and K/M/G are powers of 1024, KB/MB/GB of 1000).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    max_buffer: usize,
    /// When that buffer is full (stdout does not keep up): `block` stops reading the socket
    /// until stdout catches up, so nothing is lost (the service is slowed down by TCP flow
    /// control); `drop-newest` / `drop-oldest` keep reading and drop notifications, each
    /// drop reported on stderr.
    #[arg(long, value_enum, value_name = "POLICY", default_value = "block")]
    overflow: OverflowArg,
    /// At exit, how long to wait for the service's answer to the close frame. The close
    /// frame is always sent; what arrives after it is discarded whatever the wait (on a
    /// busy channel the answer comes after megabytes still in flight), so by default
    /// (`0s`) the process exits as soon as the close frame is written.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = humantime::parse_duration)]
    close_timeout: Duration,
}

/// `--overflow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OverflowArg {
    /// Back-pressure: nothing is dropped.
    Block,
    /// Drop the incoming notifications.
    DropNewest,
    /// Drop the oldest buffered notifications.
    DropOldest,
}

impl From<OverflowArg> for Overflow {
    fn from(arg: OverflowArg) -> Overflow {
        match arg {
            OverflowArg::Block => Overflow::Block,
            OverflowArg::DropNewest => Overflow::DropNewest,
            OverflowArg::DropOldest => Overflow::DropOldest,
        }
    }
}

/// A size in bytes: a number and an optional unit (`B`, `K`/`KiB`, `M`/`MiB`, `G`/`GiB`,
/// `KB`, `MB`, `GB`; case does not matter; a space may separate them).
pub(crate) fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 64MiB, 512KiB, 1000000)"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let multiplier: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (B, KiB, MiB, GiB, KB, MB, GB)"
            ));
        }
    };
    let bytes = (number * multiplier).round();
    if !(1.0..=(usize::MAX as f64)).contains(&bytes) {
        return Err(format!("{text:?} is out of range"));
    }
    Ok(bytes as usize)
}

impl Tuning {
    /// The library options these flags describe.
    pub(crate) fn options(&self) -> ConnectOptions {
        let mut reconnect = ReconnectPolicy::default();
        if let Some(attempts) = self.max_reconnect_attempts {
            reconnect = reconnect.max_attempts(Some(attempts)).max_elapsed(None);
        }
        ConnectOptions::new()
            .connect_timeout(self.connect_timeout)
            .subscribe_timeout(self.subscribe_timeout)
            .heartbeat_timeout(Some(self.heartbeat_timeout).filter(|t| !t.is_zero()))
            .reconnect(reconnect)
            .extend_after((!self.no_extend).then_some(self.lifetime))
            .max_message_size(self.max_message_size)
            .max_buffer(self.max_buffer)
            .overflow(self.overflow.into())
            .close_timeout(self.close_timeout)
    }
}

/// Runs `listen`.
pub(crate) async fn run(args: ListenArgs) -> anyhow::Result<()> {
    let topics = args.topics.collect()?;
    let options = args.tuning.options().heartbeats(args.include_heartbeats);
    let mut shutdown = Shutdown::install()?;
    let started = Instant::now();

    let channel = tokio::select! {
        channel = connect(&args, &topics, options) => channel?,
        signal = shutdown.recv() => {
            tracing::info!(event = "interrupted", signal, "{signal} before the subscription completed");
            return Ok(());
        }
    };
    tracing::info!(
        event = "listening",
        topics = topics.len(),
        "listening to {} topic(s); notifications go to stdout",
        topics.len()
    );

    let deadline = args.duration.map(|d| started + d);
    let mut pump = Pump::new(channel, Lines::stdout(args.pretty), args.include_heartbeats)
        .only(args.filter.clone());
    let stop = pump
        .run(args.count, async {
            tokio::select! {
                signal = shutdown.recv() => Stop::Signal(signal),
                () = sleep_until(deadline) => Stop::Deadline,
            }
        })
        .await;
    let tally = pump.close(!matches!(stop, Stop::Count)).await;
    let why = match stop {
        Stop::Failed(error) => {
            return Err(anyhow::Error::new(error).context("the channel failed"));
        }
        Stop::OutputFailed(error) => {
            return Err(anyhow::Error::new(error).context("cannot write to stdout"));
        }
        Stop::Count => "count reached",
        Stop::Deadline => "duration elapsed",
        Stop::Signal(signal) => signal,
        Stop::Ended => "the channel closed",
        Stop::OutputClosed => "stdout closed",
    };
    tracing::info!(
        event = "done",
        why,
        notifications = tally.notifications,
        reconnects = tally.reconnects,
        rollovers = tally.rollovers,
        gaps = tally.gaps,
        "done ({why}): {} notification(s), {} reconnect(s), {} rollover(s), {} gap(s)",
        tally.notifications,
        tally.reconnects,
        tally.rollovers,
        tally.gaps
    );
    Ok(())
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Connects in URI mode (one channel) or managed mode (a pool of as many channels as the
/// topics need); fails fast with the first failure.
async fn connect(
    args: &ListenArgs,
    topics: &[String],
    options: ConnectOptions,
) -> anyhow::Result<Source> {
    if let Some(uri) = &args.uri {
        tracing::info!(
            event = "connecting",
            mode = "uri",
            "connecting to the channel"
        );
        return options
            .connect(uri, topics.iter().cloned())
            .await
            .map(Source::Channel)
            .context("cannot listen on the channel");
    }
    if !args.api.has_location() {
        return Err(usage(
            "nothing to listen to: give --uri, or a region (--region or GENESYSCLOUD_REGION) \
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
    Ok(Source::Pool(pool))
}

/// Managed mode of `listen` and `relay`: a pool of as many channels as the topics need (at
/// most `max_channels`). The plan goes to stderr first; a set that cannot fit is refused
/// (exit 12) before any channel exists.
pub(crate) async fn connect_pool(
    rest: RestClient,
    options: ConnectOptions,
    max_channels: u8,
    topic_counting: &str,
    topics: &[String],
) -> anyhow::Result<Pool> {
    let counting = match topic_counting {
        "entries" => TopicCounting::Entries,
        _ => TopicCounting::Expanded,
    };
    let pool = PoolOptions::new(rest.clone())
        .connect_options(options.maintenance(Maintenance::NewChannel))
        .max_channels(usize::from(max_channels))
        .counting(counting);
    // The plan first: a set that cannot fit is refused before any channel exists.
    let plan = pool.plan(topics).context("cannot place the topics")?;
    tracing::info!(
        event = "plan",
        topics = plan.topic_count(),
        entries = plan.entry_count(),
        channels = plan.channel_count(),
        max_channels,
        "plan: {} topic(s) in {} entries on {} channel(s) (at most {} channels)",
        plan.topic_count(),
        plan.entry_count(),
        plan.channel_count(),
        max_channels
    );
    tracing::info!(
        event = "connecting",
        mode = "managed",
        api = %rest.environment().api_base(),
        "creating {} channel(s)",
        plan.channel_count()
    );
    let pool = pool
        .connect(topics.iter().cloned())
        .await
        .context("cannot start the managed channels")?;
    for (topic, reason) in pool.handle().rejected() {
        tracing::warn!(
            event = "topic_rejected",
            topic,
            reason,
            "topic refused by the service: {reason}"
        );
    }
    if pool.topics().is_empty() {
        return Err(anyhow::Error::new(Coded(
            Exit::Subscription,
            "the service refused every topic".to_owned(),
        )));
    }
    for channel in pool.channels() {
        let id = short_id(&channel.channel_id);
        tracing::info!(
            event = "channel",
            id,
            channel = channel.index,
            topics = channel.topics,
            entries = channel.entries.len(),
            "pool channel {}: {id}, {} topic(s) in {} entries",
            channel.index,
            channel.topics,
            channel.entries.len()
        );
    }
    Ok(pool)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("1000000"), Ok(1_000_000));
        assert_eq!(parse_size("10b"), Ok(10));
        assert!(parse_size("").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("0").is_err());
    }

    #[derive(Debug, clap::Parser)]
    struct TuningOnly {
        #[command(flatten)]
        tuning: Tuning,
    }

    /// An explicit end does not wait for the close answer unless asked to.
    #[test]
    fn exit_does_not_wait_for_the_close_answer_by_default() {
        use clap::Parser as _;
        let args = TuningOnly::try_parse_from(["listen"]).unwrap();
        assert_eq!(args.tuning.close_timeout, Duration::ZERO);
        let args = TuningOnly::try_parse_from(["listen", "--close-timeout", "250ms"]).unwrap();
        assert_eq!(args.tuning.close_timeout, Duration::from_millis(250));
    }
}
