//! Where and how the relay writes: the NATS connection, the stream, the publishing window.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::RelayError;

/// How to reach NATS: servers, authentication, TLS.
///
/// Secrets (password, token) never appear in `Debug`; server URLs are shown without their
/// user-info part. Credentials are refused toward a non-loopback server unless TLS is
/// required (`tls://` URLs, [`NatsOptions::require_tls`], or a CA file).
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct NatsOptions {
    /// Server URLs (`nats://host:4222`, `tls://host:4222`); more than one for a cluster.
    pub servers: Vec<String>,
    /// User name (with `password`).
    pub user: Option<String>,
    /// Password (with `user`).
    pub password: Option<String>,
    /// Authentication token.
    pub token: Option<String>,
    /// A `.creds` file (JWT and NKey seed), as issued by `nsc`.
    pub credentials_file: Option<PathBuf>,
    /// PEM file of CA certificates to trust for the server (implies TLS).
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key (PEM) for mutual TLS.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Require TLS even for `nats://` URLs.
    pub require_tls: bool,
    /// Timeout of each connection attempt.
    pub connect_timeout: Option<Duration>,
    /// Connection name shown by the server (`nats server report connections`).
    pub name: Option<String>,
}

impl fmt::Debug for NatsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<String> = self.servers.iter().map(|s| redact_url(s)).collect();
        f.debug_struct("NatsOptions")
            .field("servers", &servers)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("credentials_file", &self.credentials_file)
            .field("ca_file", &self.ca_file)
            .field("client_cert", &self.client_cert)
            .field("require_tls", &self.require_tls)
            .finish_non_exhaustive()
    }
}

/// A server URL without its `user:password@` part.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://<redacted>@{}", &url[..scheme], &url[at + 1..])
        }
        (None, Some(at)) => format!("<redacted>@{}", &url[at + 1..]),
        _ => url.to_owned(),
    }
}

impl NatsOptions {
    /// Options for these comma-separated server URLs.
    pub fn new(servers: &str) -> Self {
        NatsOptions {
            servers: servers
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            ..NatsOptions::default()
        }
    }

    /// Connects (the first attempt must succeed; later losses are reconnected forever).
    ///
    /// # Errors
    ///
    /// [`RelayError::InvalidOption`] for unusable options, [`RelayError::Connect`] when no
    /// server could be reached.
    pub async fn connect(
        &self,
        on_event: impl Fn(async_nats::Event) + Send + Sync + 'static,
    ) -> Result<async_nats::Client, RelayError> {
        if self.servers.is_empty() {
            return Err(RelayError::InvalidOption("no NATS server URL".into()));
        }
        let mut addrs = Vec::with_capacity(self.servers.len());
        let mut tls = self.require_tls || self.ca_file.is_some() || self.client_cert.is_some();
        let mut all_loopback = true;
        for server in &self.servers {
            let addr: async_nats::ServerAddr = server.parse().map_err(|e| {
                RelayError::InvalidOption(format!("invalid NATS URL {}: {e}", redact_url(server)))
            })?;
            tls |= addr.tls_required();
            all_loopback &= is_loopback(addr.host());
            if addr.has_user_pass() && !tls && !addr.tls_required() && !is_loopback(addr.host()) {
                return Err(clear_credentials());
            }
            addrs.push(addr);
        }
        let has_secret =
            self.password.is_some() || self.token.is_some() || self.credentials_file.is_some();
        if has_secret && !tls && !all_loopback {
            return Err(clear_credentials());
        }
        let mut options = async_nats::ConnectOptions::new()
            .max_reconnects(None)
            .retain_servers_order()
            .event_callback(move |event| {
                on_event(event);
                async {}
            });
        if let Some(name) = &self.name {
            options = options.name(name);
        }
        if let Some(timeout) = self.connect_timeout {
            options = options.connection_timeout(timeout);
        }
        if let Some(path) = &self.credentials_file {
            options = options.credentials_file(path).await.map_err(|e| {
                RelayError::InvalidOption(format!(
                    "cannot read the credentials file {}: {e}",
                    path.display()
                ))
            })?;
        }
        match (&self.user, &self.password) {
            (Some(user), Some(password)) => {
                options = options.user_and_password(user.clone(), password.clone());
            }
            (None, None) => {}
            _ => {
                return Err(RelayError::InvalidOption(
                    "a NATS user needs a password and a password a user".into(),
                ));
            }
        }
        if let Some(token) = &self.token {
            options = options.token(token.clone());
        }
        if let Some(ca) = &self.ca_file {
            options = options.add_root_certificates(ca.clone());
        }
        if let Some((cert, key)) = &self.client_cert {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        if tls {
            options = options.require_tls(true);
        }
        options
            .connect(addrs)
            .await
            .map_err(|e| RelayError::Connect(e.to_string()))
    }
}

fn clear_credentials() -> RelayError {
    RelayError::InvalidOption(
        "NATS credentials would travel in clear to a non-loopback server: use tls:// URLs, \
         --nats-require-tls or --nats-ca"
            .into(),
    )
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The stream the relay writes into, and how it is created when missing.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StreamOptions {
    /// Stream name (default `GENESYS`).
    pub name: String,
    /// Subject prefix (default `genesys`): notifications go to `<prefix>.<topic>`.
    pub prefix: String,
    /// Retention by age when created (default 7 days).
    pub max_age: Duration,
    /// Retention by size in bytes when created (`None`: unlimited).
    pub max_bytes: Option<u64>,
    /// JetStream's de-duplication window when created (default 2 minutes).
    pub duplicate_window: Duration,
    /// Replicas when created (1; 3 on a cluster for high availability).
    pub replicas: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            name: "GENESYS".into(),
            prefix: "genesys".into(),
            max_age: Duration::from_secs(7 * 24 * 3600),
            max_bytes: None,
            duplicate_window: Duration::from_secs(120),
            replicas: 1,
        }
    }
}

