//! The end-to-end benchmark: the simulator streams pre-serialised frames over loopback to
//! one client process at a time, as fast as that client takes them.
//!
//! # Method
//!
//! For each payload shape the same frames are built once ([`Frame::envelope`], a pool of
//! [`POOL`] distinct bodies, a heartbeat after every 1,000
//! notifications). For each client, in the same run:
//!
//! 1. a fresh [`Simulator`] is started on this process's single-threaded runtime (publisher
//!    and socket writer share one core; the client gets the other);
//! 2. the client is spawned as its own process and connects to a fresh channel; the harness
//!    waits until the simulator shows the topic subscribed;
//! 3. the harness publishes with [`Simulator::publish_raw_batch`], 1,001 frames at a time,
//!    keeping the socket's queue below its capacity (back-pressure: publishing waits while
//!    the client is behind, so the simulator loses nothing and the client's reading sets the
//!    pace), until the client exits;
//! 4. the client exits once it has received `count` notifications (a client configured to
//!    drop when its consumer falls behind would report drops with `Lagged` markers; they are
//!    reported and not counted — by default the library blocks instead); the harness reaps it
//!    with `wait4`, which gives the client's CPU time and peak resident memory (`ru_maxrss`,
//!    i.e. `VmHWM`) over its whole life.
//!
//! Throughput is `count / (exit time − first publish)`, measured by the harness the same way
//! for every client. The harness also reports the CPU its own thread (publisher + simulator)
//! spent per notification: when that thread is saturated the simulator, not the client, is
//! the limit, and the ratios understate the differences between clients.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use genesys_sim::{Frame, SimConfig, Simulator};

use crate::clients::Outcome;
use crate::measure::{self, Exit};
use crate::shapes::{HEARTBEAT_EVERY, HEARTBEAT_FRAME, POOL, Shape};

/// Frames the simulator may queue for the socket (its `socket_queue_capacity`).
const QUEUE_CAPACITY: usize = 1 << 16;

/// A measured client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ClientKind {
    /// (a) The minimal baseline client.
    Baseline,
    /// (b) The library's stream consumed by a counting loop.
    Library,
    /// (c) `genesys-notify listen`, JSON lines to `/dev/null`.
    Cli,
    /// (d) `genesys-notify listen`, JSON lines to a pipe that this harness reads as fast as
    /// it can (and discards).
    CliPipe,
}

impl ClientKind {
    /// Short name (`baseline`, `library`, `cli`).
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Baseline => "baseline",
            ClientKind::Library => "library",
            ClientKind::Cli => "cli",
            ClientKind::CliPipe => "cli-pipe",
        }
    }

    /// Label in the report.
    pub fn label(self) -> &'static str {
        match self {
            ClientKind::Baseline => "(a) baseline",
            ClientKind::Library => "(b) library",
            ClientKind::Cli => "(c) CLI listen",
            ClientKind::CliPipe => "(d) CLI listen into a pipe",
        }
    }
}

/// Options of the end-to-end run.
#[derive(Debug, Clone)]
pub struct E2eOptions {
    /// Shapes to run.
    pub shapes: Vec<Shape>,
    /// Clients to measure (the baseline is always measured first).
    pub clients: Vec<ClientKind>,
    /// Multiplier on each shape's default notification count.
    pub scale: f64,
    /// Runs of each case; the median is reported.
    pub repeat: usize,
    /// Worker threads of the in-binary clients' runtime (1 = current-thread runtime).
    pub client_threads: usize,
    /// The `genesys-notify` binary; `None` = next to this executable.
    pub cli: Option<PathBuf>,
    /// Build `genesys-notify` first (with the `cargo` that ran this binary) when possible.
    pub build_cli: bool,
    /// A command the clients are run under, e.g. `valgrind --tool=callgrind` (profiling
    /// only: the figures then describe the wrapped process). `{case}` in an argument becomes
    /// `SHAPE-CLIENT`, e.g. `presence-library`.
    pub wrap: Vec<String>,
}

/// One measured run of one client on one shape.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The shape.
    pub shape: Shape,
    /// The client.
    pub kind: ClientKind,
    /// Notifications published.
    pub count: u64,
    /// Frame size in bytes (first frame of the pool).
    pub frame_bytes: usize,
    /// First publish to client exit.
    pub wall: Duration,
    /// The client's exit status and usage.
    pub exit: Exit,
    /// What the client reported (not available for the CLI).
    pub outcome: Option<Outcome>,
    /// CPU time of the harness thread (simulator + publisher) during the case.
    pub publisher_cpu: Duration,
}

