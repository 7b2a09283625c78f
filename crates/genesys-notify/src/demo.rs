//! `genesys-notify demo`: the client against an in-process simulator, with a dropped
//! connection and a maintenance close on the way, then an honest summary.
//!
//! # How losses are counted
//!
//! The simulator counts every event its generator publishes, and the generator only
//! publishes to subscribed topics. The demo connects before it subscribes; at the end it
//! removes the channels' subscriptions (so the generator stops), reads what is still in
//! flight, and compares the number of notifications written to stdout with the number
//! published: `lost = published - received`. Nothing is assumed.
//!
//! The service does not queue events while no socket is open, so a dropped connection can
//! lose events published during the outage (the client then reports a gap). The demo acts
//! (drop, maintenance, end) right after a notification arrived, so that the few
//! milliseconds of a loopback reconnect fall between two generated events, as they would
//! most of the time in production; the summary says what actually happened.

use std::time::Duration;

use anyhow::Context;
use genesys_notifications::rest::{Credentials, Environment, Pool, PoolOptions, RestClient};
use genesys_notifications::{ConnectOptions, Maintenance};
use genesys_sim::{Fault, GeneratorConfig, SimConfig, Simulator};
use serde_json::json;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::exit::{EXIT_CODES_HELP, usage};
use crate::logging::LogFormat;
use crate::output::Lines;
use crate::pump::{Pump, Source, Stop, Tally, millis, short_id};
use crate::signal::Shutdown;

const CLIENT_ID: &str = "demo-client";
const CLIENT_SECRET: &str = "demo-secret";

/// The demo's topics: an agent's presence and routing status (one combined topic), the
/// agent's conversations, a queue's conversations and its live statistics.
const TOPICS: &[&str] = &[
    "v2.users.6f8e2b1c-3d4a-4e5f-9a0b-1c2d3e4f5a6b?presence&routingStatus",
    "v2.users.6f8e2b1c-3d4a-4e5f-9a0b-1c2d3e4f5a6b.conversations",
    "v2.routing.queues.0c9b8a7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d.conversations",
    "v2.analytics.queues.0c9b8a7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d.observations",
];

/// Topics per channel in the demo's pool: the service allows 1,000; the demo's five topics
/// (expanded) need two channels at three, so the pool at work is visible with few topics.
const TOPICS_PER_CHANNEL: usize = 3;

/// How long after the run the in-flight notifications may take to arrive.
const SETTLE: Duration = Duration::from_secs(2);

/// See the client at work against a built-in simulator, no account needed.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXIT_CODES_HELP)]
pub(crate) struct DemoArgs {
    /// How long the demo runs; the drop comes at about 30 % of it, the maintenance close at
    /// about 60 %.
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Events per second the simulator generates (0.1 to 50).
    #[arg(long, value_name = "RATE", default_value_t = 4.0)]
    rate: f64,
    /// Also write heartbeats to stdout (the demo's simulator sends one every 5 s).
    #[arg(long)]
    include_heartbeats: bool,
    /// Pretty-print each notification over indented lines.
    #[arg(long)]
    pretty: bool,
    /// Seed of the simulator (channel ids, generated events).
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

/// The outcome, as printed.
#[derive(Debug)]
struct Summary {
    elapsed: Duration,
    /// Channels of the pool.
    channels: usize,
    published: u64,
    tally: Tally,
}

impl Summary {
    fn lost(&self) -> u64 {
        self.published.saturating_sub(self.tally.notifications)
    }

    fn duplicates(&self) -> u64 {
        self.tally.notifications.saturating_sub(self.published)
    }

