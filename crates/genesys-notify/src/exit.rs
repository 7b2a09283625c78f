//! Exit codes, and how failures map to them.
//!
//! Every failure travels as an [`anyhow::Error`]; its exit code is decided once, at the edge
//! ([`code_of`]), by looking for a known cause anywhere in the error's chain: a library
//! [`Error`] (its [`Reason`] first, then its [`ErrorKind`]), a REST [`RestError`], or a
//! [`UsageError`].

use std::fmt;
use std::process::ExitCode;

use genesys_notifications::rest::{RestError, RestErrorKind};
use genesys_notifications::{Error, ErrorKind, Reason};
use genesys_sim::SimError;

/// The exit codes, as documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Done: count or duration reached, interrupted (SIGINT/SIGTERM), or the command succeeded.
    Done = 0,
    /// Internal error (a bug, or stdout/stderr unusable).
    Internal = 1,
    /// Usage: bad arguments, invalid URI or topic, missing credentials, unusable simulator
    /// options.
    Usage = 2,
    /// The service could not be reached (refused, timeout, TLS, unexpected HTTP status).
    Connection = 10,
    /// The credentials or the token were refused (401/403, token revoked).
    Authorization = 11,
    /// The subscription was rejected or not confirmed.
    Subscription = 12,
    /// The channel is gone (not found, expired, evicted, no longer subscribed).
    Channel = 13,
    /// Recovery gave up (reconnect attempts exhausted, rollover or extension failed).
    Recovery = 14,
}

/// The exit-code table shown at the end of `--help`.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
   0  done (count or duration reached, interrupted by SIGINT/SIGTERM, command succeeded)
   1  internal error
   2  usage: bad arguments, invalid URI or topic, missing credentials
  10  connection failure: the service could not be reached
  11  authorization failure: credentials or token refused (401/403, token revoked)
  12  subscription failure: topics rejected or not confirmed
  13  channel failure: the channel is gone (not found, expired, evicted)
  14  recovery failure: gave up reconnecting";

impl Exit {
    /// The numeric code.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// A usage problem clap cannot see (missing credentials, an empty topic list ...): exit 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Builds a usage error.
pub(crate) fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// An error that carries its exit code explicitly (e.g. `channels check` of a missing channel).
#[derive(Debug)]
pub(crate) struct Coded(pub(crate) Exit, pub(crate) String);

impl fmt::Display for Coded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.1)
    }
}

impl std::error::Error for Coded {}

/// The exit code of a failure: the first known cause in its chain decides.
pub(crate) fn code_of(error: &anyhow::Error) -> Exit {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<Error>() {
            return of_library(e);
        }
        if let Some(e) = cause.downcast_ref::<RestError>() {
            return of_rest(e);
        }
        if cause.downcast_ref::<UsageError>().is_some() {
            return Exit::Usage;
        }
        if let Some(SimError::Config(_) | SimError::Tls(_)) = cause.downcast_ref::<SimError>() {
            return Exit::Usage;
        }
        if let Some(Coded(exit, _)) = cause.downcast_ref::<Coded>() {
            return *exit;
        }
    }
    Exit::Internal
}

/// The exit code of a library error: what happened ([`Reason`]) first, then where
/// ([`ErrorKind`]).
pub(crate) fn of_library(error: &Error) -> Exit {
    match error.reason() {
        Reason::InvalidUri | Reason::InvalidTopic | Reason::InvalidOption => return Exit::Usage,
        Reason::HttpUnauthorized | Reason::HttpForbidden | Reason::TokenRevoked => {
            return Exit::Authorization;
        }
        Reason::ChannelNotFound
        | Reason::NoLongerSubscribed
        | Reason::ChannelExpired
        | Reason::ReplacementUnavailable => return Exit::Channel,
        Reason::AttemptsExhausted => return Exit::Recovery,
        _ => {}
    }
    match error.kind() {
        ErrorKind::Connection => Exit::Connection,
        ErrorKind::Authorization => Exit::Authorization,
        ErrorKind::Subscription => Exit::Subscription,
        ErrorKind::Receive => Exit::Channel,
        ErrorKind::Reconnect | ErrorKind::Rollover | ErrorKind::LifetimeExtension => Exit::Recovery,
        ErrorKind::Closed => Exit::Done,
        _ => Exit::Internal,
    }
}

/// The exit code of a REST error.
pub(crate) fn of_rest(error: &RestError) -> Exit {
    match (error.kind(), error.status()) {
        (_, Some(401 | 403)) | (RestErrorKind::Token | RestErrorKind::TokenProvider, _) => {
            Exit::Authorization
        }
        (_, Some(404)) => Exit::Channel,
        (_, Some(400)) => Exit::Subscription,
        (RestErrorKind::InvalidRequest, _) => Exit::Usage,
        (RestErrorKind::Transport | RestErrorKind::Timeout, _) | (RestErrorKind::Status, _) => {
            Exit::Connection
        }
        _ => Exit::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_table_lists_every_code() {
        for exit in [
            Exit::Done,
            Exit::Internal,
            Exit::Usage,
            Exit::Connection,
            Exit::Authorization,
            Exit::Subscription,
            Exit::Channel,
            Exit::Recovery,
        ] {
            let line = format!("\n{:>4}  ", exit.code());
            assert!(EXIT_CODES_HELP.contains(&line), "{exit:?} missing");
        }
    }

    #[test]
    fn usage_and_coded_errors_are_found_under_context() {
        let e = usage("no topics").context("listen");
        assert_eq!(code_of(&e), Exit::Usage);
        let e = anyhow::Error::new(Coded(Exit::Channel, "gone".into())).context("check");
        assert_eq!(code_of(&e), Exit::Channel);
        assert_eq!(code_of(&anyhow::anyhow!("boom")), Exit::Internal);
    }
}
