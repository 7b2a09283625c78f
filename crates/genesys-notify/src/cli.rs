//! The command line: global options and subcommands.

use clap::{Parser, Subcommand};

use crate::exit::EXIT_CODES_HELP;
use crate::logging::LogArgs;
use crate::{channels, consume, demo, listen, relay};

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

/// The subcommands. The first paragraph of each doc comment is the short help (`-h`), the
/// whole comment the long help (`--help`).
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Listen to topics: notifications on stdout (JSON lines), lifecycle on stderr.
    ///
    /// Either connect to an existing channel with --uri (topics are subscribed over the
    /// socket; no credentials; the channel cannot be replaced if it goes away), or give a
    /// region and OAuth client credentials: a channel is then created and managed over REST,
    /// and replaced by a new one on maintenance, expiry, eviction or `no_longer_subscribed`.
    ///
    /// stdout carries only notifications, exactly as received (`topicName`, `version`,
    /// `eventBody`, `metadata`), flushed line by line. Connections, reconnects, switches,
    /// gaps and errors are lines on stderr. SIGINT or SIGTERM closes the socket (close frame
    /// 1000), writes what was already received, and exits 0.
    Listen(listen::ListenArgs),
    /// See the client at work against a built-in simulator, no account needed.
    ///
    /// Starts the simulator in this process with its event generator, creates a managed
    /// channel over its REST API with a few realistic topics, and streams the notifications
    /// to stdout. On the way the connection is dropped (as by a network failure) and the
    /// service announces maintenance and closes the socket; stderr shows the client recover
    /// from both. At the end a summary goes to stderr: notifications per topic, reconnects,
    /// rollovers, gaps, and losses (published minus received, from the simulator's count).
    Demo(demo::DemoArgs),
    /// Run the Genesys Cloud Notifications simulator (same options as `genesys-sim`).
    ///
    /// REST and WebSocket on one port; prints `listening on http://HOST:PORT` as its first
    /// stdout line and runs until SIGINT or SIGTERM. Point `listen --api-base URL --client-id
    /// demo-client --client-secret demo-secret` at it.
    Sim(genesys_sim::cli::SimArgs),
    /// Manage notification channels and their subscriptions over REST (JSON on stdout).
    ///
    /// Needs a region (or --api-base) and OAuth client credentials, from flags or from
    /// GENESYSCLOUD_REGION, GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET.
    /// Every command writes one JSON document to stdout.
    Channels(channels::ChannelsArgs),
    /// Relay notifications into a NATS JetStream stream, for any number of consumers.
    ///
    /// Same channel options as `listen`. Every notification is written, exactly as
    /// received, to `<prefix>.<topic>` with the headers Nats-Msg-Id (topic and correlation
    /// id, or topic and a hash of the body: the same whichever channel or relay received
    /// the event), Genesys-Topic, Genesys-Received-At and Genesys-Channel; it counts as
    /// relayed only once JetStream acknowledged it. Gaps are JSON records on
    /// `<prefix>._gap`; the relay's start, checkpoints and stop on
    /// `<prefix>._relay.<relay id>`. The stream is created when missing; an existing one
    /// is used as it is, and one that does not capture `<prefix>.>` exits 2. SIGINT or
    /// SIGTERM relays what the channel holds, waits for the acknowledgements (at most
    /// --drain-timeout) and exits 0.
    Relay(Box<relay::RelayArgs>),
    /// Read notifications from a relay's stream: JSON lines on stdout, exactly as `listen`.
    ///
    /// Gap records go to stderr as `gap` lines (back-fill those windows from the REST API),
    /// relay starts and stops as `relay` lines.
    Consume(consume::ConsumeArgs),
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
