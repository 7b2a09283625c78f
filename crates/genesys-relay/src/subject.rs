//! Topic names as NATS subjects, reversibly.
//!
//! A notification on topic `v2.users.8f6c.presence` is written to the subject
//! `<prefix>.v2.users.8f6c.presence`: each dot-separated segment of the topic is one subject
//! token. A NATS token may not be empty and may not contain `.`, `*`, `>` or whitespace, so a
//! segment is written as is only when it consists of ASCII letters, digits, `-` and `_`;
//! otherwise every other byte of its UTF-8 text is written as `%XX` (two upper-case hex
//! digits), and an empty segment as a lone `%`. A first segment starting with `_` is escaped
//! too (`%5F...`), so no topic can land on the relay's own subjects (`<prefix>._gap`,
//! `<prefix>._relay.*`). Decoding reverses it exactly: [`topic_of`] ∘ [`subject_of`] is the
//! identity for every topic, and a subscriber can filter with wildcards on the escaped form
//! (real Genesys topics need no escaping at all).
//!
//! ```
//! use genesys_relay::subject::{subject_of, topic_of};
//!
//! let subject = subject_of("genesys", "v2.users.8f6c.presence");
//! assert_eq!(subject, "genesys.v2.users.8f6c.presence");
//! assert_eq!(subject_of("genesys", "v2.a b..*"), "genesys.v2.a%20b.%.%2A");
//! assert_eq!(topic_of("genesys", "genesys.v2.a%20b.%.%2A").as_deref(), Some("v2.a b..*"));
//! ```

/// The subject of relay gap records.
pub fn gap_subject(prefix: &str) -> String {
    format!("{prefix}._gap")
}

/// The subject of a relay's start, checkpoint and stop records.
pub fn relay_subject(prefix: &str, relay_id: &str) -> String {
    let mut subject = format!("{prefix}._relay.");
    escape_token(relay_id, false, &mut subject);
    subject
}

/// The subject a notification of `topic` is written to.
pub fn subject_of(prefix: &str, topic: &str) -> String {
    let mut subject = String::with_capacity(prefix.len() + 1 + topic.len());
    subject.push_str(prefix);
    for (i, segment) in topic.split('.').enumerate() {
        subject.push('.');
        escape_token(segment, i == 0, &mut subject);
    }
    subject
}

/// The topic a subject written by [`subject_of`] stands for; `None` when the subject is not
/// under `prefix` or is not a valid escaping (e.g. the relay's own `_gap` subject).
pub fn topic_of(prefix: &str, subject: &str) -> Option<String> {
    let rest = subject.strip_prefix(prefix)?.strip_prefix('.')?;
    if rest.starts_with('_') {
        return None;
    }
    let mut topic = Vec::with_capacity(rest.len());
    for (i, token) in rest.split('.').enumerate() {
        if i > 0 {
            topic.push(b'.');
        }
        unescape_token(token, &mut topic)?;
    }
    String::from_utf8(topic).ok()
}

/// Whether a byte may stand for itself in a token.
fn plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

fn escape_token(segment: &str, first: bool, out: &mut String) {
    if segment.is_empty() {
        out.push('%');
        return;
    }
    let leading_underscore = first && segment.starts_with('_');
    if !leading_underscore && segment.bytes().all(plain) {
        out.push_str(segment);
        return;
    }
    for (i, byte) in segment.bytes().enumerate() {
        if plain(byte) && !(i == 0 && leading_underscore) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0xf));
        }
    }
}

