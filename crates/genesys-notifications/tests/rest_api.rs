//! The REST client and OAuth against the simulator, over real sockets, under paused time.
#![cfg(feature = "rest")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::rest::{CLIENT, client_credentials, rest_client_with as rest_client};

use std::time::Duration;

use genesys_notifications::rest::{
    ChannelScope, Credentials, Environment, RestClient, RestError, RestErrorKind, Secret,
    TokenFuture, TokenProvider, TopicState,
};
use genesys_notifications::{ErrorKind, Reason, ReconnectPolicy};
use genesys_sim::{DeniedTopic, RateLimit, SimConfig, Simulator};
use tokio::time::Instant;

const USER_PRESENCE: &str = "v2.users.0a1b2c3d-0000-4000-8000-000000000001.presence";
const USER_ROUTING: &str = "v2.users.0a1b2c3d-0000-4000-8000-000000000001.routingStatus";
const QUEUE_OBS: &str = "v2.analytics.queues.0a1b2c3d-0000-4000-8000-00000000000q.observations";

async fn simulator(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

#[tokio::test(start_paused = true)]
async fn token_is_fetched_once_and_cached() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    assert_eq!(rest.token_fetches().await, 0);
    let first = rest.access_token().await.unwrap();
    rest.create_channel().await.unwrap();
    rest.list_channels(ChannelScope::Token).await.unwrap();
    let again = rest.access_token().await.unwrap();
    assert_eq!(first.expose_secret(), again.expose_secret());
    assert_eq!(rest.token_fetches().await, 1);
}

#[tokio::test(start_paused = true)]
async fn token_is_refreshed_a_minute_before_expiry() {
    let config = SimConfig {
        token_lifetime: Duration::from_secs(3600),
        ..SimConfig::default()
    };
    let sim = simulator(config).await;
    let rest = rest_client(&sim, client_credentials());
    let first = rest.access_token().await.unwrap();
    // Refreshed 60 s before the end of its hour (a tenth of the lifetime, capped at 60 s).
    tokio::time::advance(Duration::from_secs(3539)).await;
    let channel = rest.create_channel().await.unwrap();
    assert_eq!(rest.token_fetches().await, 1);
    tokio::time::advance(Duration::from_secs(1)).await;
    rest.subscriptions(&channel.id).await.unwrap();
    assert_eq!(rest.token_fetches().await, 2);
    let second = rest.access_token().await.unwrap();
    assert_ne!(first.expose_secret(), second.expose_secret());
    // The old token would have expired one minute later; the new one keeps working.
    tokio::time::advance(Duration::from_secs(120)).await;
    rest.subscriptions(&channel.id).await.unwrap();
    assert_eq!(rest.token_fetches().await, 2);
}

#[tokio::test(start_paused = true)]
async fn revoked_token_is_refreshed_once_on_401() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    let channel = rest.create_channel().await.unwrap();
    assert_eq!(sim.revoke_tokens(CLIENT), 1);
    // The 401 makes the client fetch a new token and retry the call once.
    assert!(rest.channel_exists(&channel.id).await.unwrap());
    assert_eq!(rest.token_fetches().await, 2);
}

#[tokio::test(start_paused = true)]
async fn revoked_static_token_is_a_clear_401_without_the_token() {
    let sim = simulator(SimConfig::default()).await;
    let token = sim.issue_token(CLIENT);
    let rest = rest_client(&sim, Credentials::access_token(token.clone()));
    rest.create_channel().await.unwrap();
    sim.revoke_tokens(CLIENT);
    let lib_error = rest.create_channel().await.unwrap_err();
    let error = RestError::of(&lib_error).expect("REST details");
    assert_eq!(error.kind(), RestErrorKind::Status);
    assert_eq!(error.status(), Some(401));
    assert!(error.is_unauthorized());
    assert!(error.message().is_some());
    assert_eq!(lib_error.kind(), ErrorKind::Authorization);
    assert_eq!(lib_error.reason(), Reason::HttpUnauthorized);
    assert_eq!(lib_error.status(), Some(401));
    let shown = format!("{error} {error:?} {lib_error} {lib_error:?} {rest:?}");
    assert!(!shown.contains(&token), "{shown}");
    assert_eq!(rest.token_fetches().await, 1);
}

