//! The Genesys-compatible REST surface: `POST /oauth/token` and
//! `/api/v2/notifications/...` (protocol reference §1).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, head, post};
use base64::Engine;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::api::{RestFault, RestRoute};
use crate::frames;
use crate::shared::Shared;
use crate::state::{AuthError, Mode, SubscribeError, TopicResult, Via};
use crate::topics;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    const CHANNELS: &str = "/api/v2/notifications/channels";
    Router::new()
        .route("/oauth/token", post(token))
        .route(CHANNELS, post(create_channel).get(list_channels))
        .route(&format!("{CHANNELS}/{{id}}"), head(head_channel))
        .route(
            &format!("{CHANNELS}/{{id}}/subscriptions"),
            get(get_subscriptions)
                .put(put_subscriptions)
                .post(post_subscriptions)
                .delete(delete_subscriptions),
        )
        .route(
            "/api/v2/notifications/availabletopics",
            get(available_topics),
        )
}

/// An HTTP error answered with a Genesys `ErrorBody`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad.request", message)
    }

    /// 503 during a simulated outage.
    pub(crate) fn unavailable() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service.unavailable",
            "the service is unavailable (simulated outage)",
        )
    }

    fn channel_not_found(id: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not.found",
            format!("channel {id} not found"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let context = frames_context_id();
        let body = frames::error_body(self.status.as_u16(), self.code, &self.message, &context);
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

fn frames_context_id() -> String {
    crate::state::format_uuid(fastrand::u64(..), fastrand::u64(..))
}

/// Fallback for unknown routes.
pub(crate) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not.found", "no such resource")
}

/// Fallback for a known route with another method.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method.not.allowed",
        "method not allowed on this resource",
    )
}

/// Serves a request of `route` with `serve`, applying a pending [`RestFault`]: an error
/// instead of serving, an error after serving (a lost response), or serving late. A late
/// request is served even if the client gives up waiting (the work runs in its own task), as
/// a service that received it would.
async fn serve_with_faults<T: Send + 'static>(
    shared: &Arc<Shared>,
    route: RestRoute,
    serve: impl FnOnce(&Shared) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let fault = shared.lock().take_rest_fault(route);
    let injected = |status: u16| {
        ApiError::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "injected.fault",
            "the request failed (injected REST fault)",
        )
    };
    match fault {
        None => Ok(serve(shared)),
        Some(RestFault::Status(status)) => Err(injected(status)),
        Some(RestFault::StatusAfterProcessing(status)) => {
            serve(shared);
            Err(injected(status))
        }
        Some(RestFault::Delay(delay)) => {
            let shared = Arc::clone(shared);
            let late = tokio::spawn(async move {
                tokio::select! {
                    () = tokio::time::sleep(delay) => Some(serve(&shared)),
                    () = shared.shutdown.cancelled() => None,
                }
            });
            match late.await {
                Ok(Some(served)) => Ok(served),
                _ => Err(ApiError::unavailable()),
            }
        }
    }
}

/// The authenticated caller.
struct Caller {
    client_id: String,
    token: String,
}

/// Bearer authentication plus the per-client rate limit.
fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<Caller, ApiError> {
    if shared.lock().in_outage(Instant::now()) {
        return Err(ApiError::unavailable());
    }
    let unauthorized = |message: &str| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            message.to_owned(),
        )
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| unauthorized("missing bearer token"))?;
    let now = Instant::now();
    let mut state = shared.lock();
    let client_id = state.authenticate(token, now).map_err(|e| {
        unauthorized(match e {
            AuthError::Unknown => "invalid bearer token",
            AuthError::Expired => "the access token has expired",
            AuthError::Revoked => "the access token has been revoked",
        })
    })?;
    state.check_rate(&client_id, now).map_err(|retry| {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests",
            "rate limit exceeded",
        );
        e.retry_after = Some(retry_after_secs(retry));
        e
    })?;
    Ok(Caller {
        client_id,
        token: token.to_owned(),
    })
}

/// `Retry-After` in whole seconds, rounded up, at least 1.
fn retry_after_secs(retry: Duration) -> u64 {
    let secs = retry.as_secs() + u64::from(retry.subsec_nanos() > 0);
    secs.max(1)
}

// -------------------------------------------------------------------- OAuth

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({
        "error": error,
        "error_description": description,
        "description": description,
    });
    (status, Json(body)).into_response()
}

/// Decodes `Authorization: Basic base64(id:secret)`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

async fn token(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Some((client_id, secret)) = basic_credentials(&headers) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client credentials are required in a Basic Authorization header",
        );
    };
    let grant = form.ok().and_then(|Form(f)| f.get("grant_type").cloned());
    match grant.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only grant_type=client_credentials is supported",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "a form body with grant_type=client_credentials is required",
            );
        }
    }
    if shared.lock().in_outage(Instant::now()) {
        return ApiError::unavailable().into_response();
    }
    if !shared.lock().check_client(&client_id, &secret) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    let issued = serve_with_faults(&shared, RestRoute::Token, move |shared| {
        let token = shared.lock().issue_token(&client_id, Instant::now());
        shared.deadlines_changed();
        token
    })
    .await;
    let token = match issued {
        Ok(token) => token,
        Err(e) => return e.into_response(),
    };
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": shared.config.token_lifetime.as_secs(),
    }))
    .into_response()
}

