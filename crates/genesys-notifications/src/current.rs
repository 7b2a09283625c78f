//! The service channel a [`Channel`](crate::Channel) is on now, readable at any time.

use std::fmt;
use std::time::SystemTime;

use tokio::sync::watch;
use url::Url;

use crate::source::ChannelTarget;
use crate::uri;

/// The service channel a [`Channel`](crate::Channel) is on now: its id, connect URI and
/// expiry. Read it with [`ChannelHandle::current_channel`](crate::ChannelHandle::current_channel)
/// (or [`Channel::current_channel`](crate::Channel::current_channel)) at any time.
///
/// It changes when the channel moves to another service channel: a maintenance switch to a
/// new channel, a replacement after an eviction, an expiry or a channel that is gone
/// (managed mode), a [`rollover`](crate::ChannelHandle::rollover). It changes as soon as the
/// new channel's socket is open (its expiry when an extension reads it back); a reconnection
/// to the same channel keeps it. Use it in logs, support requests and fault injection: an id
/// kept from the start is stale after a switch.
///
/// The connect URI is the socket's credential (whoever has it can connect, and take the
/// channel over): `Debug` and `Display` show the host and the first characters of the id
/// only, and the whole URI is reachable only through
/// [`CurrentChannel::expose_connect_uri`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sim = genesys_sim::Simulator::start(genesys_sim::SimConfig::default()).await?;
/// # let info = sim.create_channel("demo-client");
/// # let uri = info.connect_uri.clone();
/// let channel = genesys_notifications::connect(&uri, ["v2.users.42.presence"]).await?;
/// let current = channel.current_channel();
/// assert_eq!(current.id(), Some(info.id.as_str()));
/// assert_eq!(current.expose_connect_uri(), uri);
/// // Safe to log: the credential is not shown.
/// let shown = format!("{current} {current:?}");
/// assert!(!shown.contains(&info.id), "{shown}");
/// println!("on channel {current}");
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CurrentChannel {
    id: Option<String>,
    uri: Url,
    expires: Option<SystemTime>,
}

impl CurrentChannel {
    pub(crate) fn of(target: &ChannelTarget) -> Self {
        CurrentChannel {
            id: target.id.clone().or_else(|| id_in_uri(&target.uri)),
            uri: target.uri.clone(),
            expires: target.expires,
        }
    }

    /// The channel id (e.g. `streaming-0-fmtdmf8cdis7jh14udg5p89t6z`): given by the REST API
    /// in managed mode, taken from the URI's `/channels/{id}` path in URI mode (`None` when
    /// the URI has no such path).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The connect URI, whole. It is the socket's credential: do not log it.
    pub fn expose_connect_uri(&self) -> &str {
        self.uri.as_str()
    }

    /// When the channel expires, when known: in managed mode, the `expires` of the REST API
    /// (updated when an extension reads it back); in URI mode, unknown.
    pub fn expires(&self) -> Option<SystemTime> {
        self.expires
    }
}

/// The segment after `channels` in the URI's path.
fn id_in_uri(uri: &Url) -> Option<String> {
    let mut segments = uri.path_segments()?;
    segments.find(|s| *s == "channels")?;
    segments
        .next()
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

impl fmt::Debug for CurrentChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentChannel")
            .field("id", &self.id.as_deref().map(uri::short_id))
            .field("connect_uri", &uri::redact_text(self.uri.as_str()))
            .field("expires", &self.expires)
            .finish()
    }
}

/// `channel <short id> (<host>)`: no credential.
impl fmt::Display for CurrentChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "channel {}", uri::short_id(id))?,
            None => f.write_str("channel")?,
        }
        write!(f, " ({})", uri::redact(&self.uri))
    }
}

/// The driver's side: publishes the current channel to every handle.
#[derive(Debug)]
pub(crate) struct Publisher(watch::Sender<CurrentChannel>);

impl Publisher {
    pub(crate) fn new(target: &ChannelTarget) -> (Self, watch::Receiver<CurrentChannel>) {
        let (tx, rx) = watch::channel(CurrentChannel::of(target));
        (Publisher(tx), rx)
    }

    /// The driver's current target is `target`: publish it if it changed. Cheap when it did
    /// not (called after every wake-up of the driver).
    pub(crate) fn sync(&self, target: &ChannelTarget) {
        self.0.send_if_modified(|current| {
            if current.uri == target.uri && current.expires == target.expires {
                return false;
            }
            *current = CurrentChannel::of(target);
            true
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ID: &str = "streaming-0-1tvypwwdkuzrderyr21vwn7pbn";

    fn target(uri: &str) -> ChannelTarget {
        ChannelTarget::from_uri(Url::parse(uri).unwrap())
    }

    #[test]
    fn the_id_comes_from_the_uri_when_not_given() {
        let current = CurrentChannel::of(&target(&format!("wss://h.example/channels/{ID}")));
        assert_eq!(current.id(), Some(ID));
        assert_eq!(
            CurrentChannel::of(&target("wss://h.example/other/x")).id(),
            None
        );
        assert_eq!(
            CurrentChannel::of(&target("wss://h.example/channels/")).id(),
            None
        );
        let mut given = target(&format!("wss://h.example/channels/{ID}"));
        given.id = Some("given".to_owned());
        assert_eq!(CurrentChannel::of(&given).id(), Some("given"));
    }

    #[test]
    fn debug_and_display_hide_the_credential() {
        let uri = format!("wss://streaming.example.com/channels/{ID}");
        let current = CurrentChannel::of(&target(&uri));
        let shown = format!("{current} {current:?} {current:#?}");
        assert!(!shown.contains(ID), "{shown}");
        assert!(shown.contains("streaming-0-1tvy…"), "{shown}");
        assert!(shown.contains("streaming.example.com"), "{shown}");
        assert_eq!(current.expose_connect_uri(), uri);
        assert_eq!(
            current.to_string(),
            "channel streaming-0-1tvy… (wss://streaming.example.com/…)"
        );
    }

    #[test]
    fn a_publisher_publishes_changes_only() {
        let first = target(&format!("wss://h.example/channels/{ID}"));
        let (publisher, mut rx) = Publisher::new(&first);
        publisher.sync(&first);
        assert!(!rx.has_changed().unwrap());
        let mut later = first.clone();
        later.expires = Some(SystemTime::UNIX_EPOCH);
        publisher.sync(&later);
        assert!(rx.has_changed().unwrap());
        assert_eq!(
            rx.borrow_and_update().expires(),
            Some(SystemTime::UNIX_EPOCH)
        );
        let other = target("wss://h.example/channels/other");
        publisher.sync(&other);
        assert_eq!(rx.borrow().id(), Some("other"));
    }
}
