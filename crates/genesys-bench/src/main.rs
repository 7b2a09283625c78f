//! `genesys-bench`: the benchmark harness. See `BENCHMARKS.md`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use genesys_bench::e2e::{self, ClientKind, E2eOptions};
use genesys_bench::shapes::Shape;
use genesys_bench::{clients, flow, pool, recovery};

/// Benchmarks of the Genesys Cloud Notifications client against the simulator.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// End-to-end throughput, CPU per notification and peak RSS of (a) the minimal baseline,
    /// (b) the library, (c) `genesys-notify listen`, on the same frames in the same run.
    E2e {
        /// Payload shapes (default: all).
        #[arg(long, value_enum, value_delimiter = ',')]
        shapes: Vec<Shape>,
        /// Clients besides the baseline (default: library, cli).
        #[arg(long, value_enum, value_delimiter = ',')]
        clients: Vec<ClientKind>,
        /// Multiplier on the default notification counts (1 M presence, 300 k conversation,
        /// 80 k queue).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Runs of each case (median reported).
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// Worker threads of the in-binary clients' runtime (1 = current-thread runtime).
        #[arg(long, default_value_t = 1)]
        client_threads: usize,
        /// Path of `genesys-notify` (default: next to this binary, built first when run by
        /// `cargo run`).
        #[arg(long)]
        cli: Option<PathBuf>,
        /// Do not build `genesys-notify` first.
        #[arg(long)]
        no_build_cli: bool,
        /// Run each client under this command (profiling); `{case}` becomes
        /// `SHAPE-CLIENT`, e.g.
        /// `--wrap "valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.{case}"`.
        #[arg(long, value_name = "COMMAND")]
        wrap: Option<String>,
    },
    /// Recovery latency: `socket_closing` → new socket subscribed, and dropped connection →
    /// first notification after resubscribe.
    Recovery {
        /// Measurements of each kind.
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Channel pool: time from start to all topics subscribed, and CPU per notification of
    /// the merged stream of 4 channels against a single managed channel.
    Pool {
        /// Topics of the subscribe-time measurement.
        #[arg(long, default_value_t = 10_000)]
        topics: usize,
        /// Runs of the subscribe-time measurement (median and max reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Notifications of each CPU measurement.
        #[arg(long, default_value_t = 200_000)]
        notifications: u64,
    },
    /// Peak resident memory of `genesys-notify listen --max-buffer B` whose stdout nobody
    /// reads, for several bounds `B`: the slope and the constant of `VmHWM` against `B`.
    FlowRss {
        /// Payload shapes (default: presence, queue).
        #[arg(long, value_enum, value_delimiter = ',')]
        shapes: Vec<Shape>,
        /// Buffer bounds, in MiB.
        #[arg(long, value_delimiter = ',', default_value = "1,8,32,64")]
        bounds: Vec<u64>,
        /// Path of `genesys-notify` (default: next to this binary).
        #[arg(long)]
        cli: Option<PathBuf>,
    },
    /// Internal: one measured client process (used by `e2e`).
    #[command(hide = true)]
    Client {
        #[arg(long, value_enum)]
        kind: InBinary,
        #[arg(long)]
        uri: String,
        #[arg(long)]
        topic: String,
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InBinary {
    Baseline,
    Library,
}

fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::E2e {
            shapes,
            clients,
            scale,
            repeat,
            client_threads,
            cli,
            no_build_cli,
            wrap,
        } => {
            let opts = E2eOptions {
                shapes: if shapes.is_empty() {
                    Shape::ALL.to_vec()
                } else {
                    shapes
                },
                clients: if clients.is_empty() {
                    vec![ClientKind::Library, ClientKind::Cli]
                } else {
                    clients
                },
                scale,
                repeat,
                client_threads,
                cli,
                build_cli: !no_build_cli,
                wrap: wrap
                    .map(|w| w.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
            };
            runtime(1)?.block_on(e2e::run(&opts))?;
        }
        Cmd::Pool {
            topics,
            runs,
            notifications,
        } => {
            runtime(1)?.block_on(pool::run(topics, runs.max(1), notifications))?;
        }
        Cmd::FlowRss {
            shapes,
            bounds,
            cli,
        } => {
            let cli = match cli {
                Some(path) => path,
                None => std::env::current_exe()?
                    .parent()
                    .context("no directory")?
                    .join("genesys-notify"),
            };
            let shapes = if shapes.is_empty() {
                vec![Shape::Presence, Shape::Queue]
            } else {
                shapes
            };
            runtime(1)?.block_on(flow::run(&cli, &shapes, &bounds))?;
        }
        Cmd::Recovery { runs } => {
            runtime(1)?.block_on(recovery::run(runs))?;
        }
        Cmd::Client {
            kind,
            uri,
            topic,
            count,
            threads,
        } => {
            let outcome = runtime(threads)?.block_on(async {
                match kind {
                    InBinary::Baseline => clients::baseline(&uri, &topic, count).await,
                    InBinary::Library => clients::library(&uri, &topic, count).await,
                }
            })?;
            println!(
                "{}",
                serde_json::to_string(&outcome).context("serialise outcome")?
            );
            // Exit at once: the measurement is over, teardown is not part of it.
            std::process::exit(0);
        }
    }
    Ok(())
}
