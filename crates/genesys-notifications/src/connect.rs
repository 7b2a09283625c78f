//! Connecting in URI mode: the terminal [`ConnectOptions::connect`].

use crate::channel::Channel;
use crate::driver;
use crate::error::Error;
use crate::options::ConnectOptions;
use crate::source::{ChannelTarget, UriSource};

impl ConnectOptions {
    /// Connects to a channel URI, subscribes the topics over the socket and waits for the
    /// confirmation. The first connection fails fast (no retries); automatic recovery starts
    /// once the channel is open.
    ///
    /// # Errors
    ///
    /// An initialization failure: [`ErrorKind::Connection`](crate::ErrorKind::Connection)
    /// (invalid URI or option, refused, timeout, TLS, unexpected status, channel not found),
    /// [`ErrorKind::Authorization`](crate::ErrorKind::Authorization) (401/403) or
    /// [`ErrorKind::Subscription`](crate::ErrorKind::Subscription) (rejected, not confirmed
    /// in time, invalid topic).
    pub async fn connect<I, T>(self, uri: &str, topics: I) -> Result<Channel, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let topics: Vec<String> = topics.into_iter().map(Into::into).collect();
        self.validate()?;
        let url = crate::uri::parse_uri(uri, self.allow_plain_ws)?;
        for t in &topics {
            crate::topic::validate(t)?;
        }
        driver::start(UriSource, ChannelTarget::from_uri(url), topics, self).await
    }
}