impl StreamOptions {
    /// Checks the name and prefix.
    ///
    /// # Errors
    ///
    /// [`RelayError::InvalidOption`] naming the problem.
    pub fn validate(&self) -> Result<(), RelayError> {
        if self.name.is_empty()
            || self
                .name
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\'))
        {
            return Err(RelayError::InvalidOption(format!(
                "invalid stream name {:?}: no dots, wildcards, slashes or spaces",
                self.name
            )));
        }
        if self.prefix.is_empty()
            || self.prefix.split('.').any(|token| {
                token.is_empty()
                    || token
                        .chars()
                        .any(|c| c.is_whitespace() || matches!(c, '*' | '>'))
            })
        {
            return Err(RelayError::InvalidOption(format!(
                "invalid subject prefix {:?}: dot-separated tokens without wildcards or spaces",
                self.prefix
            )));
        }
        if self.replicas == 0 {
            return Err(RelayError::InvalidOption(
                "replicas must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// The subjects the stream must capture: `<prefix>.>`.
    pub fn subjects(&self) -> String {
        format!("{}.>", self.prefix)
    }
}

/// How the relay publishes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RelayOptions {
    /// The stream.
    pub stream: StreamOptions,
    /// This relay's id, stable across its restarts (default: the host name); two relays on
    /// the same topics need different ids.
    pub relay_id: String,
    /// Publishes awaiting their acknowledgement, at most (default 1024). When the window
    /// is full the relay stops reading the channel.
    pub max_in_flight: usize,
    /// How long to wait for an acknowledgement before publishing again (default 5 s).
    pub ack_timeout: Duration,
    /// Delay before the first re-publication after a failure; doubles up to
    /// `retry_max` (default 100 ms).
    pub retry_min: Duration,
    /// Longest delay between re-publications (default 5 s).
    pub retry_max: Duration,
    /// On shutdown, how long to keep waiting for acknowledgements (default 10 s).
    pub drain_timeout: Duration,
    /// How often the relay records its watermark (default 5 s); after a crash the gap
    /// reported at restart starts at the last one.
    pub checkpoint_interval: Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            stream: StreamOptions::default(),
            relay_id: default_relay_id(),
            max_in_flight: 1024,
            ack_timeout: Duration::from_secs(5),
            retry_min: Duration::from_millis(100),
            retry_max: Duration::from_secs(5),
            drain_timeout: Duration::from_secs(10),
            checkpoint_interval: Duration::from_secs(5),
        }
    }
}

/// The host name, or `relay` when it cannot be read.
pub fn default_relay_id() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "relay".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("nats://u:secret@host:4222"),
            "nats://<redacted>@host:4222"
        );
        assert_eq!(redact_url("nats://host:4222"), "nats://host:4222");
        let mut options = NatsOptions::new("nats://u:pw@h:1, nats://h2:2");
        options.password = Some("hunter2".into());
        options.token = Some("tok-secret".into());
        let debug = format!("{options:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("tok-secret") && !debug.contains("pw@")
        );
        assert!(debug.contains("nats://h2:2"));
    }

    #[tokio::test]
    async fn no_credentials_in_clear_to_remote_hosts() {
        let mut options = NatsOptions::new("nats://nats.example.com:4222");
        options.token = Some("t".into());
        let error = options.connect(|_| {}).await.err();
        assert!(
            matches!(&error, Some(RelayError::InvalidOption(m)) if m.contains("in clear")),
            "{error:?}"
        );
        let options = NatsOptions::new("nats://u:p@nats.example.com:4222");
        let error = options.connect(|_| {}).await.err();
        assert!(
            matches!(&error, Some(RelayError::InvalidOption(m)) if m.contains("in clear")),
            "{error:?}"
        );
    }

    #[test]
    fn stream_options_are_checked() {
        assert!(StreamOptions::default().validate().is_ok());
        for (name, prefix) in [
            ("A.B", "genesys"),
            ("", "g"),
            ("S", "a..b"),
            ("S", "g.>"),
            ("S", ""),
        ] {
            let options = StreamOptions {
                name: name.into(),
                prefix: prefix.into(),
                ..StreamOptions::default()
            };
            assert!(options.validate().is_err(), "{name} {prefix}");
        }
    }
}
