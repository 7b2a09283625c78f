//! Bodies of the conversation topics: `v2.users.{id}.conversations`,
//! `v2.routing.queues.{id}.conversations` and their per-media variants (`.calls`,
//! `.callbacks`, `.chats`, `.emails`, `.messages`).

use std::collections::HashMap;

use serde::Deserialize;

use super::{Timestamp, common::UriReference};

/// Defines a per-media participant type: the fields every media type shares (in the SDK
/// models' order), then those of its own.
macro_rules! media_participant {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Deserialize)]
        #[serde(default, rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct $name {
            /// State.
            pub state: Option<CommunicationState>,
            /// Initial state.
            pub initial_state: Option<CommunicationState>,
            /// Direction.
            pub direction: Option<Direction>,
            /// Disconnect type.
            pub disconnect_type: Option<DisconnectType>,
            /// Flagged reason.
            pub flagged_reason: Option<FlaggedReason>,
            /// Id.
            pub id: Option<String>,
            /// Name.
            pub name: Option<String>,
            /// Address.
            pub address: Option<String>,
            /// Start time.
            pub start_time: Option<Timestamp>,
            /// Connected time.
            pub connected_time: Option<Timestamp>,
            /// End time.
            pub end_time: Option<Timestamp>,
            /// Start hold time.
            pub start_hold_time: Option<Timestamp>,
            /// Purpose.
            pub purpose: Option<String>,
            /// Held.
            pub held: Option<bool>,
            /// Wrapup required.
            pub wrapup_required: Option<bool>,
            /// Wrapup prompt.
            pub wrapup_prompt: Option<String>,
            /// User.
            pub user: Option<UriReference>,
            /// Queue.
            pub queue: Option<UriReference>,
            /// Team.
            pub team: Option<UriReference>,
            /// Attributes.
            pub attributes: Option<HashMap<String, String>>,
            /// Error info.
            pub error_info: Option<ErrorBody>,
            /// Script.
            pub script: Option<UriReference>,
            /// Wrapup timeout ms.
            pub wrapup_timeout_ms: Option<i64>,
            /// Wrapup skipped.
            pub wrapup_skipped: Option<bool>,
            /// Alerting timeout ms.
            pub alerting_timeout_ms: Option<i64>,
            /// Provider.
            pub provider: Option<String>,
            /// External contact.
            pub external_contact: Option<UriReference>,
            /// External contact initial division id.
            pub external_contact_initial_division_id: Option<String>,
            /// External organization.
            pub external_organization: Option<UriReference>,
            /// Wrapup.
            pub wrapup: Option<Wrapup>,
            /// Conversation routing data.
            pub conversation_routing_data: Option<ConversationRoutingData>,
            /// Peer.
            pub peer: Option<String>,
            /// Screen recording state.
            pub screen_recording_state: Option<String>,
            /// Journey context.
            pub journey_context: Option<JourneyContext>,
            /// Start acw time.
            pub start_acw_time: Option<Timestamp>,
            /// End acw time.
            pub end_acw_time: Option<Timestamp>,
            /// Resume time.
            pub resume_time: Option<Timestamp>,
            /// Park time.
            pub park_time: Option<Timestamp>,
            /// Media roles.
            pub media_roles: Option<Vec<String>>,
            /// Queue media settings.
            pub queue_media_settings: Option<QueueMediaSettings>,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }
    };
}

/// Address and name data for a call endpoint.
///
/// Same shape as the SDK models `ConversationEventTopicAddress`,
/// `QueueConversationEventTopicAddress`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Address {
    /// This will be nameRaw if present, or a locality lookup of the address field otherwise.
    pub name: Option<String>,
    /// The name as close to the bits on the wire as possible.
    pub name_raw: Option<String>,
    /// The normalized address. This field is acquired from the Address Normalization Table.
    /// The addressRaw could have gone through some transformations, such as only using the
    /// numeric portion, before being run through the Address Normalization Table.
    pub address_normalized: Option<String>,
    /// The address as close to the bits on the wire as possible.
    pub address_raw: Option<String>,
    /// The displayable address. This field is acquired from the Address Normalization Table.
    /// The addressRaw could have gone through some transformations, such as only using the
    /// numeric portion, before being run through the Address Normalization Table.
    pub address_displayable: Option<String>,
}

/// A communication's after-call work data.
///
/// Same shape as the SDK models `ConversationEventTopicAfterCallWork`,
/// `QueueConversationEventTopicAfterCallWork`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AfterCallWork {
    /// The communication's after-call work state.
    pub state: Option<AfterCallWorkState>,
    /// The timestamp when this communication started after-call work in the cloud clock.
    pub start_time: Option<Timestamp>,
    /// The timestamp when this communication ended after-call work in the cloud clock.
    pub end_time: Option<Timestamp>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.routing.queues.{id}.conversations.emails`, `v2.users.{id}.conversations`,
/// `v2.users.{id}.conversations.emails`.
///
/// Same shape as the SDK models `ConversationEmailEventTopicAttachment`,
/// `ConversationEventTopicAttachment`, `QueueConversationEmailEventTopicAttachment`,
/// `QueueConversationEventTopicAttachment`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Attachment {
    /// The unique identifier for the attachment.
    pub attachment_id: Option<String>,
    /// The name of the attachment.
    pub name: Option<String>,
    /// The content uri of the attachment. If set, this is commonly a public api download
    /// location.
    pub content_uri: Option<String>,
    /// The type of file the attachment is.
    pub content_type: Option<String>,
    /// The length of the attachment file.
    pub content_length: Option<i64>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicCall`,
/// `QueueConversationEventTopicCall`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Call {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// State of recording on this call.
    pub recording_state: Option<RecordingState>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// Whether a call is inbound or outbound.
    pub direction: Option<Direction>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// True if this call is being recorded.
    pub recording: Option<bool>,
    /// Recorders state.
    pub recorders_state: Option<RecordersState>,
    /// True if this call is muted so that remote participants can't hear any audio from this
    /// end.
    pub muted: Option<bool>,
    /// True if this call is held and the person on this side hears hold music.
    pub confined: Option<bool>,
    /// True if this call is held and the person on this side hears silence.
    pub held: Option<bool>,
    /// True when the recording of this call is in secure pause status.
    pub secure_pause: Option<bool>,
    /// Error info.
    pub error_info: Option<ErrorDetails>,
    /// The timestamp the call was placed on hold in the cloud clock if the call is currently
    /// on hold.
    pub start_hold_time: Option<Timestamp>,
    /// If call is a fax of a document in content management, the id of the document in content
    /// management.
    pub document_id: Option<String>,
    /// Self.
    #[serde(rename = "self")]
    pub self_ref: Option<Address>,
    /// Address and name data for a call endpoint.
    pub other: Option<Address>,
    /// The source provider of the call.
    pub provider: Option<String>,
    /// The UUID of the script to use.
    pub script_id: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// List of reasons that this call was disconnected. This will be set once the call
    /// disconnects.
    pub disconnect_reasons: Option<Vec<DisconnectReason>>,
    /// Fax status.
    pub fax_status: Option<FaxStatus>,
    /// User to User Information (UUI) data managed by SIP session application.
    pub uui_data: Option<String>,
    /// The timestamp when this participant was connected to the barge conference in the
    /// provider clock.
    pub barged_time: Option<Timestamp>,
    /// Call wrap up or disposition data.
    pub wrapup: Option<Wrapup>,
    /// After call work.
    pub after_call_work: Option<AfterCallWork>,
    /// Indicates if after-call is required for a communication. Only used when the ACW Setting
    /// is Agent Requested.
    pub after_call_work_required: Option<bool>,
    /// UUID of virtual agent assistant that provide suggestions to the agent participant
    /// during the conversation.
    pub agent_assistant_id: Option<String>,
    /// Queue media settings.
    pub queue_media_settings: Option<QueueMediaSettings>,
    /// Disposition.
    pub disposition: Option<Disposition>,
    /// Indicates how call reaches the agent.
    pub transfer_source: Option<String>,
    /// The reported client IP of the phone for the call.
    pub public_ip_address: Option<String>,
}

