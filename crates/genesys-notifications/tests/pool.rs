//! The channel pool against the simulator, over real sockets, under paused time, with exact
//! accounting: every notification published is received once, or was published inside a gap
//! reported for the pool channel that carries its topic.
#![cfg(feature = "rest")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::rest::{CLIENT, rest_client};

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use genesys_notifications::rest::{Pool, PoolEvent, PoolOptions};
use genesys_notifications::{ConnectOptions, Event, Gap, Reason, topic};
use genesys_sim::{DeniedTopic, Fault, SimConfig, Simulator};
use serde_json::json;
use tokio::time::Instant;

fn user(i: usize) -> String {
    format!("v2.users.{i:08}-0000-4000-8000-000000000000")
}

/// `users` users x `leaves` leaves, expanded.
fn topics(users: std::ops::Range<usize>, leaves: &[&str]) -> Vec<String> {
    users
        .flat_map(|u| leaves.iter().map(move |l| format!("{}.{l}", user(u))))
        .collect()
}

/// Fails the test instead of hanging (paused time advances to the deadline when idle).
async fn within<F: Future>(limit: Duration, f: F) -> F::Output {
    tokio::time::timeout(limit, f)
        .await
        .expect("the test did not finish in time")
}

/// A pool channel's service channel, per the pool.
fn service_channel(pool: &Pool, index: usize) -> String {
    pool.channels()
        .into_iter()
        .find(|c| c.index == index)
        .unwrap()
        .channel_id
}