impl CaseResult {
    /// Notifications per second.
    pub fn rate(&self) -> f64 {
        self.count as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// Client CPU time per notification, in nanoseconds.
    pub fn cpu_ns_per_notification(&self) -> f64 {
        self.exit.usage.cpu.as_nanos() as f64 / self.count.max(1) as f64
    }

    /// Harness CPU time per notification, as a fraction of the wall time (1.0 = the
    /// publisher thread was saturated).
    pub fn publisher_load(&self) -> f64 {
        self.publisher_cpu.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }
}

/// The pre-serialised frames of one shape: 1,000 notifications then one heartbeat.
#[derive(Debug)]
pub struct Frames {
    topic: String,
    cycle: Vec<Frame>,
}

impl Frames {
    /// Builds the cycle for `shape`.
    pub fn new(shape: Shape) -> Frames {
        let topic = shape.topic();
        let pool: Vec<Frame> = (0..POOL)
            .map(|i| {
                let correlation = format!("c0ffee00-0000-4000-8000-{i:012x}");
                Frame::envelope(&topic, &shape.body(i), &correlation)
            })
            .collect();
        let mut cycle: Vec<Frame> = (0..HEARTBEAT_EVERY)
            .map(|i| pool[i % POOL].clone())
            .collect();
        cycle.push(Frame::text(HEARTBEAT_FRAME));
        Frames { topic, cycle }
    }

    /// Bytes of the first notification frame.
    pub fn frame_bytes(&self) -> usize {
        self.cycle.first().map_or(0, Frame::len)
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Publishes one cycle (1,000 notifications and a heartbeat); returns the frames queued.
    pub fn publish_cycle(&self, sim: &Simulator) -> usize {
        sim.publish_raw_batch(&self.topic, &self.cycle)
    }
}

fn sim_config() -> SimConfig {
    SimConfig {
        socket_queue_capacity: QUEUE_CAPACITY,
        // Our own heartbeats are in the frames; the simulator's would only add noise.
        heartbeat_interval: Duration::from_secs(3600),
        ..SimConfig::default()
    }
}

/// A publisher on a thread of its own (current-thread runtime) that [`stream`]s a shape's
/// frames to a channel until stopped.
#[derive(Debug)]
pub struct Publisher {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<anyhow::Result<u64>>,
}

impl Publisher {
    /// Starts streaming `shape` to the subscribed channel `channel_id`.
    pub fn start(sim: Arc<Simulator>, channel_id: String, shape: Shape) -> Publisher {
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let frames = Frames::new(shape);
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(stream(&sim, &channel_id, &frames, None, || {
                    done.load(Ordering::Relaxed)
                }))
        });
        Publisher { stop, thread }
    }