#[tokio::test(start_paused = true)]
async fn wrong_secret_is_a_token_error_that_never_shows_the_secret() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(
        &sim,
        Credentials::client_credentials(CLIENT, "wrong-secret-value"),
    );
    let lib_error = rest.create_channel().await.unwrap_err();
    let error = RestError::of(&lib_error).expect("REST details");
    assert_eq!(error.kind(), RestErrorKind::Token);
    assert_eq!(error.status(), Some(401));
    assert_eq!(lib_error.kind(), ErrorKind::Authorization);
    assert!(lib_error.is_authorization_failure() && lib_error.is_connection_failure());
    let shown = format!("{error} {error:?} {lib_error} {lib_error:?} {rest:?}");
    assert!(!shown.contains("wrong-secret-value"), "{shown}");
    assert!(shown.contains("401"), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn channels_created_listed_and_checked() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    let a = rest.create_channel().await.unwrap();
    let b = rest.create_channel().await.unwrap();
    assert_ne!(a.id, b.id);
    assert!(
        a.connect_uri.starts_with("ws://127.0.0.1:"),
        "{}",
        a.connect_uri
    );
    assert!(a.connect_uri.ends_with(&a.id));
    assert!(a.expires_at().is_some());
    let listed = rest.list_channels(ChannelScope::Token).await.unwrap();
    let mut ids: Vec<_> = listed.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    let mut expected = vec![a.id.as_str(), b.id.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);

    // Another token of the same client sees their expiry only.
    let other = rest_client(&sim, client_credentials());
    assert!(
        other
            .list_channels(ChannelScope::Token)
            .await
            .unwrap()
            .is_empty()
    );
    let all = other
        .list_channels(ChannelScope::OauthClient)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|c| c.id.is_empty() && c.expires.is_some()));

    assert!(rest.channel_exists(&a.id).await.unwrap());
    assert!(
        !rest
            .channel_exists("streaming-0-doesnotexist")
            .await
            .unwrap()
    );
    let lib_error = rest.channel_exists("").await.unwrap_err();
    let error = RestError::of(&lib_error).expect("REST details");
    assert_eq!(error.kind(), RestErrorKind::InvalidRequest);
}

#[tokio::test(start_paused = true)]
async fn subscriptions_get_replace_add_and_remove_all() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    let channel = rest.create_channel().await.unwrap();
    assert!(
        rest.subscriptions(&channel.id)
            .await
            .unwrap()
            .entities
            .is_empty()
    );

    let put = rest
        .replace_subscriptions(&channel.id, &[USER_PRESENCE], false)
        .await
        .unwrap();
    assert_eq!(put.topic_ids(), [USER_PRESENCE]);
    let post = rest
        .add_subscriptions(&channel.id, &[USER_ROUTING.to_owned()], false)
        .await
        .unwrap();
    assert!(post.topic_ids().contains(&USER_ROUTING.to_owned()));
    let mut listed = rest.subscriptions(&channel.id).await.unwrap().topic_ids();
    listed.sort_unstable();
    assert_eq!(listed, [USER_PRESENCE, USER_ROUTING]);
    assert_eq!(sim.stats().channel(&channel.id).unwrap().topics.len(), 2);

    rest.remove_all_subscriptions(&channel.id).await.unwrap();
    assert!(
        rest.subscriptions(&channel.id)
            .await
            .unwrap()
            .entities
            .is_empty()
    );
    let empty: [&str; 0] = [];
    rest.replace_subscriptions(&channel.id, &[USER_PRESENCE], false)
        .await
        .unwrap();
    let cleared = rest
        .replace_subscriptions(&channel.id, &empty, false)
        .await
        .unwrap();
    assert!(cleared.entities.is_empty());
    assert!(sim.stats().channel(&channel.id).unwrap().topics.is_empty());
}

