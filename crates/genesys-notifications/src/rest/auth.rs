//! Credentials and access tokens: the client-credentials grant, a static token, or a
//! user-supplied provider.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::error::{RestError, RestErrorKind};
use super::model::TokenResponse;
use super::region::Environment;
use super::secret::Secret;

/// The boxed future a [`TokenProvider`] returns.
pub type TokenFuture<'a> = Pin<
    Box<
        dyn Future<Output = Result<Secret, Box<dyn std::error::Error + Send + Sync + 'static>>>
            + Send
            + 'a,
    >,
>;

/// A source of access tokens supplied by the application (for instance a token shared with
/// another Genesys client, or obtained through a code grant).
///
/// ```
/// use genesys_notifications::rest::{Credentials, Secret, TokenFuture, TokenProvider};
///
/// struct FromEnv;
///
/// impl TokenProvider for FromEnv {
///     fn access_token(&self, _rejected: bool) -> TokenFuture<'_> {
///         Box::pin(async {
///             let token = std::env::var("GENESYS_TOKEN")?;
///             Ok(Secret::new(token))
///         })
///     }
/// }
///
/// let credentials = Credentials::provider(FromEnv);
/// # let _ = credentials;
/// ```
pub trait TokenProvider: Send + Sync + 'static {
    /// Returns the token to use. `rejected` is true when the previous token was refused with
    /// a 401: return a fresh one (the call is then retried once).
    fn access_token(&self, rejected: bool) -> TokenFuture<'_>;
}

/// How the client authenticates.
///
/// ```
/// use genesys_notifications::rest::Credentials;
///
/// let credentials = Credentials::client_credentials("my-client-id", "my-client-secret");
/// assert!(!format!("{credentials:?}").contains("my-client-secret"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    kind: CredentialsKind,
}

#[derive(Clone)]
enum CredentialsKind {
    ClientCredentials { client_id: String, secret: Secret },
    Static(Secret),
    Provider(Arc<dyn TokenProvider>),
}

impl Credentials {
    /// An OAuth client (client-credentials grant): tokens are fetched from
    /// `<login>/oauth/token`, cached, refreshed shortly before they expire and once more
    /// whenever the API answers 401.
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        Credentials {
            kind: CredentialsKind::ClientCredentials {
                client_id: client_id.into(),
                secret: client_secret.into(),
            },
        }
    }

    /// A fixed access token; nothing can refresh it, so a 401 is final.
    pub fn access_token(token: impl Into<Secret>) -> Self {
        Credentials {
            kind: CredentialsKind::Static(token.into()),
        }
    }

    /// Tokens from an application-supplied [`TokenProvider`].
    pub fn provider(provider: impl TokenProvider) -> Self {
        Credentials {
            kind: CredentialsKind::Provider(Arc::new(provider)),
        }
    }

    /// The OAuth client id, for client credentials.
    pub fn client_id(&self) -> Option<&str> {
        match &self.kind {
            CredentialsKind::ClientCredentials { client_id, .. } => Some(client_id),
            _ => None,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CredentialsKind::ClientCredentials { client_id, secret } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", secret)
                .finish(),
            CredentialsKind::Static(token) => f.debug_tuple("AccessToken").field(token).finish(),
            CredentialsKind::Provider(_) => f.write_str("TokenProvider(..)"),
        }
    }
}

/// A token in the cache, with the generation that lets a 401 invalidate exactly the token
/// it was answered to (concurrent callers then refresh once, not once each).
#[derive(Clone)]
pub(crate) struct Token {
    pub(crate) secret: Secret,
    pub(crate) generation: u64,
}

struct Cached {
    token: Token,
    refresh_at: Option<Instant>,
    rejected: bool,
}

/// The token cache: single-flight fetches behind an async mutex.
pub(crate) struct TokenCache {
    credentials: Credentials,
    state: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    cached: Option<Cached>,
    generation: u64,
    fetches: u64,
}

/// How long before expiry a token is refreshed: a tenth of its lifetime, at most a minute.
pub(crate) fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}