#[tokio::test(start_paused = true)]
async fn five_thousand_topics_each_received_once() {
    within(Duration::from_secs(600), async {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        // 2,500 users x 2 leaves: 5,000 topics in 2,500 combined entries.
        let all = topics(0..2500, &["presence", "routingStatus"]);
        let mut pool = PoolOptions::new(rest_client(&sim))
            .connect(&all)
            .await
            .unwrap();
        let channels = pool.channels();
        assert_eq!(channels.len(), 5);
        assert!(
            channels
                .iter()
                .all(|c| c.topics == 1000 && c.entries.len() == 500)
        );
        assert!(
            channels[0].entries[0].contains('?'),
            "{:?}",
            channels[0].entries[0]
        );
        // The simulator agrees: five channels, 1,000 topics each, all of them once.
        let stats = sim.stats();
        assert_eq!(stats.channels.len(), 5);
        let mut union = BTreeSet::new();
        for c in &stats.channels {
            assert!(c.connected);
            assert_eq!(c.topics.len(), 1000);
            union.extend(c.topics.iter().cloned());
        }
        assert_eq!(union.len(), 5000);

        for (i, t) in all.iter().enumerate() {
            assert_eq!(sim.publish(t, json!({ "i": i })), 1, "{t}");
        }
        let mut seen = vec![0u32; all.len()];
        for _ in 0..all.len() {
            let n = pool.next().await.unwrap().unwrap();
            let i = n.body::<serde_json::Value>().unwrap()["i"]
                .as_u64()
                .unwrap() as usize;
            assert_eq!(n.topic(), all[i]);
            seen[i] += 1;
        }
        assert!(seen.iter().all(|&n| n == 1));
        // Nothing more: no duplicate, no warning.
        let more = tokio::time::timeout(Duration::from_secs(5), pool.next()).await;
        assert!(more.is_err(), "unexpected item {more:?}");
        assert_eq!(pool.stats().notifications, 5000);
        pool.close().await;
        assert!(pool.next().await.is_none());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn twenty_five_thousand_topics_are_refused_before_any_channel() {
    within(Duration::from_secs(60), async {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let all = topics(0..25_000, &["presence"]);
        let error = PoolOptions::new(rest_client(&sim))
            .connect(&all)
            .await
            .unwrap_err();
        assert_eq!(error.reason(), Reason::TooManyTopics);
        assert!(error.is_subscription_failure());
        let text = error.to_string();
        assert!(text.contains("25000 topics"), "{text}");
        assert!(
            text.contains("limit is 15 channels, 15000 topics"),
            "{text}"
        );
        assert!(sim.stats().channels.is_empty(), "a channel was created");
        // 20 channels is the most the budget can be raised to; still too few.
        let error = PoolOptions::new(rest_client(&sim))
            .max_channels(20)
            .connect(&all)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("limit is 20 channels"),
            "{error}"
        );
        assert!(sim.stats().channels.is_empty());
    })
    .await;
}

/// What a run saw, per topic.
#[derive(Debug, Default)]
struct Ledger {
    /// topic -> seq -> when published.
    published: BTreeMap<String, BTreeMap<u64, Instant>>,
    /// topic -> seqs in the order received.
    received: BTreeMap<String, Vec<u64>>,
    /// (pool channel, gap).
    gaps: Vec<(Option<usize>, Gap)>,
    /// (pool channel, warning).
    warnings: Vec<(Option<usize>, String)>,
    /// Events, with when they were seen.
    events: Vec<(Instant, PoolEvent)>,
}

impl Ledger {
    /// Every notification received once and in order per topic, or published inside a gap
    /// of the pool channel that carries its topic.
    fn assert_exact(&self, home: &BTreeMap<String, usize>) {
        for (topic, published) in &self.published {
            let got = self.received.get(topic).cloned().unwrap_or_default();
            let mut sorted = got.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted, got, "{topic}: duplicates or out of order");
            for (seq, at) in published {
                if got.contains(seq) {
                    continue;
                }
                let covered = self.gaps.iter().any(|(channel, gap)| {
                    *channel == home.get(topic).copied()
                        && gap.contains(*at)
                        && gap
                            .topics
                            .iter()
                            .flat_map(|t| topic::expand(t))
                            .any(|t| &t == topic)
                });
                assert!(covered, "{topic} #{seq} lost outside a gap of its channel");
            }
        }
    }

    fn received_count(&self) -> usize {
        self.received.values().map(Vec::len).sum()
    }

    fn published_count(&self) -> usize {
        self.published.values().map(BTreeMap::len).sum()
    }

    /// Events of pool channels other than `channel`.
    fn events_elsewhere(&self, channel: usize) -> Vec<&PoolEvent> {
        self.events
            .iter()
            .map(|(_, e)| e)
            .filter(|e| matches!(e, PoolEvent::Channel { channel: c, .. } if *c != channel))
            .collect()
    }
}

/// Publishes once on every topic every `every`, `ticks` times, while consuming the pool;
/// `act(tick)` runs before each round. Then consumes for 2 minutes more.
async fn run(
    sim: &Simulator,
    pool: &mut Pool,
    all: &[String],
    ticks: u64,
    every: Duration,
    mut act: impl FnMut(u64, &Pool),
) -> Ledger {
    let mut ledger = Ledger::default();
    let mut events = pool.events();
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
            _ = ticker.tick(), if tick < ticks => {
                act(tick, pool);
                let now = Instant::now();
                for t in all {
                    ledger.published.entry(t.clone()).or_default().insert(tick, now);
                    sim.publish(t, json!({ "seq": tick }));
                }
                tick += 1;
                if tick == ticks {
                    settle_until = Some(Instant::now() + Duration::from_secs(120));
                }
            }
            item = pool.next() => match item {
                Some(Ok(n)) => {
                    let seq = n.body::<serde_json::Value>().unwrap()["seq"].as_u64().unwrap();
                    ledger.received.entry(n.topic().to_owned()).or_default().push(seq);
                }
                Some(Err(e)) if e.is_gap() => {
                    ledger.gaps.push((e.pool_channel(), e.gap_window().unwrap().clone()));
                }
                Some(Err(e)) if !e.is_fatal() => ledger.warnings.push((e.pool_channel(), e.to_string())),
                Some(Err(e)) => panic!("fatal error: {e:?}"),
                None => panic!("the stream ended"),
            },
            Some(event) = events.next() => ledger.events.push((Instant::now(), event)),
            () = settle => break,
        }
    }
    while let Ok(Some(event)) = tokio::time::timeout(Duration::ZERO, events.next()).await {
        ledger.events.push((Instant::now(), event));
    }
    ledger
}

/// A pool of 4 channels of 10 topics (40 topics).
async fn four_channel_pool(config: SimConfig) -> (Simulator, Pool, Vec<String>) {
    let sim = Simulator::start(config).await.unwrap();
    let all = topics(0..40, &["presence"]);
    let pool = PoolOptions::new(rest_client(&sim))
        .topics_per_channel(10)
        .connect(&all)
        .await
        .unwrap();
    assert_eq!(pool.channels().len(), 4);
    (sim, pool, all)
}

fn homes(pool: &Pool) -> BTreeMap<String, usize> {
    let placement = pool.handle().placement();
    placement
        .topics()
        .into_iter()
        .map(|t| {
            let c = placement.channel_of(&t).unwrap();
            (t, c)
        })
        .collect()
}

