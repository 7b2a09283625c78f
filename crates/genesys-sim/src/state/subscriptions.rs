//! Subscriptions: changes by REST and by the socket `subscribe` message (expansion of
//! combined topics, permissions, the topic limit, lifetime extension), the topic index, and
//! publishing through it.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::link::Subscriber;
use super::{State, later};
use crate::config::{ExtendOn, PostResponse, TopicCounting};
use crate::frames::Frame;
use crate::topics::{self, TopicError};

/// Who sent a subscription change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    Rest,
    Ws,
}

/// `PUT` replaces, `POST` and the socket `subscribe` message add, the optional socket
/// `unsubscribe` message removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Replace,
    Add,
    Remove,
}

/// One entry of a `ChannelTopicEntityListing`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TopicResult {
    pub(crate) id: String,
    pub(crate) rejected: Option<(String, Vec<String>)>,
}

impl TopicResult {
    pub(super) fn permitted(id: &str) -> TopicResult {
        TopicResult {
            id: id.to_owned(),
            rejected: None,
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        match &self.rejected {
            None => json!({"id": self.id, "state": "Permitted"}),
            Some((reason, missing)) => json!({
                "id": self.id,
                "state": "Rejected",
                "rejectionReason": reason,
                "missingPermissions": missing,
            }),
        }
    }
}

/// Why a subscription request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SubscribeError {
    NotFound,
    /// Injected by [`Fault::RejectNextSubscribe`](crate::Fault::RejectNextSubscribe).
    Injected,
    Invalid(String),
    TooMany {
        count: usize,
        max: usize,
    },
    Forbidden(Vec<TopicResult>),
}

impl SubscribeError {
    pub(crate) fn message(&self) -> String {
        match self {
            SubscribeError::NotFound => "channel not found".to_owned(),
            SubscribeError::Injected => "subscription rejected (injected fault)".to_owned(),
            SubscribeError::Invalid(m) => m.clone(),
            SubscribeError::TooMany { count, max } => {
                format!("too many topics: {count} exceeds the limit of {max}")
            }
            SubscribeError::Forbidden(rejected) => {
                let ids: Vec<&str> = rejected.iter().map(|r| r.id.as_str()).collect();
                format!("missing permissions for topics: {}", ids.join(", "))
            }
        }
    }
}

/// Normalised topic → the channels subscribed to it. A topic with no channel left is
/// removed, so the index never grows with topics nobody holds.
#[derive(Debug, Default)]
pub(super) struct TopicIndex {
    map: HashMap<String, HashSet<String>>,
}

impl TopicIndex {
    /// Number of distinct topics subscribed by any channel.
    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    fn insert(&mut self, key: String, id: &str) {
        self.map.entry(key).or_default().insert(id.to_owned());
    }

    /// Removes channel `id` from the topics `keys`.
    pub(super) fn remove<'a>(&mut self, id: &str, keys: impl Iterator<Item = &'a String>) {
        for key in keys {
            if let Some(set) = self.map.get_mut(key) {
                set.remove(id);
                if set.is_empty() {
                    self.map.remove(key);
                }
            }
        }
    }

    fn get(&self, key: &str) -> Option<&HashSet<String>> {
        self.map.get(key)
    }
}

