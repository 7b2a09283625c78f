//! The command line: global options and subcommands.

use clap::{Parser, Subcommand};

use crate::exit::EXIT_CODES_HELP;
use crate::logging::LogArgs;
use crate::{channels, demo, listen, sim};

/// Genesys Cloud notifications on the command line: listen to topics as JSON lines,
/// surviving reconnects, maintenance and channel expiry.
///
/// Start with `genesys-notify demo`: it runs against a built-in simulator, no account needed.
#[derive(Debug, Parser)]
#[command(name = "genesys-notify", version, after_help = EXIT_CODES_HELP)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) log: LogArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Listen to topics: notifications on stdout (JSON lines), lifecycle on stderr.
    Listen(listen::ListenArgs),
    /// See the client at work against a built-in simulator, with a dropped connection and a
    /// maintenance close on the way, then a summary.
    Demo(demo::DemoArgs),
    /// Run the Genesys Cloud Notifications simulator (same options as `genesys-sim`).
    Sim(sim::SimArgs),
    /// Manage notification channels and their subscriptions over REST (JSON on stdout).
    Channels(channels::ChannelsArgs),
}
