//! Topic templates: parsing concrete topic names, building them, combining them, and the
//! decoded [`TopicEvent`].

use std::fmt;
use std::sync::LazyLock;

use crate::error::{Error, ErrorKind, Reason};
use crate::notification::Notification;
use crate::topic::{MAX_TOPIC_LEN, validate};

use super::*;

/// Most `.`-separated segments in a template.
const MAX_SEGMENTS: usize = 7;

/// Every template with its pattern split into segments, in [`Template::ALL`] order.
static PATTERNS: LazyLock<Vec<(Template, Vec<&'static str>)>> = LazyLock::new(|| {
    Template::ALL
        .iter()
        .map(|&t| (t, t.pattern().split('.').collect()))
        .collect()
});

/// Declares the templates once: [`Template`], [`TopicEvent`] and the decoder dispatch.
macro_rules! templates {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $pattern:literal => $body:ident { $($id:ident),* };
    )*) => {
        /// A topic template with `{id}` placeholders, one per typed topic.
        ///
        /// Its [`Display`](fmt::Display) is the template as Genesys writes it
        /// (`v2.users.{id}.presence`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Template {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\n`", $pattern, "`, body [`", stringify!($body), "`].")]
                $variant,
            )*
        }

        impl Template {
            /// Every template, the more specific first (parsing takes the first match).
            pub const ALL: &'static [Template] = &[$(Template::$variant),*];

            /// The template as Genesys writes it, e.g. `v2.users.{id}.presence`.
            pub fn pattern(self) -> &'static str {
                match self {
                    $(Template::$variant => $pattern,)*
                }
            }

            /// The names of the ids this template's topics carry, in order
            /// (`["user_id"]` for `v2.users.{id}.presence`).
            pub fn id_names(self) -> &'static [&'static str] {
                match self {
                    $(Template::$variant => &[$(stringify!($id)),*],)*
                }
            }
        }

        /// A decoded notification: its template, the ids of its topic name and its typed body.
        ///
        /// Returned by [`Notification::decode`]. `Other` carries any notification whose
        /// topic is not one of the [`Template`]s.
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        pub enum TopicEvent {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\n`", $pattern, "`.")]
                $variant {
                    $(
                        #[doc = concat!("The `", stringify!($id), "` of the topic name.")]
                        $id: String,
                    )*
                    /// The event body.
                    body: $body,
                },
            )*
            /// A topic without a typed body here, as received.
            Other(Notification),
        }

        impl TopicEvent {
            /// The template of this event; `None` for [`TopicEvent::Other`].
            pub fn template(&self) -> Option<Template> {
                match self {
                    $(TopicEvent::$variant { .. } => Some(Template::$variant),)*
                    TopicEvent::Other(_) => None,
                }
            }
        }

        fn decode_as(template: Template, ids: &TopicIds<'_>, note: &Notification)
            -> Result<TopicEvent, Error>
        {
            #[allow(unused_mut, unused_variables)]
            let mut next = ids.iter().map(str::to_owned);
            Ok(match template {
                $(
                    Template::$variant => TopicEvent::$variant {
                        $($id: next.next().unwrap_or_default(),)*
                        body: super::strict::from_str(note.body_raw())
                            .map_err(|e| note.body_error(e))?,
                    },
                )*
            })
        }
    };
}

