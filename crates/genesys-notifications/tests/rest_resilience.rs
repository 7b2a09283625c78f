//! REST resilience and secrets on the wire, against the simulator over real sockets under
//! paused time: token fetches and channel creation retried within the policy, a channel
//! created by a lost answer reused (or left to expire), long `Retry-After`s waited out only
//! within the deadline, and connect URIs and base URLs that would travel in clear refused.
#![cfg(feature = "rest")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use genesys_notifications::rest::{
    ChannelScope, Credentials, Environment, ManagedOptions, RestClient, RestError, RestErrorKind,
};
use genesys_notifications::{ErrorKind, Reason, ReconnectPolicy};
use genesys_sim::{RateLimit, RestFault, RestRoute, SimConfig, Simulator};
use tokio::time::Instant;

const CLIENT: &str = "demo-client";
const SECRET: &str = "demo-secret";
const TOPIC: &str = "v2.users.0a1b2c3d-0000-4000-8000-000000000001.presence";
const S: Duration = Duration::from_secs(1);

async fn simulator(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

/// No jitter, so retry times are exact: 0 s, 1 s, 2 s, 4 s.
fn policy() -> ReconnectPolicy {
    ReconnectPolicy::default()
        .jitter(false)
        .max_attempts(Some(4))
        .max_elapsed(Some(60 * S))
}

fn env(sim: &Simulator) -> Environment {
    Environment::local(&format!("http://{}", sim.addr())).unwrap()
}

fn rest_client(sim: &Simulator, policy: ReconnectPolicy) -> RestClient {
    RestClient::builder(env(sim), Credentials::client_credentials(CLIENT, SECRET))
        .retry_policy(policy)
        .request_timeout(10 * S)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn token_fetches_are_retried_within_the_policy() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, policy());
    sim.rest_fault(RestRoute::Token, RestFault::Status(503), 2);
    let t0 = Instant::now();
    rest.create_channel().await.unwrap();
    assert_eq!(t0.elapsed(), S, "retried at once, then after 1 s");
    assert_eq!(rest.token_fetches().await, 1);

    // A token request that times out is retried too.
    let rest = rest_client(&sim, policy());
    sim.rest_fault(RestRoute::Token, RestFault::Delay(30 * S), 1);
    let t0 = Instant::now();
    rest.list_channels(ChannelScope::Token).await.unwrap();
    assert_eq!(
        t0.elapsed(),
        10 * S,
        "one request timeout, then an immediate retry"
    );

    // The policy bounds the retries: 4 retries, then the last failure.
    let rest = rest_client(&sim, policy());
    sim.rest_fault(RestRoute::Token, RestFault::Status(500), 10);
    let t0 = Instant::now();
    let error = rest.create_channel().await.unwrap_err();
    assert_eq!(t0.elapsed(), 7 * S);
    let details = RestError::of(&error).unwrap();
    assert_eq!(details.kind(), RestErrorKind::Token);
    assert_eq!(details.status(), Some(500));
    sim.rest_fault(RestRoute::Token, RestFault::Status(500), 0);

    // Refused credentials are not retried.
    let bad = RestClient::builder(env(&sim), Credentials::client_credentials(CLIENT, "wrong"))
        .retry_policy(policy())
        .build()
        .unwrap();
    let t0 = Instant::now();
    let error = bad.create_channel().await.unwrap_err();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(error.kind(), ErrorKind::Authorization);
}

#[tokio::test(start_paused = true)]
async fn channel_creation_is_retried_and_a_channel_from_a_lost_answer_is_reused() {
    let sim = simulator(SimConfig::default()).await;
    let rest = rest_client(&sim, policy());

    // Served, but the answer is a 504: the retry finds that channel instead of making another.
    sim.rest_fault(
        RestRoute::CreateChannel,
        RestFault::StatusAfterProcessing(504),
        1,
    );
    let channel = rest.create_channel().await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.channels.len(), 1, "no second channel");
    assert_eq!(stats.channels[0].id, channel.id);

    // Not served (a 500 before any work): retried, one new channel.
    sim.rest_fault(RestRoute::CreateChannel, RestFault::Status(500), 1);
    let second = rest.create_channel().await.unwrap();
    assert_ne!(second.id, channel.id);
    assert_eq!(sim.stats().channels.len(), 2);

    // A timeout: the channel of the first request is made only after the client gave up and
    // created another; it is never connected and expires on its own.
    sim.rest_fault(RestRoute::CreateChannel, RestFault::Delay(40 * S), 1);
    let t0 = Instant::now();
    let third = rest.create_channel().await.unwrap();
    assert_eq!(t0.elapsed(), 10 * S);
    tokio::time::sleep(31 * S).await;
    let stats = sim.stats();
    assert_eq!(stats.channels.len(), 4);
    assert!(stats.channel(&third.id).is_some());
    assert!(stats.channels.iter().all(|c| c.connections == 0));
    // The next lost answer takes the newest channel this client does not know (its own); the
    // late one stays unconnected until it expires.
    let late = stats
        .channels
        .iter()
        .map(|c| c.id.clone())
        .find(|id| ![&channel.id, &second.id, &third.id].contains(&id))
        .unwrap();
    sim.rest_fault(
        RestRoute::CreateChannel,
        RestFault::StatusAfterProcessing(500),
        1,
    );
    let fourth = rest.create_channel().await.unwrap();
    assert_ne!(fourth.id, late);
    assert_eq!(sim.stats().channels.len(), 5);
}