/// The event body of `v2.routing.queues.{id}.conversations.calls`, `v2.users.{id}.conversations.calls`.
///
/// Same shape as the SDK models `ConversationCallEventTopicCallConversation`,
/// `QueueConversationCallEventTopicCallConversation`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallConversation {
    /// Recording state.
    pub recording_state: Option<RecordingState>,
    /// Id.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Participants.
    pub participants: Option<Vec<CallMediaParticipant>>,
    /// Other media uris.
    pub other_media_uris: Option<Vec<String>>,
    /// Address.
    pub address: Option<String>,
    /// Utilization label id.
    pub utilization_label_id: Option<String>,
    /// Access attributes.
    pub access_attributes: Option<Vec<String>>,
    /// Inactivity timeout.
    pub inactivity_timeout: Option<Timestamp>,
    /// Divisions.
    pub divisions: Option<Vec<ConversationDivisionMembership>>,
    /// Secure pause.
    pub secure_pause: Option<bool>,
    /// Max participants.
    pub max_participants: Option<i64>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations.calls`,
/// `v2.users.{id}.conversations.calls`.
///
/// Same shape as the SDK models `ConversationCallEventTopicFaxStatus`,
/// `QueueConversationCallEventTopicFaxStatus`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallFaxStatus {
    /// Direction.
    pub direction: Option<String>,
    /// Expected pages.
    pub expected_pages: Option<i64>,
    /// Active page.
    pub active_page: Option<i64>,
    /// Lines transmitted.
    pub lines_transmitted: Option<i64>,
    /// Bytes transmitted.
    pub bytes_transmitted: Option<i64>,
    /// Data rate.
    pub data_rate: Option<i64>,
    /// Page errors.
    pub page_errors: Option<i64>,
    /// Line errors.
    pub line_errors: Option<i64>,
}

media_participant! {
    /// Part of the event body of `v2.routing.queues.{id}.conversations.calls`,
    /// `v2.users.{id}.conversations.calls`.
    ///
    /// Same shape as the SDK models `ConversationCallEventTopicCallMediaParticipant`,
    /// `QueueConversationCallEventTopicCallMediaParticipant`.
    pub struct CallMediaParticipant {
        /// Recording state.
        pub recording_state: Option<RecordingState>,
        /// Muted.
        pub muted: Option<bool>,
        /// Confined.
        pub confined: Option<bool>,
        /// Recording.
        pub recording: Option<bool>,
        /// Recorders state.
        pub recorders_state: Option<RecordersState>,
        /// Disposition.
        pub disposition: Option<Disposition>,
        /// Transfer source.
        pub transfer_source: Option<String>,
        /// Secure pause.
        pub secure_pause: Option<bool>,
        /// Group.
        pub group: Option<UriReference>,
        /// Ani.
        pub ani: Option<String>,
        /// Dnis.
        pub dnis: Option<String>,
        /// Document id.
        pub document_id: Option<String>,
        /// Monitored participant id.
        pub monitored_participant_id: Option<String>,
        /// Coached participant id.
        pub coached_participant_id: Option<String>,
        /// Barged participant id.
        pub barged_participant_id: Option<String>,
        /// Barged time.
        pub barged_time: Option<Timestamp>,
        /// Consult participant id.
        pub consult_participant_id: Option<String>,
        /// Fax status.
        pub fax_status: Option<CallFaxStatus>,
        /// Public ip address.
        pub public_ip_address: Option<String>,
    }
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicCallback`,
/// `QueueConversationEventTopicCallback`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Callback {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// The direction of the call.
    pub direction: Option<Direction>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// True if this call is held and the person on this side hears silence.
    pub held: Option<bool>,
    /// The timestamp the callback was placed on hold in the cloud clock if the callback is
    /// currently on hold.
    pub start_hold_time: Option<Timestamp>,
    /// Dialer preview.
    pub dialer_preview: Option<DialerPreview>,
    /// Voicemail.
    pub voicemail: Option<Voicemail>,
    /// The phone number(s) to use to place the callback.
    pub callback_numbers: Option<Vec<String>>,
    /// The name of the user requesting a callback.
    pub callback_user_name: Option<String>,
    /// The UUID of the script to use.
    pub script_id: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// True if the call for the callback uses external dialing.
    pub external_campaign: Option<bool>,
    /// True if the ability to skip a callback should be enabled.
    pub skip_enabled: Option<bool>,
    /// The source provider of the callback.
    pub provider: Option<String>,
    /// The number of seconds before the system automatically places a call for a callback. 0
    /// means the automatic placement is disabled.
    pub timeout_seconds: Option<i64>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// The timestamp when this communication is scheduled in the provider clock. If this value
    /// is missing it indicates the callback will be placed immediately.
    pub callback_scheduled_time: Option<Timestamp>,
    /// The id of the config for automatically placing the callback (and handling the
    /// disposition). If null, the callback will not be placed automatically but routed to an
    /// agent as per normal.
    pub automated_callback_config_id: Option<String>,
    /// Call wrap up or disposition data.
    pub wrapup: Option<Wrapup>,
    /// A communication's after-call work data.
    pub after_call_work: Option<AfterCallWork>,
    /// Indicates if after-call is required for a communication. Only used when the ACW Setting
    /// is Agent Requested.
    pub after_call_work_required: Option<bool>,
    /// The phone number displayed to recipients of the phone call. The value should conform to
    /// the E164 format.
    pub caller_id: Option<String>,
    /// The name displayed to recipients of the phone call.
    pub caller_id_name: Option<String>,
    /// Represents the queue setting for this media.
    pub queue_media_settings: Option<QueueMediaSettings>,
}

/// The event body of `v2.routing.queues.{id}.conversations.callbacks`, `v2.users.{id}.conversations.callbacks`.
///
/// Same shape as the SDK models `ConversationCallbackEventTopicCallbackConversation`,
/// `QueueConversationCallbackEventTopicCallbackConversation`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallbackConversation {
    /// Id.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Participants.
    pub participants: Option<Vec<CallbackMediaParticipant>>,
    /// Other media uris.
    pub other_media_uris: Option<Vec<String>>,
    /// Address.
    pub address: Option<String>,
    /// Utilization label id.
    pub utilization_label_id: Option<String>,
    /// Access attributes.
    pub access_attributes: Option<Vec<String>>,
    /// Inactivity timeout.
    pub inactivity_timeout: Option<Timestamp>,
    /// Divisions.
    pub divisions: Option<Vec<ConversationDivisionMembership>>,
}

media_participant! {
    /// Part of the event body of `v2.routing.queues.{id}.conversations.callbacks`,
    /// `v2.users.{id}.conversations.callbacks`.
    ///
    /// Same shape as the SDK models `ConversationCallbackEventTopicCallbackMediaParticipant`,
    /// `QueueConversationCallbackEventTopicCallbackMediaParticipant`.
    pub struct CallbackMediaParticipant {
        /// Outbound preview.
        pub outbound_preview: Option<DialerPreview>,
        /// Voicemail.
        pub voicemail: Option<Voicemail>,
        /// Callback numbers.
        pub callback_numbers: Option<Vec<String>>,
        /// Callback user name.
        pub callback_user_name: Option<String>,
        /// Skip enabled.
        pub skip_enabled: Option<bool>,
        /// External campaign.
        pub external_campaign: Option<bool>,
        /// Timeout seconds.
        pub timeout_seconds: Option<i64>,
        /// Callback scheduled time.
        pub callback_scheduled_time: Option<Timestamp>,
        /// Automated callback config id.
        pub automated_callback_config_id: Option<String>,
    }
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicChat`,
/// `QueueConversationEventTopicChat`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Chat {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// The source provider of the chat.
    pub provider: Option<String>,
    /// The UUID of the script to use.
    pub script_id: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// The room id for the chat.
    pub room_id: Option<String>,
    /// The avatar for the chat (if available).
    pub avatar_image_url: Option<String>,
    /// True if this call is held and the person on this side hears silence.
    pub held: Option<bool>,
    /// The timestamp the chat was placed on hold in the cloud clock if the chat is currently
    /// on hold.
    pub start_hold_time: Option<Timestamp>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// Journey context.
    pub journey_context: Option<JourneyContext>,
    /// Call wrap up or disposition data.
    pub wrapup: Option<Wrapup>,
    /// A communication's after-call work data.
    pub after_call_work: Option<AfterCallWork>,
    /// Indicates if after-call is required for a communication. Only used when the ACW Setting
    /// is Agent Requested.
    pub after_call_work_required: Option<bool>,
    /// Represents the queue setting for this media.
    pub queue_media_settings: Option<QueueMediaSettings>,
}

/// The event body of `v2.routing.queues.{id}.conversations.chats`, `v2.users.{id}.conversations.chats`.
///
/// Same shape as the SDK models `ConversationChatEventTopicChatConversation`,
/// `QueueConversationChatEventTopicChatConversation`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatConversation {
    /// Id.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Participants.
    pub participants: Option<Vec<ChatMediaParticipant>>,
    /// Other media uris.
    pub other_media_uris: Option<Vec<String>>,
    /// Address.
    pub address: Option<String>,
    /// Utilization label id.
    pub utilization_label_id: Option<String>,
    /// Access attributes.
    pub access_attributes: Option<Vec<String>>,
    /// Inactivity timeout.
    pub inactivity_timeout: Option<Timestamp>,
    /// Divisions.
    pub divisions: Option<Vec<ConversationDivisionMembership>>,
}

media_participant! {
    /// Part of the event body of `v2.routing.queues.{id}.conversations.chats`,
    /// `v2.users.{id}.conversations.chats`.
    ///
    /// Same shape as the SDK models `ConversationChatEventTopicChatMediaParticipant`,
    /// `QueueConversationChatEventTopicChatMediaParticipant`.
    pub struct ChatMediaParticipant {
        /// Room id.
        pub room_id: Option<String>,
        /// Avatar image url.
        pub avatar_image_url: Option<String>,
    }
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicCobrowse`,
/// `QueueConversationEventTopicCobrowse`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Cobrowse {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// Address and name data for a call endpoint.
    #[serde(rename = "self")]
    pub self_ref: Option<Address>,
    /// The room id for the chat.
    pub room_id: Option<String>,
    /// The co-browse session ID.
    pub cobrowse_session_id: Option<String>,
    /// This value identifies the role of the co-browse client within the co-browse session (a
    /// client is a sharer or a viewer).
    pub cobrowse_role: Option<String>,
    /// ID of co-browse participants for which this client has been granted control (list is
    /// empty if this client cannot control any shared pages).
    pub controlling: Option<Vec<String>>,
    /// The URL that can be used to open co-browse session in web browser.
    pub viewer_url: Option<String>,
    /// The source provider of the co-browse communication.
    pub provider: Option<String>,
    /// The UUID of the script to use.
    pub script_id: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// The time when the provider event which triggered this conversation update happened in
    /// the corrected provider clock (milliseconds since 1970-01-01 00:00:00 UTC).
    pub provider_event_time: Option<Timestamp>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// Call wrap up or disposition data.
    pub wrapup: Option<Wrapup>,
    /// A communication's after-call work data.
    pub after_call_work: Option<AfterCallWork>,
    /// Indicates if after-call is required for a communication. Only used when the ACW Setting
    /// is Agent Requested.
    pub after_call_work_required: Option<bool>,
    /// Represents the queue setting for this media.
    pub queue_media_settings: Option<QueueMediaSettings>,
}

