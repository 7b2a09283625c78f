//! NATS options shared by `relay` and `consume`: servers, authentication, TLS, stream.

use std::path::PathBuf;
use std::time::Duration;

use genesys_notifications::rest::Secret;
use genesys_relay::{NatsOptions, RelayError};

use crate::exit::{Coded, Exit};

/// Where NATS is and how to authenticate.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct NatsArgs {
    /// NATS server URL(s), comma-separated for a cluster: `nats://host:4222`, or
    /// `tls://host:4222` for TLS.
    #[arg(
        long,
        env = "NATS_URL",
        value_name = "URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    nats_url: String,
    /// NATS user name (with --nats-password).
    #[arg(long, env = "NATS_USER", value_name = "USER")]
    nats_user: Option<String>,
    /// NATS password. Prefer the environment variable; never printed or logged.
    #[arg(
        long,
        env = "NATS_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD",
        value_parser = parse_secret
    )]
    nats_password: Option<Secret>,
    /// NATS authentication token. Prefer the environment variable; never printed or logged.
    #[arg(long, env = "NATS_TOKEN", hide_env_values = true, value_name = "TOKEN", value_parser = parse_secret)]
    nats_token: Option<Secret>,
    /// NATS credentials file (JWT and NKey seed, as issued by `nsc`).
    #[arg(long, env = "NATS_CREDS", value_name = "FILE")]
    nats_creds: Option<PathBuf>,
    /// PEM file of CA certificates to trust for the NATS server (implies TLS).
    #[arg(long, env = "NATS_CA", value_name = "FILE")]
    nats_ca: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS, with --nats-key.
    #[arg(long, env = "NATS_CERT", value_name = "FILE", requires = "nats_key")]
    nats_cert: Option<PathBuf>,
    /// Client key (PEM) for mutual TLS, with --nats-cert.
    #[arg(long, env = "NATS_KEY", value_name = "FILE", requires = "nats_cert")]
    nats_key: Option<PathBuf>,
    /// Require TLS even with `nats://` URLs. Credentials are refused toward a
    /// non-loopback server without TLS.
    #[arg(long)]
    nats_require_tls: bool,
    /// Timeout of each connection attempt to NATS.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration)]
    nats_connect_timeout: Duration,
}

impl NatsArgs {
    /// The relay library's options.
    pub(crate) fn options(&self, name: &str) -> NatsOptions {
        let mut options = NatsOptions::new(&self.nats_url);
        options.user = self.nats_user.clone();
        options.password = self
            .nats_password
            .as_ref()
            .map(|s| s.expose_secret().to_owned());
        options.token = self
            .nats_token
            .as_ref()
            .map(|s| s.expose_secret().to_owned());
        options.credentials_file = self.nats_creds.clone();
        options.ca_file = self.nats_ca.clone();
        options.client_cert = self.nats_cert.clone().zip(self.nats_key.clone());
        options.require_tls = self.nats_require_tls;
        options.connect_timeout = Some(self.nats_connect_timeout);
        options.name = Some(name.to_owned());
        options
    }
}

fn parse_secret(value: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(value))
}

/// The stream and its subject prefix.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StreamArgs {
    /// JetStream stream name.
    #[arg(long, value_name = "NAME", default_value = "GENESYS")]
    pub(crate) stream: String,
    /// Subject prefix: notifications are on `<prefix>.<topic>`, gap records on
    /// `<prefix>._gap`, relay records on `<prefix>._relay.<relay id>`.
    #[arg(long, value_name = "PREFIX", default_value = "genesys")]
    pub(crate) subject_prefix: String,
}

/// A relay error with its exit code: options and stream conflicts exit 2, NATS
/// unreachable 10; a channel failure keeps the library error in the chain.
pub(crate) fn relay_error(error: RelayError) -> anyhow::Error {
    let exit = match &error {
        e if e.is_usage() => Exit::Usage,
        RelayError::Channel(_) => return anyhow::Error::new(error),
        RelayError::Connect(_) | RelayError::JetStream(_) => Exit::Connection,
        _ => Exit::Internal,
    };
    anyhow::Error::new(Coded(exit, error.to_string()))
}