templates! {
    /// A user's presence.
    UserPresence = "v2.users.{id}.presence" => UserPresence { user_id };
    /// A user's routing status.
    UserRoutingStatus = "v2.users.{id}.routingStatus" => UserRoutingStatus { user_id };
    /// A user's activity: presence, routing status, out of office and active queues together.
    UserActivity = "v2.users.{id}.activity" => AgentActivity { user_id };
    /// The conversations of a user, all media types.
    UserConversations = "v2.users.{id}.conversations" => Conversation { user_id };
    /// Counts of a user's conversations per media type.
    UserConversationSummary = "v2.users.{id}.conversationsummary"
        => UserConversationSummary { user_id };
    /// A user's location.
    UserGeolocation = "v2.users.{id}.geolocation" => Geolocation { user_id };
    /// A user's associated station.
    UserStation = "v2.users.{id}.station" => UserStations { user_id };
    /// A user's out-of-office setting.
    UserOutOfOffice = "v2.users.{id}.outofoffice" => OutOfOffice { user_id };
    /// A user's integration presence.
    UserIntegrationPresence = "v2.users.{id}.integrationpresence"
        => PresenceActivityEvent { user_id };
    /// A user's call forwarding.
    UserCallForwarding = "v2.users.{id}.callforwarding" => CallForwarding { user_id };
    /// A user's voicemail messages.
    UserVoicemailMessages = "v2.users.{id}.voicemail.messages" => VoicemailMessage { user_id };
    /// A user's schedule adherence.
    UserAdherence = "v2.users.{id}.workforcemanagement.adherence"
        => UserScheduleAdherenceUpdate { user_id };
    /// A user's schedule updates.
    UserSchedules = "v2.users.{id}.workforcemanagement.schedules"
        => AgentScheduleUpdateNotification { user_id };
    /// A user's call conversations.
    UserCalls = "v2.users.{id}.conversations.calls" => CallConversation { user_id };
    /// A user's callback conversations.
    UserCallbacks = "v2.users.{id}.conversations.callbacks" => CallbackConversation { user_id };
    /// A user's chat conversations.
    UserChats = "v2.users.{id}.conversations.chats" => ChatConversation { user_id };
    /// A user's email conversations.
    UserEmails = "v2.users.{id}.conversations.emails" => EmailConversation { user_id };
    /// A user's message conversations.
    UserMessages = "v2.users.{id}.conversations.messages" => MessageConversation { user_id };
    /// The conversations of a queue, all media types.
    QueueConversations = "v2.routing.queues.{id}.conversations" => Conversation { queue_id };
    /// A queue's call conversations.
    QueueCalls = "v2.routing.queues.{id}.conversations.calls" => CallConversation { queue_id };
    /// A queue's callback conversations.
    QueueCallbacks = "v2.routing.queues.{id}.conversations.callbacks"
        => CallbackConversation { queue_id };
    /// A queue's chat conversations.
    QueueChats = "v2.routing.queues.{id}.conversations.chats" => ChatConversation { queue_id };
    /// A queue's email conversations.
    QueueEmails = "v2.routing.queues.{id}.conversations.emails" => EmailConversation { queue_id };
    /// A queue's message conversations.
    QueueMessages = "v2.routing.queues.{id}.conversations.messages"
        => MessageConversation { queue_id };
    /// A queue's members joining, leaving or changing.
    QueueUsers = "v2.routing.queues.{id}.users" => QueueMember { queue_id };
    /// A queue's real-time observations.
    QueueObservations = "v2.analytics.queues.{id}.observations" => StatsNotification { queue_id };
    /// A queue's observation counts.
    QueueActivity = "v2.analytics.queues.{id}.activity" => ObservationCountNotification { queue_id };
    /// A user's real-time aggregates.
    UserAggregates = "v2.analytics.users.{id}.aggregates" => StatsNotification { user_id };
    /// A conversation's transcription.
    ConversationTranscription = "v2.conversations.{id}.transcription"
        => TranscriptionMessage { conversation_id };
    /// A management unit's schedule adherence.
    ManagementUnitAdherence = "v2.workforcemanagement.managementunits.{id}.adherence"
        => UserScheduleAdherenceUpdate { management_unit_id };
    /// Detail event: an ACD segment ended.
    DetailAcdEnd = "v2.detail.events.conversation.{id}.acd.end" => AcdEndEvent { conversation_id };
    /// Detail event: an ACD segment started.
    DetailAcdStart = "v2.detail.events.conversation.{id}.acd.start"
        => AcdStartEvent { conversation_id };
    /// Detail event: after-call work.
    DetailAcw = "v2.detail.events.conversation.{id}.acw" => AfterCallWorkEvent { conversation_id };
    /// Detail event: conversation attributes updated.
    DetailAttributes = "v2.detail.events.conversation.{id}.attributes"
        => AttributeUpdateEvent { conversation_id };
    /// Detail event: contact updated.
    DetailContact = "v2.detail.events.conversation.{id}.contact"
        => ContactUpdateEvent { conversation_id };
    /// Detail event: a customer segment ended.
    DetailCustomerEnd = "v2.detail.events.conversation.{id}.customer.end"
        => CustomerEndEvent { conversation_id };
    /// Detail event: a customer segment started.
    DetailCustomerStart = "v2.detail.events.conversation.{id}.customer.start"
        => CustomerStartEvent { conversation_id };
    /// Detail event: a flow ended.
    DetailFlowEnd = "v2.detail.events.conversation.{id}.flow.end"
        => FlowEndEvent { conversation_id };
    /// Detail event: a flow outcome.
    DetailFlowOutcome = "v2.detail.events.conversation.{id}.flow.outcome"
        => FlowOutcomeEvent { conversation_id };
    /// Detail event: a flow started.
    DetailFlowStart = "v2.detail.events.conversation.{id}.flow.start"
        => FlowStartEvent { conversation_id };
    /// Detail event: an outbound conversation started.
    DetailOutbound = "v2.detail.events.conversation.{id}.outbound"
        => OutboundInitEvent { conversation_id };
    /// Detail event: a user segment ended.
    DetailUserEnd = "v2.detail.events.conversation.{id}.user.end"
        => UserEndEvent { conversation_id };
    /// Detail event: a user segment started.
    DetailUserStart = "v2.detail.events.conversation.{id}.user.start"
        => UserStartEvent { conversation_id };
    /// Detail event: a voicemail ended.
    DetailVoicemailEnd = "v2.detail.events.conversation.{id}.voicemail.end"
        => VoicemailEndEvent { conversation_id };
    /// Detail event: a voicemail started.
    DetailVoicemailStart = "v2.detail.events.conversation.{id}.voicemail.start"
        => VoicemailStartEvent { conversation_id };
    /// Detail event: wrap-up.
    DetailWrapup = "v2.detail.events.conversation.{id}.wrapup" => WrapupEvent { conversation_id };
    /// Detail event: an agent's state changed.
    AgentState = "v2.detail.events.agent.{id}.state" => AgentStateEvent { user_id };
    /// The service will close the socket for maintenance. Like every `v2.system.*` frame,
    /// the channel acts on it and never yields it.
    SocketClosing = "v2.system.socket_closing" => SystemMessage {};
    /// A channel is no longer subscribed (a control frame the channel acts on).
    NoLongerSubscribed = "v2.system.no_longer_subscribed.{id}" => SystemMessage { id };
    /// A token was revoked (a control frame the channel acts on).
    TokenRevoked = "v2.system.token_revoked.{id}" => SystemMessage { id };
    /// Any other two-segment system topic (a control frame the channel logs).
    System = "v2.system.{id}.{id}" => SystemMessage { kind, id };
    /// The subscriptions of a channel changed.
    SubscriptionUpdated = "v2.subscription.updated" => SystemMessage {};
}