/// The event body of `v2.routing.queues.{id}.conversations`, `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicConversation`,
/// `QueueConversationEventTopicConversation`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Conversation {
    /// Id.
    pub id: Option<String>,
    /// Max participants.
    pub max_participants: Option<i64>,
    /// Participants.
    pub participants: Option<Vec<Participant>>,
    /// Recent transfers.
    pub recent_transfers: Option<Vec<TransferResponse>>,
    /// Recording state.
    pub recording_state: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// External tag.
    pub external_tag: Option<String>,
    /// Utilization label id.
    pub utilization_label_id: Option<String>,
    /// Access attributes.
    pub access_attributes: Option<Vec<String>>,
    /// Secure pause.
    pub secure_pause: Option<bool>,
    /// Inactivity timeout.
    pub inactivity_timeout: Option<Timestamp>,
    /// Associated conversation.
    pub associated_conversation: Option<DomainEntityRef>,
    /// Consultation conversations.
    pub consultation_conversations: Option<Vec<DomainEntityRef>>,
    /// Divisions.
    pub divisions: Option<Vec<ConversationDivisionMembership>>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.routing.queues.{id}.conversations.callbacks`,
/// `v2.routing.queues.{id}.conversations.calls`, `v2.routing.queues.{id}.conversations.chats`
/// and 8 more topics.
///
/// Same shape as the SDK models `ConversationCallEventTopicConversationDivisionMembership`,
/// `ConversationCallbackEventTopicConversationDivisionMembership`,
/// `ConversationChatEventTopicConversationDivisionMembership`,
/// `ConversationEmailEventTopicConversationDivisionMembership`,
/// `ConversationEventTopicConversationDivisionMembership`,
/// `ConversationMessageEventTopicConversationDivisionMembership`,
/// `QueueConversationCallEventTopicConversationDivisionMembership`,
/// `QueueConversationCallbackEventTopicConversationDivisionMembership`,
/// `QueueConversationChatEventTopicConversationDivisionMembership`,
/// `QueueConversationEmailEventTopicConversationDivisionMembership`,
/// `QueueConversationEventTopicConversationDivisionMembership`,
/// `QueueConversationMessageEventTopicConversationDivisionMembership`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConversationDivisionMembership {
    /// A reference to another domain entity.
    pub division: Option<DomainEntityRef>,
    /// Entities.
    pub entities: Option<Vec<DivisionEntityRef>>,
}

/// Information on how a communication should be routed to an agent.
///
/// Same shape as the SDK models `ConversationCallEventTopicConversationRoutingData`,
/// `ConversationCallbackEventTopicConversationRoutingData`,
/// `ConversationChatEventTopicConversationRoutingData`,
/// `ConversationEmailEventTopicConversationRoutingData`,
/// `ConversationEventTopicConversationRoutingData`,
/// `ConversationMessageEventTopicConversationRoutingData`,
/// `QueueConversationCallEventTopicConversationRoutingData`,
/// `QueueConversationCallbackEventTopicConversationRoutingData`,
/// `QueueConversationChatEventTopicConversationRoutingData`,
/// `QueueConversationEmailEventTopicConversationRoutingData`,
/// `QueueConversationEventTopicConversationRoutingData`,
/// `QueueConversationMessageEventTopicConversationRoutingData`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConversationRoutingData {
    /// A UriReference for a resource.
    pub queue: Option<UriReference>,
    /// A UriReference for a resource.
    pub language: Option<UriReference>,
    /// The priority of the conversation to use for routing decisions.
    pub priority: Option<i64>,
    /// The skills to use for routing decisions.
    pub skills: Option<Vec<UriReference>>,
    /// A collection of agents and their assigned scores for this conversation (0 - 100, higher
    /// being better), for use in routing to preferred agents.
    pub scored_agents: Option<Vec<ScoredAgent>>,
    /// A UriReference for a resource.
    pub skill_expression_id: Option<UriReference>,
}

/// The preview data to be used when this callback is a Preview.
///
/// Same shape as the SDK models `ConversationCallbackEventTopicDialerPreview`,
/// `ConversationEventTopicDialerPreview`, `QueueConversationCallbackEventTopicDialerPreview`,
/// `QueueConversationEventTopicDialerPreview`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct DialerPreview {
    /// Id.
    pub id: Option<String>,
    /// The contact associated with this preview data pop.
    pub contact_id: Option<String>,
    /// The contactList associated with this preview data pop.
    pub contact_list_id: Option<String>,
    /// The campaignId associated with this preview data pop.
    pub campaign_id: Option<String>,
    /// The phone number columns associated with this campaign.
    pub phone_number_columns: Option<Vec<PhoneNumberColumn>>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicDisconnectReason`,
/// `QueueConversationEventTopicDisconnectReason`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct DisconnectReason {
    /// Disconnect reason protocol type.
    #[serde(rename = "type")]
    pub kind: Option<DisconnectReasonType>,
    /// Protocol specific reason code. See the Q.850 and SIP specs.
    pub code: Option<i64>,
    /// Human readable English description of the disconnect reason.
    pub phrase: Option<String>,
    /// Final disconnect reason code that triggered the disposition result.
    pub reason: Option<String>,
}

/// Call resolution data for Dialer bulk make calls commands.
///
/// Same shape as the SDK models `ConversationCallEventTopicDisposition`,
/// `ConversationEventTopicDisposition`, `QueueConversationCallEventTopicDisposition`,
/// `QueueConversationEventTopicDisposition`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Disposition {
    /// Name of the disposition. Either a platform predefined value, or the name of the
    /// disposition in the disposition table..
    pub name: Option<String>,
    /// The final media analyzer result that triggered the disposition result, if any.
    pub analyzer: Option<String>,
    /// Amd timeout.
    pub amd_timeout: Option<DispositionAmdTimeout>,
    /// Silent call timeout.
    pub silent_call_timeout: Option<DispositionSilentCallTimeout>,
}

/// Answering Machine Detection timeout configuration.
///
/// Same shape as the SDK models `ConversationCallEventTopicDispositionAmdTimeout`,
/// `ConversationEventTopicDispositionAmdTimeout`,
/// `QueueConversationCallEventTopicDispositionAmdTimeout`,
/// `QueueConversationEventTopicDispositionAmdTimeout`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct DispositionAmdTimeout {
    /// Configured AMD timeout value.
    pub timeout_ms: Option<i64>,
    /// Configured option for when to start the AMD timer, such as on line connect or speech
    /// start.
    pub timer_start_event: Option<String>,
    /// Timer start time, measured in epoch milliseconds.
    pub timer_start_time: Option<f64>,
    /// Timer end time, measured in epoch milliseconds.
    pub timer_end_time: Option<f64>,
}

/// Silent Call timeout configuration.
///
/// Same shape as the SDK models `ConversationCallEventTopicDispositionSilentCallTimeout`,
/// `ConversationEventTopicDispositionSilentCallTimeout`,
/// `QueueConversationCallEventTopicDispositionSilentCallTimeout`,
/// `QueueConversationEventTopicDispositionSilentCallTimeout`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct DispositionSilentCallTimeout {
    /// Configured Silent Call timeout value.
    pub timeout_ms: Option<i64>,
    /// Timer start time, measured in epoch milliseconds.
    pub timer_start_time: Option<f64>,
    /// Timer end time, measured in epoch milliseconds.
    pub timer_end_time: Option<f64>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.routing.queues.{id}.conversations.callbacks`,
/// `v2.routing.queues.{id}.conversations.calls`, `v2.routing.queues.{id}.conversations.chats`
/// and 8 more topics.
///
/// Same shape as the SDK models `ConversationCallEventTopicDivisionEntityRef`,
/// `ConversationCallbackEventTopicDivisionEntityRef`,
/// `ConversationChatEventTopicDivisionEntityRef`,
/// `ConversationEmailEventTopicDivisionEntityRef`, `ConversationEventTopicDivisionEntityRef`,
/// `ConversationMessageEventTopicDivisionEntityRef`,
/// `QueueConversationCallEventTopicDivisionEntityRef`,
/// `QueueConversationCallbackEventTopicDivisionEntityRef`,
/// `QueueConversationChatEventTopicDivisionEntityRef`,
/// `QueueConversationEmailEventTopicDivisionEntityRef`,
/// `QueueConversationEventTopicDivisionEntityRef`,
/// `QueueConversationMessageEventTopicDivisionEntityRef`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct DivisionEntityRef {
    /// Id.
    pub id: Option<String>,
    /// Self uri.
    pub self_uri: Option<String>,
    /// The time the entity division was last updated.
    pub date_division_updated: Option<Timestamp>,
}

/// A reference to another domain entity.
///
/// Same shape as the SDK models `ConversationCallEventTopicDomainEntityRef`,
/// `ConversationCallbackEventTopicDomainEntityRef`,
/// `ConversationChatEventTopicDomainEntityRef`, `ConversationEmailEventTopicDomainEntityRef`,
/// `ConversationEventTopicDomainEntityRef`, `ConversationEventTopicTransferModifedBy`,
/// `ConversationMessageEventTopicDomainEntityRef`,
/// `QueueConversationCallEventTopicDomainEntityRef`,
/// `QueueConversationCallbackEventTopicDomainEntityRef`,
/// `QueueConversationChatEventTopicDomainEntityRef`,
/// `QueueConversationEmailEventTopicDomainEntityRef`,
/// `QueueConversationEventTopicDomainEntityRef`,
/// `QueueConversationEventTopicTransferModifedBy`,
/// `QueueConversationMessageEventTopicDomainEntityRef`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct DomainEntityRef {
    /// The id of the user if the updater is an internal user.
    pub id: Option<String>,
    /// The URI for the user if the updater is an internal user.
    pub self_uri: Option<String>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicEmail`,
/// `QueueConversationEventTopicEmail`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Email {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// Whether an email is inbound or outbound.
    pub direction: Option<Direction>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// True if this call is held and the person on this side hears silence.
    pub held: Option<bool>,
    /// Indicates that the email was auto-generated like an Out of Office reply.
    pub auto_generated: Option<bool>,
    /// The subject for the initial email that started this conversation.
    pub subject: Option<String>,
    /// The source provider of the email.
    pub provider: Option<String>,
    /// The UUID of the script to use.
    pub script_id: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// The number of email messages sent by this participant.
    pub messages_sent: Option<i64>,
    /// Detailed information about an error response.
    pub error_info: Option<ErrorDetails>,
    /// The timestamp the email was placed on hold in the cloud clock if the email is currently
    /// on hold.
    pub start_hold_time: Option<Timestamp>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// A globally unique identifier for the stored content of this communication.
    pub message_id: Option<String>,
    /// A list of uploaded attachments on the email draft.
    pub draft_attachments: Option<Vec<Attachment>>,
    /// Indicates if the inbound email was marked as spam.
    pub spam: Option<bool>,
    /// Call wrap up or disposition data.
    pub wrapup: Option<Wrapup>,
    /// A communication's after-call work data.
    pub after_call_work: Option<AfterCallWork>,
    /// Indicates if after-call is required for a communication. Only used when the ACW Setting
    /// is Agent Requested.
    pub after_call_work_required: Option<bool>,
    /// Represents the queue setting for this media.
    pub queue_media_settings: Option<QueueMediaSettings>,
    /// The time when a parked email should resume.
    pub resume_time: Option<Timestamp>,
    /// The time when an parked email was parked.
    pub park_time: Option<Timestamp>,
}