#[tokio::test(start_paused = true)]
async fn rejected_topics_are_reported_per_topic_with_ignore_errors() {
    let config = SimConfig {
        denied_topics: vec![DeniedTopic {
            pattern: "v2.analytics.*".into(),
            missing_permissions: vec!["analytics:queueObservation:view".into()],
        }],
        ..SimConfig::default()
    };
    let sim = simulator(config).await;
    let rest = rest_client(&sim, client_credentials());
    let channel = rest.create_channel().await.unwrap();

    let result = rest
        .replace_subscriptions(&channel.id, &[USER_PRESENCE, QUEUE_OBS], true)
        .await
        .unwrap();
    let rejected: Vec<_> = result.rejected().collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].id, QUEUE_OBS);
    assert_eq!(rejected[0].state, Some(TopicState::Rejected));
    assert!(rejected[0].rejection_reason.is_some());
    assert_eq!(
        rejected[0].missing_permissions,
        ["analytics:queueObservation:view"]
    );
    assert_eq!(result.topic_ids(), [USER_PRESENCE]);
    assert_eq!(
        sim.stats().channel(&channel.id).unwrap().topics,
        [USER_PRESENCE]
    );

    // Without ignoreErrors the whole batch fails and nothing changes.
    let lib_error = rest
        .add_subscriptions(&channel.id, &[USER_ROUTING, QUEUE_OBS], false)
        .await
        .unwrap_err();
    let error = RestError::of(&lib_error).expect("REST details");
    assert_eq!(error.kind(), RestErrorKind::Status);
    assert_eq!(error.status(), Some(403));
    assert!(error.code().is_some());
    assert_eq!(
        sim.stats().channel(&channel.id).unwrap().topics,
        [USER_PRESENCE]
    );
}

#[tokio::test(start_paused = true)]
async fn more_than_a_thousand_topics_is_a_400_with_the_genesys_error_body() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    let channel = rest.create_channel().await.unwrap();
    let topics: Vec<String> = (0..1001)
        .map(|i| format!("v2.users.00000000-0000-4000-8000-{i:012}.presence"))
        .collect();
    let lib_error = rest
        .replace_subscriptions(&channel.id, &topics, true)
        .await
        .unwrap_err();
    let error = RestError::of(&lib_error).expect("REST details");
    assert_eq!(error.kind(), RestErrorKind::Status);
    assert_eq!(error.status(), Some(400));
    assert_eq!(lib_error.kind(), ErrorKind::Subscription);
    assert_eq!(lib_error.reason(), Reason::InvalidStatusCode(400));
    assert!(lib_error.message().is_some_and(|m| m.contains("HTTP 400")));
    let body = error.body().expect("a Genesys error body");
    assert_eq!(body.status, Some(400));
    assert!(body.message.is_some());
    assert!(error.code().is_some());
    assert!(error.context_id().is_some());
    assert!(!error.is_transient());
    // Exactly 1,000 is fine.
    rest.replace_subscriptions(&channel.id, &topics[..1000], true)
        .await
        .unwrap();
    let token = rest.access_token().await.unwrap();
    assert!(!format!("{error} {error:?}").contains(token.expose_secret()));
}

#[tokio::test(start_paused = true)]
async fn unknown_channel_is_a_404() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    for lib_error in [
        rest.subscriptions("streaming-0-nope").await.unwrap_err(),
        rest.add_subscriptions("streaming-0-nope", &[USER_PRESENCE], true)
            .await
            .unwrap_err(),
        rest.remove_all_subscriptions("streaming-0-nope")
            .await
            .unwrap_err(),
    ] {
        assert_eq!(lib_error.kind(), ErrorKind::Subscription);
        assert_eq!(lib_error.reason(), Reason::ChannelNotFound);
        let error = RestError::of(&lib_error).expect("REST details");
        assert!(error.is_not_found(), "{error:?}");
        assert_eq!(error.status(), Some(404));
        assert!(
            error
                .request()
                .is_some_and(|r| r.contains("streaming-0-nope"))
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_429_is_retried_after_exactly_retry_after() {
    let config = SimConfig {
        rate_limit: Some(RateLimit {
            requests: 2,
            per: Duration::from_secs(10),
        }),
        ..SimConfig::default()
    };
    let sim = simulator(config).await;
    let rest = rest_client(&sim, client_credentials());
    rest.access_token().await.unwrap();
    let start = Instant::now();
    rest.create_channel().await.unwrap();
    rest.create_channel().await.unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO);
    // The third request of the window is refused with Retry-After: 10, then retried.
    rest.create_channel().await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(10));

    // Without retries the 429 surfaces with its Retry-After.
    let impatient = RestClient::builder(
        Environment::local(&sim.base_url()).unwrap(),
        client_credentials(),
    )
    .retry_policy(ReconnectPolicy::never())
    .build()
    .unwrap();
    impatient.create_channel().await.unwrap();
    let lib_error = impatient.create_channel().await.unwrap_err();
    let error = RestError::of(&lib_error).expect("REST details");
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(10)));
    assert_eq!(lib_error.reason(), Reason::InvalidStatusCode(429));
    assert!(error.is_transient());
}

