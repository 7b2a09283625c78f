//! `genesys-notify sim`: the simulator standalone, as the `genesys-sim` binary runs it.
//!
//! Prints `listening on http://HOST:PORT` as its first stdout line and runs until SIGINT or
//! SIGTERM.

use std::net::IpAddr;
use std::time::Duration;

use anyhow::Context;
use genesys_sim::{GeneratorConfig, SimConfig, Simulator};

use crate::exit::usage;
use crate::signal::Shutdown;

/// Run the Genesys Cloud Notifications simulator (REST + WebSocket on one port).
// The options mirror `genesys-sim`'s; they become one shared definition once the simulator
// exposes its own (request CLI-1).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SimArgs {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to bind (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Interval between heartbeats.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = humantime::parse_duration)]
    heartbeat_interval: Duration,
    /// Time between `v2.system.socket_closing` and the close of the socket.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = humantime::parse_duration)]
    socket_closing_grace: Duration,
    /// Channel lifetime (extended by subscription changes).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = humantime::parse_duration)]
    channel_lifetime: Duration,
    /// Access token lifetime.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = humantime::parse_duration)]
    token_lifetime: Duration,
    /// OAuth client `ID:SECRET` (repeatable; default `demo-client:demo-secret`).
    #[arg(long = "client", value_name = "ID:SECRET", value_parser = parse_client)]
    clients: Vec<(String, String)>,
    /// Generate realistic events for every subscribed topic.
    #[arg(long)]
    generate: bool,
    /// Generated events per second (with --generate).
    #[arg(long, value_name = "RATE", default_value_t = 1.0)]
    generate_rate: f64,
    /// Seed for ids, tokens and generated events.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn parse_client(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
            Ok((id.to_owned(), secret.to_owned()))
        }
        _ => Err("expected ID:SECRET".to_owned()),
    }
}

impl SimArgs {
    fn config(self) -> anyhow::Result<SimConfig> {
        if !(self.generate_rate.is_finite() && self.generate_rate > 0.0) {
            return Err(usage("--generate-rate must be a positive number"));
        }
        let mut config = SimConfig {
            host: self.host,
            port: self.port,
            heartbeat_interval: self.heartbeat_interval,
            socket_closing_grace: self.socket_closing_grace,
            channel_lifetime: self.channel_lifetime,
            token_lifetime: self.token_lifetime,
            seed: self.seed,
            generator: self.generate.then_some(GeneratorConfig {
                rate_per_sec: self.generate_rate,
            }),
            ..SimConfig::default()
        };
        if !self.clients.is_empty() {
            config.clients = self.clients;
        }
        Ok(config)
    }
}

/// Runs `sim`.
pub(crate) async fn run(args: SimArgs) -> anyhow::Result<()> {
    let mut shutdown = Shutdown::install()?;
    let sim = Simulator::start(args.config()?)
        .await
        .context("cannot start the simulator")?;
    println!("listening on {}", sim.base_url());
    let signal = shutdown.recv().await;
    tracing::info!(event = "shutdown", signal, "shutting down");
    sim.shutdown().await;
    Ok(())
}
