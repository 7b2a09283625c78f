//! Peak memory of `genesys-notify listen` with a stalled consumer, for several buffer bounds.
//!
//! For each bound `B`: a fresh simulator; `listen --max-buffer B` with its stdout a pipe that
//! nobody reads; the harness publishes (as [`crate::e2e::stream`] does, keeping the socket's queue
//! below its capacity) until the client has stopped reading — the simulator's delivered count
//! has not moved for [`STILL`] — then reads the client's `VmHWM` (peak resident memory) from
//! `/proc/PID/status` and kills it. With back-pressure the client holds at most `B` (plus one
//! frame) in its channel buffer, plus what its stdout loop holds (the batch blocked in
//! `write`, up to `GATHER_BYTES` of gathered lines): peak memory should be `B` times a slope
//! near 1 plus a constant. The report gives both, by least squares over the bounds.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use genesys_sim::{SimConfig, Simulator};

use crate::e2e::Frames;
use crate::shapes::{HEARTBEAT_EVERY, Shape};

/// How long the delivered count must stay still for the client to count as stalled.
pub const STILL: Duration = Duration::from_secs(2);

/// Frames the simulator may queue for the socket.
const QUEUE_CAPACITY: usize = 1 << 16;

/// One bound's measurement.
#[derive(Debug, Clone, Copy)]
pub struct RssResult {
    /// The bound, in MiB.
    pub bound_mib: u64,
    /// Notifications the simulator wrote to the socket before the client stopped reading.
    pub delivered: u64,
    /// The client's peak resident memory, in KiB.
    pub hwm_kib: u64,
    /// Its resident memory when measured, in KiB.
    pub rss_kib: u64,
}

/// A `VmXxx:` value of `/proc/PID/status`, in KiB.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// Measures one bound.
///
/// # Errors
///
/// When the client cannot be started, does not subscribe, or exits early.
pub async fn measure(
    cli: &Path,
    shape: Shape,
    frames: &Frames,
    bound_mib: u64,
) -> anyhow::Result<RssResult> {
    let sim = Simulator::start(SimConfig {
        socket_queue_capacity: QUEUE_CAPACITY,
        heartbeat_interval: Duration::from_secs(3600),
        ..SimConfig::default()
    })
    .await?;
    let channel = sim.create_channel("demo-client");
    let mut child = Command::new(cli)
        .args(["listen", "--uri", &channel.connect_uri])
        .args(["--topic", &shape.topic(), "-q"])
        .args(["--max-buffer", &format!("{bound_mib}MiB")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("spawn genesys-notify")?;
    let pid = child.id();
    // Held, never read: the pipe fills and the writer blocks.
    let _stdout = child.stdout.take();
    let outcome = async {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !sim
            .stats()
            .channel(&channel.id)
            .is_some_and(|c| c.connected && !c.topics.is_empty())
        {
            if Instant::now() > deadline || child.try_wait()?.is_some() {
                bail!("genesys-notify did not subscribe");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let mut queued = 0u64;
        let mut last = (0u64, Instant::now());
        loop {
            let delivered = sim.stats().channel(&channel.id).map_or(0, |c| c.delivered);
            if delivered != last.0 {
                last = (delivered, Instant::now());
            } else if last.1.elapsed() >= STILL && queued > delivered {
                break;
            }
            if child.try_wait()?.is_some() {
                bail!("genesys-notify exited while being measured");
            }
            if queued.saturating_sub(delivered) + (HEARTBEAT_EVERY as u64 + 1)
                <= QUEUE_CAPACITY as u64
            {
                queued += frames.publish_cycle(&sim) as u64;
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        let hwm_kib = status_kib(pid, "VmHWM").context("VmHWM")?;
        let rss_kib = status_kib(pid, "VmRSS").context("VmRSS")?;
        Ok(RssResult {
            bound_mib,
            delivered: last.0,
            hwm_kib,
            rss_kib,
        })
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    sim.shutdown().await;
    outcome
}

/// Least squares fit `y = slope × x + constant`.
pub fn fit(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    let slope = if den > 0.0 { num / den } else { f64::NAN };
    (slope, my - slope * mx)
}

/// Measures every bound on every shape and prints the report.
///
/// # Errors
///
/// The first measurement that fails.
pub async fn run(cli: &Path, shapes: &[Shape], bounds_mib: &[u64]) -> anyhow::Result<()> {
    println!("machine: {}", crate::measure::machine());
    println!(
        "method: listen --max-buffer B, stdout a pipe nobody reads; published until the client stopped reading for {STILL:?}; VmHWM of the client"
    );
    println!();
    println!(
        "| shape | frame B | bound MiB | notifications read | VmHWM MiB | VmRSS MiB | VmHWM − bound MiB |"
    );
    println!("|---|---|---|---|---|---|---|");
    for &shape in shapes {
        let frames = Frames::new(shape);
        let mut points = Vec::new();
        for &bound in bounds_mib {
            let r = measure(cli, shape, &frames, bound).await?;
            let hwm = r.hwm_kib as f64 / 1024.0;
            println!(
                "| {shape} | {} | {bound} | {} | {hwm:.1} | {:.1} | {:.1} |",
                frames.frame_bytes(),
                r.delivered,
                r.rss_kib as f64 / 1024.0,
                hwm - bound as f64
            );
            points.push((bound as f64, hwm));
        }
        let (slope, constant) = fit(&points);
        println!("| {shape} | fit | VmHWM ≈ {slope:.3} × bound + {constant:.1} MiB | | | | |");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_recovers_a_line() {
        let (slope, constant) = fit(&[(1.0, 13.0), (8.0, 20.0), (32.0, 44.0), (64.0, 76.0)]);
        assert!((slope - 1.0).abs() < 1e-9, "{slope}");
        assert!((constant - 12.0).abs() < 1e-9, "{constant}");
    }
}