/// The event body of `v2.routing.queues.{id}.conversations.emails`, `v2.users.{id}.conversations.emails`.
///
/// Same shape as the SDK models `ConversationEmailEventTopicEmailConversation`,
/// `QueueConversationEmailEventTopicEmailConversation`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct EmailConversation {
    /// Id.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Participants.
    pub participants: Option<Vec<EmailMediaParticipant>>,
    /// Other media uris.
    pub other_media_uris: Option<Vec<String>>,
    /// Address.
    pub address: Option<String>,
    /// Utilization label id.
    pub utilization_label_id: Option<String>,
    /// Access attributes.
    pub access_attributes: Option<Vec<String>>,
    /// Inactivity timeout.
    pub inactivity_timeout: Option<Timestamp>,
    /// Divisions.
    pub divisions: Option<Vec<ConversationDivisionMembership>>,
}

media_participant! {
    /// Part of the event body of `v2.routing.queues.{id}.conversations.emails`,
    /// `v2.users.{id}.conversations.emails`.
    ///
    /// Same shape as the SDK models `ConversationEmailEventTopicEmailMediaParticipant`,
    /// `QueueConversationEmailEventTopicEmailMediaParticipant`.
    pub struct EmailMediaParticipant {
        /// Subject.
        pub subject: Option<String>,
        /// Messages sent.
        pub messages_sent: Option<i64>,
        /// Auto generated.
        pub auto_generated: Option<bool>,
        /// Message id.
        pub message_id: Option<String>,
        /// Draft attachments.
        pub draft_attachments: Option<Vec<Attachment>>,
        /// Spam.
        pub spam: Option<bool>,
    }
}

/// Part of the event body of `v2.routing.queues.{id}.conversations.callbacks`,
/// `v2.routing.queues.{id}.conversations.calls`, `v2.routing.queues.{id}.conversations.chats`,
/// `v2.routing.queues.{id}.conversations.emails` and 6 more topics.
///
/// Same shape as the SDK models `ConversationCallEventTopicErrorBody`,
/// `ConversationCallbackEventTopicErrorBody`, `ConversationChatEventTopicErrorBody`,
/// `ConversationEmailEventTopicErrorBody`, `ConversationMessageEventTopicErrorBody`,
/// `QueueConversationCallEventTopicErrorBody`, `QueueConversationCallbackEventTopicErrorBody`,
/// `QueueConversationChatEventTopicErrorBody`, `QueueConversationEmailEventTopicErrorBody`,
/// `QueueConversationMessageEventTopicErrorBody`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// Message.
    pub message: Option<String>,
    /// Code.
    pub code: Option<String>,
    /// Status.
    pub status: Option<i64>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Entity name.
    pub entity_name: Option<String>,
    /// Message with params.
    pub message_with_params: Option<String>,
    /// Message params.
    pub message_params: Option<HashMap<String, String>>,
    /// Context id.
    pub context_id: Option<String>,
    /// Details.
    pub details: Option<Vec<ErrorDetail>>,
    /// Errors.
    pub errors: Option<Vec<ErrorBody>>,
    /// Limit.
    pub limit: Option<Limit>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations.callbacks`,
/// `v2.routing.queues.{id}.conversations.calls`, `v2.routing.queues.{id}.conversations.chats`,
/// `v2.routing.queues.{id}.conversations.emails` and 6 more topics.
///
/// Same shape as the SDK models `ConversationCallEventTopicDetail`,
/// `ConversationCallbackEventTopicDetail`, `ConversationChatEventTopicDetail`,
/// `ConversationEmailEventTopicDetail`, `ConversationMessageEventTopicDetail`,
/// `QueueConversationCallEventTopicDetail`, `QueueConversationCallbackEventTopicDetail`,
/// `QueueConversationChatEventTopicDetail`, `QueueConversationEmailEventTopicDetail`,
/// `QueueConversationMessageEventTopicDetail`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorDetail {
    /// Error code.
    pub error_code: Option<String>,
    /// Field name.
    pub field_name: Option<String>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Entity name.
    pub entity_name: Option<String>,
}

/// Detailed information about an error response.
///
/// Same shape as the SDK models `ConversationEventTopicErrorDetails`,
/// `ConversationMessageEventTopicErrorDetails`, `QueueConversationEventTopicErrorDetails`,
/// `QueueConversationMessageEventTopicErrorDetails`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorDetails {
    /// The HTTP status code for this message (400, 401, 403, 404, 500, etc.
    pub status: Option<i64>,
    /// A code unique to this error.
    pub code: Option<String>,
    /// Friendly description of this error.
    pub message: Option<String>,
    /// This is the same as message except it uses template fields for variable replacement.
    /// For instance: 'User {username} was not found'.
    pub message_with_params: Option<String>,
    /// Used in conjunction with messageWithParams. These are the template parameters. For
    /// instance: UserParam.key = 'username', UserParam.value = 'john.doe'.
    pub message_params: Option<HashMap<String, String>>,
    /// The correlation Id or context Id for this message. If left blank the Public API will
    /// look at the HTTP response header 'ININ-Correlation-Id' instead.
    pub context_id: Option<String>,
    /// Uri.
    pub uri: Option<String>,
}

/// Extra information on fax transmission.
///
/// Same shape as the SDK models `ConversationEventTopicFaxStatus`,
/// `QueueConversationEventTopicFaxStatus`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct FaxStatus {
    /// The fax direction, either "send" or "receive".
    pub direction: Option<String>,
    /// Total number of expected pages, if known.
    pub expected_pages: Option<i64>,
    /// Active page of the transmission.
    pub active_page: Option<i64>,
    /// Number of lines that have completed transmission.
    pub lines_transmitted: Option<i64>,
    /// Number of bytes that have competed transmission.
    pub bytes_transmitted: Option<i64>,
    /// Current signaling rate of transmission, baud rate.
    pub baud_rate: Option<i64>,
    /// Number of page errors.
    pub page_errors: Option<i64>,
    /// Number of line errors.
    pub line_errors: Option<i64>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicInternalMessage`,
