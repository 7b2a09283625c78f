//! Recovery latency on loopback, against the simulator:
//!
//! - **maintenance**: from the moment the simulator is told to send `v2.system.socket_closing`
//!   to the library's [`Event::Subscribed`] on the new socket (make before break);
//! - **drop**: from the moment the simulator drops the connection (no close frame) to the
//!   first notification the library delivers after it resubscribed (first retry immediate).
//!   A publisher thread publishes one notification every 100 µs throughout, so this adds
//!   at most 0.1 ms. The time to [`Event::Reconnected`] is reported too.
//!
//! The simulator runs on its own thread and runtime; the library on this thread's
//! current-thread runtime. Every measurement uses a fresh channel, so the reconnect policy
//! always starts from its immediate first retry.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use genesys_notifications::{Channel, ConnectOptions, Event, ReconnectPolicy};
use genesys_sim::{Fault, Frame, SimConfig, Simulator};

use crate::shapes::Shape;

/// The recovery latency target (BENCHMARKS.md).
pub const TARGET: Duration = Duration::from_millis(50);

/// How long one measurement may take before it counts as a failure.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// The simulator on its own thread; dropped = shut down.
#[derive(Debug)]
pub struct SimThread {
    sim: Option<Arc<Simulator>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SimThread {
    /// Starts a simulator with `config` on a new thread with a current-thread runtime.
    ///
    /// # Errors
    ///
    /// When the runtime or the simulator cannot start.
    pub fn start(config: SimConfig) -> anyhow::Result<SimThread> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(anyhow::Error::from(e)));
                    return;
                }
            };
            rt.block_on(async move {
                match Simulator::start(config).await {
                    Ok(sim) => {
                        let sim = Arc::new(sim);
                        let _ = ready_tx.send(Ok(Arc::clone(&sim)));
                        let _ = stop_rx.await;
                        drop(sim);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                    }
                }
            });
        });
        let sim = ready_rx.recv().context("simulator thread died")??;
        Ok(SimThread {
            sim: Some(sim),
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// A shared handle of the simulator (for other threads).
    pub fn shared(&self) -> Arc<Simulator> {
        Arc::clone(self.sim.as_ref().unwrap_or_else(|| unreachable!()))
    }

    /// The simulator.
    pub fn sim(&self) -> &Simulator {
        // Only `None` during `drop`.
        self.sim.as_deref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for SimThread {
    fn drop(&mut self) {
        self.sim.take();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Latency statistics of one kind of measurement.
#[derive(Debug, Clone)]
pub struct Latencies {
    /// What was measured.
    pub what: &'static str,
    /// Every sample, sorted.
    pub samples: Vec<Duration>,
}

impl Latencies {
    fn new(what: &'static str, mut samples: Vec<Duration>) -> Latencies {
        samples.sort();
        Latencies { what, samples }
    }

    /// The `q`-quantile (nearest rank).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.samples.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((self.samples.len() as f64 * q).ceil() as usize).clamp(1, self.samples.len());
        self.samples[rank - 1]
    }

    /// The largest sample.
    pub fn max(&self) -> Duration {
        self.samples.last().copied().unwrap_or_default()
    }
}

fn options() -> ConnectOptions {
    ConnectOptions::new().reconnect(ReconnectPolicy::default().immediate_first(true))
}

async fn next_event(events: &mut genesys_notifications::Events) -> anyhow::Result<Event> {
    tokio::time::timeout(STEP_TIMEOUT, events.recv())
        .await
        .context("timed out waiting for an event")?
        .context("channel closed")
}

/// One maintenance measurement: fault → `Subscribed` on the new socket. Returns the latency
/// and waits for the rollover to complete.
async fn maintenance_once(sim: &Simulator, topic: &str) -> anyhow::Result<Duration> {
    let info = sim.create_channel("demo-client");
    let mut channel = options().connect(&info.connect_uri, [topic]).await?;
    let mut events = channel.events();
    let t0 = Instant::now();
    sim.fault(&info.id, Fault::SocketClosing)?;
    let mut latency = None;
    let waited = async {
        loop {
            match next_event(&mut events).await? {
                Event::Subscribed { .. } if latency.is_none() => latency = Some(t0.elapsed()),
                Event::RolloverCompleted => break,
                Event::Disconnected { reason } => bail!("disconnected during rollover: {reason}"),
                _ => {}
            }
        }
        anyhow::Ok(())
    };
    // Keep consuming the stream while the switch happens.
    tokio::select! {
        r = waited => r?,
        item = channel.next() => bail!("unexpected stream item during maintenance: {item:?}"),
    }
    latency.context("no Subscribed event before RolloverCompleted")
}

/// One drop measurement: fault → `Reconnected` and → first notification after the gap.
async fn drop_once(sim: &Simulator, topic: &str) -> anyhow::Result<(Duration, Duration)> {
    let info = sim.create_channel("demo-client");
    let mut channel: Channel = options().connect(&info.connect_uri, [topic]).await?;
    let mut events = channel.events();
    // Steady state: a notification has arrived.
    match tokio::time::timeout(STEP_TIMEOUT, channel.next()).await {
        Ok(Some(Ok(_))) => {}
        other => bail!("no notification before the drop: {other:?}"),
    }
    let t0 = Instant::now();
    sim.fault(&info.id, Fault::Drop)?;
    let mut reconnected = None;
    let mut after_gap = false;
    let first = loop {
        tokio::select! {
            event = next_event(&mut events) => {
                if let Event::Reconnected { .. } = event? {
                    reconnected.get_or_insert(t0.elapsed());
                }
            }
            item = tokio::time::timeout(STEP_TIMEOUT, channel.next()) => {
                match item.context("timed out waiting for a notification")? {
                    Some(Ok(_)) if after_gap => break t0.elapsed(),
                    Some(Ok(_)) => {} // sent before the drop
                    Some(Err(e)) if e.is_gap() => after_gap = true,
                    Some(Err(e)) if !e.is_fatal() => {}
                    Some(Err(e)) => return Err(e.into()),
                    None => bail!("stream ended"),
                }
            }
        }
    };
    // `Reconnected` may be observed just after the notification.
    while reconnected.is_none() {
        if let Event::Reconnected { .. } = next_event(&mut events).await? {
            reconnected = Some(t0.elapsed());
        }
    }
    Ok((reconnected.unwrap_or_default(), first))
}

/// Runs `runs` measurements of each kind and prints the report.
///
/// # Errors
///
/// When a measurement fails or times out.
pub async fn run(runs: usize) -> anyhow::Result<Vec<Latencies>> {
    let sim_thread = SimThread::start(SimConfig {
        max_channels_per_client: 10_000,
        ..SimConfig::default()
    })?;
    let sim = sim_thread.sim();
    let topic = Shape::Presence.topic();
    let frame: Frame = sim.envelope(&topic, &Shape::Presence.body(0));

    let mut closing = Vec::new();
    for _ in 0..runs {
        closing.push(maintenance_once(sim, &topic).await?);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let publisher = {
        let (sim, stop, topic) = (sim_thread.shared(), Arc::clone(&stop), topic.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                sim.publish_raw(&topic, &frame);
                std::thread::sleep(Duration::from_micros(100));
            }
        })
    };
    let measured = async {
        let mut reconnected = Vec::new();
        let mut first = Vec::new();
        for _ in 0..runs {
            let (r, f) = drop_once(sim, &topic).await?;
            reconnected.push(r);
            first.push(f);
        }
        anyhow::Ok((reconnected, first))
    }
    .await;
    stop.store(true, Ordering::Relaxed);
    let _ = publisher.join();
    let (reconnected, first) = measured?;

    let all = vec![
        Latencies::new("socket_closing → new socket subscribed", closing),
        Latencies::new(
            "dropped connection → resubscribed (Reconnected)",
            reconnected,
        ),
        Latencies::new(
            "dropped connection → first notification after resubscribe",
            first,
        ),
    ];
    print_report(&all);
    Ok(all)
}

/// Prints the latency table and verdicts.
pub fn print_report(all: &[Latencies]) {
    println!("| measurement | runs | median ms | p90 ms | max ms | target |");
    println!("|---|---|---|---|---|---|");
    for l in all {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {} (< {} ms) |",
            l.what,
            l.samples.len(),
            ms(l.quantile(0.5)),
            ms(l.quantile(0.9)),
            ms(l.max()),
            if l.max() < TARGET { "MET" } else { "MISSED" },
            TARGET.as_millis()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let l = Latencies::new("x", (1..=10).rev().map(Duration::from_millis).collect());
        assert_eq!(l.quantile(0.5), Duration::from_millis(5));
        assert_eq!(l.quantile(0.9), Duration::from_millis(9));
        assert_eq!(l.max(), Duration::from_millis(10));
        assert_eq!(
            Latencies::new("y", Vec::new()).quantile(0.5),
            Duration::ZERO
        );
    }
}
