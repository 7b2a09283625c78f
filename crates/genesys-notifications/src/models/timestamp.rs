//! [`Timestamp`]: an instant decoded from an RFC 3339 string or from epoch milliseconds.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An instant of an event body, in UTC.
///
/// Genesys sends instants in two forms, and both decode to this type:
///
/// - most topics send an ISO-8601 / RFC 3339 string in UTC, with or without a fraction of a
///   second (`2022-07-04T11:00:00Z`, `2022-07-04T20:07:20.528Z`);
/// - detail events (`v2.detail.events.*`) send milliseconds since the Unix epoch
///   (`eventTime: 1656965240528`).
///
/// The value is a [`time::OffsetDateTime`] (crate `time`, re-exported as
/// [`models::time`](crate::models::time)); [`Timestamp::get`] returns it. A string that is not
/// RFC 3339, or a number of milliseconds outside the years −9999..=9999, is a decode error: the
/// notification stays available raw.
///
/// ```
/// use genesys_notifications::models::Timestamp;
///
/// let a = Timestamp::parse("2022-07-04T20:07:20.528Z").unwrap();
/// let b = Timestamp::from_unix_millis(1_656_965_240_528).unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.unix_millis(), 1_656_965_240_528);
/// assert_eq!(a.to_string(), "2022-07-04T20:07:20.528Z");
/// assert_eq!(a.get().year(), 2022);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Parses an RFC 3339 date-time (`2022-07-04T11:00:00Z`, optional fraction, any offset,
    /// normalized to UTC). `None` when `text` is not one.
    pub fn parse(text: &str) -> Option<Timestamp> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(|t| Timestamp(t.to_offset(time::UtcOffset::UTC)))
    }

    /// The instant `millis` milliseconds after the Unix epoch; `None` when out of range.
    pub fn from_unix_millis(millis: i64) -> Option<Timestamp> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .ok()
            .map(Timestamp)
    }

    /// Milliseconds since the Unix epoch (sub-millisecond digits dropped, toward the past).
    pub fn unix_millis(self) -> i64 {
        // In range: |nanos| < 2.6e20, so millis fit an i64 easily.
        let nanos = self.0.unix_timestamp_nanos();
        i64::try_from(nanos.div_euclid(1_000_000)).unwrap_or(i64::MAX)
    }

    /// The instant as a [`time::OffsetDateTime`] in UTC.
    pub fn get(self) -> OffsetDateTime {
        self.0
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(t: Timestamp) -> OffsetDateTime {
        t.0
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Timestamp {
        Timestamp(t.to_offset(time::UtcOffset::UTC))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            // Only years outside 0..=9999 cannot be written as RFC 3339.
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date-time string or epoch milliseconds")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::parse(v)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &"an RFC 3339 date-time"))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        Timestamp::from_unix_millis(v).ok_or_else(|| {
            E::invalid_value(de::Unexpected::Signed(v), &"epoch milliseconds in range")
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        i64::try_from(v)
            .ok()
            .and_then(Timestamp::from_unix_millis)
            .ok_or_else(|| {
                E::invalid_value(de::Unexpected::Unsigned(v), &"epoch milliseconds in range")
            })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
        // Some producers write integral milliseconds as `1.656965240528E12`.
        let nanos = v * 1e6;
        if nanos.is_finite() && nanos.abs() < 1e22 {
            #[allow(clippy::cast_possible_truncation)]
            let nanos = nanos.round() as i128;
            if let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(nanos) {
                return Ok(Timestamp(t));
            }
        }
        Err(E::invalid_value(
            de::Unexpected::Float(v),
            &"epoch milliseconds in range",
        ))
    }
}