/// `QueueConversationEventTopicInternalMessage`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct InternalMessage {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// The source provider of the message.
    pub provider: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// The user ID for the participant on receiving side of the internal message conversation.
    pub target_user_id: Option<String>,
    /// The user ID for the participant on sending side of the internal message conversation.
    pub source_user_id: Option<String>,
    /// Address and name data for a call endpoint.
    pub to_address: Option<Address>,
    /// Address and name data for a call endpoint.
    pub from_address: Option<Address>,
    /// The messages sent on this communication channel.
    pub messages: Option<Vec<InternalMessageDetails>>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicInternalMessageDetails`,
/// `QueueConversationEventTopicInternalMessageDetails`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct InternalMessageDetails {
    /// UUID identifying the internal message media.
    pub message_id: Option<String>,
    /// The time when the internal message was sent or received.
    pub message_time: Option<Timestamp>,
}

/// A subset of the Journey System's action data relevant to a part of a conversation (for
/// external linkage and internal usage/context).
///
/// Same shape as the SDK models `ConversationCallEventTopicJourneyAction`,
/// `ConversationCallbackEventTopicJourneyAction`, `ConversationChatEventTopicJourneyAction`,
/// `ConversationEmailEventTopicJourneyAction`, `ConversationEventTopicJourneyAction`,
/// `ConversationMessageEventTopicJourneyAction`,
/// `QueueConversationCallEventTopicJourneyAction`,
/// `QueueConversationCallbackEventTopicJourneyAction`,
/// `QueueConversationChatEventTopicJourneyAction`,
/// `QueueConversationEmailEventTopicJourneyAction`,
/// `QueueConversationEventTopicJourneyAction`,
/// `QueueConversationMessageEventTopicJourneyAction`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct JourneyAction {
    /// The ID of an action from the Journey System (an action is spawned from an actionMap).
    pub id: Option<String>,
    /// Action map.
    pub action_map: Option<JourneyActionMap>,
}

/// Details about the action map from the Journey System which triggered this action.
///
/// Same shape as the SDK models `ConversationCallEventTopicJourneyActionMap`,
/// `ConversationCallbackEventTopicJourneyActionMap`,
/// `ConversationChatEventTopicJourneyActionMap`,
/// `ConversationEmailEventTopicJourneyActionMap`, `ConversationEventTopicJourneyActionMap`,
/// `ConversationMessageEventTopicJourneyActionMap`,
/// `QueueConversationCallEventTopicJourneyActionMap`,
/// `QueueConversationCallbackEventTopicJourneyActionMap`,
/// `QueueConversationChatEventTopicJourneyActionMap`,
/// `QueueConversationEmailEventTopicJourneyActionMap`,
/// `QueueConversationEventTopicJourneyActionMap`,
/// `QueueConversationMessageEventTopicJourneyActionMap`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct JourneyActionMap {
    /// The ID of the actionMap in the Journey System which triggered this action.
    pub id: Option<String>,
    /// The version number of the actionMap in the Journey System at the time this action was
    /// triggered.
    pub version: Option<i64>,
}

/// A subset of the Journey System's data relevant to a part of a conversation (for external
/// linkage and internal usage/context).
///
/// Same shape as the SDK models `ConversationCallEventTopicJourneyContext`,
/// `ConversationCallbackEventTopicJourneyContext`, `ConversationChatEventTopicJourneyContext`,
/// `ConversationEmailEventTopicJourneyContext`, `ConversationEventTopicJourneyContext`,
/// `ConversationMessageEventTopicJourneyContext`,
/// `QueueConversationCallEventTopicJourneyContext`,
/// `QueueConversationCallbackEventTopicJourneyContext`,
/// `QueueConversationChatEventTopicJourneyContext`,
/// `QueueConversationEmailEventTopicJourneyContext`,
/// `QueueConversationEventTopicJourneyContext`,
/// `QueueConversationMessageEventTopicJourneyContext`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct JourneyContext {
    /// Customer.
    pub customer: Option<JourneyCustomer>,
    /// Customer session.
    pub customer_session: Option<JourneyCustomerSession>,
    /// Triggering action.
    pub triggering_action: Option<JourneyAction>,
}

/// A subset of the Journey System's customer data at a point-in-time (for external linkage and
/// internal usage/context).
///
/// Same shape as the SDK models `ConversationCallEventTopicJourneyCustomer`,
/// `ConversationCallbackEventTopicJourneyCustomer`,
/// `ConversationChatEventTopicJourneyCustomer`, `ConversationEmailEventTopicJourneyCustomer`,
/// `ConversationEventTopicJourneyCustomer`, `ConversationMessageEventTopicJourneyCustomer`,
/// `QueueConversationCallEventTopicJourneyCustomer`,
/// `QueueConversationCallbackEventTopicJourneyCustomer`,
/// `QueueConversationChatEventTopicJourneyCustomer`,
/// `QueueConversationEmailEventTopicJourneyCustomer`,
/// `QueueConversationEventTopicJourneyCustomer`,
/// `QueueConversationMessageEventTopicJourneyCustomer`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct JourneyCustomer {
    /// An ID of a customer within the Journey System at a point-in-time. Note that a customer
    /// entity can have multiple customerIds based on the stitching process. Depending on the
    /// context within the PureCloud conversation, this may or may not be mutable.
    pub id: Option<String>,
    /// The type of the customerId within the Journey System (e.g. cookie).
    pub id_type: Option<String>,
}

/// A subset of the Journey System's tracked customer session data at a point-in-time (for
/// external linkage and internal usage/context).
///
/// Same shape as the SDK models `ConversationCallEventTopicJourneyCustomerSession`,
/// `ConversationCallbackEventTopicJourneyCustomerSession`,
/// `ConversationChatEventTopicJourneyCustomerSession`,
/// `ConversationEmailEventTopicJourneyCustomerSession`,
/// `ConversationEventTopicJourneyCustomerSession`,
/// `ConversationMessageEventTopicJourneyCustomerSession`,
/// `QueueConversationCallEventTopicJourneyCustomerSession`,
/// `QueueConversationCallbackEventTopicJourneyCustomerSession`,
/// `QueueConversationChatEventTopicJourneyCustomerSession`,
/// `QueueConversationEmailEventTopicJourneyCustomerSession`,
/// `QueueConversationEventTopicJourneyCustomerSession`,
/// `QueueConversationMessageEventTopicJourneyCustomerSession`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct JourneyCustomerSession {
    /// An ID of a Customer/User's session within the Journey System at a point-in-time.
    pub id: Option<String>,
    /// The type of the Customer/User's session within the Journey System (e.g. web, app).
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations.callbacks`,
/// `v2.routing.queues.{id}.conversations.calls`, `v2.routing.queues.{id}.conversations.chats`,
/// `v2.routing.queues.{id}.conversations.emails` and 6 more topics.
///
/// Same shape as the SDK models `ConversationCallEventTopicLimit`,
/// `ConversationCallbackEventTopicLimit`, `ConversationChatEventTopicLimit`,
/// `ConversationEmailEventTopicLimit`, `ConversationMessageEventTopicLimit`,
/// `QueueConversationCallEventTopicLimit`, `QueueConversationCallbackEventTopicLimit`,
/// `QueueConversationChatEventTopicLimit`, `QueueConversationEmailEventTopicLimit`,
/// `QueueConversationMessageEventTopicLimit`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Limit {
    /// Namespace.
    pub namespace: Option<LimitNamespace>,
    /// Key.
    pub key: Option<String>,
    /// Value.
    pub value: Option<i64>,
    /// Documented.
    pub documented: Option<bool>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicMessage`,
/// `QueueConversationEventTopicMessage`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Message {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// Whether a message is inbound or outbound.
    pub direction: Option<Direction>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// Indicates the type of message platform from which the message originated.
    #[serde(rename = "type")]
    pub kind: Option<MessageType>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// True if this call is held and the person on this side hears silence.
    pub held: Option<bool>,
    /// Detailed information about an error response.
    pub error_info: Option<ErrorDetails>,
    /// The source provider of the email.
    pub provider: Option<String>,
    /// The UUID of the script to use.
    pub script_id: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// The timestamp the email was placed on hold in the cloud clock if the email is currently
    /// on hold.
    pub start_hold_time: Option<Timestamp>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// Address and name data for a call endpoint.
    pub to_address: Option<Address>,
    /// Address and name data for a call endpoint.
    pub from_address: Option<Address>,
    /// The messages sent on this communication channel.
    pub messages: Option<Vec<MessageDetails>>,
    /// the messages transcript file uri.
    pub messages_transcript_uri: Option<String>,
    /// Indicates the country where the recipient is associated in ISO 3166-1 alpha-2 format.
    pub recipient_country: Option<String>,
    /// The type of the recipient. Eg: Provisioned phoneNumber is the recipient for sms message
    /// type.
    pub recipient_type: Option<String>,
    /// A subset of the Journey System's data relevant to a part of a conversation (for
    /// external linkage and internal usage/context).
    pub journey_context: Option<JourneyContext>,
    /// Call wrap up or disposition data.
    pub wrapup: Option<Wrapup>,
    /// A communication's after-call work data.
    pub after_call_work: Option<AfterCallWork>,
    /// Indicates if after-call is required for a communication. Only used when the ACW Setting
    /// is Agent Requested.
    pub after_call_work_required: Option<bool>,
    /// UUID of virtual agent assistant that provide suggestions to the agent participant
    /// during the conversation.
    pub agent_assistant_id: Option<String>,
    /// Provide more visibility into what integrations customers are creating with Open
    /// Messaging. String values are defined in the Constants.java named ENGAGEMENT_SOURCE_*.
    pub engagement_source: Option<String>,
    /// Byo sms integration id.
    pub byo_sms_integration_id: Option<String>,
    /// Represents the queue setting for this media.
    pub queue_media_settings: Option<QueueMediaSettings>,
    /// The time when a parked message should resume.
    pub resume_time: Option<Timestamp>,
    /// The time when an parked message was parked.
    pub park_time: Option<Timestamp>,
}

/// The event body of `v2.routing.queues.{id}.conversations.messages`, `v2.users.{id}.conversations.messages`.
///
/// Same shape as the SDK models `ConversationMessageEventTopicMessageConversation`,
/// `QueueConversationMessageEventTopicMessageConversation`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageConversation {
    /// Id.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Participants.
    pub participants: Option<Vec<MessageMediaParticipant>>,
    /// Other media uris.
    pub other_media_uris: Option<Vec<String>>,
    /// Address.
    pub address: Option<String>,
    /// Utilization label id.
    pub utilization_label_id: Option<String>,
    /// Access attributes.
    pub access_attributes: Option<Vec<String>>,
    /// Inactivity timeout.
    pub inactivity_timeout: Option<Timestamp>,
    /// Divisions.
    pub divisions: Option<Vec<ConversationDivisionMembership>>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicMessageDetails`,
/// `QueueConversationEventTopicMessageDetails`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageDetails {
    /// Indicates the delivery status of the message.
    pub message_status: Option<MessageStatus>,
    /// For social media messages, the visibility of the message in the originating social
    /// platform.
    pub social_visibility: Option<SocialVisibility>,
    /// UUID identifying the message media.
    pub message_id: Option<String>,
    /// The time when the message was sent or received.
    pub message_time: Option<Timestamp>,
    /// The message segment count, greater than 1 if the message content was split into
    /// multiple parts for this message type, e.g. SMS character limits.
    pub message_segment_count: Option<i64>,
    /// The media (images, files, etc) associated with this message, if any.
    pub media: Option<Vec<MessageMedia>>,
    /// Detailed information about an error response.
    pub error_info: Option<ErrorDetails>,
    /// A list of stickers included in the message.
    pub stickers: Option<Vec<MessageSticker>>,
    /// Message metadata.
    pub message_metadata: Option<MessageMetadata>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.routing.queues.{id}.conversations.messages`, `v2.users.{id}.conversations`,
/// `v2.users.{id}.conversations.messages`.
///
/// Same shape as the SDK models `ConversationEventTopicMessageMedia`,
/// `ConversationMessageEventTopicMessageMedia`, `QueueConversationEventTopicMessageMedia`,
/// `QueueConversationMessageEventTopicMessageMedia`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageMedia {
    /// The location of the media, useful for retrieving it.
    pub url: Option<String>,
    /// The optional internet media type of the the media object. If null then the media type
    /// should be dictated by the url.
    pub media_type: Option<String>,
    /// The optional content length of the the media object, in bytes.
    pub content_length_bytes: Option<i64>,
    /// The optional name of the the media object.
    pub name: Option<String>,
    /// The optional id of the the media object.
    pub id: Option<String>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations.messages`,
/// `v2.users.{id}.conversations.messages`.
///
/// Same shape as the SDK models `ConversationMessageEventTopicMessageDetails`,
/// `QueueConversationMessageEventTopicMessageDetails`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageMediaDetails {
    /// Message status.
    pub message_status: Option<MessageStatus>,
    /// Social visibility.
    pub social_visibility: Option<SocialVisibility>,
    /// Message.
    pub message: Option<UriReference>,
    /// Message time.
    pub message_time: Option<Timestamp>,
    /// Message segment count.
    pub message_segment_count: Option<i64>,
    /// Media.
    pub media: Option<Vec<MessageMedia>>,
    /// Stickers.
    pub stickers: Option<Vec<MessageSticker>>,
    /// Error info.
    pub error_info: Option<ErrorDetails>,
    /// Message metadata.
    pub message_metadata: Option<MessageMetadata>,
}

