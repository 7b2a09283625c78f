//! placeholder

#[cfg(feature = "rest")]
pub mod rest;