    fn print(&self, format: LogFormat) {
        match format {
            LogFormat::Json => eprintln!("{}", self.to_json()),
            LogFormat::Text => eprint!("{}", self.to_text()),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let t = &self.tally;
        json!({ "summary": {
            "elapsed_ms": millis(self.elapsed),
            "channels": self.channels,
            "published": self.published,
            "received": t.notifications,
            "per_topic": t.per_topic,
            "reconnects": t.reconnects,
            "rollovers": t.rollovers,
            "gaps": t.gaps,
            "gap_ms": millis(t.gap_time),
            "lost": self.lost(),
            "duplicates": self.duplicates(),
            "dropped": t.dropped,
            "malformed": t.malformed,
        }})
    }

    fn to_text(&self) -> String {
        use std::fmt::Write;
        let t = &self.tally;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "\n-- demo summary ({:.1} s) --",
            self.elapsed.as_secs_f64()
        );
        let _ = writeln!(s, "channels:   {}  (one pool, one stream)", self.channels);
        let _ = writeln!(
            s,
            "notifications: {} received of {} published",
            t.notifications, self.published
        );
        let width = t.per_topic.keys().map(String::len).max().unwrap_or(0);
        for (topic, n) in &t.per_topic {
            let _ = writeln!(s, "  {topic:<width$}  {n:>5}");
        }
        let _ = writeln!(
            s,
            "reconnects: {}  (recoveries from a lost connection)",
            t.reconnects
        );
        let _ = writeln!(
            s,
            "rollovers:  {}  (switches to a new channel before a maintenance close)",
            t.rollovers
        );
        let gap_note = match (t.gaps, self.lost()) {
            (0, _) => String::new(),
            (_, 0) => format!(
                "  ({} ms without a subscribed socket; no event was published in it)",
                millis(t.gap_time)
            ),
            _ => format!("  ({} ms without a subscribed socket)", millis(t.gap_time)),
        };
        let _ = writeln!(s, "gaps:       {}{gap_note}", t.gaps);
        let _ = writeln!(s, "losses:     {}", self.lost());
        if self.duplicates() > 0 {
            let _ = writeln!(s, "duplicates: {}", self.duplicates());
        }
        s
    }
}

/// Runs `demo`.
pub(crate) async fn run(args: DemoArgs, format: LogFormat) -> anyhow::Result<()> {
    if !(args.rate.is_finite() && (0.1..=50.0).contains(&args.rate)) {
        return Err(usage("--rate must be between 0.1 and 50 events per second"));
    }
    if args.duration < Duration::from_secs(2) {
        return Err(usage("--duration must be at least 2s"));
    }
    let mut shutdown = Shutdown::install()?;
    let sim = Simulator::start(SimConfig {
        heartbeat_interval: Duration::from_secs(5),
        socket_closing_grace: Duration::from_secs(1),
        generator: Some(GeneratorConfig {
            rate_per_sec: args.rate,
        }),
        seed: args.seed,
        ..SimConfig::default()
    })
    .await
    .context("cannot start the simulator")?;
    let url = sim.base_url();
    tracing::info!(event = "simulator", url, "simulator listening on {url}");
    let env = Environment::local(&url).context("the simulator's URL")?;
    let rest = RestClient::new(
        env,
        Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET),
    )?;
    let pool = connect(&rest, args.include_heartbeats).await?;
    let channels = pool.channels().len();

    let started = Instant::now();
    let mut pump = Pump::new(
        Source::Pool(pool),
        Lines::stdout(args.pretty),
        args.include_heartbeats,
    )
    .per_topic();
    let mut stop =
        stream_with_faults(&mut pump, &sim, &mut shutdown, started + args.duration).await;
    let mut published = sim.stats().published;
    if matches!(stop, Stop::Deadline | Stop::Signal(_)) {
        let wound;
        (wound, published) = wind_down(&mut pump, &sim, &rest, &mut shutdown).await;
        if !matches!(wound, Stop::Deadline | Stop::Count) {
            stop = wound;
        }
    }
    let summary = Summary {
        // Everything in flight was read while winding down.
        tally: pump.close(true).await,
        elapsed: started.elapsed(),
        channels,
        published,
    };
    summary.print(format);
    sim.shutdown().await;
    match stop {
        Stop::Failed(error) => Err(anyhow::Error::new(error).context("the channel failed")),
        Stop::OutputFailed(error) => {
            Err(anyhow::Error::new(error).context("cannot write to stdout"))
        }
        _ => Ok(()),
    }
}

/// A pool of managed channels on the simulator. Each channel is connected first and
/// subscribed once open: the service delivers only to an open socket, so subscribing before
/// the socket is open could lose the first events (request CLI-3).
async fn connect(rest: &RestClient, heartbeats: bool) -> anyhow::Result<Pool> {
    let options = ConnectOptions::new()
        .maintenance(Maintenance::NewChannel)
        .heartbeats(heartbeats);
    let pool = PoolOptions::new(rest.clone())
        .connect_options(options)
        .topics_per_channel(TOPICS_PER_CHANNEL);
    let plan = pool
        .plan(TOPICS)
        .context("cannot place the demo's topics")?;
    tracing::info!(
        event = "plan",
        topics = plan.topic_count(),
        entries = plan.entry_count(),
        channels = plan.channel_count(),
        "plan: {} topics in {} entries on {} channels ({TOPICS_PER_CHANNEL} topics a channel in the demo, 1,000 in production)",
        plan.topic_count(),
        plan.entry_count(),
        plan.channel_count()
    );
    let pool = pool
        .connect(TOPICS.iter().copied())
        .await
        .context("cannot start the demo's channel pool")?;
    for channel in pool.channels() {
        let id = short_id(&channel.channel_id);
        tracing::info!(
            event = "listening",
            channel = channel.index,
            id,
            topics = channel.topics,
            "pool channel {}: {id} subscribed to {}",
            channel.index,
            channel.entries.join(", ")
        );
    }
    tracing::info!(
        event = "listening",
        "one stream over {} channels; notifications go to stdout",
        pool.channels().len()
    );
    Ok(pool)
}