/// One fault on pool channel 2 at tick 20 of 60: the others see nothing.
async fn fault_on_one_channel(fault: Fault, expect_gap: bool) -> Ledger {
    within(Duration::from_secs(3600), async {
        let config = SimConfig {
            denied_topics: vec![DeniedTopic::new("v2.analytics.*")],
            ..SimConfig::default()
        };
        let (sim, mut pool, all) = four_channel_pool(config).await;
        let home = homes(&pool);
        let others: Vec<(usize, String)> = [0, 1, 3]
            .iter()
            .map(|i| (*i, service_channel(&pool, *i)))
            .collect();
        let before: Vec<u64> = others
            .iter()
            .map(|(_, id)| sim.stats().channel(id).unwrap().connections)
            .collect();
        let ledger = run(
            &sim,
            &mut pool,
            &all,
            60,
            Duration::from_secs(1),
            |tick, pool| {
                if tick == 20 {
                    sim.fault(&service_channel(pool, 2), fault.clone()).unwrap();
                }
            },
        )
        .await;
        eprintln!(
            "{fault:?}: published {}, received {}, gaps {:?}, warnings {:?}",
            ledger.published_count(),
            ledger.received_count(),
            ledger.gaps,
            ledger.warnings
        );
        ledger.assert_exact(&home);
        assert!(
            ledger.gaps.iter().all(|(c, _)| *c == Some(2)),
            "{:?}",
            ledger.gaps
        );
        assert!(
            ledger.warnings.iter().all(|(c, _)| *c == Some(2)),
            "{:?}",
            ledger.warnings
        );
        assert_eq!(ledger.events_elsewhere(2), Vec::<&PoolEvent>::new());
        if expect_gap {
            assert_eq!(ledger.gaps.len(), 1, "{:?}", ledger.gaps);
        } else {
            assert!(ledger.gaps.is_empty(), "{:?}", ledger.gaps);
            assert_eq!(ledger.received_count(), ledger.published_count());
        }
        // Every gap names only channel 2's topics.
        let mine: BTreeSet<String> = pool.handle().placement().topics_of(2).into_iter().collect();
        for (_, gap) in &ledger.gaps {
            let named: BTreeSet<String> =
                gap.topics.iter().flat_map(|t| topic::expand(t)).collect();
            assert_eq!(named, mine);
            let expanded: BTreeSet<String> = gap.expanded_topics.iter().cloned().collect();
            assert_eq!(expanded, mine);
            assert_eq!(expanded.len(), gap.expanded_topics.len(), "no duplicates");
        }
        // Each pool channel's handle tells which service channel carries it now (the new
        // one after a replacement).
        for index in 0..4 {
            let member = pool.handle().channel(index).unwrap();
            assert_eq!(
                member.current_channel().id(),
                Some(service_channel(&pool, index).as_str())
            );
        }
        // The other channels were not touched: same service channel, same socket.
        for ((i, id), connections) in others.iter().zip(before) {
            assert_eq!(&service_channel(&pool, *i), id);
            assert_eq!(sim.stats().channel(id).unwrap().connections, connections);
        }
        assert_eq!(pool.channels().len(), 4);
        ledger
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn a_dropped_socket_disturbs_only_its_channel() {
    let ledger = fault_on_one_channel(Fault::Drop, true).await;
    assert!(ledger.events.iter().any(|(_, e)| matches!(
        e,
        PoolEvent::Channel {
            channel: 2,
            event: Event::Reconnected { .. }
        }
    )));
}

#[tokio::test(start_paused = true)]
async fn maintenance_disturbs_only_its_channel() {
    let ledger = fault_on_one_channel(Fault::SocketClosing, false).await;
    assert!(ledger.events.iter().any(|(_, e)| matches!(
        e,
        PoolEvent::Channel {
            channel: 2,
            event: Event::RolloverCompleted
        }
    )));
}

#[tokio::test(start_paused = true)]
async fn eviction_disturbs_only_its_channel() {
    fault_on_one_channel(Fault::Evict, true).await;
}

#[tokio::test(start_paused = true)]
async fn expiry_disturbs_only_its_channel() {
    fault_on_one_channel(Fault::Expire, true).await;
}

#[tokio::test(start_paused = true)]
async fn no_longer_subscribed_disturbs_only_its_channel() {
    fault_on_one_channel(Fault::NoLongerSubscribed, true).await;
}

#[tokio::test(start_paused = true)]
async fn a_rejected_topic_disturbs_only_its_channel() {
    within(Duration::from_secs(600), async {
        let config = SimConfig {
            denied_topics: vec![DeniedTopic::new("v2.analytics.*")],
            ..SimConfig::default()
        };
        let (sim, mut pool, all) = four_channel_pool(config).await;
        let emptiest = pool.handle().placement().channel_of(&all[0]).unwrap();
        pool.unsubscribe([all[0].clone()]).await.unwrap();
        let requests = |sim: &Simulator, pool: &Pool| -> Vec<u64> {
            (0..4)
                .map(|i| {
                    sim.stats()
                        .channel(&service_channel(pool, i))
                        .unwrap()
                        .subscribe_requests
                        .rest
                })
                .collect()
        };
        let before = requests(&sim, &pool);
        let mut events = pool.events();
        let denied = "v2.analytics.queues.q1.observations";
        pool.subscribe([denied]).await.unwrap();
        let after = requests(&sim, &pool);
        let home = pool.handle().placement().channel_of(&all[0]);
        assert_eq!(home, None);
        for i in 0..4 {
            let expected = before[i] + u64::from(i == emptiest);
            assert_eq!(after[i], expected, "requests of channel {i}");
        }
        let event = within(Duration::from_secs(10), events.next())
            .await
            .unwrap();
        match event {
            PoolEvent::Channel {
                channel,
                event: Event::TopicsRejected { topics },
            } => {
                assert_eq!(channel, emptiest);
                assert_eq!(topics.len(), 1);
                assert_eq!(topics[0].0, denied);
                assert!(
                    topics[0].1.contains("notifications:topic:view"),
                    "{topics:?}"
                );
            }
            other => panic!("unexpected event {other:?}"),
        }
        assert!(!pool.topics().contains(&denied.to_owned()));
        // The others go on as before.
        let rest: Vec<String> = all[1..].to_vec();
        let ledger = run(&sim, &mut pool, &rest, 5, Duration::from_secs(1), |_, _| {}).await;
        assert_eq!(ledger.received_count(), 5 * 39);
        assert!(ledger.gaps.is_empty() && ledger.warnings.is_empty());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn an_eviction_by_another_tool_is_warned_once() {
    within(Duration::from_secs(3600), async {
        let (sim, mut pool, all) = four_channel_pool(SimConfig::default()).await;
        let home = homes(&pool);
        // Another tool of the same OAuth client fills the budget: 4 + 16 = 20.
        for _ in 0..16 {
            sim.create_channel(CLIENT);
        }
        let ledger = run(
            &sim,
            &mut pool,
            &all,
            40,
            Duration::from_secs(1),
            |tick, pool| {
                if tick == 10 || tick == 20 {
                    sim.fault(&service_channel(pool, 1), Fault::Evict).unwrap();
                }
            },
        )
        .await;
        ledger.assert_exact(&home);
        let evicted: Vec<&(Option<usize>, String)> = ledger
            .warnings
            .iter()
            .filter(|(_, w)| w.contains("evicted"))
            .collect();
        assert_eq!(evicted.len(), 1, "{:?}", ledger.warnings);
        assert_eq!(evicted[0].0, Some(1));
        assert!(
            evicted[0].1.contains("holds 20 channels"),
            "{}",
            evicted[0].1
        );
        assert_eq!(
            ledger
                .events
                .iter()
                .filter(|(_, e)| matches!(e, PoolEvent::Evicted { channel: 1, .. }))
                .count(),
            1
        );
        assert_eq!(ledger.gaps.len(), 2);
        assert!(ledger.gaps.iter().all(|(c, _)| *c == Some(1)));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn seventy_two_hours_with_staggered_renewals_and_no_expiry() {
    within(Duration::from_secs(80 * 3600), async {
        let (sim, mut pool, all) = four_channel_pool(SimConfig::default()).await;
        let home = homes(&pool);
        // One round on every topic every 30 minutes for 72 hours.
        let ledger = run(
            &sim,
            &mut pool,
            &all,
            144,
            Duration::from_secs(1800),
            |_, _| {},
        )
        .await;
        // A renewal is an extension, or a move to a new channel when the extension cannot be
        // verified (the channel belongs to an access token that has since been replaced).
        let renewals: Vec<(usize, Instant)> = ledger
            .events
            .iter()
            .filter_map(|(at, e)| match e {
                PoolEvent::Channel {
                    channel,
                    event: Event::Extended | Event::RolloverStarted,
                } => Some((*channel, *at)),
                _ => None,
            })
            .collect();
        eprintln!("renewals: {renewals:?}; warnings {:?}", ledger.warnings);
        // Staggered: no two channels renew within 19 minutes of each other.
        for (i, (a, at)) in renewals.iter().enumerate() {
            for (b, bt) in &renewals[i + 1..] {
                if a != b {
                    let apart = if at > bt { *at - *bt } else { *bt - *at };
                    assert!(
                        apart >= Duration::from_secs(19 * 60),
                        "channels {a} and {b} renewed {apart:?} apart"
                    );
                }
            }
        }
        for i in 0..4 {
            let n = renewals.iter().filter(|(c, _)| *c == i).count();
            assert!(n >= 3, "channel {i} renewed {n} times in 72 hours");
        }
        // Nothing expired: no gap, everything received, only extension notices.
        ledger.assert_exact(&home);
        assert!(ledger.gaps.is_empty(), "{:?}", ledger.gaps);
        assert_eq!(ledger.received_count(), ledger.published_count());
        assert!(
            ledger
                .warnings
                .iter()
                .all(|(_, w)| w.starts_with("lifetime extension failure")),
            "{:?}",
            ledger.warnings
        );
        let stats = sim.stats();
        for c in pool.channels() {
            assert!(
                stats.channel(&c.channel_id).unwrap().connected,
                "channel {}",
                c.index
            );
        }
    })
    .await;
}

/// REST subscription requests per service channel, per the simulator.
fn rest_requests(sim: &Simulator) -> BTreeMap<String, u64> {
    sim.stats()
        .channels
        .iter()
        .map(|c| (c.id.clone(), c.subscribe_requests.rest))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn two_thousand_topics_added_and_removed_at_run_time_with_minimum_churn() {
    within(Duration::from_secs(1800), async {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let initial = topics(0..2500, &["presence"]);
        let mut pool = PoolOptions::new(rest_client(&sim))
            .connect(&initial)
            .await
            .unwrap();
        assert_eq!(pool.channels().len(), 3);
        let ids: Vec<String> = (0..3).map(|i| service_channel(&pool, i)).collect();

        // Removing the topics of one channel's users touches that channel only.
        let on_zero: Vec<String> = pool.handle().placement().topics_of(0)[..200].to_vec();
        let before = rest_requests(&sim);
        pool.unsubscribe(&on_zero).await.unwrap();
        let after = rest_requests(&sim);
        assert_eq!(after[&ids[0]], before[&ids[0]] + 1);
        assert_eq!(
            after[&ids[1]], before[&ids[1]],
            "unchanged channel resubscribed"
        );
        assert_eq!(
            after[&ids[2]], before[&ids[2]],
            "unchanged channel resubscribed"
        );

        // 100 new topics fit in the emptiest channel: only it gets a request, no channel opens.
        let before = after;
        pool.subscribe(topics(10_000..10_100, &["presence"]))
            .await
            .unwrap();
        let after = rest_requests(&sim);
        assert_eq!(pool.channels().len(), 3);
        assert_eq!(after.len(), 3, "a channel was created");
        assert_eq!(after[&ids[0]], before[&ids[0]] + 1);
        assert_eq!(after[&ids[1]], before[&ids[1]]);
        assert_eq!(after[&ids[2]], before[&ids[2]]);

        // 2,000 more: 4,400 topics need five channels, so exactly two open.
        let added = topics(20_000..22_000, &["presence"]);
        let mut events = pool.events();
        pool.subscribe(&added).await.unwrap();
        assert_eq!(pool.channels().len(), 5);
        assert_eq!(sim.stats().channels.len(), 5);
        let opened: Vec<PoolEvent> =
            std::iter::from_fn(|| events.next().now_or_never().flatten()).collect();
        assert_eq!(
            opened
                .iter()
                .filter(|e| matches!(e, PoolEvent::Opened { .. }))
                .count(),
            2
        );
        for c in pool.channels() {
            assert!(c.topics <= 1000);
            let sim_topics = &sim.stats().channel(&c.channel_id).unwrap().topics.clone();
            assert_eq!(
                sim_topics.iter().cloned().collect::<BTreeSet<_>>(),
                pool.handle()
                    .placement()
                    .topics_of(c.index)
                    .into_iter()
                    .collect(),
                "channel {}",
                c.index
            );
        }

        // Removing those 2,000 again: only the channels that carried them get a request;
        // the two new channels are left empty and closed.
        let carriers: BTreeSet<usize> = added
            .iter()
            .filter_map(|t| pool.handle().placement().channel_of(t))
            .collect();
        let before = rest_requests(&sim);
        pool.unsubscribe(&added).await.unwrap();
        let after = rest_requests(&sim);
        for (i, id) in ids.iter().enumerate() {
            let expected = before[id] + u64::from(carriers.contains(&i));
            assert_eq!(after[id], expected, "requests of channel {i}");
        }
        assert_eq!(pool.channels().len(), 3);
        let remaining = pool.topics();
        assert_eq!(remaining.len(), 2400);

        // Exact delivery on what remains; nothing for removed topics.
        for (i, t) in remaining.iter().enumerate() {
            assert_eq!(sim.publish(t, json!({ "i": i })), 1);
        }
        for t in on_zero.iter().chain(&added) {
            assert_eq!(sim.publish(t, json!({ "i": -1 })), 0, "{t} still delivered");
        }
        let mut seen = vec![0u32; remaining.len()];
        for _ in 0..remaining.len() {
            let n = pool.next().await.unwrap().unwrap();
            let i = n.body::<serde_json::Value>().unwrap()["i"]
                .as_u64()
                .unwrap() as usize;
            seen[i] += 1;
        }
        assert!(seen.iter().all(|&n| n == 1));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_kicked_socket_disturbs_only_its_channel_and_is_not_taken_for_an_eviction() {
    let ledger = fault_on_one_channel(Fault::Kick, true).await;
    assert!(
        !ledger
            .events
            .iter()
            .any(|(_, e)| matches!(e, PoolEvent::Evicted { .. })),
        "{:?}",
        ledger.events
    );
}

#[tokio::test(start_paused = true)]
async fn existing_channels_of_the_client_are_reused_when_asked() {
    within(Duration::from_secs(600), async {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let rest = rest_client(&sim);
        let existing: BTreeSet<String> = [
            rest.create_channel().await.unwrap().id,
            rest.create_channel().await.unwrap().id,
        ]
        .into();
        let all = topics(0..1500, &["presence"]);
        let pool = PoolOptions::new(rest)
            .reuse_existing(true)
            .connect(&all)
            .await
            .unwrap();
        let used: BTreeSet<String> = pool.channels().into_iter().map(|c| c.channel_id).collect();
        assert_eq!(used, existing);
        let stats = sim.stats();
        assert_eq!(stats.channels.len(), 2, "a channel was created");
        assert!(
            stats
                .channels
                .iter()
                .all(|c| c.connected && c.topics.len() == 750)
        );
    })
    .await;
}

/// Back-pressure across the pool: the shared bound is full and every pool channel's
/// forwarding task waits for room. When the consumer takes the buffer down to its low-water
/// mark, every one of them resumes at that moment: the whole backlog drains, in order per
/// channel, without the (paused) clock moving, so no timer is involved.
#[tokio::test(start_paused = true)]
async fn a_full_shared_buffer_resumes_every_channel_when_room_frees() {
    const PER_TOPIC: u64 = 20;
    within(Duration::from_secs(60), async {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let all = topics(0..3, &["presence"]);
        // The smallest bound (1 KiB): room for about four notifications of the pool's.
        let mut pool = PoolOptions::new(rest_client(&sim))
            .topics_per_channel(1)
            .connect_options(ConnectOptions::new().max_buffer(1024))
            .connect(&all)
            .await
            .unwrap();
        assert_eq!(pool.channels().len(), 3);
        for i in 0..PER_TOPIC {
            for topic in &all {
                assert_eq!(sim.publish(topic, json!({ "i": i })), 1);
            }
        }
        // Nobody reads: the shared buffer fills and the forwarding tasks stop.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let buffered = pool.buffered_len();
        assert!((1..10).contains(&buffered), "{buffered} buffered");
        let started = Instant::now();
        let mut next = [0u64; 3];
        for _ in 0..3 * PER_TOPIC {
            let n = pool.next().await.unwrap().unwrap();
            let channel = all.iter().position(|t| t == n.topic()).unwrap();
            let i = n.body::<serde_json::Value>().unwrap()["i"]
                .as_u64()
                .unwrap();
            assert_eq!(i, next[channel], "{}", n.topic());
            next[channel] += 1;
        }
        assert_eq!(next, [PER_TOPIC; 3]);
        assert_eq!(
            Instant::now(),
            started,
            "the backlog waited for a timer to drain"
        );
        let stats = pool.stats();
        assert_eq!((stats.dropped, stats.gaps), (0, 0));
        pool.close().await;
    })
    .await;
}
