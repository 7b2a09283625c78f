//! Bodies of the detail events (`v2.detail.events.*`). Their instants arrive as epoch
//! milliseconds and decode to [`Timestamp`](super::Timestamp).

use std::collections::HashMap;

use serde::Deserialize;

use super::Timestamp;

/// The event body of `v2.detail.events.conversation.{id}.acd.end`.
///
/// Same shape as the SDK model `AcdEndDetailEventTopicAcdEndEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AcdEndEvent {
    /// Disconnect type.
    pub disconnect_type: Option<DetailDisconnectType>,
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Acd outcome.
    pub acd_outcome: Option<AcdOutcome>,
    /// Used routing.
    pub used_routing: Option<RoutingMethod>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Callback user name.
    pub callback_user_name: Option<String>,
    /// Callback numbers.
    pub callback_numbers: Option<Vec<String>>,
    /// Callback scheduled time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub callback_scheduled_time: Option<Timestamp>,
    /// Subject.
    pub subject: Option<String>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Answered user id.
    pub answered_user_id: Option<String>,
    /// Requested routings.
    pub requested_routings: Option<Vec<RoutingMethod>>,
    /// Requested routing skill ids.
    pub requested_routing_skill_ids: Option<Vec<String>>,
    /// Requested skill expression ids.
    pub requested_skill_expression_ids: Option<Vec<String>>,
    /// Requested language id.
    pub requested_language_id: Option<String>,
    /// Requested routing user ids.
    pub requested_routing_user_ids: Option<Vec<String>>,
    /// Routing priority.
    pub routing_priority: Option<i64>,
    /// Connected duration ms.
    pub connected_duration_ms: Option<i64>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
    /// Flow type.
    pub flow_type: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.acd.start`.
///
/// Same shape as the SDK model `AcdStartDetailEventTopicAcdStartEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AcdStartEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Callback user name.
    pub callback_user_name: Option<String>,
    /// Callback numbers.
    pub callback_numbers: Option<Vec<String>>,
    /// Callback scheduled time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub callback_scheduled_time: Option<Timestamp>,
    /// Subject.
    pub subject: Option<String>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
    /// Routing priority.
    pub routing_priority: Option<i64>,
    /// Requested routing skill ids.
    pub requested_routing_skill_ids: Option<Vec<String>>,
    /// Skill expression applied.
    pub skill_expression_applied: Option<bool>,
}

/// The event body of `v2.detail.events.conversation.{id}.acw`.
///
/// Same shape as the SDK model `AcwDetailEventTopicAfterCallWorkEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AfterCallWorkEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Callback user name.
    pub callback_user_name: Option<String>,
    /// Callback numbers.
    pub callback_numbers: Option<Vec<String>>,
    /// Callback scheduled time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub callback_scheduled_time: Option<Timestamp>,
    /// Subject.
    pub subject: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Wrapup code.
    pub wrapup_code: Option<String>,
    /// Wrapup notes.
    pub wrapup_notes: Option<String>,
    /// Wrapup duration ms.
    pub wrapup_duration_ms: Option<i64>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.agent.{id}.state`.
///
/// Same shape as the SDK model `AgentStateEventTopicAgentStateEventNotification`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentStateEvent {
    /// Current state.
    pub current_state: Option<AgentState>,
    /// Originating direction.
    pub originating_direction: Option<DetailDirection>,
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Session start.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub session_start: Option<Timestamp>,
    /// Current state start.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub current_state_start: Option<Timestamp>,
    /// User id.
    pub user_id: Option<String>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Requested language id.
    pub requested_language_id: Option<String>,
    /// Requested skill ids.
    pub requested_skill_ids: Option<Vec<String>>,
}

/// Part of the event body of `v2.detail.events.conversation.{id}.attributes`.
///
/// Same shape as the SDK model `AttributeDetailEventTopicCommunication`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttributeCommunication {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Id.
    pub id: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.attributes`.
///
/// Same shape as the SDK model `AttributeDetailEventTopicAttributeUpdateEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttributeUpdateEvent {
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Attributes.
    pub attributes: Option<HashMap<String, String>>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Communications.
    pub communications: Option<Vec<AttributeCommunication>>,
}

