//! Topic names: validation and combined-topic expansion.
//!
//! Genesys accepts *combined* topics, `prefix?leaf1&leaf2`, meaning `prefix.leaf1` and
//! `prefix.leaf2`; notifications always arrive under the expanded names. A topic name must be
//! non-empty and shorter than 200 characters.
//!
//! ```
//! use genesys_notifications::topic;
//!
//! assert_eq!(
//!     topic::expand("v2.users.42?presence&routingStatus"),
//!     vec!["v2.users.42.presence", "v2.users.42.routingStatus"],
//! );
//! assert!(topic::validate("v2.users.42.presence").is_ok());
//! assert!(topic::validate(&"x".repeat(200)).is_err());
//! ```

use crate::error::{Error, ErrorKind, Reason};

/// Topic names must be shorter than this many characters.
pub const MAX_TOPIC_LEN: usize = 200;

/// Expands a combined topic (`prefix?a&b`) into its individual topics; any other topic is
/// returned unchanged. Empty leaves are skipped.
pub fn expand(topic: &str) -> Vec<String> {
    match topic.split_once('?') {
        None => vec![topic.to_owned()],
        Some((prefix, leaves)) => leaves
            .split('&')
            .filter(|leaf| !leaf.is_empty())
            .map(|leaf| format!("{prefix}.{leaf}"))
            .collect(),
    }
}

/// Checks one topic name: non-empty, no whitespace, shorter than [`MAX_TOPIC_LEN`]
/// characters, and a combined topic must have at least one leaf.
///
/// # Errors
///
/// A [`Reason::InvalidTopic`] error saying what is wrong.
pub fn validate(topic: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(Error::new(ErrorKind::Subscription, Reason::InvalidTopic)
            .with_message(format!("topic {topic:?}: {why}")))
    };
    if topic.is_empty() {
        return bad("empty");
    }
    if topic.chars().count() >= MAX_TOPIC_LEN {
        return bad("200 characters or more");
    }
    if topic.chars().any(char::is_whitespace) {
        return bad("contains whitespace");
    }
    if topic.contains('?') && expand(topic).is_empty() {
        return bad("combined topic without a leaf");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion() {
        assert_eq!(expand("a.b.c"), vec!["a.b.c"]);
        assert_eq!(expand("v2.users.1?presence"), vec!["v2.users.1.presence"]);
        assert_eq!(expand("p?x&&y&"), vec!["p.x", "p.y"]);
        assert!(expand("p?").is_empty());
    }

    #[test]
    fn validation() {
        assert!(validate("a").is_ok());
        assert!(validate(&"x".repeat(199)).is_ok());
        assert_eq!(
            validate(&"x".repeat(200)).map_err(|e| e.reason()),
            Err(Reason::InvalidTopic)
        );
        assert!(validate("").is_err());
        assert!(validate("a b").is_err());
        assert!(validate("p?&").is_err());
    }
}
