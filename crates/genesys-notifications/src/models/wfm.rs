//! Bodies of the workforce-management topics.

use serde::Deserialize;

use super::{
    Timestamp,
    common::{IdReference, RoutingState, UriReference},
};

/// Part of the event body of `v2.users.{id}.workforcemanagement.adherence`,
/// `v2.workforcemanagement.managementunits.{id}.adherence`.
///
/// Same shape as the SDK models `WfmUserScheduleAdherenceUpdatedMuTopicActivityCodeReference`,
/// `WfmUserScheduleAdherenceUpdatedTopicActivityCodeReference`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivityCodeReference {
    /// Id.
    pub id: Option<String>,
    /// Secondary presences.
    pub secondary_presences: Option<Vec<IdReference>>,
}

/// Part of the event body of `v2.users.{id}.workforcemanagement.schedules`.
///
/// Same shape as the SDK model `WfmAgentScheduleUpdateTopicAgentScheduleShiftUpdate`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentScheduleShiftUpdate {
    /// Type.
    #[serde(rename = "type")]
    pub kind: Option<ShiftUpdateType>,
    /// Shift start dates.
    pub shift_start_dates: Option<Vec<Timestamp>>,
}

/// The event body of `v2.users.{id}.workforcemanagement.schedules`.
///
/// Same shape as the SDK model `WfmAgentScheduleUpdateTopicAgentScheduleUpdateNotification`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentScheduleUpdateNotification {
    /// User.
    pub user: Option<IdReference>,
    /// Start date.
    pub start_date: Option<Timestamp>,
    /// End date.
    pub end_date: Option<Timestamp>,
    /// Updates.
    pub updates: Option<Vec<AgentScheduleShiftUpdate>>,
    /// Visibility range.
    pub visibility_range: Option<AgentScheduleVisibilityRange>,
}

/// Part of the event body of `v2.users.{id}.workforcemanagement.schedules`.
///
/// Same shape as the SDK model `WfmAgentScheduleUpdateTopicAgentScheduleVisibilityRange`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentScheduleVisibilityRange {
    /// End business unit date.
    pub end_business_unit_date: Option<Timestamp>,
    /// End date.
    pub end_date: Option<Timestamp>,
}

/// Part of the event body of `v2.users.{id}.workforcemanagement.adherence`,
/// `v2.workforcemanagement.managementunits.{id}.adherence`.
///
/// Same shape as the SDK models
/// `WfmUserScheduleAdherenceUpdatedMuTopicRealTimeAdherenceExplanation`,
/// `WfmUserScheduleAdherenceUpdatedTopicRealTimeAdherenceExplanation`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct RealTimeAdherenceExplanation {
    /// Status.
    pub status: Option<ExplanationStatus>,
    /// Id.
    pub id: Option<String>,
    /// Start date.
    pub start_date: Option<Timestamp>,
    /// Length minutes.
    pub length_minutes: Option<i64>,
}

/// Part of the event body of `v2.users.{id}.workforcemanagement.adherence`,
/// `v2.workforcemanagement.managementunits.{id}.adherence`.
///
/// Same shape as the SDK models
/// `WfmUserScheduleAdherenceUpdatedMuTopicUserNextActivityReminder`,
/// `WfmUserScheduleAdherenceUpdatedTopicUserNextActivityReminder`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserNextActivityReminder {
    /// Activity category.
    pub activity_category: Option<String>,
    /// Start date.
    pub start_date: Option<Timestamp>,
}

/// The event body of `v2.users.{id}.workforcemanagement.adherence`, `v2.workforcemanagement.managementunits.{id}.adherence`.
///
/// Same shape as the SDK models
/// `WfmUserScheduleAdherenceUpdatedMuTopicUserScheduleAdherenceUpdate`,
/// `WfmUserScheduleAdherenceUpdatedTopicUserScheduleAdherenceUpdate`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserScheduleAdherenceUpdate {
    /// Routing status.
    pub routing_status: Option<RoutingState>,
    /// Adherence state.
    pub adherence_state: Option<AdherenceState>,
    /// User.
    pub user: Option<IdReference>,
    /// Management unit id.
    pub management_unit_id: Option<String>,
    /// Business unit id.
    pub business_unit_id: Option<String>,
    /// Team.
    pub team: Option<UriReference>,
    /// Scheduled activity category.
    pub scheduled_activity_category: Option<String>,
    /// Scheduled activity code.
    pub scheduled_activity_code: Option<ActivityCodeReference>,
    /// System presence.
    pub system_presence: Option<String>,
    /// Organization secondary presence id.
    pub organization_secondary_presence_id: Option<String>,
    /// Actual activity category.
    pub actual_activity_category: Option<String>,
    /// Is out of office.
    pub is_out_of_office: Option<bool>,
    /// Impact.
    pub impact: Option<String>,
    /// Adherence explanation.
    pub adherence_explanation: Option<RealTimeAdherenceExplanation>,
    /// Adherence change time.
    pub adherence_change_time: Option<Timestamp>,
    /// Presence update time.
    pub presence_update_time: Option<Timestamp>,
    /// Active queues.
    pub active_queues: Option<Vec<IdReference>>,
    /// Active queues modified time.
    pub active_queues_modified_time: Option<Timestamp>,
    /// Removed from management unit.
    pub removed_from_management_unit: Option<bool>,
    /// Suppress on time reminder.
    pub suppress_on_time_reminder: Option<bool>,
    /// Next activity reminders.
    pub next_activity_reminders: Option<Vec<UserNextActivityReminder>>,
}

string_enum! {
    /// Real-time adherence of a user to the schedule.
    AdherenceState {
        /// `InAdherence`
        InAdherence = "InAdherence",
        /// `OutOfAdherence`
        OutOfAdherence = "OutOfAdherence",
        /// `Unscheduled`
        Unscheduled = "Unscheduled",
        /// `Unknown`
        Unspecified = "Unknown",
        /// `Ignored`
        Ignored = "Ignored",
        /// `Explained`
        Explained = "Explained",
    }
}

string_enum! {
    /// Review status of a real-time adherence explanation.
    ExplanationStatus {
        /// `Pending`
        Pending = "Pending",
        /// `Approved`
        Approved = "Approved",
        /// `Denied`
        Denied = "Denied",
    }
}

string_enum! {
    /// What happened to a scheduled shift.
    ShiftUpdateType {
        /// `Added`
        Added = "Added",
        /// `Edited`
        Edited = "Edited",
        /// `Deleted`
        Deleted = "Deleted",
    }
}
