//! Topic names: combined-topic expansion, permission patterns and the
//! `availabletopics` catalogue. Pure functions, no I/O.

use serde_json::{Value, json};

/// Why a topic entry cannot be accepted at all (HTTP 400).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TopicError {
    /// Empty name, empty prefix or empty leaf.
    Malformed(String),
    /// `len >= limit`.
    TooLong(String),
}

impl TopicError {
    pub(crate) fn message(&self) -> String {
        match self {
            TopicError::Malformed(t) => format!("invalid topic name '{t}'"),
            TopicError::TooLong(t) => format!(
                "topic name is too long ({} characters): '{}...'",
                t.chars().count(),
                t.chars().take(40).collect::<String>()
            ),
        }
    }
}

/// Expands one subscription entry: `prefix?a&b` becomes `prefix.a`, `prefix.b`; a plain
/// topic stays itself. `max_len` bounds both the entry and every expansion.
pub(crate) fn expand(entry: &str, max_len: usize) -> Result<Vec<String>, TopicError> {
    if entry.chars().count() >= max_len {
        return Err(TopicError::TooLong(entry.to_owned()));
    }
    let malformed = || TopicError::Malformed(entry.to_owned());
    if entry.is_empty() || entry.chars().any(char::is_whitespace) {
        return Err(malformed());
    }
    let Some((prefix, leaves)) = entry.split_once('?') else {
        if entry.split('.').any(str::is_empty) {
            return Err(malformed());
        }
        return Ok(vec![entry.to_owned()]);
    };
    if prefix.is_empty() || prefix.split('.').any(str::is_empty) {
        return Err(malformed());
    }
    let mut out = Vec::new();
    for leaf in leaves.split('&') {
        if leaf.is_empty() || leaf.contains(['?', '.']) {
            return Err(malformed());
        }
        let topic = format!("{prefix}.{leaf}");
        if topic.chars().count() >= max_len {
            return Err(TopicError::TooLong(topic));
        }
        if !out.contains(&topic) {
            out.push(topic);
        }
    }
    Ok(out)
}

/// Glob match where `*` matches any run of characters (dots included).
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    // Iterative matcher with single-star backtracking: linear in practice, no recursion.
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The kind of a topic, used by the event generator: its template with `{id}` placeholders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TopicKind {
    UserPresence,
    UserRoutingStatus,
    UserActivity,
    UserConversations,
    UserConversationSummary,
    UserGeolocation,
    UserStation,
    UserOutOfOffice,
    UserIntegrationPresence,
    UserCallForwarding,
    UserVoicemailMessages,
    UserAdherence,
    UserSchedules,
    UserAggregates,
    /// `v2.users.{id}.conversations.{media}`.
    UserMedia(Media),
    QueueConversations,
    /// `v2.routing.queues.{id}.conversations.{media}`.
    QueueMedia(Media),
    QueueObservations,
    QueueActivity,
    QueueUsers,
    Transcription,
    ManagementUnitAdherence,
    /// `v2.detail.events.conversation.{id}.{event}`.
    Detail(DetailEvent),
    AgentState,
    Other,
}

/// The media type of a per-media conversation topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Media {
    Calls,
    Callbacks,
    Chats,
    Emails,
    Messages,
}

/// The event of a conversation detail-event topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DetailEvent {
    AcdStart,
    AcdEnd,
    Acw,
    Attributes,
    Contact,
    CustomerStart,
    CustomerEnd,
    FlowStart,
    FlowEnd,
    FlowOutcome,
    Outbound,
    UserStart,
    UserEnd,
    VoicemailStart,
    VoicemailEnd,
    Wrapup,
}

fn media(leaf: &str) -> Option<Media> {
    Some(match leaf {
        "calls" => Media::Calls,
        "callbacks" => Media::Callbacks,
        "chats" => Media::Chats,
        "emails" => Media::Emails,
        "messages" => Media::Messages,
        _ => return None,
    })
}

