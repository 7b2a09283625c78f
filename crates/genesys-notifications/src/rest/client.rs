//! [`RestClient`]: the notification REST calls, authenticated and retried.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use super::auth::{Credentials, TokenCache};
use super::error::{RestError, RestErrorKind, retry_after, transport_error};
use super::model::{
    AvailableTopic, ChannelInfo, ChannelScope, EntityListing, Subscriptions, TopicRequest,
};
use super::region::Environment;
use super::secret::Secret;
use crate::error::{Error, ErrorKind};
use crate::policy::{Backoff, ReconnectPolicy};
use crate::uri;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client of the Genesys Cloud notification REST API.
///
/// Cheap to clone (the clones share the HTTP client and the token cache). Every call sends a
/// bearer token from the [`Credentials`], refreshes it once and retries on a 401, waits out a
/// 429 (honouring `Retry-After`) and retries 5xx answers and transport failures according to
/// the retry policy (a [`ReconnectPolicy`], the type that drives reconnects).
///
/// Failures are the library's [`Error`]: kind [`ErrorKind::Connection`] for channel calls,
/// [`ErrorKind::Subscription`] for subscription calls, [`ErrorKind::Authorization`] when the
/// credentials or the token are refused; the reason carries the HTTP status. The REST
/// details (Genesys error body, `contextId`, `Retry-After` ...) are in [`RestError::of`].
///
/// ```no_run
/// use genesys_notifications::rest::{Credentials, Region, RestClient};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let rest = RestClient::new(Region::EuWest1, Credentials::client_credentials("id", "secret"))?;
/// let channel = rest.create_channel().await?;
/// let result = rest
///     .add_subscriptions(&channel.id, &["v2.users.8f6c1b3e-1111-2222-3333-444455556666.presence"], true)
///     .await?;
/// for topic in result.rejected() {
///     eprintln!("{} rejected: {:?}", topic.id, topic.rejection_reason);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RestClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    env: Environment,
    tokens: TokenCache,
    retry: ReconnectPolicy,
    max_retry_after: Duration,
    timeout: Duration,
    /// Ids of the channels this client created (or adopted): a channel of its own token
    /// that is not here was created by a channel creation whose answer was lost.
    created: std::sync::Mutex<HashSet<String>>,
}

/// Channel ids remembered in [`Inner::created`] before the oldest half is forgotten (a
/// managed channel creates about one a day).
const MAX_CREATED: usize = 1024;

/// Which failures of a call are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retry {
    /// Every transient failure: the call is idempotent.
    Idempotent,
    /// Only failures that show the request was not served: connection refused, 429, 503.
    Unserved,
}

impl fmt::Debug for RestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClient")
            .field("environment", &self.inner.env)
            .field("credentials", self.inner.tokens.credentials())
            .field("retry", &self.inner.retry)
            .field("max_retry_after", &self.inner.max_retry_after)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Options of a [`RestClient`]; see [`RestClient::builder`].
#[derive(Debug)]
#[must_use = "a builder does nothing until `build()` is called"]
pub struct RestClientBuilder {
    env: Environment,
    credentials: Credentials,
    http: Option<reqwest::Client>,
    retry: ReconnectPolicy,
    max_retry_after: Duration,
    timeout: Duration,
}

/// The default retry policy of REST calls: first retry at once, then 1 s, 2 s, 4 s (full
/// jitter), at most 4 retries within a minute.
pub(crate) fn default_retry_policy() -> ReconnectPolicy {
    ReconnectPolicy::default()
        .max_attempts(Some(4))
        .max_elapsed(Some(Duration::from_secs(60)))
}

