//! REST behaviour (OAuth, channels, subscriptions, limits) with a plain HTTP client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use genesys_sim::{
    DeniedTopic, OtherTokenChannels, PostResponse, RateLimit, SimConfig, TopicCounting,
};
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

const S: Duration = Duration::from_secs(1);

fn assert_error_body(body: &Value, status: u16) {
    assert_eq!(body["status"], status, "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert!(body["code"].is_string(), "{body}");
    assert!(body["contextId"].is_string(), "{body}");
}

#[tokio::test(start_paused = true)]
async fn oauth_client_credentials_grant() {
    let sim = start(SimConfig {
        clients: vec![
            ("a".to_owned(), "s1".to_owned()),
            ("b".to_owned(), "s2".to_owned()),
        ],
        token_lifetime: 3600 * S,
        ..SimConfig::default()
    })
    .await;
    let url = format!("{}/oauth/token", sim.base_url());
    let ok = http()
        .post(&url)
        .basic_auth("b", Some("s2"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().contains_key("inin-correlation-id"));
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["access_token"].as_str().unwrap().len() > 20);

    let bad_secret = http()
        .post(&url)
        .basic_auth("b", Some("s1"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_secret.status(), 401);
    let body: Value = bad_secret.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"].is_string());

    let no_basic = http()
        .post(&url)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_basic.status(), 401);

    let bad_grant = http()
        .post(&url)
        .basic_auth("a", Some("s1"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_grant.status(), 400);
    let body: Value = bad_grant.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");

    let no_form = http()
        .post(&url)
        .basic_auth("a", Some("s1"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_form.status(), 400);
}

#[tokio::test(start_paused = true)]
async fn bearer_auth_missing_unknown_expired_and_revoked() {
    let sim = start(SimConfig {
        token_lifetime: 600 * S,
        ..SimConfig::default()
    })
    .await;
    let missing = http()
        .post(format!("{}{CHANNELS}", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    assert_error_body(&missing.json().await.unwrap(), 401);
    let unknown = api(&sim, "nope", Method::POST, CHANNELS)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);

    let token = token(&sim).await;
    tokio::time::sleep(600 * S - Duration::from_millis(1)).await;
    assert_eq!(status_of(&sim, &token, Method::GET, CHANNELS).await, 200);
    tokio::time::sleep(Duration::from_millis(1)).await;
    let expired = api(&sim, &token, Method::GET, CHANNELS)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 401);
    let body: Value = expired.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("expired"));

    let fresh = support::token(&sim).await;
    assert_eq!(sim.revoke_tokens("demo-client"), 2);
    let revoked = api(&sim, &fresh, Method::GET, CHANNELS)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
    // New tokens work again.
    let newer = support::token(&sim).await;
    assert_eq!(status_of(&sim, &newer, Method::GET, CHANNELS).await, 200);
}

#[tokio::test(start_paused = true)]
async fn channels_create_list_and_head() {
    let sim = start(SimConfig::default()).await;
    let t1 = token(&sim).await;
    let t2 = token(&sim).await;
    let a = create_channel(&sim, &t1).await;
    let b = create_channel(&sim, &t2).await;
    assert!(id(&a).starts_with("streaming-0-"));
    assert_eq!(uri(&a), format!("ws://{}/channels/{}", sim.addr(), id(&a)));
    assert!(humantime::parse_rfc3339(a["expires"].as_str().unwrap()).is_ok());

    let list: Value = api(&sim, &t1, Method::GET, CHANNELS)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["entities"], json!([a]));
    let list: Value = api(
        &sim,
        &t1,
        Method::GET,
        &format!("{CHANNELS}?includechannels=oauthclient"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let entities = list["entities"].as_array().unwrap();
    assert_eq!(entities.len(), 2);
    assert!(entities.contains(&a));
    assert!(
        entities.contains(&json!({"expires": b["expires"]})),
        "other tokens' ids are hidden"
    );
    let bad = api(
        &sim,
        &t1,
        Method::GET,
        &format!("{CHANNELS}?includechannels=all"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);

    let head = api(&sim, &t1, Method::HEAD, &format!("{CHANNELS}/{}", id(&b)))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    let head = api(
        &sim,
        &t1,
        Method::HEAD,
        &format!("{CHANNELS}/streaming-0-nope"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(head.status(), 404);
}

#[tokio::test(start_paused = true)]
async fn other_token_channels_can_be_listed_in_full() {
    let mut config = SimConfig::default();
    config.protocol.other_token_channels = OtherTokenChannels::Full;
    let sim = start(config).await;
    let t1 = token(&sim).await;
    let t2 = token(&sim).await;
    let b = create_channel(&sim, &t2).await;
    let list: Value = api(
        &sim,
        &t1,
        Method::GET,
        &format!("{CHANNELS}?includechannels=oauthclient"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(list["entities"], json!([b]));
}

#[tokio::test(start_paused = true)]
async fn channels_belong_to_their_client() {
    let sim = start(SimConfig {
        clients: vec![
            ("a".to_owned(), "s".to_owned()),
            ("b".to_owned(), "s".to_owned()),
        ],
        ..SimConfig::default()
    })
    .await;
    let ta = token_for(&sim, "a", "s").await;
    let tb = token_for(&sim, "b", "s").await;
    let a = create_channel(&sim, &ta).await;
    let (status, body) = subscribe(&sim, &tb, Method::PUT, &id(&a), &["x.y"], "").await;
    assert_eq!(status, 404);
    assert_error_body(&body, 404);
    let head = api(&sim, &tb, Method::HEAD, &format!("{CHANNELS}/{}", id(&a)))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 404);
}

#[tokio::test(start_paused = true)]
async fn subscriptions_get_put_post_delete() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim).await;
    let ch = id(&create_channel(&sim, &token).await);
    let path = format!("{CHANNELS}/{ch}/subscriptions");

    let (status, body) = subscribe(
        &sim,
        &token,
        Method::PUT,
        &ch,
        &["v2.users.u1?presence&routingStatus"],
        "",
    )
    .await;
    assert_eq!(status, 200);
    // The answer names the combined entry as given; GET lists its expansions.
    assert_eq!(
        body,
        json!({"entities": [
            {"id": "v2.users.u1?presence&routingStatus", "state": "Permitted"},
        ]})
    );
    assert_eq!(
        sim.stats().channels[0].topics,
        ["v2.users.u1.presence", "v2.users.u1.routingStatus"]
    );
    let (status, body) = subscribe(
        &sim,
        &token,
        Method::POST,
        &ch,
        &["v2.routing.queues.q1.conversations"],
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["entities"].as_array().unwrap().len(), 3);
    let get: Value = api(&sim, &token, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(get, body);

    let (status, body) = subscribe(&sim, &token, Method::PUT, &ch, &["a.b"], "").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"entities": [{"id": "a.b", "state": "Permitted"}]})
    );
    let (status, body) = subscribe(&sim, &token, Method::PUT, &ch, &[], "").await;
    assert_eq!((status, body), (200, json!({"entities": []})));

    subscribe(&sim, &token, Method::PUT, &ch, &["a.b"], "").await;
    let deleted = api(&sim, &token, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let get: Value = api(&sim, &token, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(get, json!({"entities": []}));

    let unknown = format!("{CHANNELS}/streaming-0-nope/subscriptions");
    for method in [Method::GET, Method::DELETE] {
        let r = api(&sim, &token, method, &unknown).send().await.unwrap();
        assert_eq!(r.status(), 404);
    }
    let (status, _) = subscribe(&sim, &token, Method::POST, "streaming-0-nope", &["a.b"], "").await;
    assert_eq!(status, 404);

    let bad = api(&sim, &token, Method::PUT, &path)
        .body("{\"id\":1}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_error_body(&bad.json().await.unwrap(), 400);
    let stats = sim.stats();
    // Six well-formed requests; the malformed body never reached the channel.
    assert_eq!(stats.channel(&ch).unwrap().subscribe_requests.rest, 6);
}

#[tokio::test(start_paused = true)]
async fn ignore_errors_and_denied_topics() {
    let sim = start(SimConfig {
        denied_topics: vec![DeniedTopic {
            pattern: "v2.users.*.routingStatus".to_owned(),
            missing_permissions: vec!["routing:agent:view".to_owned()],
        }],
        ..SimConfig::default()
    })
    .await;
    let token = token(&sim).await;
    let ch = id(&create_channel(&sim, &token).await);
    let topics = [
        "v2.users.u1?presence&routingStatus",
        "v2.users.u2.routingStatus",
    ];
    let (status, body) = subscribe(&sim, &token, Method::PUT, &ch, &topics, "").await;
    assert_eq!(status, 403);
    assert_error_body(&body, 403);
    assert!(
        sim.stats().channels[0].topics.is_empty(),
        "the whole batch failed"
    );

    let (status, body) = subscribe(
        &sim,
        &token,
        Method::PUT,
        &ch,
        &topics,
        "?ignoreErrors=true",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"entities": [
            {"id": "v2.users.u1?presence&routingStatus", "state": "Permitted"},
            {"id": "v2.users.u1.routingStatus", "state": "Rejected",
             "rejectionReason": "Missing permissions for topic v2.users.u1.routingStatus",
             "missingPermissions": ["routing:agent:view"]},
            {"id": "v2.users.u2.routingStatus", "state": "Rejected",
             "rejectionReason": "Missing permissions for topic v2.users.u2.routingStatus",
             "missingPermissions": ["routing:agent:view"]},
        ]})
    );
    let (status, _) = subscribe(
        &sim,
        &token,
        Method::PUT,
        &ch,
        &topics,
        "?ignoreErrors=maybe",
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test(start_paused = true)]
async fn post_can_answer_with_the_added_entries_only() {
    let mut config = SimConfig {
        denied_topics: vec![DeniedTopic::new("a.*.d")],
        ..SimConfig::default()
    };
    config.protocol.post_response = PostResponse::Added;
    config.protocol.delete_status = 200;
    let sim = start(config).await;
    let token = token(&sim).await;
    let ch = id(&create_channel(&sim, &token).await);
    subscribe(&sim, &token, Method::POST, &ch, &["x.y"], "").await;
    let (status, body) = subscribe(
        &sim,
        &token,
        Method::POST,
        &ch,
        &["a.b?c&d"],
        "?ignoreErrors=true",
    )
    .await;
    assert_eq!(status, 200);
    // As the streaming client's maintainers describe: the combined entry succeeds, the
    // denied expansion is reported separately.
    assert_eq!(
        body["entities"][0],
        json!({"id": "a.b?c&d", "state": "Permitted"})
    );
    assert_eq!(body["entities"][1]["id"], "a.b.d");
    assert_eq!(body["entities"][1]["state"], "Rejected");
    assert_eq!(body["entities"].as_array().unwrap().len(), 2);
    let path = format!("{CHANNELS}/{ch}/subscriptions");
    assert_eq!(status_of(&sim, &token, Method::DELETE, &path).await, 200);
}

#[tokio::test(start_paused = true)]
async fn topic_count_and_length_limits() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim).await;
    let ch = id(&create_channel(&sim, &token).await);
    let names: Vec<String> = (0..1001)
        .map(|i| format!("v2.users.u{i}.presence"))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (status, body) = subscribe(&sim, &token, Method::PUT, &ch, &refs[..1000], "").await;
    assert_eq!(status, 200);
    assert_eq!(body["entities"].as_array().unwrap().len(), 1000);
    let (status, body) = subscribe(&sim, &token, Method::POST, &ch, &refs[1000..], "").await;
    assert_eq!(status, 400);
    assert_error_body(&body, 400);
    let (status, _) = subscribe(&sim, &token, Method::PUT, &ch, &refs, "").await;
    assert_eq!(status, 400);
    // Combined topics count per expansion by default: 999 + 2 > 1000.
    let (status, _) = subscribe(
        &sim,
        &token,
        Method::PUT,
        &ch,
        &[&refs[..999], &["v2.users.x?presence&activity"]].concat(),
        "",
    )
    .await;
    assert_eq!(status, 400);

    let long = format!("v2.users.{}.presence", "x".repeat(200 - 18));
    assert_eq!(long.len(), 200);
    let (status, body) = subscribe(&sim, &token, Method::PUT, &ch, &[&long], "").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("too long"));
    let (status, _) = subscribe(&sim, &token, Method::PUT, &ch, &[&long[1..]], "").await;
    assert_eq!(status, 200);
}

#[tokio::test(start_paused = true)]
async fn combined_entries_can_count_once() {
    let mut config = SimConfig {
        max_topics: 2,
        ..SimConfig::default()
    };
    config.protocol.topic_counting = TopicCounting::Entries;
    let sim = start(config).await;
    let token = token(&sim).await;
    let ch = id(&create_channel(&sim, &token).await);
    let (status, _) = subscribe(
        &sim,
        &token,
        Method::PUT,
        &ch,
        &["v2.users.u?presence&activity&routingStatus", "a.b"],
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sim.stats().channels[0].topics.len(), 4);
    assert_eq!(sim.stats().channels[0].topic_count, 2);
    // The count holds across requests: a third entry is over the limit.
    let (status, body) = subscribe(&sim, &token, Method::POST, &ch, &["c.d"], "").await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("too many topics")
    );
    // The same combined entry again still counts once.
    let (status, _) = subscribe(
        &sim,
        &token,
        Method::POST,
        &ch,
        &["v2.users.u?presence&activity&routingStatus"],
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sim.stats().channels[0].topic_count, 2);
}

#[tokio::test(start_paused = true)]
async fn by_default_a_combined_entry_counts_as_its_expansions() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim).await;
    let ch = id(&create_channel(&sim, &token).await);
    let names: Vec<String> = (0..998)
        .map(|i| format!("v2.users.u{i}.presence"))
        .collect();
    let mut refs: Vec<&str> = names.iter().map(String::as_str).collect();
    refs.push("v2.users.x?presence&activity");
    let (status, _) = subscribe(&sim, &token, Method::PUT, &ch, &refs, "").await;
    assert_eq!(status, 200);
    let stats: Value = http()
        .get(format!("{}/sim/stats", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["channels"][0]["topic_count"], 1000);
    let (status, body) = subscribe(&sim, &token, Method::POST, &ch, &["a.b"], "").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "too many topics: 1001 exceeds the limit of 1000"
    );
}

