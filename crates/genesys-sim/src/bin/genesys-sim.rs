//! `genesys-sim`: the simulator as a command-line server.
//!
//! Prints exactly `listening on http://HOST:PORT` (or `https://`) as its first stdout line,
//! logs to stderr (`RUST_LOG` filters, default `info`), and runs until Ctrl-C or SIGTERM.
//! The options and the body live in [`genesys_sim::cli`], shared with other tools.

use clap::Parser;
use genesys_sim::cli::SimArgs;

/// A simulator of the Genesys Cloud Notifications service (REST + WebSocket).
#[derive(Debug, Parser)]
#[command(name = "genesys-sim", version, about)]
struct Cli {
    #[command(flatten)]
    args: SimArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    genesys_sim::cli::run(Cli::parse().args).await
}
