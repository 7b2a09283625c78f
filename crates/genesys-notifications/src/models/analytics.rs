//! Bodies of the analytics topics: queue observations, queue activity and user aggregates.

use std::collections::HashMap;

use serde::Deserialize;

/// Part of the event body of `v2.analytics.queues.{id}.observations`,
/// `v2.analytics.users.{id}.aggregates`.
///
/// Same shape as the SDK models `StatEventQueueTopicIntervalMetrics`,
/// `StatEventUserTopicIntervalMetrics`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct IntervalMetrics {
    /// Interval.
    pub interval: Option<String>,
    /// Metrics.
    pub metrics: Option<Vec<MetricStats>>,
}

/// Part of the event body of `v2.analytics.queues.{id}.activity`.
///
/// Same shape as the SDK model `V2QueueObservationMetricCountData`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetricCountData {
    /// The observation metric.
    pub metric: Option<ObservationMetric>,
    /// The total number of ongoing observations for this metric and media type.
    pub count: Option<i64>,
    /// Calculated metric value.
    pub calculated_metric_value: Option<i64>,
}

/// Part of the event body of `v2.analytics.queues.{id}.activity`.
///
/// Same shape as the SDK model `V2QueueObservationMetricCountGroup`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetricCountGroup {
    /// MediaType for this set of observations.
    pub media_type: Option<String>,
    /// Observation metric data.
    pub data: Option<Vec<MetricCountData>>,
}

/// Part of the event body of `v2.analytics.queues.{id}.observations`,
/// `v2.analytics.users.{id}.aggregates`.
///
/// Same shape as the SDK models `StatEventQueueTopicMetricStats`,
/// `StatEventUserTopicMetricStats`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetricStats {
    /// Metric.
    pub metric: Option<String>,
    /// Qualifier.
    pub qualifier: Option<String>,
    /// Stats.
    pub stats: Option<HashMap<String, f64>>,
}

/// The event body of `v2.analytics.queues.{id}.activity`.
///
/// Same shape as the SDK model `V2QueueObservationObservationCountNotification`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ObservationCountNotification {
    /// List of observations by grouping.
    pub results: Option<Vec<MetricCountGroup>>,
}

/// The event body of `v2.analytics.queues.{id}.observations`, `v2.analytics.users.{id}.aggregates`.
///
/// Same shape as the SDK models `StatEventQueueTopicStatsNotification`,
/// `StatEventUserTopicStatsNotification`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct StatsNotification {
    /// Group.
    pub group: Option<HashMap<String, String>>,
    /// Data.
    pub data: Option<Vec<IntervalMetrics>>,
}

string_enum! {
    /// Queue observation metric.
    ObservationMetric {
        /// `oAlerting`
        OAlerting = "oAlerting",
        /// `oInteracting`
        OInteracting = "oInteracting",
        /// `oWaiting`
        OWaiting = "oWaiting",
        /// `oFlow`
        OFlow = "oFlow",
        /// `oLongestWaiting`
        OLongestWaiting = "oLongestWaiting",
        /// `oLongestInteracting`
        OLongestInteracting = "oLongestInteracting",
    }
}
