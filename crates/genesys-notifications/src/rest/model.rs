//! Wire models of the notification REST API (protocol reference §1.4).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A notification channel as returned by `POST /api/v2/notifications/channels`.
///
/// `connect_uri` is opaque: connect to it exactly as returned. It is the socket's only
/// credential (whoever has it can take the channel over), so `Debug` shows the channel id
/// shortened and the URI without it; the fields themselves are whole.
///
/// ```
/// use genesys_notifications::rest::ChannelInfo;
///
/// let channel = ChannelInfo::new(
///     "streaming-0-fmtdmf8cdis7jh14udg5p89t6z",
///     "wss://streaming.mypurecloud.com/channels/streaming-0-fmtdmf8cdis7jh14udg5p89t6z",
/// );
/// let shown = format!("{channel:?}");
/// assert!(shown.contains("streaming-0-fmtd…"));
/// assert!(!shown.contains("fmtdmf8cdis7jh14udg5p89t6z"));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChannelInfo {
    /// The channel id, e.g. `streaming-0-fmtdmf8cdis7jh14udg5p89t6z`. Empty when the service
    /// hides it (channels of other tokens in an `oauthclient` listing).
    #[serde(default)]
    pub id: String,
    /// The WebSocket URI to connect to. Empty when the service hides it.
    #[serde(default)]
    pub connect_uri: String,
    /// When the channel expires, as sent (ISO-8601), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

impl std::fmt::Debug for ChannelInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelInfo")
            .field("id", &crate::uri::short_id(&self.id))
            .field("connect_uri", &crate::uri::redact_text(&self.connect_uri))
            .field("expires", &self.expires)
            .finish()
    }
}

impl ChannelInfo {
    /// A channel known by id and connect URI (for instance saved from an earlier run).
    pub fn new(id: impl Into<String>, connect_uri: impl Into<String>) -> Self {
        ChannelInfo {
            id: id.into(),
            connect_uri: connect_uri.into(),
            expires: None,
        }
    }

    /// [`ChannelInfo::expires`] parsed, when present and well-formed.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires.as_deref().and_then(parse_rfc3339)
    }
}

/// Which channels `GET /api/v2/notifications/channels` lists (`includechannels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ChannelScope {
    /// Channels of the current access token (the service's default).
    #[default]
    Token,
    /// Channels of every token of this user and OAuth client; the ids of other tokens'
    /// channels are hidden by the service.
    OauthClient,
}

impl ChannelScope {
    pub(crate) fn as_query(self) -> &'static str {
        match self {
            ChannelScope::Token => "token",
            ChannelScope::OauthClient => "oauthclient",
        }
    }
}

/// Whether the service permitted a topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TopicState {
    /// The topic is subscribed.
    Permitted,
    /// The topic was refused; see [`TopicResult::rejection_reason`].
    Rejected,
    /// A state this library does not know, as sent.
    Other(String),
}

impl<'de> Deserialize<'de> for TopicState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let state = String::deserialize(deserializer)?;
        Ok(match state.as_str() {
            "Permitted" => TopicState::Permitted,
            "Rejected" => TopicState::Rejected,
            _ => TopicState::Other(state),
        })
    }
}

impl Serialize for TopicState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            TopicState::Permitted => "Permitted",
            TopicState::Rejected => "Rejected",
            TopicState::Other(other) => other,
        })
    }
}

/// One topic of a channel's subscriptions, with the service's verdict (`ChannelTopic`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TopicResult {
    /// The topic as subscribed (possibly a combined `prefix?a&b` topic).
    pub id: String,
    /// The verdict; absent from plain listings (then the topic is subscribed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<TopicState>,
    /// Why the topic was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// The permissions the client lacks for this topic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_permissions: Vec<String>,
}

impl TopicResult {
    /// Whether the service rejected this topic.
    pub fn is_rejected(&self) -> bool {
        self.state == Some(TopicState::Rejected)
    }
}

/// A channel's subscriptions as returned by the subscription calls
/// (`ChannelTopicEntityListing`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Subscriptions {
    /// Every topic of the response, permitted or not.
    #[serde(default)]
    pub entities: Vec<TopicResult>,
}

impl Subscriptions {
    /// The topics that are subscribed (not rejected).
    pub fn permitted(&self) -> impl Iterator<Item = &TopicResult> {
        self.entities.iter().filter(|topic| !topic.is_rejected())
    }

    /// The topics the service rejected, with reasons.
    pub fn rejected(&self) -> impl Iterator<Item = &TopicResult> {
        self.entities.iter().filter(|topic| topic.is_rejected())
    }

    /// The ids of the subscribed topics.
    pub fn topic_ids(&self) -> Vec<String> {
        self.permitted().map(|topic| topic.id.clone()).collect()
    }
}

/// A topic template the service offers (`AvailableTopic`), e.g. `v2.users.{id}.presence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AvailableTopic {
    /// The templated topic name.
    pub id: String,
    /// What the topic carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Permissions needed to subscribe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_permissions: Vec<String>,
    /// `Public` or `Preview`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// Transports on which the topic is available (`All`, `Websocket`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transports: Vec<String>,
    /// The placeholders of the template, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topic_parameters: Vec<String>,
    /// The JSON schema of the event body (with `expand=schema`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EntityListing<T> {
    #[serde(default = "Vec::new")]
    pub(crate) entities: Vec<T>,
}

