//! Types shared by several topic families.

use serde::Deserialize;

/// Part of the event body of `v2.routing.queues.{id}.users`, `v2.users.{id}.callforwarding`,
/// `v2.users.{id}.outofoffice`, `v2.users.{id}.station` and 4 more topics.
///
/// Same shape as the SDK models `CallForwardingEventUser`, `OutOfOfficeEventUser`,
/// `QueueUserEventTopicUserReference`, `UserStationChangeTopicUser`,
/// `VoicemailMessagesTopicOwner`, `WfmAgentScheduleUpdateTopicUserReference`,
/// `WfmUserScheduleAdherenceUpdatedMuTopicQueueReference`,
/// `WfmUserScheduleAdherenceUpdatedMuTopicSecondaryPresenceReference`,
/// `WfmUserScheduleAdherenceUpdatedMuTopicUserReference`,
/// `WfmUserScheduleAdherenceUpdatedTopicQueueReference`,
/// `WfmUserScheduleAdherenceUpdatedTopicSecondaryPresenceReference`,
/// `WfmUserScheduleAdherenceUpdatedTopicUserReference`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct IdReference {
    /// Id.
    pub id: Option<String>,
}

/// A UriReference for a resource.
///
/// Same shape as the SDK models `ConversationCallEventTopicUriReference`,
/// `ConversationCallbackEventTopicUriReference`, `ConversationChatEventTopicUriReference`,
/// `ConversationEmailEventTopicUriReference`, `ConversationEventTopicUriReference`,
/// `ConversationMessageEventTopicUriReference`, `QueueConversationCallEventTopicUriReference`,
/// `QueueConversationCallbackEventTopicUriReference`,
/// `QueueConversationChatEventTopicUriReference`,
/// `QueueConversationEmailEventTopicUriReference`, `QueueConversationEventTopicUriReference`,
/// `QueueConversationMessageEventTopicUriReference`,
/// `WfmUserScheduleAdherenceUpdatedMuTopicUriReference`,
/// `WfmUserScheduleAdherenceUpdatedTopicUriReference`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UriReference {
    /// The ID of the resource.
    pub id: Option<String>,
    /// The name of the resource.
    pub name: Option<String>,
}

string_enum! {
    /// Routing status of a user (`OFF_QUEUE`, `IDLE`, ...).
    RoutingState {
        /// `OFF_QUEUE`
        OffQueue = "OFF_QUEUE",
        /// `IDLE`
        Idle = "IDLE",
        /// `INTERACTING`
        Interacting = "INTERACTING",
        /// `NOT_RESPONDING`
        NotResponding = "NOT_RESPONDING",
        /// `COMMUNICATING`
        Communicating = "COMMUNICATING",
        /// `__EMPTY__`
        Empty = "__EMPTY__",
        /// `OFFLINE`
        Offline = "OFFLINE",
    }
}
