//! The wire protocol, without I/O: classify incoming text frames and encode outgoing ones.
//!
//! Every frame is parsed exactly once, with borrowed strings and a borrowed
//! [`RawValue`](serde_json::value::RawValue) for `eventBody`, so a notification costs no
//! allocation beyond the frame itself (unless a string contains escapes). Field positions are
//! recovered from the borrowed slices by pointer arithmetic (no `unsafe`).
//!
//! Tolerated variants of the unconfirmed parts of the protocol (see the protocol reference,
//! section 6): `version` and `metadata` may be absent; `version` and `result` may be strings or
//! numbers; the subscription result may or may not echo `correlationId`; a pong is any
//! `channel.metadata` message that is not a heartbeat; `{"result":"404"}` may come with or
//! without a close.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The topic of heartbeats and pongs.
pub(crate) const METADATA_TOPIC: &str = "channel.metadata";
const SYSTEM_PREFIX: &str = "v2.system.";
const SOCKET_CLOSING: &str = "v2.system.socket_closing";
const NO_LONGER_SUBSCRIBED: &str = "v2.system.no_longer_subscribed";
const TOKEN_REVOKED: &str = "v2.system.token_revoked";

/// The ping message: the service answers it with a pong on `channel.metadata`.
pub(crate) const PING: &str = r#"{"message":"ping"}"#;

/// A text field located in the frame: a byte range when it could be borrowed, an owned copy
/// when it contained JSON escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    Absent,
    Range(u32, u32),
    Owned(Box<str>),
}

impl Field {
    fn from_cow(frame: &str, value: Cow<'_, str>) -> Field {
        match value {
            Cow::Borrowed(s) => Field::range_of(frame, s),
            Cow::Owned(s) => Field::Owned(s.into_boxed_str()),
        }
    }

    /// Position of `part` inside `frame`. `part` must be borrowed from `frame`; if it is not
    /// (which would be a bug), an owned copy is kept instead, so the result is always right.
    /// The check is O(1): the slice at that position must be `part` itself (same address and
    /// length), not merely equal to it.
    fn range_of(frame: &str, part: &str) -> Field {
        let base = frame.as_ptr() as usize;
        let start = (part.as_ptr() as usize).wrapping_sub(base);
        let end = start.wrapping_add(part.len());
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(s), Ok(e))
                if frame
                    .get(start..end)
                    .is_some_and(|slice| std::ptr::eq(slice, part)) =>
            {
                Field::Range(s, e)
            }
            _ => Field::Owned(part.into()),
        }
    }

    /// Heap bytes of an owned copy (0 for a range of the frame).
    fn owned_len(&self) -> usize {
        match self {
            Field::Owned(s) => s.len(),
            _ => 0,
        }
    }

    pub(crate) fn get<'f>(&'f self, frame: &'f str) -> Option<&'f str> {
        match self {
            Field::Absent => None,
            Field::Range(s, e) => frame.get(*s as usize..*e as usize),
            Field::Owned(s) => Some(s),
        }
    }
}

/// Where the parts of a notification are in its frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parts {
    pub(crate) topic: Field,
    pub(crate) version: Field,
    pub(crate) correlation_id: Field,
    /// Always a range (a `RawValue` is never escaped); absent body = `Field::Absent`.
    pub(crate) body: Field,
}

impl Parts {
    /// Heap bytes of the owned fields (those that had JSON escapes): each its text, plus
    /// the allocator's header and rounding.
    pub(crate) fn owned_len(&self) -> usize {
        [&self.topic, &self.version, &self.correlation_id, &self.body]
            .into_iter()
            .map(|f| match f.owned_len() {
                0 => 0,
                n => n + 32,
            })
            .sum()
    }
}