fn unescape_token(token: &str, out: &mut Vec<u8>) -> Option<()> {
    if token == "%" {
        return Some(());
    }
    if token.is_empty() {
        return None;
    }
    let bytes = token.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let high = hex_value(*bytes.get(i + 1)?)?;
                let low = hex_value(*bytes.get(i + 2)?)?;
                out.push(high << 4 | low);
                i += 3;
            }
            byte if plain(byte) => {
                out.push(byte);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(())
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0xf)])
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Whether the subject pattern `pattern` (with `*` and `>` wildcards) matches every subject
/// the pattern `wanted` can match.
pub(crate) fn covers(pattern: &str, wanted: &str) -> bool {
    let mut p = pattern.split('.');
    let mut w = wanted.split('.');
    loop {
        match (p.next(), w.next()) {
            (Some(">"), Some(_)) => return true,
            (Some(_), Some(">")) => return false,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b && b != "*" => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Whether the two subject patterns can match a common subject.
pub(crate) fn overlaps(a: &str, b: &str) -> bool {
    let mut a = a.split('.');
    let mut b = b.split('.');
    loop {
        match (a.next(), b.next()) {
            (Some(">"), Some(_)) | (Some(_), Some(">")) => return true,
            (Some("*"), Some(_)) | (Some(_), Some("*")) => {}
            (Some(x), Some(y)) if x == y => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_topics_are_unchanged() {
        for topic in [
            "v2.users.8f6c1b3e-1111-2222-3333-444455556666.presence",
            "v2.detail.events.conversation.0f3c-aa.customer.start",
            "channel.metadata",
            "v2.routing.queues.q_1.conversations",
        ] {
            assert_eq!(subject_of("genesys", topic), format!("genesys.{topic}"));
            assert_eq!(
                topic_of("genesys", &subject_of("genesys", topic)).as_deref(),
                Some(topic)
            );
        }
    }

    #[test]
    fn every_topic_round_trips() {
        let samples = [
            "", ".", "..", "a..b", "_gap", "_relay.x", "a._b", "*", ">", "a.*.>", "a b\tc", "%",
            "%41", "é.ü", "a\r\nb", "x.%.y", "-", "$JS.API",
        ];
        for topic in samples {
            let subject = subject_of("p", topic);
            for token in subject.split('.') {
                assert!(
                    !token.is_empty(),
                    "{topic:?} gives an empty token in {subject}"
                );
                assert!(
                    token.bytes().all(|b| plain(b) || b == b'%'),
                    "{topic:?} gives a bad token in {subject}"
                );
            }
            assert_eq!(topic_of("p", &subject).as_deref(), Some(topic), "{subject}");
        }
        // Pseudo-random strings over a nasty alphabet.
        let alphabet: Vec<char> = "ab.%_ *>\t-é0".chars().collect();
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..5000 {
            let len = rng.usize(0..12);
            let topic: String = (0..len)
                .map(|_| alphabet[rng.usize(0..alphabet.len())])
                .collect();
            assert_eq!(
                topic_of("p", &subject_of("p", &topic)).as_deref(),
                Some(topic.as_str())
            );
        }
    }

    #[test]
    fn own_subjects_are_never_topics() {
        assert_eq!(topic_of("genesys", &gap_subject("genesys")), None);
        assert_eq!(topic_of("genesys", &relay_subject("genesys", "r1")), None);
        assert_eq!(subject_of("genesys", "_gap"), "genesys.%5Fgap");
        assert_ne!(subject_of("genesys", "_gap"), gap_subject("genesys"));
        assert_eq!(topic_of("genesys", "other.v2"), None);
        assert_eq!(topic_of("genesys", "genesys.a%4"), None);
        assert_eq!(topic_of("genesys", "genesys.a%zz"), None);
    }

    #[test]
    fn coverage_and_overlap() {
        assert!(covers("genesys.>", "genesys.>"));
        assert!(covers(">", "genesys.>"));
        assert!(covers("*.>", "genesys.>"));
        assert!(!covers("genesys.*", "genesys.>"));
        assert!(!covers("genesys.v2.>", "genesys.>"));
        assert!(!covers("other.>", "genesys.>"));
        assert!(overlaps("genesys.v2.>", "genesys.>"));
        assert!(overlaps("*.x", "genesys.>"));
        assert!(!overlaps("other.>", "genesys.>"));
        assert!(!overlaps("genesys", "genesys.>"));
    }
}
