//! Relay Genesys Cloud notifications into NATS JetStream, so that any number of consumers on
//! any number of machines share one set of channels, replay from any point and survive their
//! own restarts.
//!
//! A [`Relay`] reads a [`genesys_notifications::Channel`] and writes every notification,
//! exactly as received, to the subject `<prefix>.<topic>` of a JetStream stream, with
//! headers:
//!
//! | Header | Value |
//! |---|---|
//! | `Nats-Msg-Id` | the de-duplication key ([`record::message_id`]): topic and correlation id, or topic and a hash of the body; the same whichever channel or relay received the event |
//! | `Genesys-Topic` | the topic |
//! | `Genesys-Received-At` | when the relay received it (RFC 3339, ms, UTC) |
//! | `Genesys-Channel` | `<relay id>/<channel tag>` |
//!
//! A notification counts as relayed only when JetStream acknowledged it. Publications are
//! pipelined in a bounded window; a failed or late acknowledgement publishes the whole
//! window again, in order, with the same ids, so JetStream's duplicate window drops what it
//! already holds. When the window is full the relay stops reading the channel. Gaps (and
//! lag, and unreadable frames) become JSON [`GapRecord`]s on `<prefix>._gap`; the relay's
//! start, checkpoints and stop are [`RelayRecord`]s on `<prefix>._relay.<relay id>`, and a
//! relay that finds its last record is not a stop record reports the crash as a gap.
//!
//! Topic segments that are not valid subject tokens are escaped reversibly ([`subject`]).
//!
//! # Layout
//!
//! | Module | What it holds |
//! |---|---|
//! | [`subject`] | Pure: topic ↔ subject escaping, subject pattern coverage. |
//! | [`record`] | Pure: header names, de-duplication keys, gap and relay records. |
//! | [`options`] | NATS connection (auth, TLS), stream and publishing options. |
//! | [`stream`] | Creating the stream, or checking an existing one without changing it. |
//! | `relay` | The [`Relay`]: the window, acknowledgements, retries, drain. |
//! | [`consume`] | Reading the stream back as [`consume::Record`]s. |
//! | [`metrics`] | Counters, Prometheus text on `/metrics`, `/healthz`. |
//! | [`logging`] | One log line per channel or pool lifecycle event (shared with the CLI). |
//! | [`RelayError`] | The error type. |

pub mod consume;
mod error;
pub mod logging;
pub mod metrics;
pub mod options;
pub mod record;
mod relay;
pub mod stream;
pub mod subject;

pub use error::RelayError;
pub use options::{NatsOptions, RelayOptions, StreamOptions};
pub use record::{GapReason, GapRecord, RelayEvent, RelayRecord};
pub use relay::{Relay, Source, Summary};

/// The NATS client crate, re-exported so users need not pin its version themselves.
pub use async_nats;

/// The README's example is compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