#[tokio::test(start_paused = true)]
async fn with_a_shared_token_a_channel_from_a_lost_answer_is_left_to_expire() {
    let sim = simulator(SimConfig {
        channel_lifetime: 3600 * S,
        ..SimConfig::default()
    })
    .await;
    let token = sim.issue_token(CLIENT);
    let rest = RestClient::builder(env(&sim), Credentials::access_token(token))
        .retry_policy(policy())
        .build()
        .unwrap();
    sim.rest_fault(
        RestRoute::CreateChannel,
        RestFault::StatusAfterProcessing(502),
        1,
    );
    let channel = rest.create_channel().await.unwrap();
    let stats = sim.stats();
    assert_eq!(
        stats.channels.len(),
        2,
        "a static token may be shared: nothing is taken"
    );
    let orphan = stats.channels.iter().find(|c| c.id != channel.id).unwrap();
    assert_eq!(orphan.connections, 0);
    tokio::time::sleep(3601 * S).await;
    assert!(sim.stats().channels.is_empty(), "it expires on its own");
}

#[tokio::test(start_paused = true)]
async fn a_long_retry_after_is_waited_out_only_within_the_deadline() {
    let limited = || SimConfig {
        rate_limit: Some(RateLimit {
            requests: 1,
            per: 90 * S,
        }),
        ..SimConfig::default()
    };
    // 90 s is over the 60 s bound, but within a 120 s deadline: waited out.
    let sim = simulator(limited()).await;
    let rest = rest_client(&sim, policy().max_elapsed(Some(120 * S)));
    rest.list_channels(ChannelScope::Token).await.unwrap();
    let t0 = Instant::now();
    rest.list_channels(ChannelScope::Token).await.unwrap();
    assert_eq!(t0.elapsed(), 90 * S);

    // With a 60 s deadline it fails at once, the delay in the error.
    let sim = simulator(limited()).await;
    let rest = rest_client(&sim, policy());
    rest.create_channel().await.unwrap();
    let t0 = Instant::now();
    let error = rest.create_channel().await.unwrap_err();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    let details = RestError::of(&error).unwrap();
    assert_eq!(details.status(), Some(429));
    assert_eq!(details.retry_after(), Some(90 * S));
    assert!(error.to_string().contains("Retry-After 90 s"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_connect_uri_from_rest_passes_the_same_check_as_a_users() {
    // The service answers with a plain ws:// URI to a host that is not loopback.
    let sim = simulator(SimConfig {
        public_host: Some("notifications.example.com".to_owned()),
        ..SimConfig::default()
    })
    .await;
    let rest = rest_client(&sim, policy());
    let error = ManagedOptions::new(rest)
        .start([TOPIC])
        .await
        .map(|managed| managed.channel_info)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert_eq!(error.reason(), Reason::InvalidUri);
    let stats = sim.stats();
    assert_eq!(stats.channels[0].connections, 0, "no socket was opened");
    let id = &stats.channels[0].id;
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("notifications.example.com"), "{shown}");
    assert!(
        !shown.contains(id.as_str()),
        "the whole channel id leaked: {shown}"
    );
    assert!(shown.contains(&id[..16]), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn plain_http_only_to_loopback_unless_explicitly_allowed() {
    let sim = simulator(SimConfig::default()).await;
    let remote = format!("http://notifications.example.com:{}", sim.addr().port());
    let error = Environment::custom(&remote, &remote).unwrap_err();
    assert!(error.to_string().contains("in clear"), "{error}");
    assert!(Environment::danger_custom_plain_http(&remote, &remote).is_ok());
    // Loopback needs no opt-in, and the explicit form works end to end.
    let local = format!("http://{}", sim.addr());
    let rest = RestClient::new(
        Environment::danger_custom_plain_http(&local, &local).unwrap(),
        Credentials::client_credentials(CLIENT, SECRET),
    )
    .unwrap();
    rest.create_channel().await.unwrap();
    assert_eq!(rest.token_fetches().await, 1);
}