/// The Genesys Cloud REST error body (`ErrorBody`), as far as it was sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Machine-readable code, e.g. `bad.request`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The HTTP status the service put in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The id to quote to Genesys support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// The entity concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// The message template, with `{param}` placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_with_params: Option<String>,
    /// The values of the template's placeholders.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub message_params: BTreeMap<String, serde_json::Value>,
    /// Field-level details.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<serde_json::Value>,
    /// Nested errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorBody>,
}

/// The OAuth error body of the token endpoint.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct OAuthErrorBody {
    #[serde(default)]
    pub(crate) error: Option<String>,
    #[serde(default)]
    pub(crate) error_description: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// The successful token response.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    #[serde(default)]
    pub(crate) expires_in: Option<u64>,
}

#[derive(Serialize)]
pub(crate) struct TopicRequest<'a> {
    pub(crate) id: &'a str,
}

/// Parses an RFC 3339 / ISO-8601 UTC or offset date-time such as
/// `2020-08-12T12:41:54.707Z` or `2020-08-12T14:41:54+02:00`.
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u64> {
        let part = bytes.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = digits(0..4)?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    let hour = digits(11..13)?;
    let minute = digits(14..16)?;
    let second = digits(17..19)?;
    if bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        || bytes.get(13) != Some(&b':')
        || bytes.get(16) != Some(&b':')
    {
        return None;
    }
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        let mut scaled = 0u32;
        for (i, digit) in fraction.bytes().take(len).enumerate() {
            if i < 9 {
                scaled = scaled * 10 + u32::from(digit - b'0');
            }
        }
        nanos = scaled * 10u32.pow(9u32.saturating_sub(len.min(9) as u32));
        rest = &fraction[len..];
    }
    let offset_secs: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let (h, m) = rest.get(1..)?.split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let h: i64 = h.parse().ok()?;
            let m: i64 = m.parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if month <= 2 {
        (year as i64 - 1, month + 9)
    } else {
        (year as i64, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m as i64 + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64 - offset_secs;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// Formats a time as RFC 3339 UTC with milliseconds, as Genesys does.
#[cfg(test)]
pub(crate) fn format_rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn parses_genesys_timestamps() {
        let t = parse_rfc3339("2020-08-12T12:41:54.707Z").unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap(),
            Duration::from_millis(1_597_236_114_707)
        );
        assert_eq!(parse_rfc3339("2020-08-12T14:41:54.707+02:00"), Some(t));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
        assert_eq!(format_rfc3339(t), "2020-08-12T12:41:54.707Z");
        assert_eq!(
            parse_rfc3339("2024-02-29T23:59:59.123456789Z")
                .map(format_rfc3339)
                .as_deref(),
            Some("2024-02-29T23:59:59.123Z")
        );
        for bad in [
            "",
            "2020-08-12",
            "2020-13-12T12:41:54Z",
            "2020-08-12T12:41:54",
            "2020-08-12T12:41:54.Z",
            "2020-08-12T12:41:54+0200",
            "2020-08-12X12:41:54Z",
            "1969-12-31T23:59:59Z",
            "２020-08-12T12:41:54Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_many_times() {
        for secs in (0..4_000_000_000u64).step_by(7_777_777) {
            let t = UNIX_EPOCH + Duration::from_millis(secs * 1000 + secs % 1000);
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
    }

    #[test]
    fn decodes_models() {
        let subs: Subscriptions = serde_json::from_str(
            r#"{"entities":[{"id":"a","state":"Permitted"},
                {"id":"b","state":"Rejected","rejectionReason":"no","missingPermissions":["p:x:view"]},
                {"id":"c","state":"Future"},{"id":"d"}]}"#,
        )
        .unwrap();
        assert_eq!(subs.topic_ids(), ["a", "c", "d"]);
        let rejected: Vec<_> = subs.rejected().collect();
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].rejection_reason.as_deref(), Some("no"));
        assert_eq!(rejected[0].missing_permissions, ["p:x:view"]);
        assert_eq!(
            subs.entities[2].state,
            Some(TopicState::Other("Future".into()))
        );

        let channel: ChannelInfo = serde_json::from_str(
            r#"{"connectUri":"wss://x/channels/c1","id":"c1","expires":"2020-08-12T12:41:54.707Z"}"#,
        )
        .unwrap();
        assert_eq!(channel.id, "c1");
        assert!(channel.expires_at().is_some());

        let body: ErrorBody = serde_json::from_str(
            r#"{"message":"m","code":"bad.request","status":400,"contextId":"ctx","errors":[{"message":"inner"}]}"#,
        )
        .unwrap();
        assert_eq!(body.context_id.as_deref(), Some("ctx"));
        assert_eq!(body.errors[0].message.as_deref(), Some("inner"));
    }
}