#[tokio::test(start_paused = true)]
async fn available_topics_catalogue() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    let topics = rest
        .available_topics(&["description", "schema", "topicParameters"], true)
        .await
        .unwrap();
    assert!(
        topics.iter().any(|t| t.id == "v2.users.{id}.presence"),
        "{topics:?}"
    );
    assert!(topics.iter().all(|t| !t.id.is_empty()));
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_retried_then_a_transport_error() {
    let sim = simulator(SimConfig::default()).await;
    let base = sim.base_url();
    sim.shutdown().await;
    let rest = RestClient::builder(
        Environment::local(&base).unwrap(),
        Credentials::access_token("t"),
    )
    .retry_policy(
        ReconnectPolicy::default()
            .jitter(false)
            .initial_delay(Duration::from_millis(500))
            .max_attempts(Some(3)),
    )
    .build()
    .unwrap();
    let start = Instant::now();
    let lib_error = rest.create_channel().await.unwrap_err();
    let error = RestError::of(&lib_error).expect("REST details");
    assert_eq!(error.kind(), RestErrorKind::Transport);
    // The reconnect schedule: at once, then 500 ms, then 1 s.
    assert_eq!(start.elapsed(), Duration::from_millis(1500));
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test(start_paused = true)]
async fn a_503_outage_is_retried_with_the_reconnect_schedule() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, client_credentials());
    rest.access_token().await.unwrap();
    sim.outage(Duration::from_millis(2500));
    let start = Instant::now();
    // Attempts at 0 s, 0 s (immediate first retry), 1 s and 3 s: the last one succeeds.
    rest.list_channels(ChannelScope::Token).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(3));

    sim.outage(Duration::from_secs(3600));
    let start = Instant::now();
    let lib_error = rest.create_channel().await.unwrap_err();
    let error = RestError::of(&lib_error).expect("REST details");
    assert_eq!(error.status(), Some(503));
    assert!(error.is_transient());
    assert_eq!(lib_error.reason(), Reason::InvalidStatusCode(503));
    // At once, then 1 s, 2 s, 4 s: four retries, then the error.
    assert_eq!(start.elapsed(), Duration::from_secs(7));
}

/// A provider handing out tokens minted by the simulator, counting the 401-driven refreshes.
struct SimTokens {
    sim_base: String,
    tokens: std::sync::Mutex<Vec<String>>,
    rejected: std::sync::atomic::AtomicU32,
}

