//! Bodies of the per-user topics (`v2.users.{id}.*`) and of `v2.routing.queues.{id}.users`.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::{
    Timestamp,
    common::{IdReference, RoutingState},
};

/// Part of the event body of `v2.users.{id}.activity`.
///
/// Same shape as the SDK model `AgentActivityChangedTopicOutOfOffice`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivityOutOfOffice {
    /// Active.
    pub active: Option<bool>,
    /// Modified date.
    pub modified_date: Option<Timestamp>,
}

/// Part of the event body of `v2.users.{id}.activity`.
///
/// Same shape as the SDK model `AgentActivityChangedTopicPresence`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivityPresence {
    /// Presence definition.
    pub presence_definition: Option<OrganizationPresence>,
    /// Presence message.
    pub presence_message: Option<String>,
    /// Modified date.
    pub modified_date: Option<Timestamp>,
}

/// The event body of `v2.users.{id}.activity`.
///
/// Same shape as the SDK model `AgentActivityChangedTopicAgentActivity`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentActivity {
    /// Id.
    pub id: Option<String>,
    /// Routing status.
    pub routing_status: Option<RoutingStatus>,
    /// Presence.
    pub presence: Option<ActivityPresence>,
    /// Out of office.
    pub out_of_office: Option<ActivityOutOfOffice>,
    /// Active queue ids.
    pub active_queue_ids: Option<Vec<String>>,
    /// Date active queues changed.
    pub date_active_queues_changed: Option<Timestamp>,
}

/// The event body of `v2.users.{id}.callforwarding`.
///
/// Same shape as the SDK model `CallForwardingEventCallForwarding`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallForwarding {
    /// User.
    pub user: Option<IdReference>,
    /// Enabled.
    pub enabled: Option<bool>,
    /// Calls.
    pub calls: Option<Vec<CallForwardingCall>>,
    /// Voicemail.
    pub voicemail: Option<String>,
    /// Modified date.
    pub modified_date: Option<Timestamp>,
}

/// Part of the event body of `v2.users.{id}.callforwarding`.
///
/// Same shape as the SDK model `CallForwardingEventCall`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallForwardingCall {
    /// Targets.
    pub targets: Option<Vec<CallForwardingTarget>>,
}

/// Part of the event body of `v2.users.{id}.callforwarding`.
///
/// Same shape as the SDK model `CallForwardingEventTarget`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallForwardingTarget {
    /// Type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Value.
    pub value: Option<String>,
}

/// The event body of `v2.users.{id}.geolocation`.
///
/// Same shape as the SDK model `GeolocationEventGeolocation`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Geolocation {
    /// User id.
    pub user_id: Option<String>,
    /// Type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// City.
    pub city: Option<String>,
}

/// Part of the event body of `v2.users.{id}.integrationpresence`.
///
/// Same shape as the SDK model `V2IntegrationPresenceEventOrganizationPresence`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct IntegrationOrganizationPresence {
    /// Id.
    pub id: Option<String>,
    /// System presence.
    pub system_presence: Option<String>,
}

/// Part of the event body of `v2.users.{id}.conversationsummary`.
///
/// Same shape as the SDK model `UserConversationsEventMediaSummary`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MediaSummary {
    /// Contact center.
    pub contact_center: Option<MediaSummaryDetail>,
    /// Enterprise.
    pub enterprise: Option<MediaSummaryDetail>,
}

/// Part of the event body of `v2.users.{id}.conversationsummary`.
///
/// Same shape as the SDK model `UserConversationsEventMediaSummaryDetail`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MediaSummaryDetail {
    /// Active.
    pub active: Option<i64>,
    /// Acw.
    pub acw: Option<i64>,
}

/// Part of the event body of `v2.users.{id}.activity`, `v2.users.{id}.presence`.
///
/// Same shape as the SDK models `AgentActivityChangedTopicOrganizationPresence`,
/// `PresenceEventOrganizationPresence`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrganizationPresence {
    /// Id.
    pub id: Option<String>,
    /// System presence.
    pub system_presence: Option<String>,
}

