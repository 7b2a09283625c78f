//! What went wrong talking to the REST API or the token endpoint.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use super::model::{ErrorBody, OAuthErrorBody};
use crate::error::{Error, ErrorKind, Reason};
use crate::uri;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The category of a [`RestError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RestErrorKind {
    /// The service answered with an error status (see [`RestError::status`] and
    /// [`RestError::body`]).
    Status,
    /// The token endpoint refused the credentials or the grant.
    Token,
    /// A user-supplied [`TokenProvider`](super::TokenProvider) failed.
    TokenProvider,
    /// The request could not be sent or its response not read (connection refused, reset,
    /// TLS ...).
    Transport,
    /// The request timed out.
    Timeout,
    /// The response could not be decoded.
    Decode,
    /// The request was refused locally before being sent (e.g. more than 1,000 topics is
    /// sent anyway; an empty channel id is not).
    InvalidRequest,
    /// The library could not be configured (e.g. the HTTP client failed to build).
    Config,
}

/// An error from the REST API, the token endpoint, or the HTTP transport.
///
/// It never contains a client secret or an access token: the service's error body, the HTTP
/// status, the method and path, and the underlying cause are all it carries.
pub struct RestError {
    inner: Box<Inner>,
}

struct Inner {
    kind: RestErrorKind,
    status: Option<u16>,
    body: Option<ErrorBody>,
    message: Option<String>,
    request: Option<String>,
    correlation_id: Option<String>,
    retry_after: Option<Duration>,
    /// A transport failure known to have happened before the request was sent (no
    /// connection).
    not_sent: bool,
    source: Option<BoxError>,
}

impl RestError {
    pub(crate) fn new(kind: RestErrorKind) -> Self {
        RestError {
            inner: Box::new(Inner {
                kind,
                status: None,
                body: None,
                message: None,
                request: None,
                correlation_id: None,
                retry_after: None,
                not_sent: false,
                source: None,
            }),
        }
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = Some(message.into());
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }

    pub(crate) fn not_sent(mut self) -> Self {
        self.inner.not_sent = true;
        self
    }

    pub(crate) fn with_request(mut self, request: impl Into<String>) -> Self {
        self.inner.request = Some(request.into());
        self
    }

    pub(crate) fn status_error(
        status: u16,
        body_text: &str,
        correlation_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        let mut error = RestError::new(RestErrorKind::Status);
        error.inner.status = Some(status);
        error.inner.correlation_id = correlation_id;
        error.inner.retry_after = retry_after;
        match serde_json::from_str::<ErrorBody>(body_text) {
            Ok(body) => error.inner.body = Some(body),
            Err(_) => error.inner.message = snippet(body_text),
        }
        error
    }

    pub(crate) fn token_error(status: u16, body_text: &str) -> Self {
        let mut error = RestError::new(RestErrorKind::Token);
        error.inner.status = Some(status);
        match serde_json::from_str::<OAuthErrorBody>(body_text) {
            Ok(body) => {
                let description = body.error_description.or(body.description);
                error.inner.message = match (body.error, description) {
                    (Some(code), Some(text)) => Some(format!("{code}: {text}")),
                    (code, text) => code.or(text),
                }
            }
            Err(_) => error.inner.message = snippet(body_text),
        }
        error
    }

    /// The category of the failure.
    pub fn kind(&self) -> RestErrorKind {
        self.inner.kind
    }

    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The Genesys error body, when the service sent one.
    pub fn body(&self) -> Option<&ErrorBody> {
        self.inner.body.as_ref()
    }

    /// The service's message (from the error body), or a description of the failure.
    pub fn message(&self) -> Option<&str> {
        self.inner
            .body
            .as_ref()
            .and_then(|body| body.message.as_deref())
            .or(self.inner.message.as_deref())
    }

    /// The Genesys error code, e.g. `bad.request`.
    pub fn code(&self) -> Option<&str> {
        self.inner
            .body
            .as_ref()
            .and_then(|body| body.code.as_deref())
    }

    /// The context id to quote to Genesys support.
    pub fn context_id(&self) -> Option<&str> {
        self.inner
            .body
            .as_ref()
            .and_then(|body| body.context_id.as_deref())
    }

    /// The `ININ-Correlation-Id` response header.
    pub fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }

    /// The `Retry-After` delay of a 429 (or 503) that was not retried: longer than
    /// [`RestClientBuilder::max_retry_after`](super::RestClientBuilder::max_retry_after) and
    /// than what the retry policy's deadline leaves, or past the last attempt.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// `METHOD /path` of the failed request.
    pub fn request(&self) -> Option<&str> {
        self.inner.request.as_deref()
    }

    /// Whether the failure is a 401 (token missing, expired or revoked; or credentials
    /// refused).
    pub fn is_unauthorized(&self) -> bool {
        self.inner.status == Some(401)
    }

    /// Whether the failure is a 404 (the channel does not exist).
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == RestErrorKind::Status && self.inner.status == Some(404)
    }

    /// The REST details of a library [`Error`] that came from the REST API or the token
    /// endpoint (its [`source`](StdError::source)).
    ///
    /// ```no_run
    /// # async fn demo(rest: genesys_notifications::rest::RestClient) {
    /// use genesys_notifications::rest::RestError;
    ///
    /// if let Err(error) = rest.create_channel().await {
    ///     if let Some(details) = RestError::of(&error) {
    ///         eprintln!("HTTP {:?}, contextId {:?}", details.status(), details.context_id());
    ///     }
    /// }
    /// # }
    /// ```
    pub fn of(error: &Error) -> Option<&RestError> {
        error
            .cause()
            .and_then(|cause| cause.downcast_ref::<RestError>())
    }

    /// Converts into the library's error: `kind` says what was being done; 401 (and 403
    /// outside subscriptions) become [`ErrorKind::Authorization`]; this error stays reachable
    /// through `source()` (and [`RestError::of`]).
    pub(crate) fn into_error(self, kind: ErrorKind) -> Error {
        use RestErrorKind as K;
        let reason = match (self.kind(), self.status()) {
            (K::Status | K::Token, Some(401)) => Reason::HttpUnauthorized,
            (K::Status | K::Token, Some(403)) => Reason::HttpForbidden,
            (K::Status, Some(404)) => Reason::ChannelNotFound,
            (K::Status | K::Token, Some(status)) => Reason::InvalidStatusCode(status),
            (K::Timeout, _) => Reason::Timeout,
            (K::Transport, _) => Reason::Io,
            (K::Decode, _) => Reason::InvalidMessage,
            _ => Reason::Ambiguous,
        };
        let kind = match (reason, kind) {
            (Reason::HttpUnauthorized, ErrorKind::Connection | ErrorKind::Subscription)
            | (Reason::HttpForbidden, ErrorKind::Connection) => ErrorKind::Authorization,
            _ => kind,
        };
        // The message is this error's text; the chain goes on with its cause (see
        // `Error::with_shown_source`), so the context is never printed twice.
        Error::new(kind, reason)
            .with_message(self.to_string())
            .with_shown_source(self)
    }

    /// Whether retrying later could succeed (429, 5xx, transport failures, timeouts; from
    /// the REST API or the token endpoint).
    pub fn is_transient(&self) -> bool {
        match self.inner.kind {
            RestErrorKind::Transport | RestErrorKind::Timeout => true,
            RestErrorKind::Status | RestErrorKind::Token => {
                matches!(self.inner.status, Some(429) | Some(500..=599))
            }
            _ => false,
        }
    }

    /// Whether the request may have been served although it failed: a timeout, a connection
    /// lost after sending, or a 5xx other than 503.
    pub(crate) fn maybe_served(&self) -> bool {
        match self.inner.kind {
            RestErrorKind::Timeout => true,
            RestErrorKind::Transport => !self.inner.not_sent,
            RestErrorKind::Status => {
                matches!(self.inner.status, Some(500..=599)) && self.inner.status != Some(503)
            }
            _ => false,
        }
    }
}