impl TokenProvider for SimTokens {
    fn access_token(&self, rejected: bool) -> TokenFuture<'_> {
        if rejected {
            self.rejected
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        let next = self.tokens.lock().unwrap().pop();
        let base = self.sim_base.clone();
        Box::pin(async move {
            next.map(Secret::new)
                .ok_or_else(|| format!("no token left for {base}").into())
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_token_provider_is_asked_again_after_a_401() {
    let sim = simulator(SimConfig::default()).await;
    let second = sim.issue_token(CLIENT);
    let first = sim.issue_token(CLIENT);
    let provider = std::sync::Arc::new(SimTokens {
        sim_base: sim.base_url(),
        tokens: std::sync::Mutex::new(vec![second.clone(), first.clone()]),
        rejected: std::sync::atomic::AtomicU32::new(0),
    });
    struct Shared(std::sync::Arc<SimTokens>);
    impl TokenProvider for Shared {
        fn access_token(&self, rejected: bool) -> TokenFuture<'_> {
            self.0.access_token(rejected)
        }
    }
    let rest = rest_client(&sim, Credentials::provider(Shared(provider.clone())));
    let channel = rest.create_channel().await.unwrap();
    assert_eq!(rest.access_token().await.unwrap().expose_secret(), first);
    // Revoke the first token only: the next call gets a 401 and asks the provider again.
    sim.revoke_tokens(CLIENT);
    let third = sim.issue_token(CLIENT);
    provider.tokens.lock().unwrap().insert(0, third.clone());
    provider.tokens.lock().unwrap().retain(|t| *t != second);
    assert!(rest.channel_exists(&channel.id).await.unwrap());
    assert_eq!(
        provider.rejected.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(rest.access_token().await.unwrap().expose_secret(), third);
    assert_eq!(rest.token_fetches().await, 2);

    // A provider failure is reported as such.
    sim.revoke_tokens(CLIENT);
    let lib_error = rest.channel_exists(&channel.id).await.unwrap_err();
    let error = RestError::of(&lib_error).expect("REST details");
    assert_eq!(error.kind(), RestErrorKind::TokenProvider);
    assert!(std::error::Error::source(error).is_some());
}

/// Several callers at once when the token is due (expiry) or rejected (401): one fetch, one
/// new token for all of them.
#[tokio::test(start_paused = true)]
async fn concurrent_callers_at_expiry_or_after_a_401_share_one_fetch() {
    const CALLERS: usize = 8;
    let config = SimConfig {
        token_lifetime: Duration::from_secs(3600),
        ..SimConfig::default()
    };
    let sim = simulator(config).await;
    let rest = rest_client(&sim, client_credentials());
    let channel = rest.create_channel().await.unwrap();
    let first = rest.access_token().await.unwrap();
    assert_eq!(rest.token_fetches().await, 1);

    // At the refresh point: every caller wants a token at the same moment.
    tokio::time::advance(Duration::from_secs(3540)).await;
    let calls = (0..CALLERS).map(|i| {
        let (rest, id) = (rest.clone(), channel.id.clone());
        tokio::spawn(async move {
            if i % 2 == 0 {
                rest.access_token()
                    .await
                    .map(|t| Some(t.expose_secret().to_owned()))
            } else {
                rest.subscriptions(&id).await.map(|_| None)
            }
        })
    });
    let answers = futures_util::future::join_all(calls).await;
    let tokens: Vec<String> = answers
        .into_iter()
        .filter_map(|a| a.unwrap().unwrap())
        .collect();
    assert_eq!(tokens.len(), CALLERS / 2);
    assert_eq!(
        rest.token_fetches().await,
        2,
        "one fetch for {CALLERS} callers"
    );
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert_ne!(tokens[0], first.expose_secret());

    // After a revocation: every caller gets a 401, one new token serves them all.
    assert_eq!(sim.revoke_tokens(CLIENT), 2);
    let calls = (0..CALLERS).map(|_| {
        let (rest, id) = (rest.clone(), channel.id.clone());
        tokio::spawn(async move { rest.channel_exists(&id).await })
    });
    for answer in futures_util::future::join_all(calls).await {
        assert!(answer.unwrap().unwrap());
    }
    assert_eq!(
        rest.token_fetches().await,
        3,
        "one fetch for {CALLERS} rejected callers"
    );
}

/// An unreachable token endpoint: the error's chain (as `anyhow`'s `{:#}` or a log prints
/// it) names the request once, then the transport's cause; never the same context twice.
#[tokio::test(start_paused = true)]
async fn an_unreachable_token_endpoint_is_one_readable_chain() {
    let sim = simulator(SimConfig::default()).await;
    let base = sim.base_url();
    sim.shutdown().await;
    let rest = RestClient::builder(Environment::local(&base).unwrap(), client_credentials())
        .retry_policy(
            ReconnectPolicy::default()
                .jitter(false)
                .max_attempts(Some(2)),
        )
        .build()
        .unwrap();
    let error = rest.create_channel().await.unwrap_err();
    let mut levels = vec![error.to_string()];
    let mut next = std::error::Error::source(&error);
    while let Some(cause) = next {
        levels.push(cause.to_string());
        next = cause.source();
    }
    let chain = levels.join(": ");
    let context = "the REST request failed (POST /oauth/token)";
    assert_eq!(chain.matches(context).count(), 1, "{chain}");
    assert!(levels.len() >= 2, "the transport's cause follows: {chain}");
    assert!(!levels[0].contains(&levels[1]), "repeated: {chain}");
    assert_eq!(
        RestError::of(&error).map(RestError::kind),
        Some(RestErrorKind::Transport)
    );
}