fn detail_event(rest: &[&str]) -> Option<DetailEvent> {
    Some(match rest {
        ["acd", "start"] => DetailEvent::AcdStart,
        ["acd", "end"] => DetailEvent::AcdEnd,
        ["acw"] => DetailEvent::Acw,
        ["attributes"] => DetailEvent::Attributes,
        ["contact"] => DetailEvent::Contact,
        ["customer", "start"] => DetailEvent::CustomerStart,
        ["customer", "end"] => DetailEvent::CustomerEnd,
        ["flow", "start"] => DetailEvent::FlowStart,
        ["flow", "end"] => DetailEvent::FlowEnd,
        ["flow", "outcome"] => DetailEvent::FlowOutcome,
        ["outbound"] => DetailEvent::Outbound,
        ["user", "start"] => DetailEvent::UserStart,
        ["user", "end"] => DetailEvent::UserEnd,
        ["voicemail", "start"] => DetailEvent::VoicemailStart,
        ["voicemail", "end"] => DetailEvent::VoicemailEnd,
        ["wrapup"] => DetailEvent::Wrapup,
        _ => return None,
    })
}

/// Classifies a concrete topic name and returns its kind and first id segment.
pub(crate) fn classify(topic: &str) -> (TopicKind, &str) {
    let parts: Vec<&str> = topic.split('.').collect();
    match parts.as_slice() {
        ["v2", "users", id, "presence"] => (TopicKind::UserPresence, *id),
        ["v2", "users", id, "routingStatus"] => (TopicKind::UserRoutingStatus, *id),
        ["v2", "users", id, "activity"] => (TopicKind::UserActivity, *id),
        ["v2", "users", id, "conversations"] => (TopicKind::UserConversations, *id),
        ["v2", "users", id, "conversationsummary"] => (TopicKind::UserConversationSummary, *id),
        ["v2", "users", id, "geolocation"] => (TopicKind::UserGeolocation, *id),
        ["v2", "users", id, "station"] => (TopicKind::UserStation, *id),
        ["v2", "users", id, "outofoffice"] => (TopicKind::UserOutOfOffice, *id),
        ["v2", "users", id, "integrationpresence"] => (TopicKind::UserIntegrationPresence, *id),
        ["v2", "users", id, "callforwarding"] => (TopicKind::UserCallForwarding, *id),
        ["v2", "users", id, "voicemail", "messages"] => (TopicKind::UserVoicemailMessages, *id),
        ["v2", "users", id, "workforcemanagement", "adherence"] => (TopicKind::UserAdherence, *id),
        ["v2", "users", id, "workforcemanagement", "schedules"] => (TopicKind::UserSchedules, *id),
        ["v2", "users", id, "conversations", leaf] => match media(leaf) {
            Some(m) => (TopicKind::UserMedia(m), *id),
            None => (TopicKind::Other, ""),
        },
        ["v2", "routing", "queues", id, "conversations"] => (TopicKind::QueueConversations, *id),
        ["v2", "routing", "queues", id, "conversations", leaf] => match media(leaf) {
            Some(m) => (TopicKind::QueueMedia(m), *id),
            None => (TopicKind::Other, ""),
        },
        ["v2", "routing", "queues", id, "users"] => (TopicKind::QueueUsers, *id),
        ["v2", "analytics", "queues", id, "observations"] => (TopicKind::QueueObservations, *id),
        ["v2", "analytics", "queues", id, "activity"] => (TopicKind::QueueActivity, *id),
        ["v2", "analytics", "users", id, "aggregates"] => (TopicKind::UserAggregates, *id),
        ["v2", "conversations", id, "transcription"] => (TopicKind::Transcription, *id),
        [
            "v2",
            "workforcemanagement",
            "managementunits",
            id,
            "adherence",
        ] => (TopicKind::ManagementUnitAdherence, *id),
        ["v2", "detail", "events", "agent", id, "state"] => (TopicKind::AgentState, *id),
        ["v2", "detail", "events", "conversation", id, rest @ ..] => match detail_event(rest) {
            Some(e) => (TopicKind::Detail(e), *id),
            None => (TopicKind::Other, ""),
        },
        _ => (TopicKind::Other, ""),
    }
}