fn snippet(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    const MAX: usize = 300;
    if text.len() <= MAX {
        return Some(text.to_owned());
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(format!("{}...", &text[..end]))
}

impl fmt::Debug for RestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut d = f.debug_struct("RestError");
        d.field("kind", &inner.kind);
        if let Some(request) = &inner.request {
            d.field("request", request);
        }
        if let Some(status) = inner.status {
            d.field("status", &status);
        }
        if let Some(body) = &inner.body {
            d.field("body", body);
        }
        if let Some(message) = &inner.message {
            d.field("message", message);
        }
        if let Some(id) = &inner.correlation_id {
            d.field("correlation_id", id);
        }
        if let Some(retry_after) = inner.retry_after {
            d.field("retry_after", &retry_after);
        }
        if let Some(source) = &inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for RestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let what = match inner.kind {
            RestErrorKind::Status => "the REST API refused the request",
            RestErrorKind::Token => "the token endpoint refused the client credentials",
            RestErrorKind::TokenProvider => "the token provider failed",
            RestErrorKind::Transport => "the REST request failed",
            RestErrorKind::Timeout => "the REST request timed out",
            RestErrorKind::Decode => "the REST response could not be decoded",
            RestErrorKind::InvalidRequest => "invalid REST request",
            RestErrorKind::Config => "the REST client could not be configured",
        };
        f.write_str(what)?;
        if let Some(request) = &inner.request {
            write!(f, " ({request})")?;
        }
        if let Some(status) = inner.status {
            write!(f, ": HTTP {status}")?;
        }
        if let Some(retry_after) = inner.retry_after {
            write!(f, " (Retry-After {} s)", retry_after.as_secs())?;
        }
        if let Some(message) = self.message() {
            write!(f, ": {message}")?;
        }
        if let Some(code) = self.code() {
            write!(f, " [code {code}]")?;
        }
        if let Some(context) = self.context_id() {
            write!(f, " [contextId {context}]")?;
        }
        Ok(())
    }
}

