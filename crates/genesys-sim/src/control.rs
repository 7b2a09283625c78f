//! Control routes under `/sim/`: the HTTP face of the [`Simulator`](crate::Simulator)
//! handle's methods, for tests in other languages and for people poking at a running binary.
//! They need no authentication.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};

use crate::api::{Fault, RestFault, RestRoute};
use crate::rest::ApiError;
use crate::shared::Shared;
use crate::{SimError, Simulator};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/sim/publish", post(publish))
        .route("/sim/channels", post(create_channel))
        .route("/sim/channels/{id}/fault", post(fault))
        .route("/sim/tokens", post(issue_token))
        .route("/sim/tokens/revoke", post(revoke))
        .route("/sim/outage", post(outage))
        .route("/sim/rest_fault", post(rest_fault))
        .route("/sim/stats", get(stats))
}

fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("request body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!(
            "request body is not valid JSON: {e}"
        ))),
    }
}

fn string_field<'a>(
    map: &'a serde_json::Map<String, Value>,
    name: &str,
) -> Result<&'a str, ApiError> {
    map.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request(format!("\"{name}\" (string) is required")))
}

async fn publish(
    AxumState(shared): AxumState<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let map = json_object(&body)?;
    let topic = string_field(&map, "topicName")?;
    let event_body = map
        .get("eventBody")
        .ok_or_else(|| ApiError::bad_request("\"eventBody\" is required"))?;
    let delivered = Simulator::publish_on(&shared, topic, event_body);
    Ok(Json(json!({ "delivered": delivered })).into_response())
}

async fn create_channel(
    AxumState(shared): AxumState<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let client_id = if body.is_empty() {
        default_client(&shared)
    } else {
        let map = json_object(&body)?;
        match map.get("client_id") {
            Some(_) => string_field(&map, "client_id")?.to_owned(),
            None => default_client(&shared),
        }
    };
    let info = Simulator::create_channel_on(&shared, &client_id);
    Ok(Json(info).into_response())
}

fn default_client(shared: &Shared) -> String {
    shared
        .config
        .clients
        .first()
        .map_or_else(|| "demo-client".to_owned(), |(id, _)| id.clone())
}

async fn fault(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let map = json_object(&body)?;
    let fault = parse_fault(&map).map_err(ApiError::bad_request)?;
    match Simulator::fault_on(&shared, &id, fault) {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e @ SimError::UnknownChannel(_)) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not.found",
            e.to_string(),
        )),
        Err(e @ SimError::InvalidFault(_)) => Err(ApiError::bad_request(e.to_string())),
        Err(e) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            e.to_string(),
        )),
    }
}

/// Parses `{"kind": K, ...}` into a [`Fault`].
pub(crate) fn parse_fault(map: &serde_json::Map<String, Value>) -> Result<Fault, String> {
    let kind = map
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("\"kind\" (string) is required")?;
    let fault = match kind {
        "drop" => Fault::Drop,
        "stall" => Fault::Stall {
            duration: duration_field(map)?,
        },
        "socket_closing" => Fault::SocketClosing,
        "expire" => Fault::Expire,
        "evict" => Fault::Evict,
        "kick" => Fault::Kick,
        "raw_text" => Fault::RawText(
            map.get("text")
                .and_then(Value::as_str)
                .ok_or("raw_text needs \"text\" (string)")?
                .to_owned(),
        ),
        "raw_binary" => {
            let bytes = match (map.get("base64"), map.get("text")) {
                (Some(Value::String(b64)), _) => base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| format!("\"base64\" is not valid base64: {e}"))?,
                (None, Some(Value::String(text))) => text.as_bytes().to_vec(),
                (None, None) => Fault::DEFAULT_BINARY.to_vec(),
                _ => {
                    return Err(
                        "raw_binary takes \"base64\" or \"text\" (string), or neither".to_owned(),
                    );
                }
            };
            Fault::RawBinary(bytes)
        }
        "oversize" => {
            let bytes = map
                .get("bytes")
                .and_then(Value::as_u64)
                .ok_or("oversize needs \"bytes\" (integer)")?;
            Fault::Oversize {
                bytes: usize::try_from(bytes).map_err(|_| "\"bytes\" is too large")?,
            }
        }
        "reject_next_subscribe" => Fault::RejectNextSubscribe,
        "refuse_connections" => Fault::RefuseConnections {
            duration: duration_field(map)?,
        },
        "no_longer_subscribed" => Fault::NoLongerSubscribed,
        other => return Err(format!("unknown fault kind '{other}'")),
    };
    Ok(fault)
}

