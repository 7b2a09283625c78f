//! The channel state machine, fuzzed: the real client, over loopback, against the
//! simulator, on paused time, driven by an arbitrary sequence of events (publications, time
//! passing, every simulator fault, and the user's control calls).
//!
//! Shared by the `channel` fuzz target and by the library's stable test `fuzz_corpus.rs`
//! (which replays `fuzz/corpus/channel/`). Only the public API is used.
//!
//! Invariants checked after the sequence (and ten quiet minutes):
//! * no panic, no hang (everything is bounded in simulated time);
//! * notifications arrive in order, at most once, and each missing one sits where the
//!   stream reported a gap or its fatal end;
//! * a fatal error is the last item;
//! * after every switch has settled, at most one socket is open in the simulator;
//! * the topic set is what was asked for (and never loses the first topic).

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::{Channel, ConnectOptions, Error, Notification, ReconnectPolicy};
use genesys_sim::{Fault, SimConfig, Simulator};
use serde_json::json;

const TOPIC: &str = "v2.users.fuzz.presence";
const EXTRA: &str = "v2.users.fuzz.routingStatus";

/// Runs the sequence encoded in `data`; panics on a violation.
pub fn check(data: &[u8]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    rt.block_on(run(data));
}

/// Reads the input a byte at a time; past its end, zeros.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn bytes(&mut self) -> Vec<u8> {
        let n = usize::from(self.byte() % 64).min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head.to_vec()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug)]
enum Seen {
    Note(u64),
    Gap,
    Other,
    Fatal,
}

fn seq_of(n: &Notification) -> Option<u64> {
    n.body::<serde_json::Value>()
        .ok()
        .and_then(|v| v.get("seq").and_then(serde_json::Value::as_u64))
}

fn record(seen: &mut Vec<Seen>, item: Result<Notification, Error>) {
    seen.push(match item {
        Ok(n) if n.topic() == TOPIC || n.topic() == EXTRA => match seq_of(&n) {
            Some(s) => Seen::Note(s),
            None => Seen::Other,
        },
        Ok(_) => Seen::Other,
        Err(e) if e.is_gap() => Seen::Gap,
        Err(e) if e.is_fatal() => Seen::Fatal,
        Err(_) => Seen::Other,
    });
}

/// Consumes every item available now (without letting time pass).
async fn drain(ch: &mut Channel, seen: &mut Vec<Seen>, ended: &mut bool) {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    while !*ended {
        match tokio::time::timeout(Duration::ZERO, ch.next()).await {
            Ok(Some(item)) => record(seen, item),
            Ok(None) => *ended = true,
            Err(_) => break,
        }
    }
}

