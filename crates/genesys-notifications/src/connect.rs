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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures_util::StreamExt;
    use url::Url;

    use std::time::Duration;

    use super::*;
    use crate::Event;
    use crate::driver::start;
    use crate::error::{Error, ErrorKind, Reason};
    use crate::source::{ChannelSource, ChannelTarget};
    use crate::source::{ReplaceReason, Subscribed};

    /// A source whose second subscription panics (a bug inside the channel's task).
    #[derive(Default)]
    struct Panicky {
        calls: AtomicU32,
    }

    impl ChannelSource for Panicky {
        fn subscribes_over_socket(&self) -> bool {
            false
        }

        fn can_replace(&self) -> bool {
            false
        }

        async fn subscribe(&self, _: &ChannelTarget, _: &[String]) -> Result<Subscribed, Error> {
            assert_eq!(self.calls.fetch_add(1, Ordering::Relaxed), 0, "a bug");
            Ok(Subscribed::default())
        }

        async fn extend(&self, _: &ChannelTarget, _: &[String]) -> Result<Subscribed, Error> {
            Ok(Subscribed::default())
        }

        async fn replace(
            &self,
            why: ReplaceReason,
            _: &[String],
        ) -> Result<(ChannelTarget, Subscribed), Error> {
            Err(Error::new(ErrorKind::Receive, why.reason()))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_in_the_task_ends_the_stream_with_a_fatal_item() {
        let sim = genesys_sim::Simulator::start(genesys_sim::SimConfig::default())
            .await
            .unwrap();
        let info = sim.create_channel("demo-client");
        let target = ChannelTarget::from_uri(Url::parse(&info.connect_uri).unwrap());
        let topics = vec!["v2.users.u1.presence".to_owned()];
        let mut ch = start(
            Panicky::default(),
            target,
            topics,
            ConnectOptions::default(),
        )
        .await
        .unwrap();
        let mut events = ch.events();
        assert!(ch.subscribe(["v2.users.u2.presence"]).await.is_err());
        let item = tokio::time::timeout(Duration::from_secs(60), ch.next())
            .await
            .unwrap()
            .expect("an item, not a silent end");
        let e = item.unwrap_err();
        assert!(e.is_fatal(), "{e:?}");
        assert_eq!(e.reason(), Reason::Internal);
        assert!(ch.next().await.is_none());
        let mut closed = None;
        while let Some(ev) = events.recv().await {
            if let Event::Closed { reason } = ev {
                closed = Some(reason);
            }
        }
        assert_eq!(closed, Some(Some(Reason::Internal)));
    }
}
