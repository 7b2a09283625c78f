//! A channel as the machine knows it: where to connect, and what a subscription achieved.

use std::time::SystemTime;

use url::Url;

/// A channel the driver can connect to. `Debug` shows the URI and id shortened (they are
/// the socket's credential).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ChannelTarget {
    /// The `connectUri` (`ws://` or `wss://`).
    pub(crate) uri: Url,
    /// The channel id, when known (managed mode).
    pub(crate) id: Option<String>,
    /// When the channel expires, when known (managed mode: the REST `expires`).
    pub(crate) expires: Option<SystemTime>,
}

impl std::fmt::Debug for ChannelTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelTarget")
            .field("uri", &crate::uri::redact_text(self.uri.as_str()))
            .field("id", &self.id.as_deref().map(crate::uri::short_id))
            .field("expires", &self.expires)
            .finish()
    }
}

impl ChannelTarget {
    /// A target known only by its URI.
    pub(crate) fn from_uri(uri: Url) -> Self {
        ChannelTarget {
            uri,
            id: None,
            expires: None,
        }
    }
}

/// The outcome of an out-of-band subscription or extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Subscribed {
    /// The channel's new expiry, when the source knows it.
    pub(crate) expires: Option<SystemTime>,
    /// Topics the service refused (`ignoreErrors` mode), with the reason; the driver reports
    /// them (event [`crate::Event::TopicsRejected`]) and drops them from the desired set.
    pub(crate) rejected: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn debug_of_a_target_shows_the_channel_shortened() {
        let id = "streaming-0-1tvypwwdkuzrderyr21vwn7pbn";
        let mut target =
            ChannelTarget::from_uri(Url::parse(&format!("wss://h.example/channels/{id}")).unwrap());
        target.id = Some(id.to_owned());
        let shown = format!("{target:?} {target:#?}");
        assert!(!shown.contains(id), "{shown}");
        assert!(shown.contains("streaming-0-1tvy…"), "{shown}");
    }
}
