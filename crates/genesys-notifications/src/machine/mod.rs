//! The channel's decisions without I/O: no tokio task, no socket, no clock read. Every
//! function here takes what it needs (the cause, the mode, `now`) as arguments and returns
//! what to do; the driver ([`crate::driver`]) executes it.
//!
//! * [`recovery`]: the one recovery decision (reconnect the same channel, replace it, or end).
//! * [`pings`]: which ping a pong answers, per socket (the drain proof of a switch).
//! * [`takeover`]: telling a proxy's normal close from a take-over of the channel.

pub(crate) mod pings;
pub(crate) mod recovery;
pub(crate) mod takeover;