async fn run(data: &[u8]) {
    let mut input = Input(data);
    let sim = Simulator::start(SimConfig::default())
        .await
        .expect("simulator");
    let info = sim.create_channel("demo-client");
    let mut ch = ConnectOptions::new()
        .max_message_size(16 * 1024)
        .reconnect(ReconnectPolicy::default().jitter_seed(7))
        .random_seed(7)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .expect("the first connection");
    let handle = ch.handle();
    let mut topics = vec![TOPIC.to_owned()];
    let mut seen = Vec::new();
    let mut ended = false;
    let mut seq = 0u64;
    let mut channels = vec![info.id.clone()];
    let mut steps = 0;
    while !input.is_empty() && !ended && steps < 200 {
        steps += 1;
        let op = input.byte();
        // The channel the client is (most recently) on, per the simulator.
        let current = sim
            .stats()
            .channels
            .iter()
            .filter(|c| c.connected)
            .map(|c| c.id.clone())
            .next_back()
            .unwrap_or_else(|| channels[channels.len() - 1].clone());
        match op % 20 {
            0..=4 => {
                seq += 1;
                // Only subscribed topics count: a publication nobody subscribed is not lost.
                let topic = if op % 2 == 1 && topics.iter().any(|t| t == EXTRA) {
                    EXTRA
                } else {
                    TOPIC
                };
                sim.publish(topic, json!({ "seq": seq }));
            }
            5 | 6 => {
                let secs = u64::from(input.byte());
                tokio::time::sleep(Duration::from_secs(secs)).await;
            }
            7 => drop(sim.fault(&current, Fault::Drop)),
            8 => drop(sim.fault(
                &current,
                Fault::Stall {
                    // Longer than the heartbeat timeout: a shorter silence is invisible to
                    // any client, and the simulator drops what a stalled socket does not send.
                    duration: Duration::from_secs(76 + u64::from(input.byte())),
                },
            )),
            9 => drop(sim.fault(&current, Fault::SocketClosing)),
            10 => drop(sim.fault(&current, Fault::Kick)),
            11 => {
                // Anything, except a forged marker (`seq`, spelled out or escaped).
                let text = String::from_utf8_lossy(&input.bytes())
                    .replace("seq", "s_q")
                    .replace('\\', "/");
                drop(sim.fault(&current, Fault::RawText(text)));
            }
            12 => drop(sim.fault(&current, Fault::RawBinary(input.bytes()))),
            13 => drop(sim.fault(
                &current,
                Fault::Oversize {
                    bytes: 16 * 1024 + usize::from(input.byte()) * 64,
                },
            )),
            14 => drop(sim.fault(
                &current,
                Fault::RefuseConnections {
                    duration: Duration::from_secs(u64::from(input.byte())),
                },
            )),
            15 => drop(sim.fault(&current, Fault::RejectNextSubscribe)),
            16 => {
                // Control calls, answered whatever happens (bounded by their timeouts).
                let h = handle.clone();
                let which = input.byte();
                let extra_added = topics.iter().any(|t| t == EXTRA);
                let outcome = tokio::time::timeout(Duration::from_secs(120), async move {
                    match which % 4 {
                        0 => h.ping().await.map(drop),
                        1 => h.extend().await,
                        2 => h.subscribe([EXTRA]).await,
                        _ => h.force_reconnect().await,
                    }
                });
                // Keep consuming while the call runs, so a full buffer cannot block it.
                let mut outcome = std::pin::pin!(outcome);
                let result = loop {
                    tokio::select! {
                        r = &mut outcome => break r,
                        item = ch.next(), if !ended => match item {
                            Some(item) => record(&mut seen, item),
                            None => ended = true,
                        },
                    }
                };
                let result = result.expect("a control call always answers");
                if which % 4 == 2 && result.is_ok() && !extra_added {
                    topics.push(EXTRA.to_owned());
                }
            }
            17 => {
                let next = sim.create_channel("demo-client");
                channels.push(next.id.clone());
                let h = handle.clone();
                let uri = next.connect_uri.clone();
                let outcome = tokio::time::timeout(Duration::from_secs(120), async move {
                    h.rollover(&uri).await
                });
                let mut outcome = std::pin::pin!(outcome);
                loop {
                    tokio::select! {
                        r = &mut outcome => {
                            r.expect("a rollover always answers").ok();
                            break;
                        }
                        item = ch.next(), if !ended => match item {
                            Some(item) => record(&mut seen, item),
                            None => ended = true,
                        },
                    }
                }
            }
            18 => {
                let fault = match input.byte() % 3 {
                    0 => Fault::Expire,
                    1 => Fault::Evict,
                    _ => Fault::NoLongerSubscribed,
                };
                drop(sim.fault(&current, fault));
            }
            _ => {}
        }
        drain(&mut ch, &mut seen, &mut ended).await;
    }
    // Ten quiet minutes: every switch settles, every retry ends one way or the other.
    let until = tokio::time::Instant::now() + Duration::from_secs(600);
    while !ended {
        match tokio::time::timeout_at(until, ch.next()).await {
            Ok(Some(item)) => record(&mut seen, item),
            Ok(None) => ended = true,
            Err(_) => break,
        }
    }
    check_accounting(&seen, seq);
    if !ended {
        let open = sim.stats().channels.iter().filter(|c| c.connected).count();
        assert!(open <= 1, "{open} sockets open after every switch settled");
        let mut got = ch.topics();
        got.sort();
        let mut want = topics.clone();
        want.sort();
        assert_eq!(got, want, "the topic set");
    }
    drop(ch);
}

fn check_accounting(seen: &[Seen], published: u64) {
    if let Some(pos) = seen.iter().position(|s| matches!(s, Seen::Fatal)) {
        assert_eq!(
            pos,
            seen.len() - 1,
            "a fatal error is the last item: {seen:?}"
        );
    }
    let mut positions = std::collections::BTreeMap::new();
    let mut last = 0;
    for (i, s) in seen.iter().enumerate() {
        if let Seen::Note(n) = s {
            assert!(
                *n > last,
                "{n} after {last}: out of order or duplicated: {seen:?}"
            );
            assert!(*n <= published, "{n} was never published");
            last = *n;
            positions.insert(*n, i);
        }
    }
    let received: BTreeSet<u64> = positions.keys().copied().collect();
    for missing in (1..=published).filter(|n| !received.contains(n)) {
        let before = positions
            .range(..missing)
            .next_back()
            .map_or(0, |(_, i)| *i);
        let after = positions
            .range(missing..)
            .next()
            .map_or(seen.len(), |(_, i)| *i);
        let reported = seen[before..after]
            .iter()
            .any(|s| matches!(s, Seen::Gap | Seen::Fatal));
        // Published after the stream ended: nobody could receive it.
        let after_end = after == seen.len() && seen.iter().any(|s| matches!(s, Seen::Fatal));
        // Still buffered in the simulator when the run stopped: the tail may be unsent only
        // if nothing after it was received; the quiet ten minutes deliver everything else.
        assert!(
            reported || after_end,
            "notification {missing} lost without a gap: {:?}",
            &seen[before..after]
        );
    }
}