/// `GET /api/v2/notifications/availabletopics`: a small, realistic catalogue.
pub(crate) fn catalogue() -> Value {
    let entry = |id: &str, description: &str, permissions: &[&str], current_user: bool| {
        json!({
            "id": id,
            "description": description,
            "requiresPermissions": permissions,
            "permissionDetails": permissions.iter().map(|p| json!({
                "type": "permission", "permissions": [p], "allowsCurrentUser": current_user
            })).collect::<Vec<_>>(),
            "requiresCurrentUser": false,
            "requiresCurrentUserOrPermission": current_user,
            "enforced": true,
            "visibility": "Public",
            "transports": ["All"],
            "publicApiTemplateUriPaths": [],
            "topicParameters": ["id"],
            "schema": {"type": "object"},
        })
    };
    json!({
        "entities": [
            entry("v2.users.{id}.presence", "User presence changes", &[], true),
            entry("v2.users.{id}.routingStatus", "User routing status changes", &["routing:agent:view"], true),
            entry("v2.users.{id}.activity", "User activity: presence, routing status, queues", &["routing:agent:view"], true),
            entry("v2.users.{id}.conversations", "Conversations of a user", &["conversation:communication:view"], true),
            entry("v2.routing.queues.{id}.conversations", "Conversations in a queue", &["routing:queue:view"], false),
            entry("v2.analytics.queues.{id}.observations", "Real-time queue observations", &["analytics:queueObservation:view"], false),
            entry("v2.routing.queues.{id}.users", "Queue membership and agent status", &["routing:queueMember:view"], false),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_combined_topics() {
        assert_eq!(
            expand("v2.users.u1?presence&routingStatus", 200),
            Ok(vec![
                "v2.users.u1.presence".to_owned(),
                "v2.users.u1.routingStatus".to_owned()
            ])
        );
        assert_eq!(
            expand("v2.users.u1.presence", 200),
            Ok(vec!["v2.users.u1.presence".to_owned()])
        );
        assert_eq!(
            expand("v2.users.u1?presence&presence", 200).map(|v| v.len()),
            Ok(1)
        );
    }

    #[test]
    fn rejects_malformed_and_long_topics() {
        for bad in [
            "",
            "v2..x",
            "?a",
            "v2.users?",
            "v2.users?a&&b",
            "v2 users",
            "v2.users?a.b",
        ] {
            assert!(
                matches!(expand(bad, 200), Err(TopicError::Malformed(_))),
                "{bad:?}"
            );
        }
        let long = format!("v2.users.{}", "x".repeat(191));
        assert_eq!(long.len(), 200);
        assert!(matches!(expand(&long, 200), Err(TopicError::TooLong(_))));
        assert!(expand(&long[..199], 200).is_ok());
        // An expansion that reaches the limit is refused too.
        let prefix = format!("v2.{}", "y".repeat(190));
        assert!(matches!(
            expand(&format!("{prefix}?abcdefgh"), 200),
            Err(TopicError::TooLong(_))
        ));
    }

    #[test]
    fn glob_matches_stars() {
        assert!(glob_match(
            "v2.analytics.*",
            "v2.analytics.queues.q.observations"
        ));
        assert!(glob_match(
            "v2.users.*.conversations",
            "v2.users.u1.conversations"
        ));
        assert!(!glob_match(
            "v2.users.*.conversations",
            "v2.users.u1.presence"
        ));
        assert!(glob_match("*", ""));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
    }

    #[test]
    fn classifies_known_topics() {
        assert_eq!(
            classify("v2.users.u1.presence"),
            (TopicKind::UserPresence, "u1")
        );
        assert_eq!(
            classify("v2.analytics.queues.q.observations"),
            (TopicKind::QueueObservations, "q")
        );
        assert_eq!(
            classify("v2.routing.queues.q.users"),
            (TopicKind::QueueUsers, "q")
        );
        assert_eq!(
            classify("v2.routing.queues.q.conversations.emails"),
            (TopicKind::QueueMedia(Media::Emails), "q")
        );
        assert_eq!(
            classify("v2.detail.events.conversation.c.flow.outcome"),
            (TopicKind::Detail(DetailEvent::FlowOutcome), "c")
        );
        assert_eq!(
            classify("v2.users.u.workforcemanagement.schedules"),
            (TopicKind::UserSchedules, "u")
        );
        assert_eq!(
            classify("v2.users.u.conversations.faxes").0,
            TopicKind::Other
        );
        assert_eq!(
            classify("v2.detail.events.conversation.c.acd").0,
            TopicKind::Other
        );
        assert_eq!(classify("v2.other"), (TopicKind::Other, ""));
    }
}
