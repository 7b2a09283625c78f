//! REST and OAuth: the managed channel, and channel management over the Genesys Cloud
//! notification REST API. (Feature `rest`, on by default.)
//!
//! ```no_run
//! use genesys_notifications::rest::{Credentials, Region, RestClient};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let rest = RestClient::new(Region::UsEast1, Credentials::client_credentials("id", "secret"))?;
//! let channel = rest.create_channel().await?;
//! rest.add_subscriptions(&channel.id, &["v2.users.42.presence"], true).await?;
//! println!("connect to {}", channel.connect_uri);
//! # Ok(())
//! # }
//! ```

mod auth;
mod client;
mod error;
mod managed;
mod model;
mod region;
mod secret;
mod source;

pub use auth::{Credentials, TokenFuture, TokenProvider};
pub use client::{RestClient, RestClientBuilder};
pub use error::{RestError, RestErrorKind};
pub use managed::{Managed, ManagedOptions, connect_managed};
pub use model::{
    AvailableTopic, ChannelInfo, ChannelScope, ErrorBody, Subscriptions, TopicResult, TopicState,
};
pub use region::{Environment, InvalidBaseUrl, Region, UnknownRegion};
pub use secret::Secret;