media_participant! {
    /// Part of the event body of `v2.routing.queues.{id}.conversations.messages`,
    /// `v2.users.{id}.conversations.messages`.
    ///
    /// Same shape as the SDK models `ConversationMessageEventTopicMessageMediaParticipant`,
    /// `QueueConversationMessageEventTopicMessageMediaParticipant`.
    pub struct MessageMediaParticipant {
        /// Type.
        #[serde(rename = "type")]
        pub kind: Option<MessageType>,
        /// Messages.
        pub messages: Option<Vec<MessageMediaDetails>>,
        /// Recipient country.
        pub recipient_country: Option<String>,
        /// Recipient type.
        pub recipient_type: Option<String>,
        /// Byo sms integration id.
        pub byo_sms_integration_id: Option<String>,
        /// Engagement source.
        pub engagement_source: Option<String>,
        /// Monitored participant id.
        pub monitored_participant_id: Option<String>,
    }
}

/// Metadata information about a message.
///
/// Same shape as the SDK models `ConversationEventTopicMessageMetadata`,
/// `ConversationMessageEventTopicMessageMetadata`,
/// `QueueConversationEventTopicMessageMetadata`,
/// `QueueConversationMessageEventTopicMessageMetadata`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageMetadata {
    /// Message type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// List of message events, if any.
    pub events: Option<Vec<MessageMetadataEvent>>,
    /// List of message content, if any.
    pub content: Option<Vec<MessageMetadataContent>>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.routing.queues.{id}.conversations.messages`, `v2.users.{id}.conversations`,
/// `v2.users.{id}.conversations.messages`.
///
/// Same shape as the SDK models `ConversationEventTopicMessageMetadataContent`,
/// `ConversationMessageEventTopicMessageMetadataContent`,
/// `QueueConversationEventTopicMessageMetadataContent`,
/// `QueueConversationMessageEventTopicMessageMetadataContent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageMetadataContent {
    /// Type of this content element.
    pub content_type: Option<String>,
    /// Content subtype, if any.
    pub sub_type: Option<String>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.routing.queues.{id}.conversations.messages`, `v2.users.{id}.conversations`,
/// `v2.users.{id}.conversations.messages`.
///
/// Same shape as the SDK models `ConversationEventTopicMessageMetadataEvent`,
/// `ConversationMessageEventTopicMessageMetadataEvent`,
/// `QueueConversationEventTopicMessageMetadataEvent`,
/// `QueueConversationMessageEventTopicMessageMetadataEvent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageMetadataEvent {
    /// Type of this event element.
    pub event_type: Option<String>,
    /// Event subtype, if any.
    pub sub_type: Option<String>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.routing.queues.{id}.conversations.messages`, `v2.users.{id}.conversations`,
/// `v2.users.{id}.conversations.messages`.
///
/// Same shape as the SDK models `ConversationEventTopicMessageSticker`,
/// `ConversationMessageEventTopicMessageSticker`, `QueueConversationEventTopicMessageSticker`,
/// `QueueConversationMessageEventTopicMessageSticker`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageSticker {
    /// The location of the sticker, useful for retrieving it.
    pub url: Option<String>,
    /// The unique id of the the sticker object.
    pub id: Option<String>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicParticipant`,
/// `QueueConversationEventTopicParticipant`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Participant {
    /// The current screen recording state for this participant.
    pub screen_recording_state: Option<ScreenRecordingState>,
    /// A globally unique identifier for this conversation.
    pub id: Option<String>,
    /// The timestamp when this participant was connected to the conversation in the provider
    /// clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this participant disconnected from the conversation in the provider
    /// clock.
    pub end_time: Option<Timestamp>,
    /// If this participant represents a user, then this will be the globally unique identifier
    /// for the user.
    pub user_id: Option<String>,
    /// If this participant represents an external contact, then this will be the globally
    /// unique identifier for the external contact.
    pub external_contact_id: Option<String>,
    /// If this participant represents an external contact, then this will be the initial
    /// division for the external contact. This value will not be updated if the external
    /// contact is reassigned.
    pub external_contact_initial_division_id: Option<String>,
    /// If this participant represents an external org, then this will be the globally unique
    /// identifier for the external org.
    pub external_organization_id: Option<String>,
    /// A human readable name identifying the participant.
    pub name: Option<String>,
    /// If present, the queue id that the communication channel came in on.
    pub queue_id: Option<String>,
    /// If present, the group id that the participant represents.
    pub group_id: Option<String>,
    /// The team id that this participant is a member of when added to the conversation.
    pub team_id: Option<String>,
    /// A well known string that specifies the purpose or type of this participant.
    pub purpose: Option<String>,
    /// If this participant is part of a consult transfer, then this will be the participant id
    /// of the participant being transferred.
    pub consult_participant_id: Option<String>,
    /// The address for the this participant. For a phone call this will be the ANI.
    pub address: Option<String>,
    /// True iff this participant is required to enter wrapup for this conversation.
    pub wrapup_required: Option<bool>,
    /// True when a participant is expected to enter a wrapup code once the call connects.
    pub wrapup_expected: Option<bool>,
    /// This field controls how the UI prompts the agent for a wrapup.
    pub wrapup_prompt: Option<String>,
    /// Specifies how long a timed ACW session will last.
    pub wrapup_timeout_ms: Option<i64>,
    /// Wrapup.
    pub wrapup: Option<Wrapup>,
    /// The timestamp when this participant started after-call work.
    pub start_acw_time: Option<Timestamp>,
    /// The timestamp when this participant ended after-call work.
    pub end_acw_time: Option<Timestamp>,
    /// Conversation routing data.
    pub conversation_routing_data: Option<ConversationRoutingData>,
    /// Specifies how long the agent has to answer an interaction before being marked as not
    /// responding.
    pub alerting_timeout_ms: Option<i64>,
    /// If this participant is a monitor, then this will be the id of the participant that is
    /// being monitored.
    pub monitored_participant_id: Option<String>,
    /// If this participant is a screen monitor, then this will be the id of the participant
    /// that is being screen monitored.
    pub screen_monitored_participant_id: Option<String>,
    /// If this participant is a coach, then this will be the id of the participant that is
    /// being coached.
    pub coached_participant_id: Option<String>,
    /// If this participant created a barge in conference, then this will be the id of the
    /// participant that is barged in.
    pub barged_participant_id: Option<String>,
    /// List of roles this participant's media has had on the conversation, ie monitor, coach,
    /// etc.
    pub media_roles: Option<Vec<String>>,
    /// If this participant has flagged the conversation, the reason code given.
    pub flagged_reason: Option<String>,
    /// Additional participant attributes.
    pub attributes: Option<HashMap<String, String>>,
    /// Calls.
    pub calls: Option<Vec<Call>>,
    /// Callbacks.
    pub callbacks: Option<Vec<Callback>>,
    /// Chats.
    pub chats: Option<Vec<Chat>>,
    /// Cobrowsesessions.
    pub cobrowsesessions: Option<Vec<Cobrowse>>,
    /// Emails.
    pub emails: Option<Vec<Email>>,
    /// Messages.
    pub messages: Option<Vec<Message>>,
    /// Internal messages.
    pub internal_messages: Option<Vec<InternalMessage>>,
    /// Screen monitorings.
    pub screen_monitorings: Option<Vec<ScreenMonitoring>>,
    /// Screenshares.
    pub screenshares: Option<Vec<ScreenShare>>,
    /// Social expressions.
    pub social_expressions: Option<Vec<SocialExpression>>,
    /// Videos.
    pub videos: Option<Vec<Video>>,
    /// Workflow.
    pub workflow: Option<Workflow>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.routing.queues.{id}.conversations.callbacks`, `v2.users.{id}.conversations`,
/// `v2.users.{id}.conversations.callbacks`.
///
/// Same shape as the SDK models `ConversationCallbackEventTopicPhoneNumberColumn`,
/// `ConversationEventTopicPhoneNumberColumn`,
/// `QueueConversationCallbackEventTopicPhoneNumberColumn`,
/// `QueueConversationEventTopicPhoneNumberColumn`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct PhoneNumberColumn {
    /// Column name.
    pub column_name: Option<String>,
    /// Type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Represents the queue setting for this media.
///
/// Same shape as the SDK models `ConversationCallEventTopicQueueMediaSettings`,
/// `ConversationCallbackEventTopicQueueMediaSettings`,
/// `ConversationChatEventTopicQueueMediaSettings`,
/// `ConversationEmailEventTopicQueueMediaSettings`,
/// `ConversationEventTopicQueueMediaSettings`,
/// `ConversationMessageEventTopicQueueMediaSettings`,
/// `QueueConversationCallEventTopicQueueMediaSettings`,
/// `QueueConversationCallbackEventTopicQueueMediaSettings`,
/// `QueueConversationChatEventTopicQueueMediaSettings`,
/// `QueueConversationEmailEventTopicQueueMediaSettings`,
/// `QueueConversationEventTopicQueueMediaSettings`,
/// `QueueConversationMessageEventTopicQueueMediaSettings`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct QueueMediaSettings {
    /// Specifies how long the agent has to answer an interaction before being marked as not
    /// responding.
    pub alerting_timeout_seconds: Option<i64>,
    /// Specifies the duration of the alerting sound to be played for auto answered
    /// interactions.
    pub auto_answer_alert_tone_seconds: Option<f64>,
    /// Specifies the duration of the alerting sound to be played for manually answered
    /// interactions.
    pub manual_answer_alert_tone_seconds: Option<f64>,
    /// Flag to indicate if auto answer is enabled for the given media type or media subtype.
    pub enable_auto_answer: Option<bool>,
}

/// Contains the states of different recorders.
///
/// Same shape as the SDK models `ConversationCallEventTopicRecordersState`,
/// `ConversationEventTopicRecordersState`, `QueueConversationCallEventTopicRecordersState`,
/// `QueueConversationEventTopicRecordersState`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordersState {
    /// Indicates the state of the adhoc recorder.
    pub adhoc_state: Option<String>,
    /// Indicates the state of the customer experience recorder.
    pub customer_experience_state: Option<String>,
    /// Indicates the state of the agent experience recorder.
    pub agent_experience_state: Option<String>,
    /// State of the snippet recording for this session. Note that snippets may never be
    /// paused. Valid values are in Constants.java with a prefix of RECORDER_STATE_*.
    pub snippet_state: Option<String>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.routing.queues.{id}.conversations.callbacks`,
/// `v2.routing.queues.{id}.conversations.calls`, `v2.routing.queues.{id}.conversations.chats`
/// and 8 more topics.
///
/// Same shape as the SDK models `ConversationCallEventTopicScoredAgent`,
/// `ConversationCallbackEventTopicScoredAgent`, `ConversationChatEventTopicScoredAgent`,
/// `ConversationEmailEventTopicScoredAgent`, `ConversationEventTopicScoredAgent`,
/// `ConversationMessageEventTopicScoredAgent`, `QueueConversationCallEventTopicScoredAgent`,
/// `QueueConversationCallbackEventTopicScoredAgent`,
/// `QueueConversationChatEventTopicScoredAgent`,
/// `QueueConversationEmailEventTopicScoredAgent`, `QueueConversationEventTopicScoredAgent`,
/// `QueueConversationMessageEventTopicScoredAgent`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScoredAgent {
    /// A UriReference for a resource.
    pub agent: Option<UriReference>,
    /// Agent's score for the current conversation, from 0 - 100, higher being better.
    pub score: Option<i64>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicScreenMonitoring`,
/// `QueueConversationEventTopicScreenMonitoring`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScreenMonitoring {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// The screen monitoring type.
    pub monitoring_type: Option<MonitoringType>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// The source provider.
    pub provider: Option<String>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// The user ID for the participant who is being screen monitored.
    pub target_user_id: Option<String>,
    /// Screen Monitoring identifier unique to the sourceUserId-targetUserId pair.
    pub screen_monitoring_id: Option<String>,
    /// Number of Screen Monitoring sessions the targetUserId is involved in.
    pub count: Option<i64>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicScreenShare`,
/// `QueueConversationEventTopicScreenShare`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScreenShare {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// Address and name data for a call endpoint.
    #[serde(rename = "self")]
    pub self_ref: Option<Address>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// The room id context (xmpp jid) for the conference session.
    pub context: Option<String>,
    /// Indicates whether this participant is sharing their screen to the session.
    pub sharing: Option<bool>,
    /// The source provider of the screen share.
    pub provider: Option<String>,
    /// The UUID of the script to use.
    pub script_id: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// The number of peer participants from the perspective of the participant in the
    /// conference.
    pub peer_count: Option<i64>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// Call wrap up or disposition data.
    pub wrapup: Option<Wrapup>,
    /// A communication's after-call work data.
    pub after_call_work: Option<AfterCallWork>,
    /// Indicates if after-call is required for a communication. Only used when the ACW Setting
    /// is Agent Requested.
    pub after_call_work_required: Option<bool>,
    /// Represents the queue setting for this media.
    pub queue_media_settings: Option<QueueMediaSettings>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicSocialExpression`,
/// `QueueConversationEventTopicSocialExpression`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct SocialExpression {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// A globally unique identifier for the social media.
    pub social_media_id: Option<String>,
    /// The social network of the communication.
    pub social_media_hub: Option<String>,
    /// The social media user name of the communication.
    pub social_user_name: Option<String>,
    /// The text preview of the communication contents.
    pub preview_text: Option<String>,
    /// A globally unique identifier for the recording associated with this chat.
    pub recording_id: Option<String>,
    /// True if this call is held and the person on this side hears silence.
    pub held: Option<bool>,
    /// The source provider of the social expression.
    pub provider: Option<String>,
    /// The UUID of the script to use.
    pub script_id: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// The timestamp the chat was placed on hold in the cloud clock if the chat is currently
    /// on hold.
    pub start_hold_time: Option<Timestamp>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// Call wrap up or disposition data.
    pub wrapup: Option<Wrapup>,
    /// A communication's after-call work data.
    pub after_call_work: Option<AfterCallWork>,
    /// Indicates if after-call is required for a communication. Only used when the ACW Setting
    /// is Agent Requested.
    pub after_call_work_required: Option<bool>,
}

/// Fields identifying the destination of a given conversation command.
///
/// Same shape as the SDK models `ConversationEventTopicTransferDestination`,
/// `QueueConversationEventTopicTransferDestination`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct TransferDestination {
    /// The id of the user if the command destination is a user.
    pub user_id: Option<String>,
    /// The destination address if the command destination is an endpoint.
    pub address: Option<String>,
}

/// Fields identifying the initiator of a given conversation command.
///
/// Same shape as the SDK models `ConversationEventTopicTransferInitiator`,
/// `QueueConversationEventTopicTransferInitiator`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct TransferInitiator {
    /// The id of the user who initiated the command if it was initiated by a user.
    pub user_id: Option<String>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicTransferResponse`,
/// `QueueConversationEventTopicTransferResponse`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct TransferResponse {
    /// State.
    pub state: Option<TransferState>,
    /// The type of transfer to perform.
    pub transfer_type: Option<TransferType>,
    /// The id of the command.
    pub id: Option<String>,
    /// The date/time that this command was issued.
    pub date_issued: Option<Timestamp>,
    /// Initiator.
    pub initiator: Option<TransferInitiator>,
    /// Modified by.
    pub modified_by: Option<DomainEntityRef>,
    /// Destination.
    pub destination: Option<TransferDestination>,
}

/// Part of the event body of `v2.routing.queues.{id}.conversations`,
/// `v2.users.{id}.conversations`.
///
/// Same shape as the SDK models `ConversationEventTopicVideo`,
/// `QueueConversationEventTopicVideo`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Video {
    /// State.
    pub state: Option<CommunicationState>,
    /// Initial state.
    pub initial_state: Option<CommunicationState>,
    /// System defined string indicating what caused the communication to disconnect. Will be
    /// null until the communication disconnects.
    pub disconnect_type: Option<DisconnectType>,
    /// Address and name data for a call endpoint.
    #[serde(rename = "self")]
    pub self_ref: Option<Address>,
    /// A globally unique identifier for this communication.
    pub id: Option<String>,
    /// The room id context (xmpp jid) for the conference session.
    pub context: Option<String>,
    /// Indicates whether this participant has muted their outgoing audio.
    pub audio_muted: Option<bool>,
    /// Indicates whether this participant has muted/paused their outgoing video.
    pub video_muted: Option<bool>,
    /// Indicates whether this participant is sharing their screen to the session.
    pub sharing_screen: Option<bool>,
    /// The number of peer participants from the perspective of the participant in the
    /// conference.
    pub peer_count: Option<i64>,
    /// The media provider controlling the video.
    pub provider: Option<String>,
    /// The UUID of the script to use.
    pub script_id: Option<String>,
    /// The id of the peer communication corresponding to a matching leg for this
    /// communication.
    pub peer_id: Option<String>,
    /// The timestamp when this communication was connected in the cloud clock.
    pub connected_time: Option<Timestamp>,
    /// The timestamp when this communication disconnected from the conversation in the
    /// provider clock.
    pub disconnected_time: Option<Timestamp>,
    /// List of media stream ids.
    pub msids: Option<Vec<String>>,
    /// Call wrap up or disposition data.
    pub wrapup: Option<Wrapup>,
    /// A communication's after-call work data.
    pub after_call_work: Option<AfterCallWork>,
    /// Indicates if after-call is required for a communication. Only used when the ACW Setting
    /// is Agent Requested.
    pub after_call_work_required: Option<bool>,
    /// Represents the queue setting for this media.
    pub queue_media_settings: Option<QueueMediaSettings>,
}