    /// Stops it; the number of notifications published. A panic of the publisher's thread
    /// resumes here.
    ///
    /// # Errors
    ///
    /// What [`stream`] failed with.
    pub fn stop(self) -> anyhow::Result<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// Streams notifications (plus a heartbeat after every 1,000) to the subscribed channel
/// `channel_id`, waiting whenever the socket's queue is nearly full, until `limit`
/// notifications were published (`None`: no limit) or `done` returns true. Returns the number
/// of notifications published.
///
/// # Errors
///
/// When the simulator did not queue a frame (the channel lost its socket) while `done` was
/// still false a second later.
pub async fn stream(
    sim: &Simulator,
    channel_id: &str,
    frames: &Frames,
    limit: Option<u64>,
    mut done: impl FnMut() -> bool,
) -> anyhow::Result<u64> {
    let mut notifications = 0u64;
    let mut queued_total = 0u64;
    let capacity = QUEUE_CAPACITY as u64;
    let limit = limit.unwrap_or(u64::MAX);
    while notifications < limit {
        let k = usize::try_from((limit - notifications).min(HEARTBEAT_EVERY as u64))
            .unwrap_or(HEARTBEAT_EVERY);
        let batch = if k == HEARTBEAT_EVERY {
            &frames.cycle[..]
        } else {
            &frames.cycle[..k]
        };
        loop {
            if done() {
                return Ok(notifications);
            }
            let delivered = sim.stats().channel(channel_id).map_or(0, |c| c.delivered);
            if queued_total.saturating_sub(delivered) + batch.len() as u64 <= capacity {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let queued = sim.publish_raw_batch(&frames.topic, batch);
        if queued != batch.len() {
            // The socket is gone: fine if the client is done, an error otherwise.
            for _ in 0..1000 {
                if done() {
                    return Ok(notifications);
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            bail!(
                "the simulator queued {queued} of {} frames after {notifications} notifications (socket gone?)",
                batch.len()
            );
        }
        queued_total += batch.len() as u64;
        notifications += k as u64;
        // Let the socket writer run (single-threaded runtime).
        tokio::task::yield_now().await;
    }
    Ok(notifications)
}

/// Where `genesys-notify` is, and whether it has `listen --count`.
fn find_cli(opts: &E2eOptions) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    let path = opts
        .cli
        .clone()
        .unwrap_or_else(|| dir.join("genesys-notify"));
    if opts.cli.is_none()
        && opts.build_cli
        && let Some(cargo) = std::env::var_os("CARGO")
    {
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", "genesys-notify"]);
        if dir.ends_with("release") {
            build.arg("--release");
        }
        eprintln!("building genesys-notify for case (c)...");
        match build.status() {
            Ok(s) if s.success() => {}
            Ok(s) => return Err(format!("cargo build -p genesys-notify failed ({s})")),
            Err(e) => return Err(format!("cannot run cargo: {e}")),
        }
    }
    let help = Command::new(&path)
        .args(["listen", "--help"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{} not runnable: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&help.stdout);
    if !help.status.success() || !text.contains("--count") {
        return Err(format!("{} has no `listen --count` yet", path.display()));
    }
    Ok(path)
}

/// Runs one case: spawns the client, streams, reaps.
async fn run_case(
    shape: Shape,
    kind: ClientKind,
    frames: &Frames,
    count: u64,
    opts: &E2eOptions,
    cli: Option<&Path>,
) -> anyhow::Result<CaseResult> {
    let sim = Simulator::start(sim_config()).await?;
    let channel = sim.create_channel("demo-client");
    let count_arg = count.to_string();
    let program = match kind {
        ClientKind::Baseline | ClientKind::Library => std::env::current_exe()?,
        ClientKind::Cli | ClientKind::CliPipe => cli.context("no CLI")?.to_path_buf(),
    };
    let mut command = match opts.wrap.split_first() {
        Some((wrapper, args)) => {
            let name = format!("{}-{}", shape.name(), kind.name());
            let mut c = Command::new(wrapper);
            c.args(args.iter().map(|a| a.replace("{case}", &name)))
                .arg(program);
            c
        }
        None => Command::new(program),
    };
    match kind {
        ClientKind::Baseline | ClientKind::Library => {
            command
                .args(["client", "--kind"])
                .arg(if kind == ClientKind::Baseline {
                    "baseline"
                } else {
                    "library"
                })
                .args(["--threads", &opts.client_threads.to_string()])
                .args(["--uri", &channel.connect_uri, "--topic", frames.topic()])
                .args(["--count", &count_arg])
                .stdout(Stdio::piped());
        }
        ClientKind::Cli | ClientKind::CliPipe => {
            command
                .args(["listen", "--uri", &channel.connect_uri])
                .args(["--topic", frames.topic(), "--count", &count_arg, "-q"])
                .stdout(if kind == ClientKind::Cli {
                    Stdio::null()
                } else {
                    Stdio::piped()
                });
        }
    }
    command.stdin(Stdio::null()).stderr(Stdio::piped());
    let mut child = command.spawn().context("spawn client")?;
    let pid = child.id();
    let (stdout, lines) = match kind {
        ClientKind::CliPipe => (None, child.stdout.take().map(drain)),
        _ => (child.stdout.take().map(read_all), None),
    };
    let stderr = child.stderr.take().map(read_all);
    let mut waiter = tokio::task::spawn_blocking(move || {
        let exit = measure::wait_child(pid);
        (exit, Instant::now())
    });

    // Wait for the subscription (or an early exit).
    let ready_deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let subscribed = sim
            .stats()
            .channel(&channel.id)
            .is_some_and(|c| c.connected && !c.topics.is_empty());
        if subscribed {
            break;
        }
        if waiter.is_finished() || Instant::now() > ready_deadline {
            let _ = child.kill();
            let _ = (&mut waiter).await;
            let err = stderr.map(join_text).unwrap_or_default();
            bail!("{} did not subscribe: {err}", kind.label());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }

    let cpu0 = measure::thread_cpu();
    let t0 = Instant::now();
    let streamed = stream(&sim, &channel.id, frames, None, || waiter.is_finished()).await;
    let finished = tokio::time::timeout(Duration::from_secs(60), &mut waiter).await;
    let publisher_cpu = measure::thread_cpu().saturating_sub(cpu0);
    let (exit, t1) = match finished {
        Ok(joined) => {
            let (exit, t1) = joined?;
            (exit?, t1)
        }
        Err(_) => {
            let _ = child.kill();
            let _ = waiter.await;
            bail!(
                "{} did not finish within 60 s of the last publish",
                kind.label()
            );
        }
    };
    sim.shutdown().await;
    let out = stdout.map(join_text).unwrap_or_default();
    let err = stderr.map(join_text).unwrap_or_default();
    streamed.with_context(|| format!("{}: {err}", kind.label()))?;
    if exit.code != Some(0) {
        bail!("{} exited with {:?}: {err}", kind.label(), exit.code);
    }
    if let Some(lines) = lines {
        let bytes = lines.join().unwrap_or(0);
        if bytes == 0 {
            bail!("{} wrote nothing to its pipe", kind.label());
        }
    }
    let outcome = match kind {
        ClientKind::Cli | ClientKind::CliPipe => None,
        _ => Some(
            serde_json::from_str::<Outcome>(out.trim())
                .with_context(|| format!("client output {out:?}"))?,
        ),
    };
    Ok(CaseResult {
        shape,
        kind,
        count,
        frame_bytes: frames.frame_bytes(),
        wall: t1 - t0,
        exit,
        outcome,
        publisher_cpu,
    })
}

fn read_all<R: std::io::Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

/// Reads a pipe to its end as fast as possible, discarding; returns the bytes read.
pub fn drain<R: std::io::Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        total
    })
}

fn join_text(h: std::thread::JoinHandle<String>) -> String {
    h.join().unwrap_or_default()
}

/// Runs every case and prints the report. Returns the results (median run of each case).
///
/// # Errors
///
/// The first case that fails.
pub async fn run(opts: &E2eOptions) -> anyhow::Result<Vec<CaseResult>> {
    let mut kinds: Vec<ClientKind> = vec![ClientKind::Baseline];
    kinds.extend(
        opts.clients
            .iter()
            .copied()
            .filter(|k| *k != ClientKind::Baseline),
    );
    kinds.dedup();
    let cli = if kinds.contains(&ClientKind::Cli) || kinds.contains(&ClientKind::CliPipe) {
        match find_cli(opts) {
            Ok(path) => Some(path),
            Err(why) => {
                eprintln!("case (c) skipped: {why}");
                kinds.retain(|k| !matches!(k, ClientKind::Cli | ClientKind::CliPipe));
                None
            }
        }
    } else {
        None
    };
    println!("machine: {}", measure::machine());
    println!(
        "method: simulator on a current-thread runtime in this process; each client in its own process ({} client runtime); heartbeat every {HEARTBEAT_EVERY}; median of {} run(s)",
        if opts.client_threads <= 1 {
            "current-thread".to_owned()
        } else {
            format!("{}-worker", opts.client_threads)
        },
        opts.repeat.max(1)
    );
    let mut results = Vec::new();
    for &shape in &opts.shapes {
        let frames = Frames::new(shape);
        let count = ((shape.default_count() as f64) * opts.scale).max(1.0) as u64;
        let mut runs: Vec<Vec<CaseResult>> = vec![Vec::new(); kinds.len()];
        for _ in 0..opts.repeat.max(1) {
            for (i, &kind) in kinds.iter().enumerate() {
                let r = run_case(shape, kind, &frames, count, opts, cli.as_deref()).await?;
                eprintln!("  {shape} {}: {:.0}/s", kind.label(), r.rate());
                runs[i].push(r);
            }
        }
        for mut r in runs {
            r.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
            let mid = r.len() / 2;
            results.push(r.swap_remove(mid));
        }
    }
    print_report(&results);
    Ok(results)
}

/// Prints the table and the verdict on each target.
pub fn print_report(results: &[CaseResult]) {
    println!();
    println!(
        "| shape | frame B | client | notifications/s | ratio to (a) | client CPU ns/notif | peak RSS MiB | RSS − (a) MiB | harness CPU load | dropped |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut verdicts = Vec::new();
    for r in results {
        let base = results
            .iter()
            .find(|b| b.shape == r.shape && b.kind == ClientKind::Baseline);
        let ratio = base.map_or(f64::NAN, |b| r.rate() / b.rate());
        let rss = r.exit.usage.max_rss_kib as f64 / 1024.0;
        let rss_delta = base.map_or(f64::NAN, |b| {
            (r.exit.usage.max_rss_kib as f64 - b.exit.usage.max_rss_kib as f64) / 1024.0
        });
        let dropped = r
            .outcome
            .as_ref()
            .map_or_else(|| "n/a".to_owned(), |o| o.dropped.to_string());
        println!(
            "| {} | {} | {} | {:.0} | {:.3} | {:.0} | {:.1} | {:+.1} | {:.0}% | {} |",
            r.shape,
            r.frame_bytes,
            r.kind.label(),
            r.rate(),
            ratio,
            r.cpu_ns_per_notification(),
            rss,
            rss_delta,
            r.publisher_load() * 100.0,
            dropped
        );
        match r.kind {
            ClientKind::Baseline => {}
            ClientKind::Library => {
                verdicts.push(verdict(
                    format!("{} library throughput ≥ 1.0 × baseline", r.shape),
                    ratio >= 1.0,
                    format!("{ratio:.3}"),
                ));
                verdicts.push(verdict(
                    format!("{} library peak RSS ≤ baseline + 8 MiB", r.shape),
                    rss_delta <= 8.0,
                    format!("{rss_delta:+.1} MiB"),
                ));
            }
            ClientKind::CliPipe => {}
            ClientKind::Cli => verdicts.push(verdict(
                format!("{} CLI throughput ≥ 0.9 × baseline", r.shape),
                ratio >= 0.9,
                format!("{ratio:.3}"),
            )),
        }
    }
    println!();
    for v in verdicts {
        println!("{v}");
    }
}

fn verdict(what: String, met: bool, value: String) -> String {
    format!("{} {what}: {value}", if met { "MET   " } else { "MISSED" })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_cycle_is_a_thousand_notifications_then_a_heartbeat() {
        let frames = Frames::new(Shape::Presence);
        assert_eq!(frames.cycle.len(), HEARTBEAT_EVERY + 1);
        assert_eq!(frames.cycle[HEARTBEAT_EVERY].as_str(), HEARTBEAT_FRAME);
        assert!(
            frames.cycle[0]
                .as_str()
                .contains(r#""topicName":"v2.users."#)
        );
        assert_ne!(frames.cycle[0], frames.cycle[1]);
        assert_eq!(frames.cycle[0], frames.cycle[POOL]);
    }

    #[tokio::test]
    async fn stream_delivers_exactly_count_notifications_to_a_raw_socket() {
        use futures_util::{SinkExt as _, StreamExt as _};
        use tokio_tungstenite::tungstenite::Message;

        let sim = Simulator::start(sim_config()).await.unwrap();
        let channel = sim.create_channel("demo-client");
        let frames = Frames::new(Shape::Presence);
        let tcp = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(channel.connect_uri.as_str(), tcp)
            .await
            .unwrap();
        let sub = serde_json::json!({"message":"subscribe","topics":[frames.topic()]});
        ws.send(Message::text(sub.to_string())).await.unwrap();
        ws.next().await.unwrap().unwrap(); // the subscribe result
        let count = 2_500;
        let reader = async {
            let (mut n, mut hb) = (0, 0);
            while n < count {
                let m = ws.next().await.unwrap().unwrap();
                if m.to_text().unwrap() == HEARTBEAT_FRAME {
                    hb += 1;
                } else {
                    n += 1;
                }
            }
            (n, hb)
        };
        let (streamed, (n, hb)) = tokio::join!(
            stream(&sim, &channel.id, &frames, Some(count), || false),
            reader
        );
        assert_eq!(streamed.unwrap(), count);
        assert_eq!((n, hb), (count, 2));
    }
}