impl Template {
    /// Finds the template of a concrete topic name and its ids: `v2.users.42.presence` is
    /// [`Template::UserPresence`] with the id `42`. Fixed segments match regardless of ASCII
    /// case (as the SDKs match them); ids are kept as written. `None` when no template fits
    /// (including combined topics: [`topic::expand`](crate::topic::expand) them first).
    pub fn parse(topic: &str) -> Option<(Template, TopicIds<'_>)> {
        let mut segments = [""; MAX_SEGMENTS];
        let mut count = 0;
        for segment in topic.split('.') {
            if count == MAX_SEGMENTS || segment.is_empty() {
                return None;
            }
            segments[count] = segment;
            count += 1;
        }
        let segments = &segments[..count];
        let fits = |pattern: &str, segment: &str| {
            pattern == "{id}" || pattern.eq_ignore_ascii_case(segment)
        };
        PATTERNS.iter().find_map(|(template, pattern)| {
            // Cheap rejections first: the number of segments, then the last one.
            if pattern.len() != count || !fits(pattern[count - 1], segments[count - 1]) {
                return None;
            }
            let mut ids = TopicIds::default();
            for (&p, &segment) in pattern.iter().zip(segments) {
                if p == "{id}" {
                    ids.push(segment);
                } else if !p.eq_ignore_ascii_case(segment) {
                    return None;
                }
            }
            Some((*template, ids))
        })
    }