/// What an incoming text frame is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A topic notification for the user.
    Notification(Parts),
    /// `channel.metadata` / "WebSocket Heartbeat", with where its parts are (it is delivered
    /// as a notification when the user asks for heartbeats in the stream).
    Heartbeat(Parts),
    /// Any other `channel.metadata` message: the answer to a ping.
    Pong,
    /// `{"result": "200"|"400"|..., "status": .., "message": .., "correlationId": ..}`.
    SubscribeResult {
        result: u16,
        status: Option<String>,
        message: Option<String>,
        correlation_id: Option<String>,
    },
    /// `{"result":"404", ...}`: the channel does not exist (any more).
    ChannelGone { message: Option<String> },
    /// `v2.system.socket_closing`: the service will close this socket soon.
    SocketClosing { message: Option<String> },
    /// `v2.system.no_longer_subscribed[.id]`.
    NoLongerSubscribed { message: Option<String> },
    /// `v2.system.token_revoked[.id]`.
    TokenRevoked { message: Option<String> },
    /// Any other `v2.system.*` message (kept for logging; never a notification).
    System { topic: String },
    /// Not a message this client understands.
    Malformed { reason: String },
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "topicName", borrow, default, deserialize_with = "opt_str")]
    topic_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "str_or_number")]
    version: Option<Cow<'a, str>>,
    #[serde(rename = "eventBody", borrow, default)]
    event_body: Option<&'a RawValue>,
    #[serde(borrow, default)]
    metadata: Option<Metadata<'a>>,
    #[serde(borrow, default, deserialize_with = "str_or_number")]
    result: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    message: Option<Cow<'a, str>>,
    #[serde(
        rename = "correlationId",
        borrow,
        default,
        deserialize_with = "opt_str"
    )]
    correlation_id: Option<Cow<'a, str>>,
}