/// The voicemail data to be used when this callback is an ACD voicemail.
///
/// Same shape as the SDK models `ConversationCallbackEventTopicVoicemail`,
/// `ConversationEventTopicVoicemail`, `QueueConversationCallbackEventTopicVoicemail`,
/// `QueueConversationEventTopicVoicemail`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Voicemail {
    /// current state of the voicemail upload.
    pub upload_status: Option<UploadStatus>,
    /// The voicemail id.
    pub id: Option<String>,
}

/// Information about the workflow.
///
/// Same shape as the SDK models `ConversationEventTopicWorkflow`,
/// `QueueConversationEventTopicWorkflow`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Workflow {
    /// The id of the workflow.
    pub workflow_id: Option<String>,
}

/// Call wrap up or disposition data.
///
/// Same shape as the SDK models `ConversationCallEventTopicWrapup`,
/// `ConversationCallbackEventTopicWrapup`, `ConversationChatEventTopicWrapup`,
/// `ConversationEmailEventTopicWrapup`, `ConversationEventTopicWrapup`,
/// `ConversationMessageEventTopicWrapup`, `QueueConversationCallEventTopicWrapup`,
/// `QueueConversationCallbackEventTopicWrapup`, `QueueConversationChatEventTopicWrapup`,
/// `QueueConversationEmailEventTopicWrapup`, `QueueConversationEventTopicWrapup`,
/// `QueueConversationMessageEventTopicWrapup`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct Wrapup {
    /// The user configured wrap up code name.
    pub code: Option<String>,
    /// Text entered by the agent to describe the call or disposition.
    pub notes: Option<String>,
    /// List of tags selected by the agent to describe the call or disposition.
    pub tags: Option<Vec<String>>,
    /// The length of time in seconds that the agent spent doing after call work., Note, the
    /// format of utc-millisec should be ignored, our code generator needs it to generate a
    /// Long for us internally.
    pub duration_seconds: Option<i64>,
    /// The timestamp when the wrapup was finished.
    pub end_time: Option<Timestamp>,
}

string_enum! {
    /// State of after-call work on a communication.
    AfterCallWorkState {
        /// `unknown`
        Unspecified = "unknown",
        /// `skipped`
        Skipped = "skipped",
        /// `pending`
        Pending = "pending",
        /// `complete`
        Complete = "complete",
        /// `notApplicable`
        NotApplicable = "notApplicable",
    }
}