/// The event body of `v2.users.{id}.outofoffice`.
///
/// Same shape as the SDK model `OutOfOfficeEventOutOfOffice`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct OutOfOffice {
    /// User.
    pub user: Option<IdReference>,
    /// Active.
    pub active: Option<bool>,
    /// Indefinite.
    pub indefinite: Option<bool>,
    /// Start date.
    pub start_date: Option<Timestamp>,
    /// End date.
    pub end_date: Option<Timestamp>,
}

/// The event body of `v2.users.{id}.integrationpresence`.
///
/// Same shape as the SDK model `V2IntegrationPresenceEventPresenceActivityEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct PresenceActivityEvent {
    /// Event type.
    pub event_type: Option<PresenceEventType>,
    /// User id.
    pub user_id: Option<String>,
    /// Source.
    pub source: Option<String>,
    /// Modified date.
    pub modified_date: Option<Timestamp>,
    /// Presence definition.
    pub presence_definition: Option<IntegrationOrganizationPresence>,
    /// Message.
    pub message: Option<String>,
    /// Current display source id.
    pub current_display_source_id: Option<String>,
    /// Previous display source id.
    pub previous_display_source_id: Option<String>,
    /// Future presence definition.
    pub future_presence_definition: Option<IntegrationOrganizationPresence>,
}

/// The event body of `v2.routing.queues.{id}.users`.
///
/// Same shape as the SDK model `QueueUserEventTopicQueueMember`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct QueueMember {
    /// Id.
    pub id: Option<String>,
    /// User.
    pub user: Option<IdReference>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Joined.
    pub joined: Option<bool>,
    /// Additional properties.
    pub additional_properties: Option<HashMap<String, Value>>,
}

/// Part of the event body of `v2.users.{id}.activity`, `v2.users.{id}.routingStatus`.
///
/// Same shape as the SDK models `AgentActivityChangedTopicRoutingStatus`,
/// `UserRoutingStatusRoutingStatus`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct RoutingStatus {
    /// Indicates the Routing State of the agent.
    pub status: Option<RoutingState>,
    /// The timestamp when the agent went into this state.
    pub start_time: Option<Timestamp>,
}

/// Error information that the Public API will receive in a response body. This allows backend
/// services to pass an error message to consumers of the Public API.
///
/// Same shape as the SDK model `UserRoutingStatusErrorInfo`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct RoutingStatusErrorInfo {
    /// A code unique to this error. Typically prefixed with the service that originated the
    /// error. For example CONFIG_USER_NOT_FOUND.
    pub error_code: Option<String>,
    /// The HTTP status code for this message. If left blank the status code from the HTTP
    /// response is used.
    pub status: Option<i64>,
    /// The correlation Id or context Id for this message. If left blank the Public API will
    /// look at the HTTP response header 'ININ-Correlation-Id' instead.
    pub correlation_id: Option<String>,
    /// A customer friendly message. This should be a complete sentence, use proper grammar and
    /// only include information useful to a customer. This is not a dev message and should not
    /// include things like Org Id.
    pub user_message: Option<String>,
    /// This is the same as userMessage except it uses template fields for variable
    /// replacement. For instance: 'User {username} was not found'.
    pub user_params_message: Option<String>,
    /// Used in conjunction with userParamsMessage. These are the template parameters. For
    /// instance: UserParam.key = 'username', UserParam.value = 'chuck.pulfer'.
    pub user_params: Option<Vec<RoutingStatusUserParam>>,
}

/// Part of the event body of `v2.users.{id}.routingStatus`.
///
/// Same shape as the SDK model `UserRoutingStatusUserParam`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct RoutingStatusUserParam {
    /// Key.
    pub key: Option<String>,
    /// Value.
    pub value: Option<String>,
    /// Additional properties.
    pub additional_properties: Option<HashMap<String, Value>>,
}

