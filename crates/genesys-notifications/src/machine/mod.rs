//! The channel's decisions without I/O: no tokio task, no socket, no clock read. Everything
//! here takes what it needs (the input, the cause, the mode, `now`) as arguments and says
//! what to do; the driver ([`crate::driver`]) executes it.
//!
//! * [`core`]: the channel as one machine, `handle(now, input)` → actions; every decision
//!   about sockets, subscriptions, switches, gaps and the consumer's items.
//! * [`recovery`]: the one recovery decision (reconnect the same channel, replace it, or end).
//! * [`pings`]: which ping a pong answers, per socket (the drain proof of a switch).
//! * [`takeover`]: telling a proxy's normal close from a take-over of the channel.
//! * [`target`]: a channel as the machine knows it, and a subscription's outcome.

pub(crate) mod core;
pub(crate) mod pings;
pub(crate) mod recovery;
pub(crate) mod takeover;
pub(crate) mod target;

#[cfg(test)]
mod catch_up_tests;
#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod proof_tests;
#[cfg(test)]
mod recovered_tests;
