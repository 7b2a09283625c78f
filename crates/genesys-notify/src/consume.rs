//! `genesys-notify consume`: read a relay's stream back as `listen` would print it.

use genesys_relay::consume::{ConsumeOptions, Record, consume};

use crate::exit::EXIT_CODES_HELP;
use crate::nats::{NatsArgs, StreamArgs, relay_error};
use crate::output::Output;
use crate::signal::Shutdown;

/// Read notifications from a relay's JetStream stream.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXIT_CODES_HELP)]
pub(crate) struct ConsumeArgs {
    #[command(flatten, next_help_heading = "NATS")]
    nats: NatsArgs,
    #[command(flatten, next_help_heading = "Stream")]
    stream: StreamArgs,
    /// Only subjects matching this filter, e.g. `genesys.v2.users.*.presence` (gap and
    /// relay records are always delivered).
    #[arg(long, value_name = "SUBJECT")]
    filter: Option<String>,
    /// A durable consumer of this name: it resumes after the last notification it wrote,
    /// across restarts. Without it, reading starts now (or at the start with
    /// --from-start) and nothing is remembered.
    #[arg(long, value_name = "NAME")]
    durable: Option<String>,
    /// Start at the oldest message the stream holds instead of new ones only.
    #[arg(long)]
    from_start: bool,
    /// With --durable: messages fetched but not written when `consume` stops (e.g. after
    /// --count) are delivered again to the next reader after this time.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = humantime::parse_duration, requires = "durable")]
    ack_wait: std::time::Duration,
    /// Pretty-print each notification over indented lines instead of one a line.
    #[arg(long, help_heading = "Output")]
    pretty: bool,
    /// Exit 0 after this many notifications.
    #[arg(long, value_name = "N", help_heading = "Stopping")]
    count: Option<u64>,
}

/// Runs `consume`.
pub(crate) async fn run(args: ConsumeArgs) -> anyhow::Result<()> {
    let mut shutdown = Shutdown::install()?;
    let client = args
        .nats
        .options("genesys-notify consume")
        .connect(|_| {})
        .await
        .map_err(relay_error)?;
    let mut options = ConsumeOptions::default();
    options.stream = args.stream.stream.clone();
    options.prefix = args.stream.subject_prefix.clone();
    options.filter = args.filter.clone();
    options.durable = args.durable.clone();
    options.from_start = args.from_start;
    options.ack_wait = args.ack_wait;
    let mut deliveries = consume(client, &options).await.map_err(relay_error)?;
    tracing::info!(event = "consuming", stream = %options.stream, "reading stream {}", options.stream);
    let mut out = Output::stdout(args.pretty);
    let mut written = 0u64;
    let mut gaps = 0u64;
    let why = loop {
        if args.count.is_some_and(|count| written >= count) {
            break "count reached";
        }
        let delivery = tokio::select! {
            signal = shutdown.recv() => break signal,
            delivery = deliveries.next() => delivery,
        };
        let Some(delivery) = delivery else {
            break "the consumer ended";
        };
        let delivery = delivery.map_err(relay_error)?;
        match &delivery.record {
            Record::Notification { topic, frame } => match std::str::from_utf8(frame) {
                Ok(frame) => {
                    if let Err(error) = out.frame(frame) {
                        if error.kind() == std::io::ErrorKind::BrokenPipe {
                            break "stdout closed";
                        }
                        return Err(anyhow::Error::new(error).context("cannot write to stdout"));
                    }
                    written += 1;
                }
                Err(_) => tracing::warn!(
                    event = "malformed",
                    topic,
                    raw = %String::from_utf8_lossy(frame),
                    "a message that is not UTF-8 text"
                ),
            },
            Record::Gap(gap) => {
                gaps += 1;
                let reason = serde_json::to_value(gap.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                tracing::warn!(
                    event = "gap",
                    from = %gap.from,
                    to = %gap.to,
                    topics = gap.topics.len(),
                    channel = %gap.channel,
                    reason = %reason,
                    dropped = gap.dropped,
                    "gap ({reason}) from {} to {}: notifications in this window may be missing (back-fill from the REST API)",
                    gap.from,
                    gap.to
                );
            }
            Record::Relay(record) => tracing::info!(
                event = "relay",
                relay = %record.relay,
                what = ?record.event,
                at = %record.at,
                "relay {} {:?} at {}",
                record.relay,
                record.event,
                record.at
            ),
            Record::Other { subject, .. } => {
                tracing::debug!(event = "other", subject = %subject, "skipped a message on {subject}");
            }
            _ => {}
        }
        delivery.ack().await.map_err(relay_error)?;
    };
    tracing::info!(
        event = "done",
        why,
        notifications = written,
        gaps,
        "done ({why}): {written} notification(s), {gaps} gap record(s)"
    );
    Ok(())
}