/// `"duration"`: a string such as `"500ms"` or `"30s"`, or a number of milliseconds.
fn duration_field(map: &serde_json::Map<String, Value>) -> Result<Duration, String> {
    match map.get("duration") {
        Some(Value::String(s)) => {
            humantime::parse_duration(s).map_err(|e| format!("invalid \"duration\" '{s}': {e}"))
        }
        Some(Value::Number(n)) => n.as_u64().map(Duration::from_millis).ok_or_else(|| {
            "\"duration\" must be a non-negative integer of milliseconds".to_owned()
        }),
        _ => Err("\"duration\" is required (e.g. \"5s\" or 5000)".to_owned()),
    }
}

async fn issue_token(
    AxumState(shared): AxumState<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let map = json_object(&body)?;
    let client_id = string_field(&map, "client_id")?;
    let token = Simulator::issue_token_on(&shared, client_id);
    Ok(Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": shared.config.token_lifetime.as_secs(),
    }))
    .into_response())
}

async fn revoke(
    AxumState(shared): AxumState<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let map = json_object(&body)?;
    let client_id = string_field(&map, "client_id")?;
    let revoked = Simulator::revoke_tokens_on(&shared, client_id);
    Ok(Json(json!({ "revoked": revoked })).into_response())
}

async fn outage(
    AxumState(shared): AxumState<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let map = json_object(&body)?;
    let duration = duration_field(&map).map_err(ApiError::bad_request)?;
    Simulator::outage_on(&shared, duration);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `{"route": "token"|"create_channel", "status": N, "after_processing"?: bool}` or
/// `{"route": .., "delay": D}`, with `"count"` (default 1; 0 clears).
async fn rest_fault(
    AxumState(shared): AxumState<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let map = json_object(&body)?;
    let (route, fault, count) = parse_rest_fault(&map).map_err(ApiError::bad_request)?;
    shared.lock().rest_fault(route, fault, count);
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) fn parse_rest_fault(
    map: &serde_json::Map<String, Value>,
) -> Result<(RestRoute, RestFault, u32), String> {
    let route = match map.get("route").and_then(Value::as_str) {
        Some("token") => RestRoute::Token,
        Some("create_channel") => RestRoute::CreateChannel,
        Some(other) => return Err(format!("unknown route '{other}' (token | create_channel)")),
        None => return Err("\"route\" (string) is required".to_owned()),
    };
    let fault = match (map.get("status"), map.get("delay")) {
        (Some(status), None) => {
            let status = status
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (400..600).contains(s))
                .ok_or("\"status\" must be an error status (400-599)")?;
            match map.get("after_processing") {
                None | Some(Value::Bool(false)) => RestFault::Status(status),
                Some(Value::Bool(true)) => RestFault::StatusAfterProcessing(status),
                Some(_) => return Err("\"after_processing\" must be a boolean".to_owned()),
            }
        }
        (None, Some(_)) => {
            let mut delay = serde_json::Map::new();
            delay.insert("duration".to_owned(), map["delay"].clone());
            RestFault::Delay(duration_field(&delay).map_err(|e| e.replace("duration", "delay"))?)
        }
        _ => return Err("give either \"status\" or \"delay\"".to_owned()),
    };
    let count = match map.get("count") {
        None => 1,
        Some(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or("\"count\" must be a non-negative integer")?,
    };
    Ok((route, fault, count))
}

async fn stats(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    Json(shared.lock().stats()).into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(v: Value) -> Result<Fault, String> {
        parse_fault(v.as_object().unwrap())
    }

    #[test]
    fn parses_every_fault_kind() {
        assert_eq!(parse(json!({"kind": "drop"})), Ok(Fault::Drop));
        assert_eq!(
            parse(json!({"kind": "stall", "duration": "1500ms"})),
            Ok(Fault::Stall {
                duration: Duration::from_millis(1500)
            })
        );
        assert_eq!(
            parse(json!({"kind": "refuse_connections", "duration": 2000})),
            Ok(Fault::RefuseConnections {
                duration: Duration::from_secs(2)
            })
        );
        assert_eq!(
            parse(json!({"kind": "socket_closing"})),
            Ok(Fault::SocketClosing)
        );
        assert_eq!(parse(json!({"kind": "expire"})), Ok(Fault::Expire));
        assert_eq!(parse(json!({"kind": "evict"})), Ok(Fault::Evict));
        assert_eq!(parse(json!({"kind": "kick"})), Ok(Fault::Kick));
        assert_eq!(
            parse(json!({"kind": "raw_text", "text": "hi"})),
            Ok(Fault::RawText("hi".to_owned()))
        );
        assert_eq!(
            parse(json!({"kind": "raw_binary", "base64": "AAE="})),
            Ok(Fault::RawBinary(vec![0, 1]))
        );
        assert_eq!(
            parse(json!({"kind": "raw_binary"})),
            Ok(Fault::RawBinary(Fault::DEFAULT_BINARY.to_vec()))
        );
        assert_eq!(
            parse(json!({"kind": "oversize", "bytes": 1000})),
            Ok(Fault::Oversize { bytes: 1000 })
        );
        assert_eq!(
            parse(json!({"kind": "reject_next_subscribe"})),
            Ok(Fault::RejectNextSubscribe)
        );
        assert_eq!(
            parse(json!({"kind": "no_longer_subscribed"})),
            Ok(Fault::NoLongerSubscribed)
        );
    }

    #[test]
    fn parses_rest_faults() {
        let parse = |v: Value| parse_rest_fault(v.as_object().unwrap());
        assert_eq!(
            parse(json!({"route": "token", "status": 503})),
            Ok((RestRoute::Token, RestFault::Status(503), 1))
        );
        assert_eq!(
            parse(
                json!({"route": "create_channel", "status": 504, "after_processing": true, "count": 2})
            ),
            Ok((
                RestRoute::CreateChannel,
                RestFault::StatusAfterProcessing(504),
                2
            ))
        );
        assert_eq!(
            parse(json!({"route": "create_channel", "delay": "40s"})),
            Ok((
                RestRoute::CreateChannel,
                RestFault::Delay(Duration::from_secs(40)),
                1
            ))
        );
        assert!(
            parse(json!({"route": "x", "status": 500}))
                .unwrap_err()
                .contains("x")
        );
        assert!(parse(json!({"route": "token", "status": 200})).is_err());
        assert!(parse(json!({"route": "token"})).is_err());
        assert!(
            parse(json!({"route": "token", "delay": "soon"}))
                .unwrap_err()
                .contains("delay")
        );
    }

    #[test]
    fn rejects_bad_faults_with_reasons() {
        assert!(parse(json!({})).unwrap_err().contains("kind"));
        assert!(parse(json!({"kind": "nope"})).unwrap_err().contains("nope"));
        assert!(
            parse(json!({"kind": "stall"}))
                .unwrap_err()
                .contains("duration")
        );
        assert!(parse(json!({"kind": "stall", "duration": "soon"})).is_err());
        assert!(
            parse(json!({"kind": "oversize"}))
                .unwrap_err()
                .contains("bytes")
        );
        assert!(parse(json!({"kind": "raw_binary", "base64": "!!"})).is_err());
        assert!(
            parse(json!({"kind": "raw_binary", "text": 5}))
                .unwrap_err()
                .contains("text")
        );
    }
}
