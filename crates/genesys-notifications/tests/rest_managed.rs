//! The managed channel against the simulator, over real sockets, under paused time, with
//! exact accounting of every published notification: received exactly once, or published
//! inside a reported gap.
#![cfg(feature = "rest")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::rest::{CLIENT, rest_client};

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::rest::{ChannelInfo, ManagedOptions};
use genesys_notifications::{Channel, Event, Gap};
use genesys_sim::{DeniedTopic, ExtendOn, Fault, SimConfig, Simulator};
use serde_json::json;
use tokio::time::Instant;

const TOPIC: &str = "v2.users.0a1b2c3d-0000-4000-8000-000000000001.presence";
const OTHER: &str = "v2.users.0a1b2c3d-0000-4000-8000-000000000002.presence";
const DENIED: &str = "v2.analytics.queues.0a1b2c3d-0000-4000-8000-00000000000q.observations";

/// The channel the client is connected to right now, per the simulator.
fn connected_channel(sim: &Simulator) -> Option<String> {
    let stats = sim.stats();
    stats
        .channels
        .iter()
        .find(|c| c.connected)
        .map(|c| c.id.clone())
}

/// What a run saw.
#[derive(Debug, Default)]
struct Ledger {
    /// Sequence number -> when it was published.
    published: BTreeMap<u64, Instant>,
    /// Sequence numbers in the order received.
    received: Vec<u64>,
    gaps: Vec<Gap>,
    events: Vec<Event>,
    warnings: Vec<String>,
}

impl Ledger {
    /// Every published notification was received exactly once, or published inside a gap.
    fn assert_exact(&self) {
        let mut seen = BTreeMap::new();
        for seq in &self.received {
            *seen.entry(*seq).or_insert(0u32) += 1;
        }
        for (seq, count) in &seen {
            assert_eq!(*count, 1, "notification {seq} received {count} times");
            assert!(
                self.published.contains_key(seq),
                "{seq} was never published"
            );
        }
        for (seq, at) in &self.published {
            if !seen.contains_key(seq) {
                assert!(
                    self.gaps.iter().any(|gap| gap.contains(*at)),
                    "notification {seq} (published at {at:?}) lost outside any gap; gaps: {:?}",
                    self.gaps
                );
            }
        }
        // In order, too.
        let mut sorted = self.received.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, self.received, "received out of order");
    }

    fn summary(&self) -> String {
        format!(
            "published {}, received {}, gaps {:?}, warnings {:?}, events {:?}",
            self.published.len(),
            self.received.len(),
            self.gaps.iter().map(Gap::duration).collect::<Vec<_>>(),
            self.warnings,
            self.events
                .iter()
                .filter(|e| !matches!(e, Event::Heartbeat))
                .collect::<Vec<_>>()
        )
    }

    fn lost(&self) -> usize {
        self.published.len() - self.received.len()
    }

    fn count(&self, pred: impl Fn(&Event) -> bool) -> usize {
        self.events.iter().filter(|e| pred(e)).count()
    }
}