string_enum! {
    /// State of a communication (`state`, `initialState`) in conversation events; the union of
    /// the values every media type uses.
    CommunicationState {
        /// `alerting`
        Alerting = "alerting",
        /// `dialing`
        Dialing = "dialing",
        /// `contacting`
        Contacting = "contacting",
        /// `offering`
        Offering = "offering",
        /// `connected`
        Connected = "connected",
        /// `disconnected`
        Disconnected = "disconnected",
        /// `terminated`
        Terminated = "terminated",
        /// `converting`
        Converting = "converting",
        /// `uploading`
        Uploading = "uploading",
        /// `transmitting`
        Transmitting = "transmitting",
        /// `scheduled`
        Scheduled = "scheduled",
        /// `parked`
        Parked = "parked",
        /// `none`
        None = "none",
    }
}

string_enum! {
    /// Direction of a communication (`inbound`, `outbound`).
    Direction {
        /// `inbound`
        Inbound = "inbound",
        /// `outbound`
        Outbound = "outbound",
    }
}

string_enum! {
    /// Protocol of a disconnect reason code.
    DisconnectReasonType {
        /// `q850`
        Q850 = "q850",
        /// `sip`
        Sip = "sip",
    }
}

string_enum! {
    /// Why a communication disconnected, as conversation events report it; the union of the
    /// values every media type uses.
    DisconnectType {
        /// `endpoint`
        Endpoint = "endpoint",
        /// `endpoint.dnd`
        EndpointDnd = "endpoint.dnd",
        /// `client`
        Client = "client",
        /// `system`
        System = "system",
        /// `transfer`
        Transfer = "transfer",
        /// `timeout`
        Timeout = "timeout",
        /// `transfer.conference`
        TransferConference = "transfer.conference",
        /// `transfer.consult`
        TransferConsult = "transfer.consult",
        /// `transfer.forward`
        TransferForward = "transfer.forward",
        /// `transfer.noanswer`
        TransferNoanswer = "transfer.noanswer",
        /// `transfer.notavailable`
        TransferNotavailable = "transfer.notavailable",
        /// `transfer.dnd`
        TransferDnd = "transfer.dnd",
        /// `transport.failure`
        TransportFailure = "transport.failure",
        /// `error`
        Error = "error",
        /// `peer`
        Peer = "peer",
        /// `other`
        Other = "other",
        /// `spam`
        Spam = "spam",
        /// `uncallable`
        Uncallable = "uncallable",
        /// `inactivity`
        Inactivity = "inactivity",
        /// `session.expired`
        SessionExpired = "session.expired",
        /// `takeover`
        Takeover = "takeover",
    }
}

string_enum! {
    /// Why a conversation was flagged.
    FlaggedReason {
        /// `general`
        General = "general",
    }
}

string_enum! {
    /// Namespace of the limit that an error refers to.
    LimitNamespace {
        /// `agent.assistant`
        AgentAssistant = "agent.assistant",
        /// `analytics.alerting`
        AnalyticsAlerting = "analytics.alerting",
        /// `analytics`
        Analytics = "analytics",
        /// `analytics.realtime`
        AnalyticsRealtime = "analytics.realtime",
        /// `analytics.reporting.settings`
        AnalyticsReportingSettings = "analytics.reporting.settings",
        /// `architect`
        Architect = "architect",
        /// `audiohook`
        Audiohook = "audiohook",
        /// `audit`
        Audit = "audit",
        /// `auth.api`
        AuthApi = "auth.api",
        /// `authorization`
        Authorization = "authorization",
        /// `automation.testing`
        AutomationTesting = "automation.testing",
        /// `bots`
        Bots = "bots",
        /// `bots.voice`
        BotsVoice = "bots.voice",
        /// `callback`
        Callback = "callback",
        /// `cobrowse`
        Cobrowse = "cobrowse",
        /// `content.management`
        ContentManagement = "content.management",
        /// `conversation`
        Conversation = "conversation",
        /// `dataactions`
        Dataactions = "dataactions",
        /// `datatables`
        Datatables = "datatables",
        /// `directory`
        Directory = "directory",
        /// `email`
        Email = "email",
        /// `event.orchestration`
        EventOrchestration = "event.orchestration",
        /// `external.contacts`
        ExternalContacts = "external.contacts",
        /// `gcv`
        Gcv = "gcv",
        /// `gdpr`
        Gdpr = "gdpr",
        /// `groups`
        Groups = "groups",
        /// `historical.adherence`
        HistoricalAdherence = "historical.adherence",
        /// `infrastructureascode`
        Infrastructureascode = "infrastructureascode",
        /// `integrations`
        Integrations = "integrations",
        /// `intent.miner`
        IntentMiner = "intent.miner",
        /// `journey`
        Journey = "journey",
        /// `knowledge`
        Knowledge = "knowledge",
        /// `language.understanding`
        LanguageUnderstanding = "language.understanding",
        /// `learning`
        Learning = "learning",
        /// `limit.registry`
        LimitRegistry = "limit.registry",
        /// `marketplace`
        Marketplace = "marketplace",
        /// `media.communications`
        MediaCommunications = "media.communications",
        /// `messaging`
        Messaging = "messaging",
        /// `notifications`
        Notifications = "notifications",
        /// `onboarding`
        Onboarding = "onboarding",
        /// `outbound`
        Outbound = "outbound",
        /// `platform.api`
        PlatformApi = "platform.api",
        /// `predictive.routing`
        PredictiveRouting = "predictive.routing",
        /// `presence`
        Presence = "presence",
        /// `quality`
        Quality = "quality",
        /// `recording`
        Recording = "recording",
        /// `response.management`
        ResponseManagement = "response.management",
        /// `routing`
        Routing = "routing",
        /// `scim`
        Scim = "scim",
        /// `search`
        Search = "search",
        /// `secondary.automation.testing`
        SecondaryAutomationTesting = "secondary.automation.testing",
        /// `skills`
        Skills = "skills",
        /// `speech.and.text.analytics`
        SpeechAndTextAnalytics = "speech.and.text.analytics",
        /// `speech.integration`
        SpeechIntegration = "speech.integration",
        /// `supportability`
        Supportability = "supportability",
        /// `task.management`
        TaskManagement = "task.management",
        /// `telephony.configuration`
        TelephonyConfiguration = "telephony.configuration",
        /// `usage`
        Usage = "usage",
        /// `users`
        Users = "users",
        /// `web.deployments`
        WebDeployments = "web.deployments",
        /// `web.messaging`
        WebMessaging = "web.messaging",
        /// `webchat`
        Webchat = "webchat",
        /// `webhooks`
        Webhooks = "webhooks",
        /// `workforce.management`
        WorkforceManagement = "workforce.management",
    }
}

string_enum! {
    /// Delivery status of a message.
    MessageStatus {
        /// `queued`
        Queued = "queued",
        /// `sent`
        Sent = "sent",
        /// `failed`
        Failed = "failed",
        /// `received`
        Received = "received",
        /// `delivery-success`
        DeliverySuccess = "delivery-success",
        /// `delivery-failed`
        DeliveryFailed = "delivery-failed",
        /// `read`
        Read = "read",
        /// `removed`
        Removed = "removed",
        /// `published`
        Published = "published",
    }
}

string_enum! {
    /// Messaging platform of a message communication (lower case).
    MessageType {
        /// `unknown`
        Unspecified = "unknown",
        /// `sms`
        Sms = "sms",
        /// `twitter`
        Twitter = "twitter",
        /// `facebook`
        Facebook = "facebook",
        /// `line`
        Line = "line",
        /// `viber`
        Viber = "viber",
        /// `wechat`
        Wechat = "wechat",
        /// `whatsapp`
        Whatsapp = "whatsapp",
        /// `telegram`
        Telegram = "telegram",
        /// `kakao`
        Kakao = "kakao",
        /// `webmessaging`
        Webmessaging = "webmessaging",
        /// `open`
        Open = "open",
        /// `instagram`
        Instagram = "instagram",
        /// `apple`
        Apple = "apple",
    }
}

string_enum! {
    /// Level of screen monitoring.
    MonitoringType {
        /// `Unknown`
        Unspecified = "Unknown",
        /// `AgentLevel`
        AgentLevel = "AgentLevel",
        /// `ConversationLevel`
        ConversationLevel = "ConversationLevel",
    }
}

string_enum! {
    /// Recording state of a conversation.
    RecordingState {
        /// `none`
        None = "none",
        /// `active`
        Active = "active",
        /// `paused`
        Paused = "paused",
    }
}

string_enum! {
    /// State of screen recording.
    ScreenRecordingState {
        /// `requested`
        Requested = "requested",
        /// `active`
        Active = "active",
        /// `paused`
        Paused = "paused",
        /// `stopped`
        Stopped = "stopped",
        /// `error`
        Error = "error",
        /// `timeout`
        Timeout = "timeout",
    }
}

string_enum! {
    /// Visibility of a social media message.
    SocialVisibility {
        /// `private`
        Private = "private",
        /// `public`
        Public = "public",
    }
}

string_enum! {
    /// State of a transfer.
    TransferState {
        /// `pending`
        Pending = "pending",
        /// `active`
        Active = "active",
        /// `complete`
        Complete = "complete",
        /// `canceled`
        Canceled = "canceled",
        /// `failed`
        Failed = "failed",
        /// `timeout`
        Timeout = "timeout",
        /// `unknown`
        Unspecified = "unknown",
    }
}

string_enum! {
    /// Kind of a transfer (`attended`, `unattended`).
    TransferType {
        /// `attended`
        Attended = "attended",
        /// `unattended`
        Unattended = "unattended",
    }
}

string_enum! {
    /// Status of an upload.
    UploadStatus {
        /// `pending`
        Pending = "pending",
        /// `complete`
        Complete = "complete",
        /// `failed`
        Failed = "failed",
        /// `timeout`
        Timeout = "timeout",
        /// `none`
        None = "none",
    }
}