/// `metadata`: an object only (a derived `Deserialize` would also read an array
/// positionally), of which only `CorrelationId` (or `correlationId`) matters.
struct Metadata<'a> {
    correlation_id: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Metadata<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Metadata<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a metadata object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut correlation_id: Option<Option<Cow<'a, str>>> = None;
                while let Some(key) = map.next_key::<MetaKey>()? {
                    match key {
                        MetaKey::CorrelationId => {
                            if correlation_id.is_some() {
                                return Err(de::Error::duplicate_field("CorrelationId"));
                            }
                            correlation_id = Some(map.next_value::<OptStr<'a>>()?.0);
                        }
                        MetaKey::Other => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(Metadata {
                    correlation_id: correlation_id.flatten(),
                })
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

enum MetaKey {
    CorrelationId,
    Other,
}

impl<'de> Deserialize<'de> for MetaKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = MetaKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MetaKey, E> {
                Ok(match v {
                    "CorrelationId" | "correlationId" => MetaKey::CorrelationId,
                    _ => MetaKey::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A string borrowed from the frame when it has no escapes, or null.
struct OptStr<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for OptStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        opt_str(d).map(OptStr)
    }
}

/// Whether a JSON text is an object (arrays would be read positionally into structs).
fn is_object(json: &str) -> bool {
    json.trim_start().starts_with('{')
}

#[derive(Deserialize)]
struct MessageBody<'a> {
    #[serde(borrow, default, deserialize_with = "opt_str")]
    message: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    reason: Option<Cow<'a, str>>,
}

/// Accepts a JSON string (borrowed when it has no escapes) or null. (`#[serde(borrow)]` on
/// `Option<Cow<str>>` alone would always allocate.)
fn opt_str<'de, D>(d: D) -> Result<Option<Cow<'de, str>>, D::Error>
where
    D: Deserializer<'de>,
{
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_str(V)
        }
    }
    d.deserialize_option(V)
}

/// Accepts a JSON string (borrowed when possible), a number (as its text) or null.
fn str_or_number<'de, D>(d: D) -> Result<Option<Cow<'de, str>>, D::Error>
where
    D: Deserializer<'de>,
{
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

/// Classifies one text frame. Never fails: what is not understood is `Malformed`.
///
/// A notification envelope in its usual form takes the strict fast path ([`fast`]); anything
/// else, and anything unusual, goes to the tolerant parser, which decides.
pub(crate) fn classify(frame: &str) -> Frame {
    match fast::notification(frame) {
        Some(parts) => Frame::Notification(parts),
        None => classify_tolerant(frame),
    }
}

/// The tolerant parser alone (serde_json, every variant of the envelope).
pub(crate) fn classify_tolerant(frame: &str) -> Frame {
    // A derived `Deserialize` would read an array positionally as the envelope.
    if frame.trim_start().starts_with('[') {
        return Frame::Malformed {
            reason: "not a notification envelope: invalid type: array, expected an object"
                .to_owned(),
        };
    }
    let env: Envelope<'_> = match serde_json::from_str(frame) {
        Ok(env) => env,
        Err(e) => {
            return Frame::Malformed {
                reason: format!("not a notification envelope: {e}"),
            };
        }
    };
    if let Some(topic) = env.topic_name {
        return classify_topic(frame, topic, env.version, env.event_body, env.metadata);
    }
    if let Some(result) = env.result {
        let code = match result.trim().parse::<u16>() {
            Ok(c) => c,
            Err(_) => {
                return Frame::Malformed {
                    reason: format!("subscription result {result:?} is not a status code"),
                };
            }
        };
        let message = env.message.map(Cow::into_owned);
        if code == 404 {
            return Frame::ChannelGone { message };
        }
        return Frame::SubscribeResult {
            result: code,
            status: env.status.map(Cow::into_owned),
            message,
            correlation_id: env.correlation_id.map(Cow::into_owned),
        };
    }
    Frame::Malformed {
        reason: "neither topicName nor result present".to_owned(),
    }
}

fn classify_topic<'a>(
    frame: &'a str,
    topic: Cow<'a, str>,
    version: Option<Cow<'a, str>>,
    body: Option<&'a RawValue>,
    metadata: Option<Metadata<'a>>,
) -> Frame {
    if topic == METADATA_TOPIC {
        let message = body
            .filter(|b| is_object(b.get()))
            .and_then(|b| serde_json::from_str::<MessageBody<'_>>(b.get()).ok());
        let is_heartbeat = message
            .as_ref()
            .and_then(|m| m.message.as_deref())
            .is_some_and(|m| m.to_ascii_lowercase().contains("heartbeat"));
        return if is_heartbeat {
            Frame::Heartbeat(parts(frame, topic, version, body, metadata))
        } else {
            Frame::Pong
        };
    }
    if topic.starts_with(SYSTEM_PREFIX) {
        let body_message = || {
            body.filter(|b| is_object(b.get()))
                .and_then(|b| serde_json::from_str::<MessageBody<'_>>(b.get()).ok())
                .and_then(|m| m.message.or(m.reason).map(Cow::into_owned))
        };
        let full: &str = &topic;
        return if full == SOCKET_CLOSING {
            Frame::SocketClosing {
                message: body_message(),
            }
        } else if full.starts_with(NO_LONGER_SUBSCRIBED) {
            Frame::NoLongerSubscribed {
                message: body_message(),
            }
        } else if full.starts_with(TOKEN_REVOKED) {
            Frame::TokenRevoked {
                message: body_message(),
            }
        } else {
            Frame::System {
                topic: full.to_owned(),
            }
        };
    }
    if topic.is_empty() {
        return Frame::Malformed {
            reason: "empty topicName".to_owned(),
        };
    }
    Frame::Notification(parts(frame, topic, version, body, metadata))
}

fn parts<'a>(
    frame: &'a str,
    topic: Cow<'a, str>,
    version: Option<Cow<'a, str>>,
    body: Option<&'a RawValue>,
    metadata: Option<Metadata<'a>>,
) -> Parts {
    Parts {
        topic: Field::from_cow(frame, topic),
        version: version.map_or(Field::Absent, |v| Field::from_cow(frame, v)),
        correlation_id: metadata
            .and_then(|m| m.correlation_id)
            .map_or(Field::Absent, |c| Field::from_cow(frame, c)),
        body: body.map_or(Field::Absent, |b| Field::range_of(frame, b.get())),
    }
}

/// The strict fast path of [`classify`]: a notification envelope located and validated in
/// one pass over its bytes that builds nothing.
///
/// It accepts only the usual form: an object whose keys are `topicName` (a string),
/// `version` (a string), `eventBody` (any JSON value but `null`) and `metadata` (an object
/// whose `CorrelationId`/`correlationId`, if any, is a string), each at most once, with no
/// escape in those keys and strings, a topic that is neither `channel.metadata` nor
/// `v2.system.*` nor empty, nesting at most 64 deep, and nothing after the object but
/// whitespace. Everything in it is validated as serde_json validates it (string escapes,
/// control characters, number grammar, literals, structure). On anything else it answers
/// `None` and the tolerant parser decides, so for every frame it accepts, the result is
/// exactly the tolerant parser's (checked by the tests, the property tests and the fuzz
/// harness).
pub(crate) mod fast {
    use super::{Field, METADATA_TOPIC, Parts, SYSTEM_PREFIX};

    /// Deepest nesting the fast path follows (one bit per level).
    const MAX_DEPTH: u32 = 64;

    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;

    /// The lowest byte of `v` equal to zero is flagged exactly (bits above it may be false
    /// positives, which only matter past the first match).
    fn zero_bytes(v: u64) -> u64 {
        v.wrapping_sub(ONES) & !v & HIGH
    }

    struct Scan<'a> {
        b: &'a [u8],
        i: usize,
    }

    impl Scan<'_> {
        fn peek(&self) -> Option<u8> {
            self.b.get(self.i).copied()
        }

        fn ws(&mut self) {
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
                self.i += 1;
            }
        }

        fn eat(&mut self, c: u8) -> Option<()> {
            (self.peek()? == c).then(|| self.i += 1)
        }

        fn literal(&mut self, word: &[u8]) -> Option<()> {
            let end = self.i.checked_add(word.len())?;
            (self.b.get(self.i..end)? == word).then(|| self.i = end)
        }

        /// Skips bytes that need no attention inside a string (not `"`, `\\` nor a control
        /// character), eight at a time.
        fn skip_plain(&mut self) {
            while let Some(chunk) = self.b.get(self.i..self.i + 8) {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                let v = u64::from_le_bytes(word);
                let special = zero_bytes(v ^ (ONES * u64::from(b'"')))
                    | zero_bytes(v ^ (ONES * u64::from(b'\\')))
                    | (v.wrapping_sub(ONES * 0x20) & !v & HIGH);
                if special != 0 {
                    self.i += (special.trailing_zeros() / 8) as usize;
                    return;
                }
                self.i += 8;
            }
        }

        /// A string without escapes; the range of its content.
        fn plain_str(&mut self) -> Option<(usize, usize)> {
            self.eat(b'"')?;
            let start = self.i;
            self.skip_plain();
            loop {
                match self.peek()? {
                    b'"' => {
                        let end = self.i;
                        self.i += 1;
                        return Some((start, end));
                    }
                    c if c == b'\\' || c < 0x20 => return None,
                    _ => self.i += 1,
                }
            }
        }

        /// Any string, validated as serde_json validates a string it skips.
        fn any_str(&mut self) -> Option<()> {
            self.eat(b'"')?;
            loop {
                self.skip_plain();
                match self.peek()? {
                    b'"' => {
                        self.i += 1;
                        return Some(());
                    }
                    b'\\' => {
                        self.i += 1;
                        match self.peek()? {
                            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                            b'u' => {
                                let hex = self.b.get(self.i + 1..self.i + 5)?;
                                if !hex.iter().all(u8::is_ascii_hexdigit) {
                                    return None;
                                }
                                self.i += 5;
                            }
                            _ => return None,
                        }
                    }
                    c if c < 0x20 => return None,
                    _ => self.i += 1,
                }
            }
        }

        fn digits(&mut self) -> usize {
            let start = self.i;
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
            self.i - start
        }

        /// A number (JSON grammar).
        fn number(&mut self) -> Option<()> {
            if self.peek() == Some(b'-') {
                self.i += 1;
            }
            match self.peek()? {
                b'0' => self.i += 1,
                b'1'..=b'9' => {
                    self.digits();
                }
                _ => return None,
            }
            if self.peek() == Some(b'.') {
                self.i += 1;
                if self.digits() == 0 {
                    return None;
                }
            }
            if let Some(b'e' | b'E') = self.peek() {
                self.i += 1;
                if let Some(b'+' | b'-') = self.peek() {
                    self.i += 1;
                }
                if self.digits() == 0 {
                    return None;
                }
            }
            Some(())
        }

        /// An object key and its colon.
        fn key(&mut self) -> Option<()> {
            self.ws();
            self.any_str()?;
            self.ws();
            self.eat(b':')
        }

        /// Any JSON value (no leading whitespace), validated; iterative, at most
        /// [`MAX_DEPTH`] deep. Ends right after the value.
        fn value(&mut self) -> Option<()> {
            // Bit `d` of `objects`: the container at depth `d + 1` is an object.
            let mut objects: u64 = 0;
            let mut depth: u32 = 0;
            loop {
                self.ws();
                match self.peek()? {
                    open @ (b'{' | b'[') => {
                        self.i += 1;
                        self.ws();
                        let close = if open == b'{' { b'}' } else { b']' };
                        if self.peek() == Some(close) {
                            self.i += 1;
                        } else {
                            if depth == MAX_DEPTH {
                                return None;
                            }
                            if open == b'{' {
                                objects |= 1 << depth;
                                depth += 1;
                                self.key()?;
                            } else {
                                objects &= !(1 << depth);
                                depth += 1;
                            }
                            continue;
                        }
                    }
                    b'"' => self.any_str()?,
                    b't' => self.literal(b"true")?,
                    b'f' => self.literal(b"false")?,
                    b'n' => self.literal(b"null")?,
                    b'-' | b'0'..=b'9' => self.number()?,
                    _ => return None,
                }
                // A value is complete: close what it completes, or go on after a comma.
                loop {
                    if depth == 0 {
                        return Some(());
                    }
                    self.ws();
                    let in_object = objects & (1 << (depth - 1)) != 0;
                    match self.peek()? {
                        b',' => {
                            self.i += 1;
                            if in_object {
                                self.key()?;
                            }
                            break;
                        }
                        b'}' if in_object => {
                            self.i += 1;
                            depth -= 1;
                        }
                        b']' if !in_object => {
                            self.i += 1;
                            depth -= 1;
                        }
                        _ => return None,
                    }
                }
            }
        }

        /// `metadata`: an object; its correlation id's range, if any.
        fn metadata(&mut self) -> Option<Option<(usize, usize)>> {
            self.eat(b'{')?;
            self.ws();
            let mut correlation = None;
            if self.eat(b'}').is_some() {
                return Some(None);
            }
            loop {
                let (ks, ke) = self.plain_str()?;
                self.ws();
                self.eat(b':')?;
                self.ws();
                match &self.b[ks..ke] {
                    b"CorrelationId" | b"correlationId" => {
                        if correlation.is_some() {
                            return None;
                        }
                        correlation = Some(self.plain_str()?);
                    }
                    _ => self.value()?,
                }
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        self.ws();
                    }
                    b'}' => {
                        self.i += 1;
                        return Some(correlation);
                    }
                    _ => return None,
                }
            }
        }
    }

    fn range((start, end): (usize, usize)) -> Option<Field> {
        Some(Field::Range(
            u32::try_from(start).ok()?,
            u32::try_from(end).ok()?,
        ))
    }

    /// The parts of a notification frame in its usual form; `None`: let the tolerant parser
    /// decide.
    pub(crate) fn notification(frame: &str) -> Option<Parts> {
        let mut s = Scan {
            b: frame.as_bytes(),
            i: 0,
        };
        let (mut topic, mut version, mut body, mut metadata) = (None, None, None, None);
        s.ws();
        s.eat(b'{')?;
        s.ws();
        loop {
            let (ks, ke) = s.plain_str()?;
            s.ws();
            s.eat(b':')?;
            s.ws();
            match &s.b[ks..ke] {
                b"topicName" if topic.is_none() => topic = Some(s.plain_str()?),
                b"version" if version.is_none() => version = Some(s.plain_str()?),
                b"eventBody" if body.is_none() => {
                    // `null` is an absent body: the tolerant parser says so.
                    if s.peek()? == b'n' {
                        return None;
                    }
                    let start = s.i;
                    s.value()?;
                    body = Some((start, s.i));
                }
                b"metadata" if metadata.is_none() => metadata = Some(s.metadata()?),
                _ => return None,
            }
            s.ws();
            match s.peek()? {
                b',' => {
                    s.i += 1;
                    s.ws();
                }
                b'}' => {
                    s.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        s.ws();
        if s.i != s.b.len() {
            return None;
        }
        let topic = topic?;
        let name = frame.get(topic.0..topic.1)?;
        if name.is_empty() || name == METADATA_TOPIC || name.starts_with(SYSTEM_PREFIX) {
            return None;
        }
        Some(Parts {
            topic: range(topic)?,
            version: match version {
                Some(v) => range(v)?,
                None => Field::Absent,
            },
            correlation_id: match metadata.flatten() {
                Some(c) => range(c)?,
                None => Field::Absent,
            },
            body: match body {
                Some(b) => range(b)?,
                None => Field::Absent,
            },
        })
    }
}

#[derive(Serialize)]
struct Subscribe<'a> {
    message: &'static str,
    topics: &'a [String],
    #[serde(rename = "correlationId")]
    correlation_id: &'a str,
}

/// Encodes the socket subscribe message.
pub(crate) fn encode_subscribe(topics: &[String], correlation_id: &str) -> String {
    let msg = Subscribe {
        message: "subscribe",
        topics,
        correlation_id,
    };
    // Serializing strings into a String cannot fail; fall back to a hand-built message anyway.
    serde_json::to_string(&msg).unwrap_or_else(|_| {
        let quoted: Vec<String> = topics.iter().map(|t| json_string(t)).collect();
        format!(
            r#"{{"message":"subscribe","topics":[{}],"correlationId":{}}}"#,
            quoted.join(","),
            json_string(correlation_id)
        )
    })
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn parts(frame: &str) -> Parts {
        match classify(frame) {
            Frame::Notification(p) => p,
            other => panic!("expected a notification, got {other:?}"),
        }
    }

    #[test]
    fn notification_fields_are_ranges_into_the_frame() {
        let f = r#"{"topicName":"v2.users.u1.presence","version":"2","eventBody":{"a":[1,2]},"metadata":{"CorrelationId":"c-1"}}"#;
        let p = parts(f);
        assert_eq!(p.topic.get(f), Some("v2.users.u1.presence"));
        assert!(matches!(p.topic, Field::Range(..)));
        assert_eq!(p.version.get(f), Some("2"));
        assert_eq!(p.correlation_id.get(f), Some("c-1"));
        assert_eq!(p.body.get(f), Some(r#"{"a":[1,2]}"#));
    }

    #[test]
    fn escaped_strings_are_owned_and_unescaped() {
        let f = r#"{"topicName":"v2.a\u002eb","eventBody":{}}"#;
        let p = parts(f);
        assert_eq!(p.topic.get(f), Some("v2.a.b"));
        assert!(matches!(p.topic, Field::Owned(_)));
    }

    #[test]
    fn version_and_metadata_may_be_absent_or_numeric() {
        let f = r#"{"topicName":"t.x","eventBody":1}"#;
        let p = parts(f);
        assert_eq!(p.version, Field::Absent);
        assert_eq!(p.correlation_id, Field::Absent);
        assert_eq!(p.body.get(f), Some("1"));
        let f = r#"{"topicName":"t.x","version":2,"eventBody":null,"metadata":null}"#;
        assert_eq!(parts(f).version.get(f), Some("2"));
        let f = r#"{"topicName":"t.x","metadata":{"other":[1],"correlationId":"lc"}}"#;
        let p = parts(f);
        assert_eq!(p.correlation_id.get(f), Some("lc"));
        assert_eq!(p.body, Field::Absent);
    }

    #[test]
    fn heartbeats_and_pong_variants() {
        assert!(matches!(
            classify(
                r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#
            ),
            Frame::Heartbeat(_)
        ));
        let f = r#"{"topicName":"channel.metadata","version":"2","eventBody":{"message":"WebSocket Heartbeat"},"metadata":{}}"#;
        let Frame::Heartbeat(p) = classify(f) else {
            panic!("{f} is a heartbeat");
        };
        assert_eq!(p.topic.get(f), Some(METADATA_TOPIC));
        assert_eq!(p.version.get(f), Some("2"));
        assert_eq!(p.body.get(f), Some(r#"{"message":"WebSocket Heartbeat"}"#));
        for pong in [
            r#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#,
            r#"{"topicName":"channel.metadata","eventBody":{"message":"Pong"}}"#,
            r#"{"topicName":"channel.metadata","eventBody":{}}"#,
            r#"{"topicName":"channel.metadata"}"#,
        ] {
            assert_eq!(classify(pong), Frame::Pong, "{pong}");
        }
    }

    #[test]
    fn subscription_results() {
        assert_eq!(
            classify(r#"{"result":"200","status":"subscribed"}"#),
            Frame::SubscribeResult {
                result: 200,
                status: Some("subscribed".into()),
                message: None,
                correlation_id: None
            }
        );
        assert_eq!(
            classify(r#"{"result":400,"status":"failure","message":"nope","correlationId":"x"}"#),
            Frame::SubscribeResult {
                result: 400,
                status: Some("failure".into()),
                message: Some("nope".into()),
                correlation_id: Some("x".into())
            }
        );
        assert_eq!(
            classify(r#"{"result":"404","message":"gone"}"#),
            Frame::ChannelGone {
                message: Some("gone".into())
            }
        );
        assert!(matches!(
            classify(r#"{"result":"abc"}"#),
            Frame::Malformed { .. }
        ));
    }

    #[test]
    fn system_messages() {
        assert_eq!(
            classify(
                r#"{"topicName":"v2.system.socket_closing","eventBody":{"channelId":"c","reason":"maintenance","message":"bye"}}"#
            ),
            Frame::SocketClosing {
                message: Some("bye".into())
            }
        );
        assert_eq!(
            classify(r#"{"topicName":"v2.system.no_longer_subscribed.c1","eventBody":{}}"#),
            Frame::NoLongerSubscribed { message: None }
        );
        assert_eq!(
            classify(r#"{"topicName":"v2.system.token_revoked.c1","eventBody":{"reason":"r"}}"#),
            Frame::TokenRevoked {
                message: Some("r".into())
            }
        );
        assert_eq!(
            classify(r#"{"topicName":"v2.system.other.x"}"#),
            Frame::System {
                topic: "v2.system.other.x".into()
            }
        );
    }

    #[test]
    fn malformed_frames() {
        for bad in [
            "",
            "not json",
            "[1,2]",
            "{}",
            r#"{"topicName":""}"#,
            r#"{"topicName":5}"#,
            r#"{"topicName":"a","metadata":"x"}"#,
            r#"{"topicName":"a"} trailing"#,
            r#"["v2.users.u2.presence","2",{"i":-3}]"#,
            r#"[null,null,null,null,"404","gone"]"#,
            r#"{"topicName":"a","metadata":["c"]}"#,
            r#"{"topicName":"a","metadata":{"CorrelationId":"x","correlationId":"y"}}"#,
        ] {
            assert!(
                matches!(classify(bad), Frame::Malformed { .. }),
                "{bad:?} should be malformed"
            );
        }
    }

    #[test]
    fn encode_subscribe_round_trips() {
        let topics = vec!["a.b".to_owned(), "q\"x".to_owned()];
        let s = encode_subscribe(&topics, "id-1");
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["message"], "subscribe");
        assert_eq!(v["topics"][1], "q\"x");
        assert_eq!(v["correlationId"], "id-1");
        let v2: serde_json::Value = serde_json::from_str(&json_string("a\"\\\u{1}")).unwrap();
        assert_eq!(v2, "a\"\\\u{1}");
        let p: serde_json::Value = serde_json::from_str(PING).unwrap();
        assert_eq!(p["message"], "ping");
    }

    /// The fast path declines `frame` or agrees exactly with the tolerant parser.
    fn agrees(frame: &str) -> bool {
        match fast::notification(frame) {
            None => true,
            Some(p) => classify_tolerant(frame) == Frame::Notification(p),
        }
    }

    #[test]
    fn the_fast_path_takes_usual_envelopes_and_agrees() {
        for f in [
            r#"{"topicName":"v2.users.u1.presence","version":"2","eventBody":{"a":[1,-2.5e+3,true,false,null,"x\"y\u00e9",{}],"b":[]},"metadata":{"CorrelationId":"c-1"}}"#,
            r#" { "topicName" : "t.x" , "eventBody" : 0 } "#,
            "{\"topicName\":\"t.x\",\n\"eventBody\":\"s\",\r\t\"metadata\":{}}",
            r#"{"eventBody":{"n":[[[]]]},"topicName":"t.x","metadata":{"x":{"y":[1]},"correlationId":"lc"},"version":"2"}"#,
            r#"{"topicName":"t.x","eventBody":{"s":"héllo wörld, long enough to take the eight-byte path"}}"#,
            r#"{"topicName":"t.x"}"#,
        ] {
            let p = fast::notification(f).unwrap_or_else(|| panic!("{f} is usual"));
            assert_eq!(classify_tolerant(f), Frame::Notification(p.clone()), "{f}");
            assert_eq!(classify(f), Frame::Notification(p), "{f}");
        }
    }

    #[test]
    fn the_fast_path_declines_anything_unusual() {
        for f in [
            // Valid but unusual: the tolerant parser decides.
            r#"{"topicName":"v2.a\u002eb","eventBody":{}}"#,
            r#"{"topicName":"t.x","version":2,"eventBody":{}}"#,
            r#"{"topicName":"t.x","version":null}"#,
            r#"{"topicName":"t.x","eventBody":null}"#,
            r#"{"topicName":"t.x","metadata":null}"#,
            r#"{"topicName":"t.x","metadata":{"CorrelationId":null}}"#,
            r#"{"topicName":"t.x","metadata":{"Correlation\u0049d":"c"}}"#,
            r#"{"topic\u004eame":"t.x"}"#,
            r#"{"topicName":"t.x","other":1}"#,
            r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#,
            r#"{"topicName":"v2.system.socket_closing","eventBody":{}}"#,
            r#"{"result":"200"}"#,
            // Invalid: the tolerant parser reports it.
            r#"{"topicName":""}"#,
            r#"{"topicName":"t.x","topicName":"t.y"}"#,
            r#"{"topicName":"t.x","metadata":{"CorrelationId":"a","correlationId":"b"}}"#,
            r#"{"topicName":"t.x","eventBody":01}"#,
            r#"{"topicName":"t.x","eventBody":1.}"#,
            r#"{"topicName":"t.x","eventBody":-}"#,
            r#"{"topicName":"t.x","eventBody":1e}"#,
            r#"{"topicName":"t.x","eventBody":[1,]}"#,
            r#"{"topicName":"t.x","eventBody":{"a":1,}}"#,
            r#"{"topicName":"t.x","eventBody":{"a" 1}}"#,
            r#"{"topicName":"t.x","eventBody":"\x"}"#,
            r#"{"topicName":"t.x","eventBody":"\u12g4"}"#,
            "{\"topicName\":\"t.x\",\"eventBody\":\"a\u{1}b\"}",
            r#"{"topicName":"t.x","eventBody":tru}"#,
            r#"{"topicName":"t.x","eventBody":[}"#,
            r#"{"topicName":"t.x","eventBody":{]}"#,
            r#"{"topicName":"t.x"} x"#,
            r#"{"topicName":"t.x",}"#,
            r#"{"topicName":"t.x""#,
            r#"["t.x"]"#,
            "",
            "{",
        ] {
            assert!(fast::notification(f).is_none(), "{f} is unusual");
        }
        let deep = format!(
            r#"{{"topicName":"t.x","eventBody":{}1{}}}"#,
            "[".repeat(65),
            "]".repeat(65)
        );
        assert!(fast::notification(&deep).is_none());
        let deep = format!(
            r#"{{"topicName":"t.x","eventBody":{}1{}}}"#,
            "[".repeat(64),
            "]".repeat(64)
        );
        assert!(fast::notification(&deep).is_some());
        assert!(agrees(&deep));
    }

    /// Any JSON value, with strings that need escapes and numbers of every form.
    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(6, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(".{0,6}", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn classify_never_panics(s in ".*") {
            let _ = classify(&s);
        }

        #[test]
        fn the_fast_path_agrees_on_generated_envelopes(body in json_value(), corr in proptest::option::of("[ -~]{0,20}"), pretty in proptest::bool::ANY) {
            let mut v = serde_json::json!({"topicName": "v2.users.u1.presence", "version": "2", "eventBody": body});
            if let Some(c) = &corr { v["metadata"] = serde_json::json!({"CorrelationId": c, "other": [1]}); }
            let f = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
            proptest::prop_assert!(agrees(&f), "{}", f);
            let plain = corr.as_deref().is_none_or(|c| !c.contains(['"', '\\']));
            if !body.is_null() && plain {
                proptest::prop_assert!(fast::notification(&f).is_some(), "{}", f);
            }
        }

        #[test]
        fn the_fast_path_agrees_on_damaged_envelopes(body in json_value(), edits in proptest::collection::vec((proptest::num::usize::ANY, 0u8..3, proptest::sample::select(vec![b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'0', b'-', b'.', b'e', b' ', b'n', b'u', b'\n', 1u8, b'a'])), 1..4)) {
            let v = serde_json::json!({"topicName": "v2.users.u1.presence", "version": "2", "eventBody": body, "metadata": {"CorrelationId": "c"}});
            let mut bytes = v.to_string().into_bytes();
            for (at, op, byte) in edits {
                let at = at % (bytes.len() + 1);
                match op {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => { bytes.remove(at); }
                    _ if at < bytes.len() => bytes[at] = byte,
                    _ => {}
                }
            }
            if let Ok(f) = String::from_utf8(bytes) {
                proptest::prop_assert!(agrees(&f), "{}", f);
            }
        }

        #[test]
        fn notification_round_trip(topic in "[a-z][a-z0-9.\"\\\\]{0,40}", body in proptest::collection::vec(0u32..1000, 0..5), corr in proptest::option::of("[ -~]{0,20}")) {
            let mut v = serde_json::json!({"topicName": topic, "version": "2", "eventBody": {"n": body}});
            if let Some(c) = &corr { v["metadata"] = serde_json::json!({"CorrelationId": c}); }
            let f = v.to_string();
            let p = parts(&f);
            proptest::prop_assert_eq!(p.topic.get(&f), Some(topic.as_str()));
            proptest::prop_assert_eq!(p.correlation_id.get(&f), corr.as_deref());
            let b: serde_json::Value = serde_json::from_str(p.body.get(&f).unwrap()).unwrap();
            proptest::prop_assert_eq!(b, serde_json::json!({"n": body}));
        }
    }
}