impl StdError for RestError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// The `Retry-After` header in whole seconds (the service's form), if present and valid.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// A `reqwest` failure as a [`RestError`], the channel id in its URL shortened.
pub(crate) fn transport_error(error: reqwest::Error, request: &str) -> RestError {
    let kind = if error.is_timeout() {
        RestErrorKind::Timeout
    } else {
        RestErrorKind::Transport
    };
    // reqwest's error shows the URL, channel id included: show it shortened.
    let error = match error.url().cloned() {
        Some(mut url) => {
            url.set_path(&uri::redact_path(url.path()));
            error.with_url(url)
        }
        None => error,
    };
    let not_sent = error.is_connect();
    let error = RestError::new(kind)
        .with_request(request)
        .with_source(error);
    if not_sent { error.not_sent() } else { error }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesys_error_body_is_parsed() {
        let error = RestError::status_error(
            400,
            r#"{"message":"Too many topics","code":"notification.too.many.topics","status":400,"contextId":"c-1"}"#,
            Some("corr-1".into()),
            None,
        )
        .with_request("PUT /api/v2/notifications/channels/x/subscriptions");
        assert_eq!(error.kind(), RestErrorKind::Status);
        assert_eq!(error.status(), Some(400));
        assert_eq!(error.message(), Some("Too many topics"));
        assert_eq!(error.code(), Some("notification.too.many.topics"));
        assert_eq!(error.context_id(), Some("c-1"));
        assert_eq!(error.correlation_id(), Some("corr-1"));
        assert!(!error.is_transient());
        assert_eq!(
            error.to_string(),
            "the REST API refused the request (PUT /api/v2/notifications/channels/x/subscriptions): \
             HTTP 400: Too many topics [code notification.too.many.topics] [contextId c-1]"
        );
    }

    #[test]
    fn non_json_bodies_and_token_errors() {
        let long = "x".repeat(1000);
        let error = RestError::status_error(502, &long, None, None);
        assert!(error.is_transient());
        assert!(error.message().is_some_and(|m| m.len() < 310));
        let error = RestError::token_error(
            401,
            r#"{"error":"invalid_client","description":"client not found"}"#,
        );
        assert_eq!(error.kind(), RestErrorKind::Token);
        assert!(error.is_unauthorized());
        assert_eq!(error.message(), Some("invalid_client: client not found"));
        assert_eq!(
            std::mem::size_of::<RestError>(),
            std::mem::size_of::<usize>()
        );
    }
}
