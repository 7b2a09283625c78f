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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every option and argument of every subcommand has a description in `--help`.
    #[test]
    fn every_option_is_explained() {
        fn check(command: &clap::Command, path: &str) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                assert!(
                    arg.get_help().is_some() || arg.get_long_help().is_some(),
                    "`{path}` option `{id}` has no help"
                );
            }
            for sub in command.get_subcommands() {
                assert!(
                    sub.get_about().is_some(),
                    "`{path} {}` has no about",
                    sub.get_name()
                );
                check(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        let command = Cli::command();
        command.clone().debug_assert();
        check(&command, "genesys-notify");
    }
}
