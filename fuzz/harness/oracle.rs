//! What the protocol reference says a text frame is, read independently of the library: a
//! generic parse of the frame's members (`serde_json` raw values and `Value` scalars) and the
//! rules of the reference (sections 2 and 6 of `genesys-protocol.md`), never the library's
//! parser. A member that appears twice makes the frame unreadable (it says two things); a
//! body is taken as raw JSON text, however deep; an explicit `null` body is no body.
//!
//! Shared by the `frame` fuzz target (`fuzz/harness/frame.rs`) and the library's property
//! tests (`crates/genesys-notifications/tests/props.rs`).

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

/// The expected outcome of one text frame on a subscribed URI-mode channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Oracle {
    /// Not a message of the protocol: a non-fatal malformed item with the frame's bytes.
    Malformed,
    /// A control frame: nothing delivered, the channel goes on.
    Control(Control),
    /// A topic notification, delivered with exactly these parts.
    Notification {
        /// `topicName`.
        topic: String,
        /// `version` (a number as its text).
        version: Option<String>,
        /// `metadata.CorrelationId` (or `correlationId`).
        correlation_id: Option<String>,
        /// `eventBody` exactly as in the frame (`None`: absent or `null`).
        body: Option<String>,
    },
    /// The channel is gone (`{"result":"404"}`, `v2.system.no_longer_subscribed[.id]`,
    /// `v2.system.token_revoked[.id]`): a URI-mode stream ends with a fatal item carrying
    /// the frame.
    Gone(Gone),
    /// `v2.system.socket_closing`: maintenance; the channel moves to a new socket without
    /// delivering anything and without a gap.
    SocketClosing,
}

/// Which control frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// `channel.metadata`: a heartbeat or a pong.
    Metadata,
    /// A subscription result other than 404.
    SubscribeResult,
    /// Any other `v2.system.*` message.
    System,
}

/// Why the channel is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// `{"result":"404"}`.
    NotFound,
    /// `v2.system.no_longer_subscribed[.id]`.
    NoLongerSubscribed,
    /// `v2.system.token_revoked[.id]`.
    TokenRevoked,
}

impl Oracle {
    /// The library's short name for the kind of frame this is (`__private::frame_kind`), or
    /// the names it may have (a `channel.metadata` frame is a heartbeat or a pong).
    pub fn kinds(&self) -> &'static [&'static str] {
        match self {
            Oracle::Malformed => &["malformed"],
            Oracle::Control(Control::Metadata) => &["heartbeat", "pong"],
            Oracle::Control(Control::SubscribeResult) => &["subscribe_result"],
            Oracle::Control(Control::System) => &["system"],
            Oracle::Notification { .. } => &["notification"],
            Oracle::Gone(Gone::NotFound) => &["channel_gone"],
            Oracle::Gone(Gone::NoLongerSubscribed) => &["no_longer_subscribed"],
            Oracle::Gone(Gone::TokenRevoked) => &["token_revoked"],
            Oracle::SocketClosing => &["socket_closing"],
        }
    }
}

/// The members of a JSON object in order, duplicates kept, each value as raw JSON text
/// (skipped without recursion, so a deeply nested value is no problem).
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push((k, v));
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(V)
    }
}

/// The members of `text` if it is a JSON object, else `None`.
fn members(text: &str) -> Option<Vec<(String, Box<RawValue>)>> {
    if !text.trim_start().starts_with('{') {
        return None; // an array is not an object, even if a struct could read it
    }
    serde_json::from_str::<Members>(text).ok().map(|m| m.0)
}

/// The value of member `name`; `Err` when it is there twice (the frame says two things).
fn member<'a>(
    members: &'a [(String, Box<RawValue>)],
    names: &[&str],
) -> Result<Option<&'a RawValue>, ()> {
    let mut found = members.iter().filter(|(k, _)| names.contains(&k.as_str()));
    let first = found.next().map(|(_, v)| &**v);
    if found.next().is_some() {
        return Err(());
    }
    Ok(first)
}

/// A scalar member as a `Value` (objects and arrays are never parsed: they are wrong here).
fn scalar(v: Option<&RawValue>) -> Result<Option<Value>, ()> {
    match v {
        None => Ok(None),
        Some(raw) if raw.get().starts_with(['{', '[']) => Err(()),
        Some(raw) => serde_json::from_str(raw.get()).map(Some).map_err(|_| ()),
    }
}

fn str_or_null(v: Option<&RawValue>) -> Result<Option<String>, ()> {
    match scalar(v)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        _ => Err(()),
    }
}

fn str_number_or_null(v: Option<&RawValue>) -> Result<Option<String>, ()> {
    match scalar(v)? {
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        _ => Err(()),
    }
}

/// A system topic named `name`, alone or followed by `.id`.
fn is_system(topic: &str, name: &str) -> bool {
    topic
        .strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The expected outcome of the text frame `text`.
pub fn oracle(text: &str) -> Oracle {
    let Some(m) = members(text) else {
        return Oracle::Malformed;
    };
    let typed = (|| -> Result<_, ()> {
        let topic = str_or_null(member(&m, &["topicName"])?)?;
        let version = str_number_or_null(member(&m, &["version"])?)?;
        let result = str_number_or_null(member(&m, &["result"])?)?;
        str_or_null(member(&m, &["status"])?)?;
        str_or_null(member(&m, &["message"])?)?;
        str_or_null(member(&m, &["correlationId"])?)?;
        let body = member(&m, &["eventBody"])?;
        let correlation_id = match member(&m, &["metadata"])? {
            None => None,
            Some(raw) if raw.get() == "null" => None,
            Some(raw) => {
                let md = members(raw.get()).ok_or(())?;
                // `CorrelationId` or `correlationId`, at most once.
                str_or_null(member(&md, &["CorrelationId", "correlationId"])?)?
            }
        };
        Ok((topic, version, result, correlation_id, body))
    })();
    let Ok((topic, version, result, correlation_id, body)) = typed else {
        return Oracle::Malformed;
    };
    match topic {
        Some(t) if t == "channel.metadata" => Oracle::Control(Control::Metadata),
        Some(t) if t == "v2.system.socket_closing" => Oracle::SocketClosing,
        Some(t) if is_system(&t, "v2.system.no_longer_subscribed") => {
            Oracle::Gone(Gone::NoLongerSubscribed)
        }
        Some(t) if is_system(&t, "v2.system.token_revoked") => Oracle::Gone(Gone::TokenRevoked),
        Some(t) if t.starts_with("v2.system.") => Oracle::Control(Control::System),
        Some(t) if t.is_empty() => Oracle::Malformed,
        Some(t) => Oracle::Notification {
            topic: t,
            version,
            correlation_id,
            // An explicit `null` body is no body.
            body: body.map(|b| b.get().to_owned()).filter(|b| b != "null"),
        },
        None => match result.map(|r| r.trim().parse::<u16>()) {
            None | Some(Err(_)) => Oracle::Malformed,
            Some(Ok(404)) => Oracle::Gone(Gone::NotFound),
            Some(Ok(_)) => Oracle::Control(Control::SubscribeResult),
        },
    }
}
