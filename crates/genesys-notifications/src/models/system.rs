//! Bodies of the system topics (`v2.system.*`, `v2.subscription.updated`).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

/// The event body of `v2.subscription.updated`, `v2.system.no_longer_subscribed.{id}`, `v2.system.socket_closing`, `v2.system.token_revoked.{id}`, `v2.system.{id}.{id}`.
///
/// Same shape as the SDK models `SystemMessageSystemMessage`, `UpdatedTopicSystemMessage`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct SystemMessage {
    /// System topic type.
    pub system_topic_type: Option<SystemTopicType>,
    /// Reason.
    pub reason: Option<SystemMessageReason>,
    /// Channel id.
    pub channel_id: Option<String>,
    /// Correlation id.
    pub correlation_id: Option<String>,
    /// Organization id.
    pub organization_id: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Oauth client id.
    pub oauth_client_id: Option<String>,
    /// Oauth client org id.
    pub oauth_client_org_id: Option<String>,
    /// Message.
    pub message: Option<String>,
    /// Data.
    pub data: Option<HashMap<String, Value>>,
}

string_enum! {
    /// Reason given by a system message.
    SystemMessageReason {
        /// `another_channel_subscribed`
        AnotherChannelSubscribed = "another_channel_subscribed",
        /// `user_tokens_revoked`
        UserTokensRevoked = "user_tokens_revoked",
    }
}

string_enum! {
    /// Kind of a system message.
    SystemTopicType {
        /// `no_longer_subscribed`
        NoLongerSubscribed = "no_longer_subscribed",
        /// `subscription_changed`
        SubscriptionChanged = "subscription_changed",
        /// `token_revoked`
        TokenRevoked = "token_revoked",
    }
}