#[tokio::test(start_paused = true)]
async fn the_21st_channel_evicts_the_oldest_unconnected() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim).await;
    let mut channels = Vec::new();
    for _ in 0..20 {
        channels.push(create_channel(&sim, &token).await);
        tokio::time::sleep(S).await;
    }
    // The oldest is connected, so the second oldest goes.
    let mut ws = connect(&sim, &uri(&channels[0])).await;
    create_channel(&sim, &token).await;
    let head = |c: &Value| api(&sim, &token, Method::HEAD, &format!("{CHANNELS}/{}", id(c))).send();
    assert_eq!(head(&channels[1]).await.unwrap().status(), 404);
    assert_eq!(head(&channels[0]).await.unwrap().status(), 200);
    assert_eq!(sim.stats().channels.len(), 20);
    // HEAD counts as use: channel 2 is now more recent than channel 3.
    assert_eq!(head(&channels[2]).await.unwrap().status(), 200);
    create_channel(&sim, &token).await;
    assert_eq!(head(&channels[3]).await.unwrap().status(), 404);
    assert_eq!(head(&channels[2]).await.unwrap().status(), 200);
    // When every channel is connected, the least recently used one goes and its socket closes.
    tokio::time::sleep(S).await;
    let mut sockets = Vec::new();
    for c in sim.stats().channels.iter().filter(|c| !c.connected) {
        sockets.push(connect(&sim, &format!("ws://{}/channels/{}", sim.addr(), c.id)).await);
        tokio::time::sleep(S).await;
    }
    create_channel(&sim, &token).await;
    let close = recv_close(&mut ws).await;
    assert_eq!(u16::from(close.code), 1000);
    assert_eq!(close.reason.as_str(), "channel evicted");
}