impl RestClientBuilder {
    /// Uses this HTTP client (proxies, extra root certificates, middleware ...) instead of a
    /// default one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How calls are retried after a 429, a 5xx or a transport failure: the same policy type
    /// as reconnects. Default: first retry at once, then 1 s, 2 s, 4 s with full jitter, at
    /// most 4 retries within a minute. [`ReconnectPolicy::never`] disables retries.
    pub fn retry_policy(mut self, policy: ReconnectPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The longest `Retry-After` a call waits for in any case (default 60 s). A longer one is
    /// waited out only when it ends within the retry policy's
    /// [`max_elapsed`](ReconnectPolicy::max_elapsed) deadline; otherwise the 429 is returned
    /// to the caller, with [`RestError::retry_after`].
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The timeout of each HTTP request (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<RestClient, Error> {
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .user_agent(concat!("genesys-notifications/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|error| {
                    RestError::new(RestErrorKind::Config)
                        .with_message("could not build the HTTP client")
                        .with_source(error)
                        .into_error(ErrorKind::Connection)
                })?,
        };
        Ok(RestClient {
            inner: Arc::new(Inner {
                http,
                env: self.env,
                tokens: TokenCache::new(self.credentials),
                retry: self.retry,
                max_retry_after: self.max_retry_after,
                timeout: self.timeout,
                created: std::sync::Mutex::new(HashSet::new()),
            }),
        })
    }
}

/// A successful response, read.
struct Answer {
    status: StatusCode,
    text: String,
    label: String,
}

fn correlation_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("ININ-Correlation-Id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

fn check_channel_id(channel_id: &str) -> Result<(), RestError> {
    if channel_id.is_empty() {
        return Err(RestError::new(RestErrorKind::InvalidRequest).with_message("empty channel id"));
    }
    Ok(())
}

impl RestClient {
    /// A client with default options.
    pub fn new(env: impl Into<Environment>, credentials: Credentials) -> Result<Self, Error> {
        RestClient::builder(env, credentials).build()
    }

    /// A client with options.
    ///
    /// ```
    /// use std::time::Duration;
    /// use genesys_notifications::ReconnectPolicy;
    /// use genesys_notifications::rest::{Credentials, Environment, RestClient};
    ///
    /// let rest = RestClient::builder(
    ///     Environment::local("http://127.0.0.1:8080")?,
    ///     Credentials::client_credentials("demo-client", "demo-secret"),
    /// )
    /// .retry_policy(ReconnectPolicy::default().max_attempts(Some(2)))
    /// .request_timeout(Duration::from_secs(10))
    /// .build()?;
    /// # let _ = rest;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(env: impl Into<Environment>, credentials: Credentials) -> RestClientBuilder {
        RestClientBuilder {
            env: env.into(),
            credentials,
            http: None,
            retry: default_retry_policy(),
            max_retry_after: Duration::from_secs(60),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Where the client sends its requests.
    pub fn environment(&self) -> &Environment {
        &self.inner.env
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        self.inner.tokens.credentials()
    }

    pub(crate) async fn raw_access_token(&self) -> Result<Secret, RestError> {
        let inner = &self.inner;
        let token = inner
            .tokens
            .token(&inner.http, &inner.env, inner.timeout)
            .await?;
        Ok(token.secret)
    }

    /// A current access token (cached; fetched or refreshed as needed), for calling other
    /// Genesys Cloud APIs with the same identity.
    pub async fn access_token(&self) -> Result<Secret, Error> {
        self.raw_access_token()
            .await
            .map_err(|e| e.into_error(ErrorKind::Connection))
    }

    /// `POST /api/v2/notifications/channels`: a new channel (the service keeps 20 per user and
    /// OAuth client; the 21st evicts the least recently used).
    ///
    /// Retried like the other calls. A failure that may hide a created channel (a timeout,
    /// a connection lost after sending, a 5xx other than 503) is followed, with client
    /// credentials, by a listing of the token's channels: a channel this client did not
    /// create is returned instead of creating another. With other credentials such a channel
    /// is left unconnected and expires on its own (see the [module docs](super#errors-and-retries)).
    pub async fn create_channel(&self) -> Result<ChannelInfo, Error> {
        self.raw_create_channel()
            .await
            .map_err(|e| e.into_error(ErrorKind::Connection))
    }

    /// `GET /api/v2/notifications/channels?includechannels=...`: the existing channels.
    pub async fn list_channels(&self, scope: ChannelScope) -> Result<Vec<ChannelInfo>, Error> {
        self.raw_list_channels(scope)
            .await
            .map_err(|e| e.into_error(ErrorKind::Connection))
    }

    /// `HEAD /api/v2/notifications/channels/{id}`: whether the channel still exists
    /// (`Ok(false)` on 404).
    pub async fn channel_exists(&self, channel_id: &str) -> Result<bool, Error> {
        self.raw_channel_exists(channel_id)
            .await
            .map_err(|e| e.into_error(ErrorKind::Connection))
    }

    /// `GET .../channels/{id}/subscriptions`: the channel's topics.
    pub async fn subscriptions(&self, channel_id: &str) -> Result<Subscriptions, Error> {
        self.raw_subscriptions(channel_id)
            .await
            .map_err(|e| e.into_error(ErrorKind::Subscription))
    }

    /// `PUT .../channels/{id}/subscriptions`: replaces the channel's topics (an empty list
    /// clears them). With `ignore_errors`, refused topics are reported per topic
    /// ([`Subscriptions::rejected`]) and the others subscribed; without it, one refused topic
    /// fails the whole request. More than 1,000 topics is refused with a 400.
    pub async fn replace_subscriptions<S: AsRef<str>>(
        &self,
        channel_id: &str,
        topics: &[S],
        ignore_errors: bool,
    ) -> Result<Subscriptions, Error> {
        self.raw_replace_subscriptions(channel_id, topics, ignore_errors)
            .await
            .map_err(|e| e.into_error(ErrorKind::Subscription))
    }

    /// `POST .../channels/{id}/subscriptions`: adds topics to the channel's; see
    /// [`RestClient::replace_subscriptions`] for `ignore_errors`.
    pub async fn add_subscriptions<S: AsRef<str>>(
        &self,
        channel_id: &str,
        topics: &[S],
        ignore_errors: bool,
    ) -> Result<Subscriptions, Error> {
        self.raw_add_subscriptions(channel_id, topics, ignore_errors)
            .await
            .map_err(|e| e.into_error(ErrorKind::Subscription))
    }

    /// `DELETE .../channels/{id}/subscriptions`: removes every topic.
    pub async fn remove_all_subscriptions(&self, channel_id: &str) -> Result<(), Error> {
        self.raw_remove_all_subscriptions(channel_id)
            .await
            .map_err(|e| e.into_error(ErrorKind::Subscription))
    }

    /// `GET /api/v2/notifications/availabletopics`: the topic catalogue. `expand` names the
    /// optional fields to include (`description`, `enforced`, `schema`, `visibility`,
    /// `transports`, `publicApiTemplateUriPaths`, `requiresPermissions`, `permissionDetails`,
    /// `topicParameters`).
    pub async fn available_topics(
        &self,
        expand: &[&str],
        include_preview: bool,
    ) -> Result<Vec<AvailableTopic>, Error> {
        self.raw_available_topics(expand, include_preview)
            .await
            .map_err(|e| e.into_error(ErrorKind::Connection))
    }

    /// How many tokens were obtained so far (grants or provider calls).
    pub async fn token_fetches(&self) -> u64 {
        self.inner.tokens.fetches().await
    }

    /// `POST /channels`, retried on every transient failure within the retry policy. A
    /// 5xx other than 503, a timeout or a connection lost after sending may hide a channel
    /// that was created anyway: before each such retry, with client credentials (tokens of
    /// this client alone), the token's channels are listed and one this client does not know
    /// is taken instead of creating another. Otherwise (or if the listing fails) that
    /// channel stays unconnected and expires on its own; it counts toward the 20 channels of
    /// the client until then, and is the first evicted.
    pub(crate) async fn raw_create_channel(&self) -> Result<ChannelInfo, RestError> {
        let url = self.inner.env.api_url(&["notifications", "channels"]);
        let mut backoff: Option<Backoff> = None;
        loop {
            let error = match self
                .send_with(
                    Method::POST,
                    url.clone(),
                    &[],
                    None,
                    Retry::Unserved,
                    &mut backoff,
                )
                .await
            {
                Ok(answer) => {
                    let channel: ChannelInfo = decode(&answer)?;
                    if channel.id.is_empty() || channel.connect_uri.is_empty() {
                        return Err(RestError::new(RestErrorKind::Decode)
                            .with_request(answer.label)
                            .with_message("the new channel has no id or no connectUri"));
                    }
                    self.remember_channel(&channel.id);
                    return Ok(channel);
                }
                Err(error) if error.maybe_served() => error,
                Err(error) => return Err(error),
            };
            let Some(delay) = self.retry_delay(&mut backoff, None) else {
                return Err(error);
            };
            tracing::debug!(?delay, error = %error, "channel creation may have been served; retrying");
            tokio::time::sleep(delay).await;
            if let Some(channel) = self.find_unknown_channel().await {
                return Ok(channel);
            }
        }
    }

    fn remember_channel(&self, id: &str) {
        let mut created = self
            .inner
            .created
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if created.len() >= MAX_CREATED {
            let forget: Vec<String> = created.iter().take(MAX_CREATED / 2).cloned().collect();
            for id in forget {
                created.remove(&id);
            }
        }
        created.insert(id.to_owned());
    }

    /// A channel of this token that this client did not create: one created by a request
    /// whose answer was lost. Only with client credentials (a shared static token may have
    /// channels of other processes); the newest is taken, any other one is left to expire.
    async fn find_unknown_channel(&self) -> Option<ChannelInfo> {
        self.inner.tokens.credentials().client_id()?;
        let listed = match self.raw_list_channels(ChannelScope::Token).await {
            Ok(listed) => listed,
            Err(error) => {
                tracing::debug!(error = %error, "cannot list the channels to find one created by a lost answer");
                return None;
            }
        };
        let mut unknown: Vec<ChannelInfo> = {
            let created = self
                .inner
                .created
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            listed
                .into_iter()
                .filter(|c| !c.id.is_empty() && !c.connect_uri.is_empty())
                .filter(|c| !created.contains(&c.id))
                .collect()
        };
        unknown.sort_by_key(ChannelInfo::expires_at);
        let channel = unknown.pop()?;
        for other in &unknown {
            tracing::info!(channel = %uri::short_id(&other.id), "a channel created by a lost answer is left to expire unconnected");
        }
        tracing::info!(channel = %uri::short_id(&channel.id), "taking the channel created by a channel creation whose answer was lost");
        self.remember_channel(&channel.id);
        Some(channel)
    }

    pub(crate) async fn raw_list_channels(
        &self,
        scope: ChannelScope,
    ) -> Result<Vec<ChannelInfo>, RestError> {
        let url = self.inner.env.api_url(&["notifications", "channels"]);
        let query = [("includechannels", scope.as_query())];
        let answer = self.send(Method::GET, url, &query, None).await?;
        let listing: EntityListing<ChannelInfo> = decode(&answer)?;
        Ok(listing.entities)
    }

    pub(crate) async fn raw_channel_exists(&self, channel_id: &str) -> Result<bool, RestError> {
        check_channel_id(channel_id)?;
        let url = self
            .inner
            .env
            .api_url(&["notifications", "channels", channel_id]);
        match self.send(Method::HEAD, url, &[], None).await {
            Ok(_) => Ok(true),
            Err(error) if error.is_not_found() => Ok(false),
            Err(error) => Err(error),
        }
    }

    pub(crate) async fn raw_subscriptions(
        &self,
        channel_id: &str,
    ) -> Result<Subscriptions, RestError> {
        let answer = self
            .subscriptions_call(Method::GET, channel_id, None, false)
            .await?;
        decode(&answer)
    }

    pub(crate) async fn raw_replace_subscriptions<S: AsRef<str>>(
        &self,
        channel_id: &str,
        topics: &[S],
        ignore_errors: bool,
    ) -> Result<Subscriptions, RestError> {
        let answer = self
            .subscriptions_call(
                Method::PUT,
                channel_id,
                Some(topics_body(topics)),
                ignore_errors,
            )
            .await?;
        decode(&answer)
    }

    pub(crate) async fn raw_add_subscriptions<S: AsRef<str>>(
        &self,
        channel_id: &str,
        topics: &[S],
        ignore_errors: bool,
    ) -> Result<Subscriptions, RestError> {
        let answer = self
            .subscriptions_call(
                Method::POST,
                channel_id,
                Some(topics_body(topics)),
                ignore_errors,
            )
            .await?;
        decode(&answer)
    }

    pub(crate) async fn raw_remove_all_subscriptions(
        &self,
        channel_id: &str,
    ) -> Result<(), RestError> {
        self.subscriptions_call(Method::DELETE, channel_id, None, false)
            .await
            .map(drop)
    }

    pub(crate) async fn raw_available_topics(
        &self,
        expand: &[&str],
        include_preview: bool,
    ) -> Result<Vec<AvailableTopic>, RestError> {
        let url = self
            .inner
            .env
            .api_url(&["notifications", "availabletopics"]);
        let mut query: Vec<(&str, &str)> = expand.iter().map(|field| ("expand", *field)).collect();
        query.push((
            "includePreview",
            if include_preview { "true" } else { "false" },
        ));
        let answer = self.send(Method::GET, url, &query, None).await?;
        let listing: EntityListing<AvailableTopic> = decode(&answer)?;
        Ok(listing.entities)
    }

    async fn subscriptions_call(
        &self,
        method: Method,
        channel_id: &str,
        body: Option<serde_json::Value>,
        ignore_errors: bool,
    ) -> Result<Answer, RestError> {
        check_channel_id(channel_id)?;
        let url =
            self.inner
                .env
                .api_url(&["notifications", "channels", channel_id, "subscriptions"]);
        let query: &[(&str, &str)] = match (&body, ignore_errors) {
            (Some(_), true) => &[("ignoreErrors", "true")],
            _ => &[],
        };
        // Every subscription call is idempotent (POST adds a set).
        self.send(method, url, query, body.as_ref()).await
    }

    /// Sends an idempotent call: bearer token, one refresh on 401, retries on
    /// 429/5xx/transport failures.
    async fn send(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, RestError> {
        let mut backoff = None;
        self.send_with(method, url, query, body, Retry::Idempotent, &mut backoff)
            .await
    }

    /// The delay before the next retry, or `None` when the policy (shared through `backoff`
    /// by every retry of one call, token fetches included) is exhausted. A `Retry-After`
    /// over [`RestClientBuilder::max_retry_after`] is waited only when it ends within the
    /// policy's deadline.
    fn retry_delay(
        &self,
        backoff: &mut Option<Backoff>,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let now = Instant::now();
        let backoff = backoff.get_or_insert_with(|| Backoff::new(self.inner.retry.clone()));
        let backoff_delay = backoff.next_delay(now);
        match retry_after {
            Some(delay)
                if delay <= self.inner.max_retry_after || backoff.deadline_allows(now, delay) =>
            {
                backoff_delay.map(|_| delay)
            }
            Some(_) => None,
            None => backoff_delay,
        }
    }

    /// Sends one call: bearer token (its fetch retried like the call), one refresh on 401,
    /// retries on the failures `retry` allows.
    async fn send_with(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
        retry: Retry,
        backoff: &mut Option<Backoff>,
    ) -> Result<Answer, RestError> {
        let inner = &self.inner;
        // The channel id is the socket's only credential: logs and errors show it shortened.
        let label = format!("{method} {}", uri::redact_path(url.path()));
        let mut retries = 0u32;
        let mut refreshed = false;
        loop {
            let token = match inner
                .tokens
                .token(&inner.http, &inner.env, inner.timeout)
                .await
            {
                Ok(token) => token,
                Err(error) if error.is_transient() => {
                    let Some(delay) = self.retry_delay(backoff, error.retry_after()) else {
                        return Err(error);
                    };
                    retries += 1;
                    tracing::debug!(request = %label, retry = retries, ?delay, error = %error, "token fetch failed; retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
                Err(error) => return Err(error),
            };
            let mut request = inner
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.secret.expose_secret())
                .timeout(inner.timeout);
            if !query.is_empty() {
                request = request.query(query);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let failure = match request.send().await {
                Err(error) => {
                    let transient =
                        error.is_connect() || (retry == Retry::Idempotent && !error.is_builder());
                    let error = transport_error(error, &label);
                    if !transient {
                        return Err(error);
                    }
                    let Some(delay) = self.retry_delay(backoff, None) else {
                        return Err(error);
                    };
                    retries += 1;
                    tracing::debug!(request = %label, retry = retries, ?delay, error = %error, "retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let text = response
                        .text()
                        .await
                        .map_err(|error| transport_error(error, &label))?;
                    tracing::debug!(request = %label, status = status.as_u16(), "REST call");
                    if status.is_success() {
                        return Ok(Answer {
                            status,
                            text,
                            label,
                        });
                    }
                    let retry_after = retry_after(&headers);
                    let error = RestError::status_error(
                        status.as_u16(),
                        &text,
                        correlation_id(&headers),
                        retry_after,
                    )
                    .with_request(label.clone());
                    (status, retry_after, error, token.generation)
                }
            };
            let (status, retry_after, error, generation) = failure;
            if status == StatusCode::UNAUTHORIZED && !refreshed && inner.tokens.can_refresh() {
                refreshed = true;
                inner.tokens.reject(generation).await;
                tracing::debug!(request = %label, "access token refused; refreshing it once");
                continue;
            }
            let retryable = status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::SERVICE_UNAVAILABLE
                || (retry == Retry::Idempotent && status.is_server_error());
            if !retryable {
                return Err(error);
            }
            let Some(delay) = self.retry_delay(backoff, retry_after) else {
                return Err(error);
            };
            retries += 1;
            tracing::debug!(request = %label, status = status.as_u16(), retry = retries, ?delay, "retrying");
            tokio::time::sleep(delay).await;
        }
    }
}

fn topics_body<S: AsRef<str>>(topics: &[S]) -> serde_json::Value {
    let topics: Vec<TopicRequest<'_>> = topics
        .iter()
        .map(|topic| TopicRequest { id: topic.as_ref() })
        .collect();
    serde_json::to_value(topics).unwrap_or_default()
}

fn decode<T: DeserializeOwned>(answer: &Answer) -> Result<T, RestError> {
    let text = if answer.text.trim().is_empty() {
        "{}"
    } else {
        answer.text.as_str()
    };
    serde_json::from_str(text).map_err(|error| {
        RestError::new(RestErrorKind::Decode)
            .with_request(answer.label.clone())
            .with_message(format!("HTTP {}: {error}", answer.status.as_u16()))
            .with_source(error)
    })
}