// -------------------------------------------------------------------- channels

async fn create_channel(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = authorize(&shared, &headers)?;
    let info = serve_with_faults(&shared, RestRoute::CreateChannel, move |shared| {
        let info =
            shared
                .lock()
                .create_channel(&caller.client_id, Some(&caller.token), Instant::now());
        shared.deadlines_changed();
        info
    })
    .await?;
    Ok(Json(info).into_response())
}

async fn list_channels(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let caller = authorize(&shared, &headers)?;
    let all = match query.get("includechannels").map(String::as_str) {
        None | Some("token") => false,
        Some("oauthclient") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid includechannels value '{other}' (token | oauthclient)"
            )));
        }
    };
    let entities = shared
        .lock()
        .list_channels(&caller.client_id, &caller.token, all);
    Ok(Json(json!({ "entities": entities })).into_response())
}

async fn head_channel(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let caller = authorize(&shared, &headers)?;
    if shared
        .lock()
        .touch_channel(&caller.client_id, &id, Instant::now())
    {
        Ok(StatusCode::OK)
    } else {
        Err(ApiError::channel_not_found(&id))
    }
}

// -------------------------------------------------------------------- subscriptions

fn listing(results: &[TopicResult]) -> Response {
    let entities: Vec<Value> = results.iter().map(TopicResult::to_json).collect();
    Json(json!({ "entities": entities })).into_response()
}

async fn get_subscriptions(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authorize(&shared, &headers)?;
    let state = shared.lock();
    if !state.owns(&caller.client_id, &id) {
        return Err(ApiError::channel_not_found(&id));
    }
    let topics = state.topics(&id).unwrap_or_default();
    drop(state);
    let results: Vec<TopicResult> = topics
        .into_iter()
        .map(|id| TopicResult { id, rejected: None })
        .collect();
    Ok(listing(&results))
}

async fn put_subscriptions(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_subscriptions(&shared, &headers, &id, &query, &body, Mode::Replace)
}

async fn post_subscriptions(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_subscriptions(&shared, &headers, &id, &query, &body, Mode::Add)
}

/// Parses a `[ChannelTopic]` body: an array of objects with a string `id`.
fn parse_topics(body: &[u8]) -> Result<Vec<String>, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("request body is not valid JSON: {e}")))?;
    let Value::Array(items) = value else {
        return Err(ApiError::bad_request(
            "request body must be an array of {\"id\": topic} objects",
        ));
    };
    items
        .iter()
        .map(|item| {
            item.get("id")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| ApiError::bad_request("every entry needs a string \"id\""))
        })
        .collect()
}

fn change_subscriptions(
    shared: &Shared,
    headers: &HeaderMap,
    id: &str,
    query: &HashMap<String, String>,
    body: &[u8],
    mode: Mode,
) -> Result<Response, ApiError> {
    let caller = authorize(shared, headers)?;
    let ignore_errors = match query.get("ignoreErrors").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid ignoreErrors value '{other}' (true | false)"
            )));
        }
    };
    if !shared.lock().owns(&caller.client_id, id) {
        return Err(ApiError::channel_not_found(id));
    }
    let entries = parse_topics(body)?;
    let result =
        shared
            .lock()
            .subscribe(id, &entries, mode, ignore_errors, Via::Rest, Instant::now());
    shared.deadlines_changed();
    match result {
        Ok(results) => Ok(listing(&results)),
        Err(e) => Err(subscribe_error(id, &e)),
    }
}

fn subscribe_error(id: &str, e: &SubscribeError) -> ApiError {
    match e {
        SubscribeError::NotFound => ApiError::channel_not_found(id),
        SubscribeError::Forbidden(_) => {
            ApiError::new(StatusCode::FORBIDDEN, "missing.permissions", e.message())
        }
        SubscribeError::Injected | SubscribeError::Invalid(_) | SubscribeError::TooMany { .. } => {
            ApiError::bad_request(e.message())
        }
    }
}

async fn delete_subscriptions(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authorize(&shared, &headers)?;
    if !shared.lock().owns(&caller.client_id, &id) {
        return Err(ApiError::channel_not_found(&id));
    }
    let result = shared
        .lock()
        .subscribe(&id, &[], Mode::Replace, true, Via::Rest, Instant::now());
    shared.deadlines_changed();
    match result {
        Ok(_) => {
            let status = StatusCode::from_u16(shared.config.protocol.delete_status)
                .unwrap_or(StatusCode::NO_CONTENT);
            Ok(status.into_response())
        }
        Err(e) => Err(subscribe_error(&id, &e)),
    }
}

async fn available_topics(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&shared, &headers)?;
    Ok(Json(topics::catalogue()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(7)), 7);
        assert_eq!(retry_after_secs(Duration::from_millis(7001)), 8);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn parses_topic_bodies() {
        assert_eq!(
            parse_topics(br#"[{"id":"a.b"},{"id":"c.d","x":1}]"#).ok(),
            Some(vec!["a.b".to_owned(), "c.d".to_owned()])
        );
        assert!(parse_topics(b"{}").is_err());
        assert!(parse_topics(br#"[{"name":"a"}]"#).is_err());
        assert!(parse_topics(b"not json").is_err());
    }
}