    /// Builds the concrete topic name from its ids, in the order of [`Template::id_names`].
    ///
    /// # Errors
    ///
    /// A [`Reason::InvalidTopic`] error when the number of ids is wrong, an id is empty or
    /// contains `.`, `?`, `&` or whitespace, or the topic is 200 characters or longer.
    pub fn build(self, ids: &[&str]) -> Result<String, Error> {
        let bad = |why: String| {
            Err(Error::new(ErrorKind::Subscription, Reason::InvalidTopic)
                .with_message(format!("{}: {why}", self.pattern())))
        };
        if ids.len() != self.id_names().len() {
            return bad(format!(
                "needs {} id(s), got {}",
                self.id_names().len(),
                ids.len()
            ));
        }
        if let Some(id) = ids.iter().find(|id| {
            id.is_empty() || id.contains(['.', '?', '&']) || id.contains(char::is_whitespace)
        }) {
            return bad(format!("invalid id {id:?}"));
        }
        let mut ids = ids.iter();
        let mut topic = String::with_capacity(self.pattern().len() + 40);
        for (i, segment) in self.pattern().split('.').enumerate() {
            if i > 0 {
                topic.push('.');
            }
            match segment {
                "{id}" => topic.push_str(ids.next().copied().unwrap_or_default()),
                fixed => topic.push_str(fixed),
            }
        }
        validate(&topic)?;
        Ok(topic)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.pattern())
    }
}

/// Error of parsing a [`Template`] from its pattern text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownTemplate(String);

impl fmt::Display for UnknownTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown topic template {:?}", self.0)
    }
}

impl std::error::Error for UnknownTemplate {}

impl std::str::FromStr for Template {
    type Err = UnknownTemplate;

    /// Parses a template from its pattern (`v2.users.{id}.presence`, any ASCII case) or its
    /// variant name (`UserPresence`).
    fn from_str(s: &str) -> Result<Template, UnknownTemplate> {
        Template::ALL
            .iter()
            .copied()
            .find(|t| t.pattern().eq_ignore_ascii_case(s) || format!("{t:?}") == s)
            .ok_or_else(|| UnknownTemplate(s.to_owned()))
    }
}

/// The ids found in a topic name by [`Template::parse`], in order (at most two).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TopicIds<'a> {
    ids: [&'a str; 2],
    len: usize,
}

impl<'a> TopicIds<'a> {
    fn push(&mut self, id: &'a str) {
        if let Some(slot) = self.ids.get_mut(self.len) {
            *slot = id;
            self.len += 1;
        }
    }

    /// The ids as a slice.
    pub fn as_slice(&self) -> &[&'a str] {
        &self.ids[..self.len]
    }

    /// The id at `index`.
    pub fn get(&self, index: usize) -> Option<&'a str> {
        self.as_slice().get(index).copied()
    }

    /// Iterates over the ids.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.as_slice().iter().copied()
    }
}