impl TokenCache {
    pub(crate) fn new(credentials: Credentials) -> Self {
        TokenCache {
            credentials,
            state: Mutex::new(CacheState::default()),
        }
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// How many tokens were obtained from the token endpoint or provider.
    pub(crate) async fn fetches(&self) -> u64 {
        self.state.lock().await.fetches
    }

    /// Whether a rejected token can be replaced by another one.
    pub(crate) fn can_refresh(&self) -> bool {
        !matches!(self.credentials.kind, CredentialsKind::Static(_))
    }

    /// The current token, fetching one when none is cached, it is due for refresh, or it
    /// was rejected.
    pub(crate) async fn token(
        &self,
        http: &reqwest::Client,
        env: &Environment,
        timeout: Duration,
    ) -> Result<Token, RestError> {
        let mut state = self.state.lock().await;
        if let Some(cached) = &state.cached {
            let fresh = cached
                .refresh_at
                .is_none_or(|refresh_at| Instant::now() < refresh_at);
            if fresh && !cached.rejected {
                return Ok(cached.token.clone());
            }
        }
        let rejected = state.cached.as_ref().is_some_and(|cached| cached.rejected);
        let (secret, lifetime) = match &self.credentials.kind {
            CredentialsKind::Static(token) => (token.clone(), None),
            CredentialsKind::Provider(provider) => {
                let secret = provider.access_token(rejected).await.map_err(|source| {
                    RestError::new(RestErrorKind::TokenProvider).with_source(source)
                })?;
                (secret, None)
            }
            CredentialsKind::ClientCredentials { client_id, secret } => {
                client_credentials_grant(http, env, client_id, secret, timeout).await?
            }
        };
        state.generation += 1;
        state.fetches += 1;
        let token = Token {
            secret,
            generation: state.generation,
        };
        // A lifetime too large to represent is treated as "never expires".
        let refresh_at = lifetime
            .and_then(|lifetime| Instant::now().checked_add(lifetime - refresh_margin(lifetime)));
        if let Some(lifetime) = lifetime {
            tracing::debug!(
                lifetime_secs = lifetime.as_secs(),
                "obtained an access token"
            );
        }
        state.cached = Some(Cached {
            token: token.clone(),
            refresh_at,
            rejected: false,
        });
        Ok(token)
    }

    /// Marks the token of `generation` as rejected (a 401), unless it was already replaced.
    pub(crate) async fn reject(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if let Some(cached) = &mut state.cached
            && cached.token.generation == generation
        {
            cached.rejected = true;
        }
    }
}

async fn client_credentials_grant(
    http: &reqwest::Client,
    env: &Environment,
    client_id: &str,
    secret: &Secret,
    timeout: Duration,
) -> Result<(Secret, Option<Duration>), RestError> {
    let request = "POST /oauth/token";
    let response = http
        .post(env.token_url())
        .basic_auth(client_id, Some(secret.expose_secret()))
        .form(&[("grant_type", "client_credentials")])
        .timeout(timeout)
        .send()
        .await
        .map_err(|error| super::client::transport_error(error, request))?;
    let status = response.status().as_u16();
    let retry_after = super::client::retry_after(response.headers());
    let text = response
        .text()
        .await
        .map_err(|error| super::client::transport_error(error, request))?;
    if !(200..300).contains(&status) {
        return Err(RestError::token_error(status, &text)
            .with_request(request)
            .with_retry_after(retry_after));
    }
    let parsed: TokenResponse = serde_json::from_str(&text).map_err(|error| {
        // The body holds the token: never quote it.
        RestError::new(RestErrorKind::Decode)
            .with_request(request)
            .with_message(format!(
                "the token response is not the expected JSON (line {}, column {})",
                error.line(),
                error.column()
            ))
    })?;
    if parsed.access_token.is_empty() {
        return Err(RestError::new(RestErrorKind::Decode)
            .with_request(request)
            .with_message("the token response has an empty access_token"));
    }
    Ok((
        Secret::new(parsed.access_token),
        parsed.expires_in.map(Duration::from_secs),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_margin_is_a_tenth_capped_at_a_minute() {
        assert_eq!(
            refresh_margin(Duration::from_secs(86_400)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(100)),
            Duration::from_secs(10)
        );
        assert_eq!(refresh_margin(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn credentials_never_show_secrets() {
        for credentials in [
            Credentials::client_credentials("id-1", "top-secret"),
            Credentials::access_token("top-secret"),
        ] {
            let shown = format!("{credentials:?} {credentials:#?}");
            assert!(!shown.contains("top-secret"), "{shown}");
        }
        assert_eq!(
            Credentials::client_credentials("id-1", "x").client_id(),
            Some("id-1")
        );
    }
}