/// The event body of `v2.users.{id}.conversationsummary`.
///
/// Same shape as the SDK model `UserConversationsEventUserConversationSummary`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserConversationSummary {
    /// User id.
    pub user_id: Option<String>,
    /// Call.
    pub call: Option<MediaSummary>,
    /// Callback.
    pub callback: Option<MediaSummary>,
    /// Email.
    pub email: Option<MediaSummary>,
    /// Message.
    pub message: Option<MediaSummary>,
    /// Chat.
    pub chat: Option<MediaSummary>,
    /// Social expression.
    pub social_expression: Option<MediaSummary>,
    /// Video.
    pub video: Option<MediaSummary>,
}

/// The event body of `v2.users.{id}.presence`.
///
/// Same shape as the SDK model `PresenceEventUserPresence`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserPresence {
    /// Source.
    pub source: Option<String>,
    /// Presence definition.
    pub presence_definition: Option<OrganizationPresence>,
    /// Primary.
    pub primary: Option<bool>,
    /// Message.
    pub message: Option<String>,
    /// Modified date.
    pub modified_date: Option<Timestamp>,
    /// Future presence definition.
    pub future_presence_definition: Option<OrganizationPresence>,
}

/// The event body of `v2.users.{id}.routingStatus`.
///
/// Same shape as the SDK model `UserRoutingStatusUserRoutingStatus`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserRoutingStatus {
    /// The unique identifier of the user.
    pub id: Option<String>,
    /// Routing status.
    pub routing_status: Option<RoutingStatus>,
    /// Error info.
    pub error_info: Option<RoutingStatusErrorInfo>,
}

/// Part of the event body of `v2.users.{id}.station`.
///
/// Same shape as the SDK model `UserStationChangeTopicUserStation`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserStation {
    /// Id.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Associated user.
    pub associated_user: Option<IdReference>,
}

/// The event body of `v2.users.{id}.station`.
///
/// Same shape as the SDK model `UserStationChangeTopicUserStations`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserStations {
    /// Associated station.
    pub associated_station: Option<UserStation>,
}

/// Part of the event body of `v2.users.{id}.voicemail.messages`.
///
/// Same shape as the SDK model `VoicemailMessagesTopicVoicemailCopyRecord`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct VoicemailCopyRecord {
    /// User.
    pub user: Option<IdReference>,
    /// Group.
    pub group: Option<IdReference>,
}

/// The event body of `v2.users.{id}.voicemail.messages`.
///
/// Same shape as the SDK model `VoicemailMessagesTopicVoicemailMessage`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct VoicemailMessage {
    /// Id.
    pub id: Option<String>,
    /// Read.
    pub read: Option<bool>,
    /// Audio recording duration seconds.
    pub audio_recording_duration_seconds: Option<i64>,
    /// Audio recording size bytes.
    pub audio_recording_size_bytes: Option<i64>,
    /// Created date.
    pub created_date: Option<Timestamp>,
    /// Modified date.
    pub modified_date: Option<Timestamp>,
    /// Created date string.
    pub created_date_string: Option<String>,
    /// Caller address.
    pub caller_address: Option<String>,
    /// Caller name.
    pub caller_name: Option<String>,
    /// Action.
    pub action: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Deleted.
    pub deleted: Option<bool>,
    /// Modified by user id.
    pub modified_by_user_id: Option<String>,
    /// Copied to.
    pub copied_to: Option<Vec<VoicemailCopyRecord>>,
    /// Copied from.
    pub copied_from: Option<VoicemailCopyRecord>,
    /// Modified date string.
    pub modified_date_string: Option<String>,
}

string_enum! {
    /// Kind of integration presence change.
    PresenceEventType {
        /// `UserPresenceStatusChanged`
        UserPresenceStatusChanged = "UserPresenceStatusChanged",
        /// `UserPrimaryPresenceSourceChanged`
        UserPrimaryPresenceSourceChanged = "UserPrimaryPresenceSourceChanged",
    }
}