/// Streams until `deadline` (or a signal, or a failure) while the fault script runs.
async fn stream_with_faults(
    pump: &mut Pump,
    sim: &Simulator,
    shutdown: &mut Shutdown,
    deadline: Instant,
) -> Stop {
    let written = pump.written();
    let run = pump.run(None, async {
        tokio::select! {
            signal = shutdown.recv() => Stop::Signal(signal),
            () = tokio::time::sleep_until(deadline) => Stop::Deadline,
        }
    });
    let script = async {
        faults(sim, written, deadline).await;
        std::future::pending::<Stop>().await
    };
    tokio::select! {
        stop = run => stop,
        stop = script => stop,
    }
}

/// Stops the generator (it only publishes to subscribed topics) right after a notification,
/// so that no event is being published meanwhile, then lets what is in flight arrive.
/// Returns why it stopped and the final number of events published.
async fn wind_down(
    pump: &mut Pump,
    sim: &Simulator,
    rest: &RestClient,
    shutdown: &mut Shutdown,
) -> (Stop, u64) {
    let mut written = pump.written();
    let next = async {
        after_next_notification(&mut written).await;
        Stop::Deadline
    };
    let stop = pump.run(None, next).await;
    if !matches!(stop, Stop::Deadline) {
        return (stop, sim.stats().published);
    }
    let stats = sim.stats();
    for channel in stats.channels.iter().filter(|c| c.client_id == CLIENT_ID) {
        if let Err(error) = rest.remove_all_subscriptions(&channel.id).await {
            let channel = short_id(&channel.id);
            tracing::warn!(event = "demo", "cannot unsubscribe {channel}: {error}");
        }
    }
    let published = sim.stats().published;
    let stop = pump
        .run(Some(published), async {
            tokio::select! {
                signal = shutdown.recv() => Stop::Signal(signal),
                () = tokio::time::sleep(SETTLE) => Stop::Deadline,
            }
        })
        .await;
    (stop, published)
}

/// The demo's script: a dropped connection at 30 % of the run, maintenance at 60 %.
async fn faults(sim: &Simulator, mut written: watch::Receiver<u64>, deadline: Instant) {
    let duration = deadline.saturating_duration_since(Instant::now());
    let at = |fraction: f64| deadline - duration.mul_f64(1.0 - fraction);
    tokio::time::sleep_until(at(0.3)).await;
    inject(
        sim,
        &mut written,
        Fault::Drop,
        "dropping the connection without a close frame, as a network failure would",
    )
    .await;
    tokio::time::sleep_until(at(0.6)).await;
    inject(
        sim,
        &mut written,
        Fault::SocketClosing,
        "the service announces maintenance (socket_closing) and closes the socket 1 s later",
    )
    .await;
}

/// Injects `fault` into the demo's connected channel right after the next notification.
async fn inject(sim: &Simulator, written: &mut watch::Receiver<u64>, fault: Fault, what: &str) {
    after_next_notification(written).await;
    let stats = sim.stats();
    let Some(channel) = stats
        .channels
        .iter()
        .find(|c| c.client_id == CLIENT_ID && c.connected)
    else {
        tracing::warn!(
            event = "demo",
            "no connected channel to inject a fault into"
        );
        return;
    };
    tracing::info!(event = "demo", fault = ?fault, "demo: {what}");
    if let Err(error) = sim.fault(&channel.id, fault) {
        tracing::warn!(event = "demo", "cannot inject the fault: {error}");
    }
}

/// Returns right after the next notification is written (or after 2 s without one).
/// The generator publishes at a steady rate, so this is when the next event is furthest.
async fn after_next_notification(written: &mut watch::Receiver<u64>) {
    let seen = *written.borrow_and_update();
    let _ = tokio::time::timeout(Duration::from_secs(2), written.wait_for(|n| *n > seen)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_losses_and_duplicates_from_both_sides() {
        let mut tally = Tally {
            notifications: 9,
            ..Tally::default()
        };
        tally.per_topic.insert("v2.users.u.presence".into(), 9);
        let summary = Summary {
            elapsed: Duration::from_secs(1),
            channels: 2,
            published: 10,
            tally,
        };
        assert_eq!(summary.lost(), 1);
        assert_eq!(summary.duplicates(), 0);
        assert!(summary.to_text().contains("losses:     1"));
        assert_eq!(summary.to_json()["summary"]["lost"], 1);
    }
}
