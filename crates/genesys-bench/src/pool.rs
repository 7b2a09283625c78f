//! Channel pool figures (`BENCHMARKS.md`, "Channel pool"): the time from start to all topics
//! subscribed, and the CPU per notification of a pool's merged stream against a single
//! managed channel, measured in the same run.
//!
//! The simulator runs on its own thread; the client on this thread's current-thread runtime,
//! whose CPU time ([`thread_cpu`]) is what is counted; the publisher on a third thread,
//! back-pressured by the simulator's socket queues.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use genesys_notifications::rest::{
    Credentials, Environment, ManagedOptions, PoolOptions, RestClient,
};
use genesys_sim::{Frame, SimConfig, Simulator};
use tokio::time::Instant;

use crate::measure::thread_cpu;
use crate::recovery::SimThread;
use crate::shapes::Shape;

const BATCH: usize = 250;

fn rest_client(sim: &Simulator) -> anyhow::Result<RestClient> {
    Ok(RestClient::new(
        Environment::local(&sim.base_url())?,
        Credentials::client_credentials("demo-client", "demo-secret"),
    )?)
}

/// `n` distinct presence topics.
pub fn topics(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("v2.users.{i:08x}-0000-4000-8000-000000000000.presence"))
        .collect()
}

/// One measurement of the time to subscribe.
#[derive(Debug, Clone, Copy)]
pub struct SubscribeTime {
    /// From the call to the pool ready (every channel open and its topics confirmed).
    pub elapsed: Duration,
    /// Channels used.
    pub channels: usize,
}

/// Starts a pool of `topics` topics on a fresh simulator, `runs` times.
///
/// # Errors
///
/// When the simulator or the pool cannot start.
pub async fn subscribe_time(topics_n: usize, runs: usize) -> anyhow::Result<Vec<SubscribeTime>> {
    let all = topics(topics_n);
    let mut out = Vec::new();
    for _ in 0..runs {
        let sim = SimThread::start(SimConfig::default())?;
        let rest = rest_client(sim.sim())?;
        let started = Instant::now();
        let pool = PoolOptions::new(rest)
            .max_channels(20)
            .connect(&all)
            .await
            .context("cannot start the pool")?;
        let elapsed = started.elapsed();
        let channels = pool.channels().len();
        let subscribed: usize = sim
            .sim()
            .stats()
            .channels
            .iter()
            .map(|c| c.topics.len())
            .sum();
        if subscribed != topics_n {
            bail!("{subscribed} topics subscribed of {topics_n}");
        }
        pool.close().await;
        out.push(SubscribeTime { elapsed, channels });
    }
    Ok(out)
}

/// Publishes `per_topic` notifications on each topic, round robin in batches, waiting for
/// room in the sockets' queues.
fn publish(
    sim: Arc<Simulator>,
    topics: Vec<String>,
    per_topic: u64,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let frames: Vec<Vec<Frame>> = topics
                .iter()
                .map(|t| {
                    (0..BATCH)
                        .map(|i| sim.envelope(t, &Shape::Presence.body(i)))
                        .collect()
                })
                .collect();
            let mut sent = 0u64;
            while sent < per_topic {
                let k = usize::try_from((per_topic - sent).min(BATCH as u64)).unwrap_or(BATCH);
                for (topic, frames) in topics.iter().zip(&frames) {
                    sim.publish_raw_batch_wait(topic, &frames[..k]).await;
                }
                sent += k as u64;
            }
        });
    })
}

/// Consumes `n` notifications; returns the CPU time of this thread it took.
async fn consume<S>(stream: &mut S, n: u64) -> anyhow::Result<Duration>
where
    S: futures_util::Stream<
            Item = Result<genesys_notifications::Notification, genesys_notifications::Error>,
        > + Unpin,
{
    let cpu = thread_cpu();
    let mut got = 0u64;
    while got < n {
        match stream.next().await {
            Some(Ok(_)) => got += 1,
            Some(Err(e)) if !e.is_fatal() => bail!("unexpected item: {e}"),
            Some(Err(e)) => return Err(e.into()),
            None => bail!("the stream ended after {got}"),
        }
    }
    Ok(thread_cpu().saturating_sub(cpu))
}

/// CPU per notification, in nanoseconds, of (single managed channel, pool of `channels`).
///
/// # Errors
///
/// When a client cannot start or the stream fails.
pub async fn cpu_per_notification(n: u64, channels: usize) -> anyhow::Result<(f64, f64)> {
    let config = SimConfig {
        socket_queue_capacity: 1 << 14,
        ..SimConfig::default()
    };
    // A single managed channel, one topic.
    let sim = SimThread::start(config.clone())?;
    let one = topics(1);
    let mut channel = ManagedOptions::new(rest_client(sim.sim())?)
        .connect(one.clone())
        .await?;
    let publisher = publish(sim.shared(), one, n);
    let single = consume(&mut channel, n).await?;
    let _ = publisher.join();
    drop(channel);
    drop(sim);
    // A pool of `channels` channels, one topic each, the same total.
    let sim = SimThread::start(config)?;
    let many = topics(channels);
    let mut pool = PoolOptions::new(rest_client(sim.sim())?)
        .topics_per_channel(1)
        .max_channels(channels)
        .connect(&many)
        .await?;
    if pool.channels().len() != channels {
        bail!("{} channels instead of {channels}", pool.channels().len());
    }
    let per_topic = n / channels as u64;
    let publisher = publish(sim.shared(), many, per_topic);
    let pooled = consume(&mut pool, per_topic * channels as u64).await?;
    let _ = publisher.join();
    let ns = |cpu: Duration, count: u64| cpu.as_nanos() as f64 / count as f64;
    Ok((ns(single, n), ns(pooled, per_topic * channels as u64)))
}

/// Runs both and prints the figures.
///
/// # Errors
///
/// See [`subscribe_time`] and [`cpu_per_notification`].
pub async fn run(topics_n: usize, runs: usize, notifications: u64) -> anyhow::Result<()> {
    let mut times = subscribe_time(topics_n, runs).await?;
    times.sort_by_key(|t| t.elapsed);
    let median = times[times.len() / 2];
    let max = times[times.len() - 1];
    println!(
        "time to subscribe {topics_n} topics on {} channels: median {:.1} ms, max {:.1} ms ({runs} runs)",
        median.channels,
        median.elapsed.as_secs_f64() * 1e3,
        max.elapsed.as_secs_f64() * 1e3
    );
    for channels in [4] {
        let (single, pooled) = cpu_per_notification(notifications, channels).await?;
        println!(
            "CPU per notification ({notifications} notifications): single managed channel {single:.0} ns, \
             pool of {channels} channels {pooled:.0} ns (ratio {:.2})",
            pooled / single
        );
    }
    Ok(())
}
