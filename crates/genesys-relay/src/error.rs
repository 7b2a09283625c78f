//! The relay's error type.

/// Why the relay could not start or had to stop.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// An option is unusable (bad URL, stream name, credentials in clear ...).
    #[error("{0}")]
    InvalidOption(String),
    /// No NATS server could be reached.
    #[error("cannot connect to NATS: {0}")]
    Connect(String),
    /// The stream exists but cannot take the relay's subjects, or another stream already
    /// captures them. Nothing was changed.
    #[error("stream conflict: {0}")]
    StreamConflict(String),
    /// JetStream refused or failed a stream or consumer operation.
    #[error("JetStream: {0}")]
    JetStream(String),
    /// The channel failed for good.
    #[error("the channel failed")]
    Channel(#[source] genesys_notifications::Error),
    /// The metrics listener could not be bound.
    #[error("cannot serve metrics on {addr}: {source}")]
    Metrics {
        /// The address asked for.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl RelayError {
    /// Whether the cause is in the options or the stream's configuration (a usage problem,
    /// not a failure of the network or of the service).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            RelayError::InvalidOption(_) | RelayError::StreamConflict(_)
        )
    }
}