/// Publishes one notification on `TOPIC` every `every` for `count` ticks while consuming
/// the channel; `act(tick, sim)` runs before each publication (to inject faults). Then
/// consumes for 2 minutes more.
async fn run(
    sim: &Simulator,
    channel: &mut Channel,
    count: u64,
    every: Duration,
    mut act: impl FnMut(u64, &Simulator),
) -> Ledger {
    let mut ledger = Ledger::default();
    let mut events = channel.handle().events();
    let mut ticker = tokio::time::interval(every);
    let mut tick = 0u64;
    let mut settle_until: Option<Instant> = None;
    loop {
        let settle = async {
            match settle_until {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = ticker.tick(), if tick < count => {
                act(tick, sim);
                ledger.published.insert(tick, Instant::now());
                sim.publish(TOPIC, json!({ "seq": tick }));
                tick += 1;
                if tick == count {
                    settle_until = Some(Instant::now() + Duration::from_secs(120));
                }
            }
            item = channel.next() => match item {
                Some(Ok(notification)) => {
                    assert_eq!(notification.topic(), TOPIC);
                    let body: serde_json::Value = notification.body().unwrap();
                    ledger.received.push(body["seq"].as_u64().unwrap());
                }
                Some(Err(error)) if error.is_gap() => {
                    ledger.gaps.push(error.gap_window().unwrap().clone());
                }
                Some(Err(error)) if !error.is_fatal() => ledger.warnings.push(error.to_string()),
                Some(Err(error)) => panic!("fatal error: {error:?}"),
                None => panic!("the stream ended"),
            },
            Some(event) = events.next() => ledger.events.push(event),
            () = settle => break,
        }
    }
    while let Ok(Some(event)) = tokio::time::timeout(Duration::ZERO, events.next()).await {
        ledger.events.push(event);
    }
    ledger
}

async fn start(config: SimConfig) -> (Simulator, Channel) {
    let sim = Simulator::start(config).await.unwrap();
    let channel = ManagedOptions::new(rest_client(&sim))
        .connect([TOPIC])
        .await
        .unwrap();
    (sim, channel)
}

#[tokio::test(start_paused = true)]
async fn refused_topics_are_reported_and_the_rest_delivered() {
    let config = SimConfig {
        denied_topics: vec![DeniedTopic::new("v2.analytics.*")],
        ..SimConfig::default()
    };
    let sim = Simulator::start(config).await.unwrap();
    let managed = ManagedOptions::new(rest_client(&sim))
        .start([TOPIC, DENIED, OTHER])
        .await
        .unwrap();
    assert_eq!(managed.rejected.len(), 1);
    assert_eq!(managed.rejected[0].id, DENIED);
    assert_eq!(
        managed.rejected[0].missing_permissions,
        ["notifications:topic:view"]
    );
    let mut channel = managed.channel;
    let mut kept = channel.handle().topics();
    kept.sort_unstable();
    assert_eq!(kept, [TOPIC, OTHER]);
    let stats = sim.stats();
    let sim_channel = stats.channel(&managed.channel_info.id).unwrap();
    assert!(sim_channel.connected);
    let mut sim_topics = sim_channel.topics.clone();
    sim_topics.sort_unstable();
    assert_eq!(sim_topics, [TOPIC, OTHER]);

    assert_eq!(sim.publish(DENIED, json!({"n": 0})), 0);
    assert_eq!(sim.publish(TOPIC, json!({"n": 1})), 1);
    assert_eq!(sim.publish(OTHER, json!({"n": 2})), 1);
    let first = channel.next().await.unwrap().unwrap();
    assert_eq!(first.topic(), TOPIC);
    let second = channel.next().await.unwrap().unwrap();
    assert_eq!(second.topic(), OTHER);
}

#[tokio::test(start_paused = true)]
async fn steady_stream_loses_nothing() {
    let (sim, mut channel) = start(SimConfig::default()).await;
    let ledger = run(&sim, &mut channel, 100, Duration::from_secs(1), |_, _| {}).await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    assert_eq!(ledger.received.len(), 100);
    assert!(ledger.gaps.is_empty());
}

#[tokio::test(start_paused = true)]
async fn maintenance_moves_to_a_new_channel_without_a_gap() {
    let (sim, mut channel) = start(SimConfig::default()).await;
    let first = connected_channel(&sim).unwrap();
    let ledger = run(
        &sim,
        &mut channel,
        120,
        Duration::from_secs(1),
        |tick, sim| {
            if tick == 30 {
                sim.fault(&connected_channel(sim).unwrap(), Fault::SocketClosing)
                    .unwrap();
            }
        },
    )
    .await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    assert_eq!(ledger.received.len(), 120, "{ledger:?}");
    assert!(ledger.gaps.is_empty());
    assert_eq!(ledger.count(|e| matches!(e, Event::RolloverCompleted)), 1);
    let now = connected_channel(&sim).unwrap();
    assert_ne!(now, first, "a new channel is in use");
    assert!(sim.stats().channel(&first).is_none_or(|c| !c.connected));
}

#[tokio::test(start_paused = true)]
async fn lifetime_is_kept_over_72_hours_without_a_gap() {
    let (sim, mut channel) = start(SimConfig::default()).await;
    let first = connected_channel(&sim).unwrap();
    // One notification a minute for 72 hours.
    let ledger = run(
        &sim,
        &mut channel,
        72 * 60,
        Duration::from_secs(60),
        |_, _| {},
    )
    .await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    assert_eq!(ledger.received.len(), 72 * 60);
    assert!(ledger.gaps.is_empty());
    // 23 h: extended (verified through the token's channel listing). 46 h: the token was
    // renewed at 23 h 59 min, the channel's new expiry cannot be read with the new token, so
    // the channel is replaced (make before break). 69 h: the new channel is extended.
    let extended = ledger.count(|e| matches!(e, Event::Extended));
    let rolled = ledger.count(|e| matches!(e, Event::RolloverCompleted));
    assert_eq!((extended, rolled), (2, 1), "{:?}", ledger.events);
    assert_ne!(connected_channel(&sim).unwrap(), first);
    // The first channel expired at 47 h, unused since the switch.
    assert!(sim.stats().channel(&first).is_none());
}

#[tokio::test(start_paused = true)]
async fn expiry_that_cannot_be_extended_rolls_over_to_a_new_channel() {
    let mut config = SimConfig::default();
    config.protocol.extend_on = ExtendOn::Never;
    let (sim, mut channel) = start(config).await;
    let ledger = run(
        &sim,
        &mut channel,
        72 * 60,
        Duration::from_secs(60),
        |_, _| {},
    )
    .await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    assert_eq!(ledger.received.len(), 72 * 60);
    assert!(ledger.gaps.is_empty());
    // Every 23 h the expiry is found unmoved (or unverifiable) and a new channel takes over.
    assert_eq!(ledger.count(|e| matches!(e, Event::RolloverCompleted)), 3);
    assert_eq!(ledger.count(|e| matches!(e, Event::Extended)), 0);
    assert_eq!(ledger.warnings.len(), 3, "{:?}", ledger.warnings);
}

#[tokio::test(start_paused = true)]
async fn twenty_one_channels_evict_an_idle_one_not_ours() {
    let (sim, mut channel) = start(SimConfig::default()).await;
    let ours = connected_channel(&sim).unwrap();
    let other = rest_client(&sim);
    let ledger = run(&sim, &mut channel, 30, Duration::from_secs(1), |_, _| {}).await;
    for _ in 0..21 {
        other.create_channel().await.unwrap();
    }
    let after = run(&sim, &mut channel, 30, Duration::from_secs(1), |_, _| {}).await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    after.assert_exact();
    assert_eq!(ledger.received.len() + after.received.len(), 60);
    assert_eq!(sim.stats().channels.len(), 20);
    assert_eq!(connected_channel(&sim).unwrap(), ours);
}

#[tokio::test(start_paused = true)]
async fn eviction_gets_a_new_channel_and_reports_the_gap() {
    let (sim, mut channel) = start(SimConfig::default()).await;
    let first = connected_channel(&sim).unwrap();
    let ledger = run(
        &sim,
        &mut channel,
        60,
        Duration::from_secs(1),
        |tick, sim| {
            if tick == 20 {
                sim.fault(&connected_channel(sim).unwrap(), Fault::Evict)
                    .unwrap();
            }
        },
    )
    .await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    let now = connected_channel(&sim).unwrap();
    assert_ne!(now, first);
    assert!(sim.stats().channel(&first).is_none());
    // Notification 20 is published right after the eviction, before a new channel can
    // exist: it is lost, and the gap reported covers it.
    assert!(!ledger.received.contains(&20), "{ledger:?}");
    assert_eq!(ledger.gaps.len(), 1, "{ledger:?}");
    assert!(ledger.gaps[0].contains(ledger.published[&20]));
    assert!(ledger.received.len() >= 58, "{ledger:?}");
}

#[tokio::test(start_paused = true)]
async fn no_longer_subscribed_gets_a_new_channel() {
    let (sim, mut channel) = start(SimConfig::default()).await;
    let first = connected_channel(&sim).unwrap();
    let ledger = run(
        &sim,
        &mut channel,
        60,
        Duration::from_secs(1),
        |tick, sim| {
            if tick == 20 {
                sim.fault(&connected_channel(sim).unwrap(), Fault::NoLongerSubscribed)
                    .unwrap();
            }
        },
    )
    .await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    assert_ne!(connected_channel(&sim).unwrap(), first);
    assert!(ledger.received.len() >= 58, "{ledger:?}");
}

#[tokio::test(start_paused = true)]
async fn kicked_socket_recovers() {
    let (sim, mut channel) = start(SimConfig::default()).await;
    let ledger = run(
        &sim,
        &mut channel,
        60,
        Duration::from_secs(1),
        |tick, sim| {
            if tick == 20 {
                sim.fault(&connected_channel(sim).unwrap(), Fault::Kick)
                    .unwrap();
            }
        },
    )
    .await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    assert!(ledger.received.len() >= 58, "{ledger:?}");
    assert!(connected_channel(&sim).is_some());
}

#[tokio::test(start_paused = true)]
async fn revoked_token_gets_a_new_token_and_a_new_channel() {
    let mut config = SimConfig::default();
    config.protocol.token_expiry_closes_channels = true;
    let (sim, mut channel) = start(config).await;
    let first = connected_channel(&sim).unwrap();
    let ledger = run(
        &sim,
        &mut channel,
        60,
        Duration::from_secs(1),
        |tick, sim| {
            if tick == 20 {
                assert_eq!(sim.revoke_tokens(CLIENT), 1);
            }
        },
    )
    .await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    let now = connected_channel(&sim).unwrap();
    assert_ne!(now, first);
    assert!(ledger.received.len() >= 58, "{ledger:?}");
}

fn sim_topics(sim: &Simulator) -> Vec<String> {
    let id = connected_channel(sim).unwrap();
    let mut topics = sim.stats().channel(&id).unwrap().topics.clone();
    topics.sort_unstable();
    topics
}

#[tokio::test(start_paused = true)]
async fn topics_added_and_removed_at_run_time() {
    let (sim, mut channel) = start(SimConfig::default()).await;
    channel.subscribe([OTHER]).await.unwrap();
    assert_eq!(sim_topics(&sim), [TOPIC, OTHER]);
    assert_eq!(sim.publish(OTHER, json!({"n": 1})), 1);
    assert_eq!(channel.next().await.unwrap().unwrap().topic(), OTHER);

    channel.unsubscribe([TOPIC]).await.unwrap();
    assert_eq!(sim_topics(&sim), [OTHER]);
    assert_eq!(channel.topics(), [OTHER]);
    assert_eq!(sim.publish(TOPIC, json!({"n": 2})), 0);
    // Unknown topics are ignored.
    channel
        .unsubscribe(["v2.users.nobody.presence"])
        .await
        .unwrap();
    assert_eq!(sim_topics(&sim), [OTHER]);
}

#[tokio::test(start_paused = true)]
async fn an_addition_racing_a_replacement_is_not_lost() {
    // Vary the interleaving of the addition with the replacement's REST calls.
    for yields in 0..16 {
        let (sim, mut channel) = start(SimConfig::default()).await;
        let first = connected_channel(&sim).unwrap();
        let handle = channel.handle();
        let mut events = channel.handle().events();
        sim.fault(&first, Fault::SocketClosing).unwrap();
        for _ in 0..yields {
            tokio::task::yield_now().await;
        }
        let add = tokio::spawn(async move { handle.subscribe([OTHER]).await });
        // Consume until the switch is over and the addition answered.
        let mut switched = false;
        let deadline = Instant::now() + Duration::from_secs(60);
        while !switched || !add.is_finished() {
            assert!(
                Instant::now() < deadline,
                "yields {yields}: switched {switched}, addition done {}",
                add.is_finished()
            );
            tokio::select! {
                item = channel.next() => panic!("unexpected item {item:?}"),
                Some(event) = events.next() => switched |= event == Event::RolloverCompleted,
                () = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
        add.await.unwrap().unwrap();
        assert_ne!(connected_channel(&sim).unwrap(), first, "yields {yields}");
        assert_eq!(sim_topics(&sim), [TOPIC, OTHER], "yields {yields}");
        assert_eq!(sim.publish(OTHER, json!({"yields": yields})), 1);
        assert_eq!(channel.next().await.unwrap().unwrap().topic(), OTHER);
    }
}

#[tokio::test(start_paused = true)]
async fn an_existing_channel_is_reused() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let rest = rest_client(&sim);
    let existing = rest.create_channel().await.unwrap();
    let managed = ManagedOptions::new(rest.clone())
        .reuse_channel(existing.clone())
        .start([TOPIC])
        .await
        .unwrap();
    assert_eq!(managed.channel_info.id, existing.id);
    assert_eq!(connected_channel(&sim).unwrap(), existing.id);
    assert_eq!(sim.stats().channels.len(), 1);

    // A channel that no longer exists is replaced by a new one.
    let gone = ChannelInfo::new(
        "streaming-0-gone",
        "ws://127.0.0.1:1/channels/streaming-0-gone",
    );
    let managed = ManagedOptions::new(rest)
        .reuse_channel(gone)
        .start([TOPIC])
        .await
        .unwrap();
    assert_ne!(managed.channel_info.id, "streaming-0-gone");
}

#[tokio::test(start_paused = true)]
async fn a_topic_refused_at_run_time_is_reported_and_dropped() {
    let config = SimConfig {
        denied_topics: vec![DeniedTopic::new("v2.analytics.*")],
        ..SimConfig::default()
    };
    let (sim, mut channel) = start(config).await;
    let mut events = channel.handle().events();
    let e = channel.subscribe([DENIED, OTHER]).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.reason(), e.is_fatal()),
        (
            genesys_notifications::ErrorKind::Subscription,
            genesys_notifications::Reason::SubscriptionRejected,
            false
        )
    );
    let message = e.message().unwrap();
    assert!(
        message.contains(DENIED) && message.contains("notifications:topic:view"),
        "{message}"
    );
    assert!(!message.contains(OTHER), "{message}");
    let rejected = loop {
        match events.next().await.unwrap() {
            Event::TopicsRejected { topics } => break topics,
            _ => continue,
        }
    };
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].0, DENIED);
    assert!(
        rejected[0].1.contains("notifications:topic:view"),
        "{rejected:?}"
    );
    let mut kept = channel.topics();
    kept.sort_unstable();
    assert_eq!(kept, [TOPIC, OTHER]);
    assert_eq!(sim_topics(&sim), [TOPIC, OTHER]);
    assert_eq!(sim.publish(OTHER, json!({"n": 1})), 1);
    assert_eq!(channel.next().await.unwrap().unwrap().topic(), OTHER);
}