impl State {
    /// The index key of a topic: itself, or lower-cased with case-insensitive matching.
    /// Borrows in the default (exact) case so publishing allocates nothing.
    fn key<'a>(&self, topic: &'a str) -> Cow<'a, str> {
        if self.config.protocol.case_insensitive_topics {
            Cow::Owned(topic.to_ascii_lowercase())
        } else {
            Cow::Borrowed(topic)
        }
    }

    /// How many topics of channel `c` count toward [`SimConfig::max_topics`] under
    /// [`ProtocolOptions::topic_counting`].
    ///
    /// [`SimConfig::max_topics`]: crate::SimConfig::max_topics
    /// [`ProtocolOptions::topic_counting`]: crate::ProtocolOptions::topic_counting
    pub(super) fn topic_count(&self, c: &super::channels::Channel) -> usize {
        match self.config.protocol.topic_counting {
            TopicCounting::Expanded => c.topics.len(),
            TopicCounting::Entries => c.entries.len(),
        }
    }

    /// Topics of a channel (`GET .../subscriptions`).
    pub(crate) fn topics(&self, id: &str) -> Option<Vec<String>> {
        self.channels
            .get(id)
            .map(|c| c.topics.values().cloned().collect())
    }

    /// `PUT`/`POST .../subscriptions` and the socket `subscribe` message.
    pub(crate) fn subscribe(
        &mut self,
        id: &str,
        entries: &[String],
        mode: Mode,
        ignore_errors: bool,
        via: Via,
        now: Instant,
    ) -> Result<Vec<TopicResult>, SubscribeError> {
        let config = Arc::clone(&self.config);
        let max_len = config.max_topic_len;
        let max_topics = config.max_topics;
        let counting = config.protocol.topic_counting;
        let extend = matches!(
            (config.protocol.extend_on, via),
            (ExtendOn::Any, _) | (ExtendOn::Rest, Via::Rest) | (ExtendOn::Ws, Via::Ws)
        );
        let lifetime = config.channel_lifetime;
        let denied = &config.denied_topics;

        let c = self.channels.get_mut(id).ok_or(SubscribeError::NotFound)?;
        match via {
            Via::Rest => c.requests.rest += 1,
            Via::Ws => c.requests.ws += 1,
        }
        c.last_used = now;
        if std::mem::take(&mut c.reject_next_subscribe) {
            return Err(SubscribeError::Injected);
        }

        // Validate and expand every entry before changing anything.
        let mut expanded: Vec<(String, Vec<String>)> = Vec::with_capacity(entries.len());
        for entry in entries {
            let topics = topics::expand(entry, max_len)
                .map_err(|e: TopicError| SubscribeError::Invalid(e.message()))?;
            expanded.push((entry.clone(), topics));
        }

        // Permission checks. `response` lists the request's entries as given (a combined
        // entry as one success when any of its topics is permitted), deduplicated.
        let case_insensitive = config.protocol.case_insensitive_topics;
        let key = |t: &str| {
            if case_insensitive {
                t.to_ascii_lowercase()
            } else {
                t.to_owned()
            }
        };
        let mut rejected: Vec<TopicResult> = Vec::new();
        let mut permitted: Vec<String> = Vec::new();
        let mut response: Vec<TopicResult> = Vec::new();
        let mut added_entries: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (entry, topics) in &expanded {
            let mut entry_keys = Vec::new();
            for t in topics {
                let denial = if mode == Mode::Remove {
                    None
                } else {
                    denied.iter().find(|d| topics::glob_match(&d.pattern, t))
                };
                match denial {
                    Some(d) => rejected.push(TopicResult {
                        id: t.clone(),
                        rejected: Some((
                            format!("Missing permissions for topic {t}"),
                            d.missing_permissions.clone(),
                        )),
                    }),
                    None => {
                        entry_keys.push(key(t));
                        permitted.push(t.clone());
                    }
                }
            }
            if !entry_keys.is_empty() && !added_entries.contains_key(&key(entry)) {
                response.push(TopicResult::permitted(entry));
                added_entries.insert(key(entry), entry_keys);
            }
        }
        if !rejected.is_empty() && !ignore_errors {
            return Err(SubscribeError::Forbidden(rejected));
        }

        // The resulting set, then the limit.
        let mut next: BTreeMap<String, String> = match mode {
            Mode::Replace => BTreeMap::new(),
            Mode::Add | Mode::Remove => c.topics.clone(),
        };
        for t in &permitted {
            if mode == Mode::Remove {
                next.remove(&key(t));
            } else {
                next.entry(key(t)).or_insert_with(|| t.clone());
            }
        }
        let mut next_entries = match mode {
            Mode::Replace => BTreeMap::new(),
            Mode::Add | Mode::Remove => c.entries.clone(),
        };
        if mode != Mode::Remove {
            next_entries.extend(added_entries.clone());
        }
        next_entries.retain(|_, keys| keys.iter().any(|k| next.contains_key(k)));
        let count = match counting {
            TopicCounting::Expanded => next.len(),
            TopicCounting::Entries => next_entries.len(),
        };
        if count > max_topics {
            return Err(SubscribeError::TooMany {
                count,
                max: max_topics,
            });
        }

        // Apply.
        let old = std::mem::replace(&mut c.topics, next);
        c.entries = next_entries;
        if extend {
            c.expires = later(now, lifetime);
        }
        let new_keys: Vec<String> = c.topics.keys().cloned().collect();
        let dropped: Vec<String> = old
            .into_keys()
            .filter(|k| !c.topics.contains_key(k))
            .collect();
        // The whole resulting list, sorted: topics held before and not named by this
        // request, and the request's entries as given (after a removal: every topic left).
        let full: Vec<TopicResult> = if mode == Mode::Remove {
            c.topics
                .values()
                .map(|t| TopicResult::permitted(t))
                .collect()
        } else {
            let covered: HashSet<&String> = added_entries.values().flatten().collect();
            let mut full: Vec<TopicResult> = c
                .topics
                .iter()
                .filter(|(k, _)| !covered.contains(k))
                .map(|(_, t)| TopicResult::permitted(t))
                .chain(response.iter().cloned())
                .collect();
            full.sort_by(|a, b| a.id.cmp(&b.id));
            full
        };
        self.index.remove(id, dropped.iter());
        for k in new_keys {
            self.index.insert(k, id);
        }

        let mut result = match (mode, config.protocol.post_response) {
            (Mode::Add, PostResponse::Added) => response,
            _ => full,
        };
        result.extend(rejected);
        Ok(result)
    }

    /// Drops every subscription of channel `id`; returns whether it exists.
    pub(super) fn clear_topics(&mut self, id: &str) -> bool {
        let Some(c) = self.channels.get_mut(id) else {
            return false;
        };
        let old = std::mem::take(&mut c.topics);
        c.entries.clear();
        self.index.remove(id, old.keys());
        true
    }

    // ---------------------------------------------------------------- publishing

    /// Queues `frame` on every open socket subscribed to `topic`; returns how many.
    /// Subscribed channels without a usable socket count the frame as lost.
    pub(crate) fn publish(&mut self, topic: &str, frame: &Frame, now: Instant) -> usize {
        self.published += 1;
        let key = self.key(topic);
        let Some(ids) = self.index.get(key.as_ref()) else {
            return 0;
        };
        let mut delivered = 0;
        for id in ids {
            let Some(c) = self.channels.get_mut(id) else {
                continue;
            };
            let queued = match &c.socket {
                Some(link) if link.live(now) => link.try_queue(frame),
                _ => false,
            };
            if queued {
                delivered += 1;
            } else {
                c.counters.lost.fetch_add(1, Ordering::Relaxed);
            }
        }
        delivered
    }

    /// The channels subscribed to `topic`, for a publish that waits for room in the socket
    /// queues instead of counting frames as lost ([`Subscriber::send`]). A channel without a
    /// socket, or whose socket is stalled, gets no queue: its frames count as lost, as with
    /// [`State::publish`].
    pub(crate) fn subscribers(&self, topic: &str, now: Instant) -> Vec<Subscriber> {
        let key = self.key(topic);
        let Some(ids) = self.index.get(key.as_ref()) else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| self.channels.get(id))
            .map(|c| Subscriber {
                counters: Arc::clone(&c.counters),
                queue: c
                    .socket
                    .as_ref()
                    .filter(|link| link.live(now))
                    .map(|link| (link.data.clone(), Arc::clone(&link.queued))),
            })
            .collect()
    }

    /// Every subscribed topic, sorted (for the generator).
    pub(crate) fn subscribed_topics(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .channels
            .values()
            .flat_map(|c| c.topics.values().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use tokio_util::sync::CancellationToken;

    use super::super::test_support::{state, strings};
    use super::*;
    use crate::api::SubscribeRequests;
    use crate::config::{DeniedTopic, SimConfig};

    #[test]
    fn subscriptions_expand_extend_and_limit() {
        let mut s = state(SimConfig {
            max_topics: 3,
            ..SimConfig::default()
        });
        let t0 = Instant::now();
        let ch = s.create_channel("c", None, t0);
        let t1 = t0 + Duration::from_secs(100);
        let r = s
            .subscribe(
                &ch.id,
                &strings(&["v2.users.u?presence&routingStatus"]),
                Mode::Add,
                false,
                Via::Rest,
                t1,
            )
            .unwrap();
        // The response names the entry as given; the channel holds its expansions.
        assert_eq!(
            r,
            [TopicResult::permitted("v2.users.u?presence&routingStatus")]
        );
        assert_eq!(
            s.topics(&ch.id).unwrap(),
            strings(&["v2.users.u.presence", "v2.users.u.routingStatus"])
        );
        assert_eq!(s.next_deadline(), Some(t1 + Duration::from_secs(24 * 3600)));
        let err = s
            .subscribe(
                &ch.id,
                &strings(&["a.b", "a.c"]),
                Mode::Add,
                false,
                Via::Ws,
                t1,
            )
            .unwrap_err();
        assert_eq!(err, SubscribeError::TooMany { count: 4, max: 3 });
        // A failed request changes nothing.
        assert_eq!(s.topics(&ch.id).unwrap().len(), 2);
        s.subscribe(
            &ch.id,
            &strings(&["a.b"]),
            Mode::Replace,
            false,
            Via::Ws,
            t1,
        )
        .unwrap();
        assert_eq!(s.topics(&ch.id).unwrap(), strings(&["a.b"]));
        assert_eq!(
            s.stats().channels[0].subscribe_requests,
            SubscribeRequests { rest: 1, ws: 2 }
        );
    }

    #[test]
    fn remove_mode_drops_expanded_topics() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let ch = s.create_channel("c", None, t);
        let add = strings(&["v2.users.u?presence&routingStatus&activity"]);
        s.subscribe(&ch.id, &add, Mode::Add, false, Via::Ws, t)
            .unwrap();
        let remove = strings(&["v2.users.u?presence&activity", "not.subscribed"]);
        s.subscribe(&ch.id, &remove, Mode::Remove, false, Via::Ws, t)
            .unwrap();
        assert_eq!(
            s.topics(&ch.id).unwrap(),
            strings(&["v2.users.u.routingStatus"])
        );
        let _sock = s.attach(&ch.id, t, CancellationToken::new()).unwrap();
        assert_eq!(s.publish("v2.users.u.presence", &Frame::text("x"), t), 0);
        assert_eq!(
            s.publish("v2.users.u.routingStatus", &Frame::text("x"), t),
            1
        );
    }

    #[test]
    fn denied_topics_fail_the_batch_or_are_reported() {
        let mut s = state(SimConfig {
            denied_topics: vec![DeniedTopic::new("v2.users.*.routingStatus")],
            ..SimConfig::default()
        });
        let now = Instant::now();
        let ch = s.create_channel("c", None, now);
        let entries = strings(&["v2.users.u?presence&routingStatus"]);
        let err = s
            .subscribe(&ch.id, &entries, Mode::Add, false, Via::Rest, now)
            .unwrap_err();
        assert!(matches!(err, SubscribeError::Forbidden(ref r) if r.len() == 1));
        assert!(s.topics(&ch.id).unwrap().is_empty());
        let r = s
            .subscribe(&ch.id, &entries, Mode::Add, true, Via::Rest, now)
            .unwrap();
        let json: Vec<Value> = r.iter().map(TopicResult::to_json).collect();
        // The combined entry is a success, the refused expansion a failure.
        assert_eq!(json.len(), 2);
        assert_eq!(
            json[0],
            json!({"id": "v2.users.u?presence&routingStatus", "state": "Permitted"})
        );
        assert_eq!(json[1]["id"], "v2.users.u.routingStatus");
        assert_eq!(json[1]["state"], "Rejected");
        assert_eq!(
            json[1]["missingPermissions"],
            json!(["notifications:topic:view"])
        );
    }

    #[test]
    fn post_added_response_echoes_combined_entry() {
        let mut config = SimConfig {
            denied_topics: vec![DeniedTopic::new("v2.users.*.routingStatus")],
            ..SimConfig::default()
        };
        config.protocol.post_response = PostResponse::Added;
        let mut s = state(config);
        let now = Instant::now();
        let ch = s.create_channel("c", None, now);
        let entries = strings(&["v2.users.u?presence&routingStatus"]);
        let r = s
            .subscribe(&ch.id, &entries, Mode::Add, true, Via::Rest, now)
            .unwrap();
        assert_eq!(
            r[0],
            TopicResult::permitted("v2.users.u?presence&routingStatus")
        );
        assert_eq!(r[1].id, "v2.users.u.routingStatus");
        assert!(r[1].rejected.is_some());
    }

    #[test]
    fn case_insensitive_matching_is_optional() {
        let mut config = SimConfig::default();
        config.protocol.case_insensitive_topics = true;
        let mut s = state(config);
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        s.subscribe(
            &a.id,
            &strings(&["v2.Users.U.presence"]),
            Mode::Add,
            false,
            Via::Rest,
            t,
        )
        .unwrap();
        let _sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        assert_eq!(s.publish("v2.users.u.presence", &Frame::text("x"), t), 1);
        let mut exact = state(SimConfig::default());
        let b = exact.create_channel("c", None, t);
        exact
            .subscribe(
                &b.id,
                &strings(&["v2.Users.U.presence"]),
                Mode::Add,
                false,
                Via::Rest,
                t,
            )
            .unwrap();
        let _sock = exact.attach(&b.id, t, CancellationToken::new()).unwrap();
        assert_eq!(
            exact.publish("v2.users.u.presence", &Frame::text("x"), t),
            0
        );
    }

    #[test]
    fn full_response_lists_held_topics_then_the_request_entries() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let ch = s.create_channel("c", None, t);
        let first = strings(&["a.x", "v2.users.u?presence&routingStatus"]);
        s.subscribe(&ch.id, &first, Mode::Add, false, Via::Rest, t)
            .unwrap();
        let again = strings(&[
            "v2.users.u?presence&activity",
            "v2.users.u?presence&activity",
        ]);
        let r = s
            .subscribe(&ch.id, &again, Mode::Add, false, Via::Rest, t)
            .unwrap();
        let ids: Vec<&str> = r.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "a.x",
                "v2.users.u.routingStatus",
                "v2.users.u?presence&activity"
            ]
        );
        // Removal answers with every topic left.
        let r = s
            .subscribe(&ch.id, &strings(&["a.x"]), Mode::Remove, false, Via::Ws, t)
            .unwrap();
        assert_eq!(r.len(), 3);
        assert!(r.iter().all(|r| !r.id.contains('?')));
    }

    #[test]
    fn entries_counting_counts_a_combined_entry_once() {
        let mut config = SimConfig {
            max_topics: 2,
            ..SimConfig::default()
        };
        config.protocol.topic_counting = TopicCounting::Entries;
        let mut s = state(config);
        let t = Instant::now();
        let ch = s.create_channel("c", None, t);
        let combined = strings(&["v2.users.u?presence&routingStatus&activity"]);
        s.subscribe(&ch.id, &combined, Mode::Add, false, Via::Rest, t)
            .unwrap();
        // The same entry again counts once.
        s.subscribe(&ch.id, &combined, Mode::Add, false, Via::Rest, t)
            .unwrap();
        assert_eq!(s.stats().channels[0].topic_count, 1);
        s.subscribe(&ch.id, &strings(&["a.b"]), Mode::Add, false, Via::Ws, t)
            .unwrap();
        assert_eq!(s.stats().channels[0].topic_count, 2);
        assert_eq!(s.stats().channels[0].topics.len(), 4);
        // A third entry is over the limit, across requests too.
        assert_eq!(
            s.subscribe(&ch.id, &strings(&["c.d"]), Mode::Add, false, Via::Ws, t),
            Err(SubscribeError::TooMany { count: 3, max: 2 })
        );
        // An entry counts while any of its topics is held.
        let some = strings(&["v2.users.u?presence&activity"]);
        s.subscribe(&ch.id, &some, Mode::Remove, false, Via::Ws, t)
            .unwrap();
        assert_eq!(s.stats().channels[0].topic_count, 2);
        let rest = strings(&["v2.users.u.routingStatus"]);
        s.subscribe(&ch.id, &rest, Mode::Remove, false, Via::Ws, t)
            .unwrap();
        assert_eq!(s.stats().channels[0].topic_count, 1);
        s.subscribe(&ch.id, &strings(&["c.d"]), Mode::Add, false, Via::Ws, t)
            .unwrap();
        // Replacing starts the count afresh.
        let r = s.subscribe(
            &ch.id,
            &strings(&["x.y", "x.z"]),
            Mode::Replace,
            false,
            Via::Rest,
            t,
        );
        assert!(r.is_ok());
        assert_eq!(s.stats().channels[0].topic_count, 2);
    }

    #[test]
    fn expanded_counting_counts_every_topic() {
        let mut s = state(SimConfig {
            max_topics: 3,
            ..SimConfig::default()
        });
        let t = Instant::now();
        let ch = s.create_channel("c", None, t);
        let combined = strings(&["v2.users.u?presence&routingStatus&activity"]);
        s.subscribe(&ch.id, &combined, Mode::Add, false, Via::Rest, t)
            .unwrap();
        assert_eq!(s.stats().channels[0].topic_count, 3);
        assert_eq!(
            s.subscribe(&ch.id, &strings(&["a.b"]), Mode::Add, false, Via::Ws, t),
            Err(SubscribeError::TooMany { count: 4, max: 3 })
        );
    }

    #[test]
    fn the_index_forgets_topics_nobody_holds() {
        let mut index = TopicIndex::default();
        index.insert("a".to_owned(), "ch1");
        index.insert("a".to_owned(), "ch2");
        index.insert("b".to_owned(), "ch1");
        assert_eq!(index.len(), 2);
        let keys = strings(&["a", "b"]);
        index.remove("ch1", keys.iter());
        assert_eq!(index.len(), 1);
        assert_eq!(index.get("a").map(HashSet::len), Some(1));
        index.remove("ch2", keys.iter());
        assert_eq!(index.len(), 0);
    }

    #[test]
    fn clearing_topics_stops_delivery() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        s.subscribe(&a.id, &strings(&["x.y"]), Mode::Add, false, Via::Ws, t)
            .unwrap();
        let _sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        assert!(s.clear_topics(&a.id));
        assert!(!s.clear_topics("missing"));
        assert_eq!(s.publish("x.y", &Frame::text("x"), t), 0);
        assert!(s.topics(&a.id).unwrap().is_empty());
    }
}
