//! `genesys-notify channels`: notification channels and subscriptions over REST.
//!
//! Every command writes one JSON document to stdout (the service's answer, as this client
//! models it) and nothing else; failures go to stderr with an exit code.

use std::path::PathBuf;

use anyhow::Context;
use genesys_notifications::rest::{ChannelScope, RestClient, Subscriptions};
use serde_json::json;

use crate::api::ApiArgs;
use crate::exit::{Coded, EXIT_CODES_HELP, Exit, usage};
use crate::output::Output;

/// Manage notification channels and their subscriptions over the REST API.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXIT_CODES_HELP)]
pub(crate) struct ChannelsArgs {
    #[command(flatten, next_help_heading = "Credentials")]
    api: ApiArgs,
    /// Pretty-print the JSON answer.
    #[arg(long, global = true)]
    pretty: bool,
    #[command(subcommand)]
    command: ChannelsCommand,
}

#[derive(Debug, Clone, clap::Subcommand)]
enum ChannelsCommand {
    /// Create a channel; prints `{"id", "connectUri", "expires"}` (pass `connectUri` to
    /// `listen --uri`).
    Create,
    /// List existing channels.
    List {
        /// `token`: channels of the current access token; `oauthclient`: of every token of
        /// this OAuth client (the service hides the ids of other tokens' channels).
        #[arg(long, value_enum, default_value_t = Scope::Token)]
        scope: Scope,
    },
    /// Check that a channel exists; prints `{"id", "exists"}` and exits 13 when it does not.
    Check {
        /// The channel id.
        channel: String,
    },
    /// A channel's topic subscriptions.
    #[command(subcommand)]
    Subscriptions(SubscriptionsCommand),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Scope {
    /// Channels of the current access token.
    Token,
    /// Channels of every token of this OAuth client.
    Oauthclient,
}

#[derive(Debug, Clone, clap::Subcommand)]
#[command(after_help = EXIT_CODES_HELP)]
enum SubscriptionsCommand {
    /// Print the channel's topics.
    Get {
        /// The channel id.
        channel: String,
    },
    /// Add topics to the channel's (POST); prints the resulting list with per-topic results.
    Add(Change),
    /// Replace the channel's topics (PUT); prints the resulting list with per-topic results.
    Replace(Change),
    /// Remove the given topics (GET, then PUT of the rest), or all of them with --all
    /// (DELETE); prints the remaining list.
    Remove {
        /// The channel id.
        channel: String,
        /// Topics to remove.
        #[arg(value_name = "TOPIC", required_unless_present = "all")]
        topics: Vec<String>,
        /// Remove every topic.
        #[arg(long, conflicts_with = "topics")]
        all: bool,
    },
}

/// A subscription change.
#[derive(Debug, Clone, clap::Args)]
struct Change {
    /// The channel id.
    channel: String,
    /// Topics, e.g. `v2.users.ID.presence` or `v2.users.ID?presence&routingStatus`.
    #[arg(value_name = "TOPIC")]
    topics: Vec<String>,
    /// File with one topic a line (`#` comments, blank lines ignored; `-` for stdin).
    #[arg(long, value_name = "FILE")]
    topics_file: Option<PathBuf>,
    /// Fail the whole request when any topic is refused (default: subscribe the permitted
    /// topics, print the refused ones with their reasons, and exit 12).
    #[arg(long)]
    strict: bool,
}

impl Change {
    fn topics(&self) -> anyhow::Result<Vec<String>> {
        let topics = crate::topics::collect(&self.topics, self.topics_file.as_deref())?;
        if topics.is_empty() {
            return Err(usage("no topics given"));
        }
        Ok(topics)
    }
}

/// Runs `channels ...`.
pub(crate) async fn run(args: ChannelsArgs) -> anyhow::Result<()> {
    let rest = args.api.rest_client()?;
    let mut out = Output::stdout(args.pretty);
    match args.command {
        ChannelsCommand::Create => {
            let channel = rest
                .create_channel()
                .await
                .context("cannot create a channel")?;
            print(&mut out, &channel)
        }
        ChannelsCommand::List { scope } => {
            let scope = match scope {
                Scope::Token => ChannelScope::Token,
                Scope::Oauthclient => ChannelScope::OauthClient,
            };
            let channels = rest
                .list_channels(scope)
                .await
                .context("cannot list channels")?;
            print(&mut out, &json!({ "entities": channels }))
        }
        ChannelsCommand::Check { channel } => {
            let exists = rest
                .channel_exists(&channel)
                .await
                .with_context(|| format!("cannot check channel {channel}"))?;
            print(&mut out, &json!({ "id": channel, "exists": exists }))?;
            if exists {
                Ok(())
            } else {
                Err(anyhow::Error::new(Coded(
                    Exit::Channel,
                    format!("channel {channel} does not exist"),
                )))
            }
        }
        ChannelsCommand::Subscriptions(command) => subscriptions(&rest, &mut out, command).await,
    }
}

async fn subscriptions(
    rest: &RestClient,
    out: &mut Output,
    command: SubscriptionsCommand,
) -> anyhow::Result<()> {
    let result = match command {
        SubscriptionsCommand::Get { channel } => rest
            .subscriptions(&channel)
            .await
            .with_context(|| format!("cannot get the subscriptions of {channel}"))?,
        SubscriptionsCommand::Add(change) => {
            let topics = change.topics()?;
            rest.add_subscriptions(&change.channel, &topics, !change.strict)
                .await
                .with_context(|| format!("cannot add topics to {}", change.channel))?
        }
        SubscriptionsCommand::Replace(change) => {
            let topics = change.topics()?;
            rest.replace_subscriptions(&change.channel, &topics, !change.strict)
                .await
                .with_context(|| format!("cannot replace the topics of {}", change.channel))?
        }
        SubscriptionsCommand::Remove {
            channel, all: true, ..
        } => {
            rest.remove_all_subscriptions(&channel)
                .await
                .with_context(|| format!("cannot remove the topics of {channel}"))?;
            Subscriptions::default()
        }
        SubscriptionsCommand::Remove {
            channel,
            topics,
            all: false,
        } => {
            let current = rest
                .subscriptions(&channel)
                .await
                .with_context(|| format!("cannot get the subscriptions of {channel}"))?;
            let keep: Vec<String> = current
                .topic_ids()
                .into_iter()
                .filter(|t| !topics.contains(t))
                .collect();
            rest.replace_subscriptions(&channel, &keep, false)
                .await
                .with_context(|| format!("cannot update the topics of {channel}"))?
        }
    };
    print(out, &result)?;
    let rejected: Vec<&str> = result.rejected().map(|t| t.id.as_str()).collect();
    if rejected.is_empty() {
        Ok(())
    } else {
        Err(anyhow::Error::new(Coded(
            Exit::Subscription,
            format!("topic(s) refused: {}", rejected.join(", ")),
        )))
    }
}

fn print<T: serde::Serialize>(out: &mut Output, value: &T) -> anyhow::Result<()> {
    out.value(value).context("cannot write to stdout")
}