#[tokio::test(start_paused = true)]
async fn rate_limit_answers_429_with_retry_after() {
    let sim = start(SimConfig {
        rate_limit: Some(RateLimit {
            requests: 3,
            per: 10 * S,
        }),
        ..SimConfig::default()
    })
    .await;
    let token = token(&sim).await;
    for _ in 0..3 {
        assert_eq!(status_of(&sim, &token, Method::GET, CHANNELS).await, 200);
    }
    tokio::time::sleep(2500 * Duration::from_millis(1)).await;
    let limited = api(&sim, &token, Method::GET, CHANNELS)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "8");
    assert_error_body(&limited.json().await.unwrap(), 429);
    tokio::time::sleep(7500 * Duration::from_millis(1)).await;
    assert_eq!(status_of(&sim, &token, Method::GET, CHANNELS).await, 200);
}

#[tokio::test(start_paused = true)]
async fn available_topics_catalogue() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim).await;
    let body: Value = api(
        &sim,
        &token,
        Method::GET,
        "/api/v2/notifications/availabletopics",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let ids: Vec<&str> = body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    for expected in [
        "v2.users.{id}.presence",
        "v2.users.{id}.routingStatus",
        "v2.users.{id}.activity",
        "v2.users.{id}.conversations",
        "v2.routing.queues.{id}.conversations",
        "v2.analytics.queues.{id}.observations",
        "v2.routing.queues.{id}.users",
    ] {
        assert!(ids.contains(&expected), "{expected}");
    }
    let unauthenticated = http()
        .get(format!(
            "{}/api/v2/notifications/availabletopics",
            sim.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}

#[tokio::test(start_paused = true)]
async fn unknown_routes_answer_an_error_body() {
    let sim = start(SimConfig::default()).await;
    let r = http()
        .get(format!("{}/api/v2/nothing", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_error_body(&r.json().await.unwrap(), 404);
}

#[tokio::test(start_paused = true)]
async fn token_expiry_can_close_channels() {
    let mut config = SimConfig {
        token_lifetime: 100 * S,
        heartbeat_interval: 1000 * S,
        ..SimConfig::default()
    };
    config.protocol.token_expiry_closes_channels = true;
    config.protocol.close_codes.token_expired = 4401;
    let sim = start(config).await;
    let token = token(&sim).await;
    let t0 = tokio::time::Instant::now();
    let channel = create_channel(&sim, &token).await;
    let mut ws = connect(&sim, &uri(&channel)).await;
    let close = recv_close(&mut ws).await;
    assert_eq!(t0.elapsed(), 100 * S);
    assert_eq!(u16::from(close.code), 4401);
    // Revocation closes them at once.
    let token = support::token(&sim).await;
    let channel = create_channel(&sim, &token).await;
    let mut ws = connect(&sim, &uri(&channel)).await;
    sim.revoke_tokens("demo-client");
    assert_eq!(u16::from(recv_close(&mut ws).await.code), 4401);
}

#[tokio::test(start_paused = true)]
async fn wrong_methods_answer_405_with_an_error_body() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim).await;
    let r = api(&sim, &token, Method::DELETE, CHANNELS)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_error_body(&r.json().await.unwrap(), 405);
}