#[tokio::test(start_paused = true)]
async fn a_service_outage_is_survived_on_the_same_channel_with_the_gap_reported() {
    let (sim, mut channel) = start(SimConfig::default()).await;
    let first = connected_channel(&sim).unwrap();
    let ledger = run(
        &sim,
        &mut channel,
        60,
        Duration::from_secs(1),
        |tick, sim| {
            if tick == 20 {
                sim.outage(Duration::from_secs(10));
            }
        },
    )
    .await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    assert_eq!(connected_channel(&sim).unwrap(), first);
    // Sockets are dropped for 10 s: those notifications are inside the reported gap.
    assert_eq!(ledger.gaps.len(), 1);
    assert!(ledger.lost() >= 10, "{}", ledger.summary());
    assert!(ledger.gaps[0].duration() >= Duration::from_secs(10));
}

/// A new channel cannot be created during maintenance (429 with a Retry-After far too long):
/// the stream falls back to a make-before-break to the same channel, within the grace, and
/// loses nothing.
#[tokio::test(start_paused = true)]
async fn maintenance_without_a_new_channel_falls_back_to_the_same_channel() {
    let config = SimConfig {
        rate_limit: Some(genesys_sim::RateLimit {
            requests: 30,
            per: Duration::from_secs(3600),
        }),
        ..SimConfig::default()
    };
    let (sim, mut channel) = start(config).await;
    let first = connected_channel(&sim).unwrap();
    // Spend the client's request budget: every REST call now answers 429 for an hour.
    let rest = rest_client(&sim);
    let mut spent = 0;
    while rest
        .list_channels(genesys_notifications::rest::ChannelScope::Token)
        .await
        .is_ok()
    {
        spent += 1;
        assert!(spent < 30, "the budget runs out");
    }
    let ledger = run(
        &sim,
        &mut channel,
        120,
        Duration::from_secs(1),
        |tick, sim| {
            if tick == 30 {
                sim.fault(&connected_channel(sim).unwrap(), Fault::SocketClosing)
                    .unwrap();
            }
        },
    )
    .await;
    eprintln!("{}", ledger.summary());
    ledger.assert_exact();
    assert_eq!(ledger.received.len(), 120, "{ledger:?}");
    assert!(ledger.gaps.is_empty(), "{:?}", ledger.gaps);
    assert_eq!(connected_channel(&sim).unwrap(), first, "the same channel");
    assert_eq!(sim.stats().channel(&first).unwrap().connections, 2);
}