/// The event body of `v2.detail.events.conversation.{id}.contact`.
///
/// Same shape as the SDK model `ContactDetailEventTopicContactUpdateEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContactUpdateEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// External organization id.
    pub external_organization_id: Option<String>,
    /// External contact id.
    pub external_contact_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Callback user name.
    pub callback_user_name: Option<String>,
    /// Callback numbers.
    pub callback_numbers: Option<Vec<String>>,
    /// Callback scheduled time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub callback_scheduled_time: Option<Timestamp>,
    /// Subject.
    pub subject: Option<String>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Division id.
    pub division_id: Option<String>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.customer.end`.
///
/// Same shape as the SDK model `CustomerEndDetailEventTopicCustomerEndEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerEndEvent {
    /// Disconnect type.
    pub disconnect_type: Option<DetailDisconnectType>,
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// External organization id.
    pub external_organization_id: Option<String>,
    /// External contact id.
    pub external_contact_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Callback user name.
    pub callback_user_name: Option<String>,
    /// Callback numbers.
    pub callback_numbers: Option<Vec<String>>,
    /// Callback scheduled time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub callback_scheduled_time: Option<Timestamp>,
    /// Subject.
    pub subject: Option<String>,
    /// Interacting duration ms.
    pub interacting_duration_ms: Option<i64>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Division id.
    pub division_id: Option<String>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// Part of the event body of `v2.detail.events.conversation.{id}.customer.start`.
///
/// Same shape as the SDK model `CustomerStartDetailEventTopicJourneyContext`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerJourneyContext {
    /// Session id.
    pub session_id: Option<String>,
    /// Session id type.
    pub session_id_type: Option<String>,
    /// Action id.
    pub action_id: Option<String>,
    /// Action map id.
    pub action_map_id: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.customer.start`.
///
/// Same shape as the SDK model `CustomerStartDetailEventTopicCustomerStartEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerStartEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// External organization id.
    pub external_organization_id: Option<String>,
    /// External contact id.
    pub external_contact_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Callback user name.
    pub callback_user_name: Option<String>,
    /// Callback numbers.
    pub callback_numbers: Option<Vec<String>>,
    /// Callback scheduled time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub callback_scheduled_time: Option<Timestamp>,
    /// Subject.
    pub subject: Option<String>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Journey context.
    pub journey_context: Option<CustomerJourneyContext>,
    /// Division id.
    pub division_id: Option<String>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.flow.end`.
///
/// Same shape as the SDK model `FlowEndDetailEventTopicFlowEndEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct FlowEndEvent {
    /// Disconnect type.
    pub disconnect_type: Option<DetailDisconnectType>,
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Flow type.
    pub flow_type: Option<FlowType>,
    /// Exit reason.
    pub exit_reason: Option<FlowExitReason>,
    /// Transfer type.
    pub transfer_type: Option<FlowTransferType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Flow id.
    pub flow_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Flow version.
    pub flow_version: Option<String>,
    /// Connected duration ms.
    pub connected_duration_ms: Option<i64>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// Part of the event body of `v2.detail.events.conversation.{id}.flow.outcome`.
///
/// Same shape as the SDK model `FlowOutcomeDetailEventTopicFlowMilestone`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct FlowMilestone {
    /// Milestone id.
    pub milestone_id: Option<String>,
    /// Milestone time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub milestone_time: Option<Timestamp>,
}

/// The event body of `v2.detail.events.conversation.{id}.flow.outcome`.
///
/// Same shape as the SDK model `FlowOutcomeDetailEventTopicFlowOutcomeEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct FlowOutcomeEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Flow type.
    pub flow_type: Option<FlowType>,
    /// Flow outcome value.
    pub flow_outcome_value: Option<FlowOutcomeValue>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Flow id.
    pub flow_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Flow version.
    pub flow_version: Option<String>,
    /// Flow outcome id.
    pub flow_outcome_id: Option<String>,
    /// Flow outcome start time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub flow_outcome_start_time: Option<Timestamp>,
    /// Flow outcome end time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub flow_outcome_end_time: Option<Timestamp>,
    /// Flow milestones.
    pub flow_milestones: Option<Vec<FlowMilestone>>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.flow.start`.
///
/// Same shape as the SDK model `FlowStartDetailEventTopicFlowStartEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct FlowStartEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Flow type.
    pub flow_type: Option<FlowType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Flow id.
    pub flow_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Flow version.
    pub flow_version: Option<String>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.outbound`.
///
/// Same shape as the SDK model `OutboundDetailEventTopicOutboundInitEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct OutboundInitEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Outbound campaign id.
    pub outbound_campaign_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Outbound contact list id.
    pub outbound_contact_list_id: Option<String>,
    /// Outbound contact id.
    pub outbound_contact_id: Option<String>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.user.end`.
///
/// Same shape as the SDK model `UserEndDetailEventTopicUserEndEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserEndEvent {
    /// Disconnect type.
    pub disconnect_type: Option<DetailDisconnectType>,
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Callback user name.
    pub callback_user_name: Option<String>,
    /// Callback numbers.
    pub callback_numbers: Option<Vec<String>>,
    /// Callback scheduled time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub callback_scheduled_time: Option<Timestamp>,
    /// Subject.
    pub subject: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Interacting duration ms.
    pub interacting_duration_ms: Option<i64>,
    /// Held duration ms.
    pub held_duration_ms: Option<i64>,
    /// Alerting duration ms.
    pub alerting_duration_ms: Option<i64>,
    /// Contacting duration ms.
    pub contacting_duration_ms: Option<i64>,
    /// Dialing duration ms.
    pub dialing_duration_ms: Option<i64>,
    /// Callback duration ms.
    pub callback_duration_ms: Option<i64>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.user.start`.
///
/// Same shape as the SDK model `UserStartDetailEventTopicUserStartEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserStartEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Callback user name.
    pub callback_user_name: Option<String>,
    /// Callback numbers.
    pub callback_numbers: Option<Vec<String>>,
    /// Callback scheduled time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub callback_scheduled_time: Option<Timestamp>,
    /// Subject.
    pub subject: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.voicemail.end`.
///
/// Same shape as the SDK model `VoicemailEndDetailEventTopicVoicemailEndEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct VoicemailEndEvent {
    /// Disconnect type.
    pub disconnect_type: Option<DetailDisconnectType>,
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Voicemail duration ms.
    pub voicemail_duration_ms: Option<i64>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.voicemail.start`.
///
/// Same shape as the SDK model `VoicemailStartDetailEventTopicVoicemailStartEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct VoicemailStartEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Division id.
    pub division_id: Option<String>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

/// The event body of `v2.detail.events.conversation.{id}.wrapup`.
///
/// Same shape as the SDK model `WrapupDetailEventTopicWrapupEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct WrapupEvent {
    /// Media type.
    pub media_type: Option<DetailMediaType>,
    /// Direction.
    pub direction: Option<DetailDirection>,
    /// Message type.
    pub message_type: Option<DetailMessageType>,
    /// Event time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub event_time: Option<Timestamp>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Participant id.
    pub participant_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Ani.
    pub ani: Option<String>,
    /// Dnis.
    pub dnis: Option<String>,
    /// Address to.
    pub address_to: Option<String>,
    /// Address from.
    pub address_from: Option<String>,
    /// Callback user name.
    pub callback_user_name: Option<String>,
    /// Callback numbers.
    pub callback_numbers: Option<Vec<String>>,
    /// Callback scheduled time.
    ///
    /// Sent as milliseconds since the Unix epoch.
    pub callback_scheduled_time: Option<Timestamp>,
    /// Subject.
    pub subject: Option<String>,
    /// Queue id.
    pub queue_id: Option<String>,
    /// Wrapup code.
    pub wrapup_code: Option<String>,
    /// Wrapup notes.
    pub wrapup_notes: Option<String>,
    /// Wrapup duration ms.
    pub wrapup_duration_ms: Option<i64>,
    /// Conversation external contact ids.
    pub conversation_external_contact_ids: Option<Vec<String>>,
    /// Conversation external organization ids.
    pub conversation_external_organization_ids: Option<Vec<String>>,
    /// Utilization label.
    pub utilization_label: Option<String>,
}

string_enum! {
    /// How an ACD segment ended (`acdOutcome` of detail events).
    AcdOutcome {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `ABANDON`
        Abandon = "ABANDON",
        /// `ANSWERED`
        Answered = "ANSWERED",
        /// `FLOW_OUT`
        FlowOut = "FLOW_OUT",
    }
}

string_enum! {
    /// The current state of an agent in `v2.detail.events.agent.{id}.state`.
    AgentState {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `ALERT`
        Alert = "ALERT",
        /// `INTERACT`
        Interact = "INTERACT",
        /// `WRAPUP`
        Wrapup = "WRAPUP",
        /// `BARGING`
        Barging = "BARGING",
        /// `CALLBACK`
        Callback = "CALLBACK",
        /// `COACHING`
        Coaching = "COACHING",
        /// `CONTACTING`
        Contacting = "CONTACTING",
        /// `CONVERTING`
        Converting = "CONVERTING",
        /// `DELAY`
        Delay = "DELAY",
        /// `DIALING`
        Dialing = "DIALING",
        /// `HOLD`
        Hold = "HOLD",
        /// `IVR`
        Ivr = "IVR",
        /// `MONITORING`
        Monitoring = "MONITORING",
        /// `PARKED`
        Parked = "PARKED",
        /// `SCHEDULED`
        Scheduled = "SCHEDULED",
        /// `SHARING`
        Sharing = "SHARING",
        /// `SYSTEM`
        System = "SYSTEM",
        /// `TRANSMITTING`
        Transmitting = "TRANSMITTING",
        /// `UPLOADING`
        Uploading = "UPLOADING",
        /// `VOICEMAIL`
        Voicemail = "VOICEMAIL",
        /// `TERMINATED`
        Terminated = "TERMINATED",
    }
}

string_enum! {
    /// Direction of a conversation in detail events (upper case).
    DetailDirection {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `INBOUND`
        Inbound = "INBOUND",
        /// `OUTBOUND`
        Outbound = "OUTBOUND",
    }
}

string_enum! {
    /// Why a participant disconnected, as detail events report it (upper case).
    DetailDisconnectType {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `ENDPOINT`
        Endpoint = "ENDPOINT",
        /// `CLIENT`
        Client = "CLIENT",
        /// `SYSTEM`
        System = "SYSTEM",
        /// `TRANSFER`
        Transfer = "TRANSFER",
        /// `ERROR`
        Error = "ERROR",
        /// `PEER`
        Peer = "PEER",
        /// `OTHER`
        Other = "OTHER",
        /// `SPAM`
        Spam = "SPAM",
        /// `TIMEOUT`
        Timeout = "TIMEOUT",
        /// `TRANSPORT_FAILURE`
        TransportFailure = "TRANSPORT_FAILURE",
        /// `CONFERENCE_TRANSFER`
        ConferenceTransfer = "CONFERENCE_TRANSFER",
        /// `CONSULT_TRANSFER`
        ConsultTransfer = "CONSULT_TRANSFER",
        /// `FORWARD_TRANSFER`
        ForwardTransfer = "FORWARD_TRANSFER",
        /// `NO_ANSWER_TRANSFER`
        NoAnswerTransfer = "NO_ANSWER_TRANSFER",
        /// `NOT_AVAILABLE_TRANSFER`
        NotAvailableTransfer = "NOT_AVAILABLE_TRANSFER",
        /// `UNCALLABLE`
        Uncallable = "UNCALLABLE",
        /// `DND_ENDPOINT`
        DndEndpoint = "DND_ENDPOINT",
        /// `DND_TRANSFER`
        DndTransfer = "DND_TRANSFER",
        /// `INACTIVITY`
        Inactivity = "INACTIVITY",
        /// `SESSION_EXPIRED`
        SessionExpired = "SESSION_EXPIRED",
        /// `TAKEOVER`
        Takeover = "TAKEOVER",
    }
}

string_enum! {
    /// Media type of a conversation in detail events (upper case).
    DetailMediaType {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `VOICE`
        Voice = "VOICE",
        /// `CHAT`
        Chat = "CHAT",
        /// `EMAIL`
        Email = "EMAIL",
        /// `CALLBACK`
        Callback = "CALLBACK",
        /// `COBROWSE`
        Cobrowse = "COBROWSE",
        /// `VIDEO`
        Video = "VIDEO",
        /// `SCREENSHARE`
        Screenshare = "SCREENSHARE",
        /// `MESSAGE`
        Message = "MESSAGE",
        /// `INTERNALMESSAGE`
        Internalmessage = "INTERNALMESSAGE",
        /// `SCREENMONITORING`
        Screenmonitoring = "SCREENMONITORING",
    }
}

string_enum! {
    /// Messaging platform of a message conversation in detail events (upper case).
    DetailMessageType {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `SMS`
        Sms = "SMS",
        /// `TWITTER`
        Twitter = "TWITTER",
        /// `FACEBOOK`
        Facebook = "FACEBOOK",
        /// `LINE`
        Line = "LINE",
        /// `WHATSAPP`
        Whatsapp = "WHATSAPP",
        /// `WEBMESSAGING`
        Webmessaging = "WEBMESSAGING",
        /// `OPEN`
        Open = "OPEN",
        /// `INSTAGRAM`
        Instagram = "INSTAGRAM",
        /// `APPLE`
        Apple = "APPLE",
    }
}

string_enum! {
    /// Why a flow was exited.
    FlowExitReason {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `DISCONNECT`
        Disconnect = "DISCONNECT",
        /// `FLOW_DISCONNECT`
        FlowDisconnect = "FLOW_DISCONNECT",
        /// `FLOW_ERROR_DISCONNECT`
        FlowErrorDisconnect = "FLOW_ERROR_DISCONNECT",
        /// `TRANSFER`
        Transfer = "TRANSFER",
        /// `SESSION_EXPIRE_DISCONNECT`
        SessionExpireDisconnect = "SESSION_EXPIRE_DISCONNECT",
        /// `RECOGNITION_FAILURE_DISCONNECT`
        RecognitionFailureDisconnect = "RECOGNITION_FAILURE_DISCONNECT",
        /// `RECOGNITION_FAILURE_EXIT`
        RecognitionFailureExit = "RECOGNITION_FAILURE_EXIT",
        /// `USER_EXIT`
        UserExit = "USER_EXIT",
        /// `FLOW_EXIT`
        FlowExit = "FLOW_EXIT",
        /// `FLOW_ERROR_EXIT`
        FlowErrorExit = "FLOW_ERROR_EXIT",
    }
}

string_enum! {
    /// Result of a flow outcome.
    FlowOutcomeValue {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `SUCCESS`
        Success = "SUCCESS",
        /// `FAILURE`
        Failure = "FAILURE",
    }
}

string_enum! {
    /// How a flow transferred the conversation.
    FlowTransferType {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `ACD`
        Acd = "ACD",
        /// `USER`
        User = "USER",
        /// `NUMBER`
        Number = "NUMBER",
        /// `ACD_VOICEMAIL`
        AcdVoicemail = "ACD_VOICEMAIL",
        /// `USER_VOICEMAIL`
        UserVoicemail = "USER_VOICEMAIL",
        /// `GROUP_VOICEMAIL`
        GroupVoicemail = "GROUP_VOICEMAIL",
        /// `GROUP`
        Group = "GROUP",
        /// `FLOW`
        Flow = "FLOW",
        /// `SECURE_FLOW`
        SecureFlow = "SECURE_FLOW",
        /// `RETURN_TO_AGENT`
        ReturnToAgent = "RETURN_TO_AGENT",
    }
}

string_enum! {
    /// Type of an Architect flow.
    FlowType {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `INBOUNDCALL`
        Inboundcall = "INBOUNDCALL",
        /// `OUTBOUNDCALL`
        Outboundcall = "OUTBOUNDCALL",
        /// `INQUEUECALL`
        Inqueuecall = "INQUEUECALL",
        /// `SECURECALL`
        Securecall = "SECURECALL",
        /// `INBOUNDEMAIL`
        Inboundemail = "INBOUNDEMAIL",
        /// `SURVEYINVITE`
        Surveyinvite = "SURVEYINVITE",
        /// `INBOUNDSHORTMESSAGE`
        Inboundshortmessage = "INBOUNDSHORTMESSAGE",
        /// `INBOUNDCHAT`
        Inboundchat = "INBOUNDCHAT",
        /// `WORKFLOW`
        Workflow = "WORKFLOW",
        /// `BOT`
        Bot = "BOT",
        /// `DIGITALBOT`
        Digitalbot = "DIGITALBOT",
        /// `COMMONMODULE`
        Commonmodule = "COMMONMODULE",
        /// `INQUEUEEMAIL`
        Inqueueemail = "INQUEUEEMAIL",
        /// `INQUEUESHORTMESSAGE`
        Inqueueshortmessage = "INQUEUESHORTMESSAGE",
        /// `VOICE`
        Voice = "VOICE",
        /// `VOICEMAIL`
        Voicemail = "VOICEMAIL",
        /// `WORKITEM`
        Workitem = "WORKITEM",
        /// `VOICESURVEY`
        Voicesurvey = "VOICESURVEY",
    }
}

string_enum! {
    /// Routing method requested or used for a conversation.
    RoutingMethod {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `MANUAL`
        Manual = "MANUAL",
        /// `PREDICTIVE`
        Predictive = "PREDICTIVE",
        /// `PREFERRED`
        Preferred = "PREFERRED",
        /// `LAST`
        Last = "LAST",
        /// `BULLSEYE`
        Bullseye = "BULLSEYE",
        /// `STANDARD`
        Standard = "STANDARD",
        /// `OTHER`
        Other = "OTHER",
        /// `CONDITIONAL`
        Conditional = "CONDITIONAL",
        /// `VIP`
        Vip = "VIP",
    }
}
