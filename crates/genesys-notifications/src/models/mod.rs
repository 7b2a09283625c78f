//! Typed event bodies for the most used topics (feature `models`).
//!
//! [`Notification::decode`](crate::Notification::decode) turns a notification into a
//! [`TopicEvent`]: one variant per topic template, carrying the ids found in the topic name
//! and the typed body, or [`TopicEvent::Other`] with the notification itself for any other
//! topic. Nothing is decoded until you ask: the stream hands out raw notifications, and
//! [`Notification::body`](crate::Notification::body) still works with types of your own.
//!
//! ```
//! use genesys_notifications::models::{RoutingState, TopicEvent};
//! # fn demo(note: genesys_notifications::Notification) -> Result<(), genesys_notifications::Error> {
//! match note.decode()? {
//!     TopicEvent::UserRoutingStatus { user_id, body } => {
//!         let status = body.routing_status.and_then(|r| r.status);
//!         if status == Some(RoutingState::Idle) {
//!             println!("{user_id} is idle");
//!         }
//!     }
//!     TopicEvent::QueueConversations { queue_id, body } => {
//!         println!("{queue_id}: {} participants", body.participants.map_or(0, |p| p.len()));
//!     }
//!     TopicEvent::Other(note) => println!("{}: {}", note.topic(), note.body_raw()),
//!     _ => {}
//! }
//! # Ok(()) }
//! ```
//!
//! Topic names are built and parsed with [`Template`], and several topics sharing a prefix
//! are folded into combined topics by [`combine`]:
//!
//! ```
//! use genesys_notifications::models::{Template, combine};
//!
//! let presence = Template::UserPresence.build(&["42"])?;
//! assert_eq!(presence, "v2.users.42.presence");
//! let (template, ids) = Template::parse("v2.routing.queues.q1.conversations.calls").unwrap();
//! assert_eq!((template, ids.get(0)), (Template::QueueCalls, Some("q1")));
//!
//! let topics = [presence, Template::UserRoutingStatus.build(&["42"])?];
//! assert_eq!(combine(&topics), ["v2.users.42?presence&routingStatus"]);
//! # Ok::<(), genesys_notifications::Error>(())
//! ```
//!
//! # The types
//!
//! The shapes follow the models of the official Genesys Cloud SDKs (each type names the SDK
//! models it stands for). Models of identical shape share one type: the conversation event of
//! a user and of a queue are both [`Conversation`], the five per-media conversation topics
//! each have their own smaller type ([`CallConversation`], ...), and so on. They are tolerant
//! by construction, because the service adds fields and values over time:
//!
//! - every field is an `Option` and may be missing;
//! - unknown fields are ignored, at any depth;
//! - enums keep values they do not know as `Unknown(String)`; known values match regardless
//!   of ASCII case, as the SDKs do. A value `UNKNOWN` that the service itself sends is the
//!   variant `Unspecified`;
//! - instants are [`Timestamp`]s, decoded from RFC 3339 strings and from the epoch
//!   milliseconds of detail events alike;
//! - the types are `#[non_exhaustive]`: new fields are not breaking changes.
//!
//! What is not tolerated is a value of the wrong JSON type (a string where a number belongs,
//! a date that is not RFC 3339, an array where an object belongs, at any depth: serde would
//! otherwise take the array apart by position) or a body that is not a JSON object: `decode` then returns a
//! non-fatal error carrying the raw frame ([`Error::raw_text`](crate::Error::raw_text)), and the
//! stream goes on.
//!
//! # Cost
//!
//! The types are behind the `models` feature so that users who do not want them do not
//! compile them (see BENCHMARKS.md for the measured compile time); enabling it adds only the
//! `time` crate. It lives in this crate rather than in a crate of its own so that `decode` is a
//! method of [`Notification`](crate::Notification).

/// Defines a string enum that keeps unknown values: variants with their JSON text, plus
/// `Unknown(String)`. Known values match exactly first, then ignoring ASCII case.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept as received.
            Unknown(String),
        }

        impl $name {
            /// The value as sent on the wire (known values in their canonical case).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $value, )*
                    $name::Unknown(s) => s,
                }
            }

            /// Whether this is a value this version does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }

            fn known(text: &str) -> Option<$name> {
                match text {
                    $( $value => return Some($name::$variant), )*
                    _ => {}
                }
                $( if text.eq_ignore_ascii_case($value) { return Some($name::$variant); } )*
                None
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> $name {
                $name::known(text).unwrap_or_else(|| $name::Unknown(text.to_owned()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::known(&v).unwrap_or($name::Unknown(v)))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

mod analytics;
mod common;
mod conversation;
mod detail;
mod strict;
mod system;
mod timestamp;
mod topics;
mod transcription;
mod user;
mod wfm;

pub use analytics::*;
pub use common::*;
pub use conversation::*;
pub use detail::*;
pub use system::*;
pub use timestamp::Timestamp;
pub use topics::{Template, TopicEvent, TopicIds, UnknownTemplate, combine};
pub use transcription::*;
pub use user::*;
pub use wfm::*;

/// The `time` crate, whose [`OffsetDateTime`](time::OffsetDateTime) a [`Timestamp`] holds.
pub use time;
