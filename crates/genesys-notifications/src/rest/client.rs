//! [`RestClient`]: the notification REST calls, authenticated and retried.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use super::auth::{Credentials, TokenCache};
use super::error::{RestError, RestErrorKind, transport_error};
use super::model::{
    AvailableTopic, ChannelInfo, ChannelScope, EntityListing, Subscriptions, TopicRequest,
};
use super::region::Environment;
use super::secret::Secret;
use crate::error::{Error, ErrorKind};
use crate::policy::{Backoff, ReconnectPolicy};
use crate::transport;

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

    /// The longest `Retry-After` a call waits for (default 60 s); a longer one returns the
    /// 429 to the caller, with [`RestError::retry_after`].
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

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
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

    pub(crate) async fn raw_create_channel(&self) -> Result<ChannelInfo, RestError> {
        let url = self.inner.env.api_url(&["notifications", "channels"]);
        let answer = self.send(Method::POST, url, &[], None, false).await?;
        let channel: ChannelInfo = decode(&answer)?;
        if channel.id.is_empty() || channel.connect_uri.is_empty() {
            return Err(RestError::new(RestErrorKind::Decode)
                .with_request(answer.label)
                .with_message("the new channel has no id or no connectUri"));
        }
        Ok(channel)
    }

    pub(crate) async fn raw_list_channels(
        &self,
        scope: ChannelScope,
    ) -> Result<Vec<ChannelInfo>, RestError> {
        let url = self.inner.env.api_url(&["notifications", "channels"]);
        let query = [("includechannels", scope.as_query())];
        let answer = self.send(Method::GET, url, &query, None, true).await?;
        let listing: EntityListing<ChannelInfo> = decode(&answer)?;
        Ok(listing.entities)
    }

    pub(crate) async fn raw_channel_exists(&self, channel_id: &str) -> Result<bool, RestError> {
        check_channel_id(channel_id)?;
        let url = self
            .inner
            .env
            .api_url(&["notifications", "channels", channel_id]);
        match self.send(Method::HEAD, url, &[], None, true).await {
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
        let answer = self.send(Method::GET, url, &query, None, true).await?;
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
        self.send(method, url, query, body.as_ref(), true).await
    }

    /// Sends one call: bearer token, one refresh on 401, retries on 429/5xx/transport.
    async fn send(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
        idempotent: bool,
    ) -> Result<Answer, RestError> {
        let inner = &self.inner;
        // The channel id is the socket's only credential: logs and errors show it shortened.
        let label = format!("{method} {}", transport::redact_path(url.path()));
        let mut backoff: Option<Backoff> = None;
        let mut retries = 0u32;
        let mut refreshed = false;
        loop {
            let token = inner
                .tokens
                .token(&inner.http, &inner.env, inner.timeout)
                .await?;
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
                    let transient = error.is_connect() || (idempotent && !error.is_builder());
                    let error = transport_error(error, &label);
                    let next = backoff
                        .get_or_insert_with(|| Backoff::new(inner.retry.clone()))
                        .next_delay(Instant::now());
                    match next {
                        Some(delay) if transient => {
                            retries += 1;
                            tracing::debug!(request = %label, retry = retries, ?delay, error = %error, "retrying");
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                        _ => return Err(error),
                    }
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
                || (idempotent && status.is_server_error());
            if !retryable {
                return Err(error);
            }
            let Some(backoff_delay) = backoff
                .get_or_insert_with(|| Backoff::new(inner.retry.clone()))
                .next_delay(Instant::now())
            else {
                return Err(error);
            };
            let delay = match retry_after {
                Some(delay) if delay <= inner.max_retry_after => delay,
                Some(_) => return Err(error),
                None => backoff_delay,
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