/// Folds individual topics that differ only in their last segment into combined topics
/// (`v2.users.42?presence&routingStatus`), in order of first appearance, each shorter than
/// 200 characters; a topic alone under its prefix stays as it is, and duplicates are dropped.
/// [`topic::expand`](crate::topic::expand) is its inverse.
///
/// ```
/// use genesys_notifications::models::combine;
///
/// let topics = [
///     "v2.users.1.presence",
///     "v2.routing.queues.q.users",
///     "v2.users.1.routingStatus",
///     "v2.users.1.conversations.calls",
/// ];
/// assert_eq!(
///     combine(topics),
///     [
///         "v2.users.1?presence&routingStatus",
///         "v2.routing.queues.q.users",
///         "v2.users.1.conversations.calls",
///     ],
/// );
/// ```
pub fn combine<I, T>(topics: I) -> Vec<String>
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    // (prefix, leaves) in order of first appearance.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for topic in topics {
        let topic = topic.as_ref();
        let (prefix, leaf) = match topic.rsplit_once('.') {
            Some((p, l)) if !topic.contains('?') => (p, l),
            _ => (topic, ""),
        };
        match groups.iter_mut().find(|(p, _)| p == prefix) {
            Some((_, leaves)) if !leaves.iter().any(|l| l == leaf) => leaves.push(leaf.to_owned()),
            Some(_) => {}
            None => groups.push((prefix.to_owned(), vec![leaf.to_owned()])),
        }
    }
    let mut out = Vec::new();
    for (prefix, leaves) in groups {
        if leaves.len() == 1 || leaves.iter().any(String::is_empty) {
            for leaf in leaves {
                out.push(if leaf.is_empty() {
                    prefix.clone()
                } else {
                    format!("{prefix}.{leaf}")
                });
            }
            continue;
        }
        let mut current = String::new();
        let mut count = 0;
        for leaf in leaves {
            let added = if count == 0 {
                prefix.len() + 1 + leaf.len()
            } else {
                1 + leaf.len()
            };
            if count > 0 && current.chars().count() + added >= MAX_TOPIC_LEN {
                out.push(finish(&prefix, std::mem::take(&mut current), count));
                count = 0;
            }
            if count == 0 {
                current = format!("{prefix}?{leaf}");
            } else {
                current.push('&');
                current.push_str(&leaf);
            }
            count += 1;
        }
        if count > 0 {
            out.push(finish(&prefix, current, count));
        }
    }
    out
}

/// A combined topic of one leaf is written as the plain topic.
fn finish(prefix: &str, combined: String, count: usize) -> String {
    if count == 1 {
        combined.replacen(&format!("{prefix}?"), &format!("{prefix}."), 1)
    } else {
        combined
    }
}

impl Notification {
    /// Decodes this notification into a [`TopicEvent`]: the variant of its topic's
    /// [`Template`], with the ids of the topic name and the typed body, or
    /// [`TopicEvent::Other`] (this notification) when no template fits. Nothing is decoded
    /// before this call; each call decodes again.
    ///
    /// Feature `models`.
    ///
    /// # Errors
    ///
    /// A non-fatal [`ErrorKind::Receive`] / [`Reason::InvalidMessage`] error carrying the
    /// frame ([`Error::raw_text`]) when the body is not a JSON object or a field has the wrong
    /// JSON type. Unknown fields, unknown enum values and missing fields are not errors.
    ///
    /// ```
    /// use genesys_notifications::models::{Timestamp, TopicEvent};
    /// # fn demo(note: genesys_notifications::Notification) -> Result<(), genesys_notifications::Error> {
    /// if let TopicEvent::DetailAcdEnd { conversation_id, body } = note.decode()? {
    ///     let at = body.event_time.map(Timestamp::get);
    ///     println!("{conversation_id}: ACD ended at {at:?}, {:?}", body.acd_outcome);
    /// }
    /// # Ok(()) }
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "models")))]
    pub fn decode(&self) -> Result<TopicEvent, Error> {
        let Some((template, ids)) = Template::parse(self.topic()) else {
            return Ok(TopicEvent::Other(self.clone()));
        };
        if !self.body_raw().trim_start().starts_with('{') {
            return Err(Error::new(ErrorKind::Receive, Reason::InvalidMessage)
                .non_fatal()
                .with_message(format!(
                    "event body of {} is not a JSON object",
                    self.topic()
                ))
                .with_raw(self.raw().to_owned().into()));
        }
        decode_as(template, &ids, self)
    }
}
