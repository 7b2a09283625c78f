//! Where a channel pool places a topic: packing into combined entries, the channel budget,
//! and minimum-churn changes. Pure: no I/O, no clock; every input is explicit.
//!
//! The pool works on *leaves*, the individual topics notifications arrive under
//! (`v2.users.42.presence`). Leaves sharing a prefix (the topic minus its last segment) are
//! packed into combined entries (`v2.users.42?presence&routingStatus`), each shorter than
//! [`MAX_TOPIC_LEN`] characters, and the entries are spread over channels so that no channel
//! carries more than [`Limits::topics_per_channel`] by the [`TopicCounting`] rule.
//!
//! Invariants of a [`Placement`]:
//! * every leaf lives in exactly one entry, and every entry on exactly one channel (so a
//!   topic's notifications come from one channel and keep their order);
//! * no channel's count exceeds the limit, no entry renders to [`MAX_TOPIC_LEN`] characters or
//!   more, no channel is empty, and there are at most [`Limits::max_channels`] channels;
//! * a change touches only the channels listed in its [`Changes`]: adding puts new entries on
//!   the emptiest channels that have room and opens a channel only when the others cannot take
//!   them; removing edits only the entries of the removed leaves. No operation moves a leaf
//!   from one channel to another.
//!
//! ```
//! use genesys_notifications::rest::{Limits, Placement};
//!
//! let limits = Limits::default().max_channels(2).topics_per_channel(3);
//! let (mut placement, _) = Placement::plan(
//!     limits,
//!     ["v2.users.1?presence&routingStatus", "v2.users.2.presence", "v2.users.3.presence"],
//! )?;
//! assert_eq!(placement.channels(), vec![0, 1]);
//! assert_eq!(placement.topic_count(), 4);
//! assert_eq!(placement.channel_of("v2.users.1.routingStatus"), Some(0));
//! assert_eq!(placement.entries(0), vec!["v2.users.1?presence&routingStatus"]);
//! // Full: 4 + 3 leaves need 3 channels of 3 topics.
//! let refused = placement.add(["v2.users.4?a&b&c"]).unwrap_err();
//! assert_eq!((refused.count, refused.capacity), (7, 6));
//! # Ok::<(), genesys_notifications::rest::Refusal>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use crate::topic::{MAX_TOPIC_LEN, expand};

/// Topics per channel the service accepts.
pub const SERVICE_TOPICS_PER_CHANNEL: usize = 1000;
/// Channels an OAuth client (user and app) may hold; the next one evicts the oldest.
pub const SERVICE_MAX_CHANNELS: usize = 20;
/// The pool's default channel budget: room is left for other tools of the same OAuth client.
pub const DEFAULT_MAX_CHANNELS: usize = 15;

/// How the service counts a combined entry (`prefix?a&b`) toward the topics of a channel.
/// The service does not document it; the default is the safe assumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TopicCounting {
    /// Each expanded topic counts (`prefix?a&b` counts 2). Always safe. (Default.)
    #[default]
    Expanded,
    /// Each entry counts once, however many topics it expands to.
    Entries,
}

/// The limits a placement respects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Topics per channel by the counting rule (default and at most 1,000).
    pub topics_per_channel: usize,
    /// Channels the pool may use (default 15, at most 20).
    pub max_channels: usize,
    /// How combined entries count.
    pub counting: TopicCounting,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            topics_per_channel: SERVICE_TOPICS_PER_CHANNEL,
            max_channels: DEFAULT_MAX_CHANNELS,
            counting: TopicCounting::Expanded,
        }
    }
}

impl Limits {
    /// Sets the channel budget, clamped to 1..=20.
    #[must_use]
    pub fn max_channels(mut self, channels: usize) -> Self {
        self.max_channels = channels.clamp(1, SERVICE_MAX_CHANNELS);
        self
    }

    /// Sets the topics per channel, clamped to 1..=1,000.
    #[must_use]
    pub fn topics_per_channel(mut self, topics: usize) -> Self {
        self.topics_per_channel = topics.clamp(1, SERVICE_TOPICS_PER_CHANNEL);
        self
    }

    /// Sets the counting rule.
    #[must_use]
    pub fn counting(mut self, counting: TopicCounting) -> Self {
        self.counting = counting;
        self
    }

    /// Topics the budget can hold by the counting rule.
    pub fn capacity(&self) -> usize {
        self.topics_per_channel * self.max_channels
    }
}

/// A topic set that does not fit the budget, refused before anything changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// Distinct topics (expanded) the pool would carry.
    pub topics: usize,
    /// Entries they pack into.
    pub entries: usize,
    /// Their count by the counting rule.
    pub count: usize,
    /// What the budget holds by the same rule (`max_channels * topics_per_channel`).
    pub capacity: usize,
    /// Channels they would need at least.
    pub channels_needed: usize,
    /// The limits.
    pub limits: Limits,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = match self.limits.counting {
            TopicCounting::Expanded => "expanded topics count",
            TopicCounting::Entries => "entries count",
        };
        write!(
            f,
            "{} topics in {} entries count {} ({rule}) and need {} channels of {}; \
             the limit is {} channels, {} topics",
            self.topics,
            self.entries,
            self.count,
            self.channels_needed,
            self.limits.topics_per_channel,
            self.limits.max_channels,
            self.capacity
        )
    }
}

impl std::error::Error for Refusal {}

/// What a change touched. Channels not named here are unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Changes {
    /// Channels that did not exist before.
    pub opened: BTreeSet<usize>,
    /// Existing channels whose entries changed.
    pub changed: BTreeSet<usize>,
    /// Channels left without topics; they are gone from the placement.
    pub closed: BTreeSet<usize>,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.changed.is_empty() && self.closed.is_empty()
    }
}

/// A packed entry: leaves of one prefix (`prefix?a&b`), or one topic without a dot.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    prefix: Option<String>,
    /// Sorted, distinct; never empty while the entry is placed. (A `Vec`: most entries hold
    /// a handful of leaves, and a `BTreeSet` node costs ~300 bytes even for one.)
    leaves: Vec<String>,
}

impl Entry {
    fn render(&self) -> String {
        match &self.prefix {
            None => self.leaves.first().cloned().unwrap_or_default(),
            Some(prefix) if self.leaves.len() == 1 => {
                format!("{prefix}.{}", self.leaves.first().map_or("", |l| l))
            }
            Some(prefix) => {
                let mut out = String::with_capacity(rendered_len(prefix, &self.leaves));
                out.push_str(prefix);
                out.push('?');
                for (i, leaf) in self.leaves.iter().enumerate() {
                    if i > 0 {
                        out.push('&');
                    }
                    out.push_str(leaf);
                }
                out
            }
        }
    }

    fn cost(&self, counting: TopicCounting) -> usize {
        match counting {
            TopicCounting::Expanded => self.leaves.len(),
            TopicCounting::Entries => 1,
        }
    }

    fn full_topic(&self, leaf: &str) -> String {
        match &self.prefix {
            None => leaf.to_owned(),
            Some(prefix) => format!("{prefix}.{leaf}"),
        }
    }
}

/// Characters of `prefix?a&b...` (or `prefix.a` for one leaf).
fn rendered_len(prefix: &str, leaves: &[String]) -> usize {
    prefix.chars().count()
        + leaves.iter().map(|l| l.chars().count()).sum::<usize>()
        + leaves.len().max(1)
}

/// `v2.users.42.presence` -> (`v2.users.42`, `presence`).
fn split(topic: &str) -> (Option<&str>, &str) {
    match topic.rsplit_once('.') {
        Some((prefix, leaf)) if !prefix.is_empty() && !leaf.is_empty() => (Some(prefix), leaf),
        _ => (None, topic),
    }
}

/// Packs leaves into entries: one prefix's leaves, in name order, as few entries as fit
/// under [`MAX_TOPIC_LEN`] characters.
fn pack(leaves: &BTreeSet<String>) -> Vec<Entry> {
    let mut groups: BTreeMap<Option<&str>, Vec<&str>> = BTreeMap::new();
    for topic in leaves {
        let (prefix, leaf) = split(topic);
        groups.entry(prefix).or_default().push(leaf);
    }
    let mut entries = Vec::new();
    for (prefix, leaves) in groups {
        let Some(prefix) = prefix else {
            entries.extend(leaves.into_iter().map(|leaf| Entry {
                prefix: None,
                leaves: vec![leaf.to_owned()],
            }));
            continue;
        };
        // `leaves` come in name order (from a sorted set of full topics of one prefix).
        let mut current: Vec<String> = Vec::new();
        for leaf in leaves {
            current.push(leaf.to_owned());
            if current.len() > 1 && rendered_len(prefix, &current) >= MAX_TOPIC_LEN {
                current.pop();
                entries.push(Entry {
                    prefix: Some(prefix.to_owned()),
                    leaves: std::mem::take(&mut current),
                });
                current.push(leaf.to_owned());
            }
        }
        if !current.is_empty() {
            entries.push(Entry {
                prefix: Some(prefix.to_owned()),
                leaves: current,
            });
        }
    }
    entries
}

#[derive(Debug, Clone, Default)]
struct Slot {
    entries: BTreeMap<u64, Entry>,
    load: usize,
}

/// Where each topic of a pool lives. See the module docs for the invariants.
#[derive(Debug, Clone)]
pub struct Placement {
    limits: Limits,
    slots: BTreeMap<usize, Slot>,
    /// Leaf (full topic) -> (channel, entry id).
    home: HashMap<String, (usize, u64)>,
    next_entry: u64,
}

impl Placement {
    /// An empty placement.
    pub fn new(limits: Limits) -> Self {
        Placement {
            limits,
            slots: BTreeMap::new(),
            home: HashMap::new(),
            next_entry: 0,
        }
    }

    /// A placement of `topics` (combined topics are expanded), balanced over as few channels
    /// as they need.
    ///
    /// # Errors
    ///
    /// A [`Refusal`] naming the count and the limit when they do not fit.
    pub fn plan<I, T>(limits: Limits, topics: I) -> Result<(Placement, Changes), Refusal>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let mut placement = Placement::new(limits);
        let changes = placement.add(topics)?;
        Ok((placement, changes))
    }

    /// The limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The channels in use, by index.
    pub fn channels(&self) -> Vec<usize> {
        self.slots.keys().copied().collect()
    }

    /// Number of channels in use.
    pub fn channel_count(&self) -> usize {
        self.slots.len()
    }

    /// The entries of a channel, as subscribed (sorted).
    pub fn entries(&self, channel: usize) -> Vec<String> {
        let mut entries: Vec<String> = self
            .slots
            .get(&channel)
            .map(|slot| slot.entries.values().map(Entry::render).collect())
            .unwrap_or_default();
        entries.sort();
        entries
    }

    /// Number of entries over all channels.
    pub fn entry_count(&self) -> usize {
        self.slots.values().map(|slot| slot.entries.len()).sum()
    }

    /// A channel's count by the counting rule.
    pub fn load(&self, channel: usize) -> usize {
        self.slots.get(&channel).map_or(0, |slot| slot.load)
    }

    /// Number of distinct (expanded) topics.
    pub fn topic_count(&self) -> usize {
        self.home.len()
    }

    /// Every topic (expanded), sorted.
    pub fn topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self.home.keys().cloned().collect();
        topics.sort();
        topics
    }

    /// The topics (expanded) of one channel, sorted.
    pub fn topics_of(&self, channel: usize) -> Vec<String> {
        let mut topics: Vec<String> = self
            .slots
            .get(&channel)
            .map(|slot| {
                slot.entries
                    .values()
                    .flat_map(|e| e.leaves.iter().map(|l| e.full_topic(l)))
                    .collect()
            })
            .unwrap_or_default();
        topics.sort();
        topics
    }

    /// The channel a topic (expanded) lives on.
    pub fn channel_of(&self, topic: &str) -> Option<usize> {
        self.home.get(topic).map(|(slot, _)| *slot)
    }

    /// Adds topics (combined ones expanded; known ones ignored). New entries go to the
    /// emptiest channel with room; a channel is opened only when the others cannot take them.
    /// All or nothing.
    ///
    /// # Errors
    ///
    /// A [`Refusal`] when the result would not fit; the placement is then unchanged.
    pub fn add<I, T>(&mut self, topics: I) -> Result<Changes, Refusal>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let fresh: BTreeSet<String> = topics
            .into_iter()
            .flat_map(|t| expand(t.as_ref()))
            .filter(|t| !self.home.contains_key(t))
            .collect();
        if fresh.is_empty() {
            return Ok(Changes::default());
        }
        let mut entries = pack(&fresh);
        let counting = self.limits.counting;
        let per = self.limits.topics_per_channel;
        // Largest first, then by name: deterministic and tight.
        entries.sort_by(|a, b| {
            b.cost(counting)
                .cmp(&a.cost(counting))
                .then_with(|| a.render().cmp(&b.render()))
        });
        let existing_load: usize = self.slots.values().map(|s| s.load).sum();
        let batch: usize = entries.iter().map(|e| e.cost(counting)).sum();
        let count = existing_load + batch;
        let refusal = |channels_needed: usize| Refusal {
            topics: self.home.len() + fresh.len(),
            entries: self.entry_count() + entries.len(),
            count,
            capacity: self.limits.capacity(),
            channels_needed,
            limits: self.limits,
        };
        let lower_bound = count.div_ceil(per);
        if count > self.limits.capacity() {
            return Err(refusal(lower_bound));
        }
        let existing = self.slots.len();
        let mut opened = lower_bound.saturating_sub(existing);
        let assignment = loop {
            if existing + opened > self.limits.max_channels {
                return Err(refusal(existing + opened));
            }
            if let Some(assignment) = self.water_fill(&entries, opened) {
                break assignment;
            }
            opened += 1;
        };
        // Apply.
        let mut changes = Changes::default();
        let new_ids = self.free_indices(opened);
        for (entry, target) in entries.into_iter().zip(assignment) {
            let slot_id = match target {
                Target::Existing(id) => {
                    changes.changed.insert(id);
                    id
                }
                Target::New(n) => {
                    let id = new_ids[n];
                    changes.opened.insert(id);
                    id
                }
            };
            let entry_id = self.next_entry;
            self.next_entry += 1;
            for leaf in &entry.leaves {
                self.home
                    .insert(entry.full_topic(leaf), (slot_id, entry_id));
            }
            let slot = self.slots.entry(slot_id).or_default();
            slot.load += entry.cost(counting);
            slot.entries.insert(entry_id, entry);
        }
        Ok(changes)
    }

    /// The `n` smallest channel indices not in use.
    fn free_indices(&self, n: usize) -> Vec<usize> {
        (0..)
            .filter(|i| !self.slots.contains_key(i))
            .take(n)
            .collect()
    }

    /// Assigns `entries` (in order) each to the least-loaded channel with room, among the
    /// existing ones and `opened` new empty ones; `None` when one does not fit.
    fn water_fill(&self, entries: &[Entry], opened: usize) -> Option<Vec<Target>> {
        let counting = self.limits.counting;
        let per = self.limits.topics_per_channel;
        let mut loads: Vec<(usize, Target)> = self
            .slots
            .iter()
            .map(|(id, slot)| (slot.load, Target::Existing(*id)))
            .chain((0..opened).map(|n| (0, Target::New(n))))
            .collect();
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            let cost = entry.cost(counting);
            // Least loaded first; among equals, existing channels before new ones (in index
            // order), so a tie never opens a channel.
            let best = loads
                .iter_mut()
                .filter(|(load, _)| *load + cost <= per)
                .min_by_key(|(load, target)| (*load, *target))?;
            best.0 += cost;
            out.push(best.1);
        }
        Some(out)
    }

    /// Removes topics (combined ones expanded; unknown ones ignored). Only the entries of the
    /// removed topics change; a channel left empty is closed.
    pub fn remove<I, T>(&mut self, topics: I) -> Changes
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let mut changes = Changes::default();
        let counting = self.limits.counting;
        for topic in topics.into_iter().flat_map(|t| expand(t.as_ref())) {
            let Some((slot_id, entry_id)) = self.home.remove(&topic) else {
                continue;
            };
            let Some(slot) = self.slots.get_mut(&slot_id) else {
                continue;
            };
            let Some(entry) = slot.entries.get_mut(&entry_id) else {
                continue;
            };
            let before = entry.cost(counting);
            let leaf = split(&topic).1;
            if let Ok(at) = entry.leaves.binary_search_by(|l| l.as_str().cmp(leaf)) {
                entry.leaves.remove(at);
            }
            let after = if entry.leaves.is_empty() {
                slot.entries.remove(&entry_id);
                0
            } else {
                entry.cost(counting)
            };
            slot.load = slot.load - before + after;
            changes.changed.insert(slot_id);
            if slot.entries.is_empty() {
                self.slots.remove(&slot_id);
                changes.changed.remove(&slot_id);
                changes.closed.insert(slot_id);
            }
        }
        changes
    }
}

/// Where an entry goes during [`Placement::water_fill`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Existing(usize),
    New(usize),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn users(range: std::ops::Range<usize>, leaves: &[&str]) -> Vec<String> {
        range
            .flat_map(|u| {
                leaves
                    .iter()
                    .map(move |leaf| format!("v2.users.{u:08}-0000-4000-8000-000000000000.{leaf}"))
            })
            .collect()
    }

    /// Checks every invariant of the module docs.
    fn check(p: &Placement) {
        let limits = p.limits();
        assert!(p.channel_count() <= limits.max_channels);
        let mut seen = BTreeSet::new();
        for ch in p.channels() {
            assert!(p.load(ch) <= limits.topics_per_channel, "channel {ch} over");
            assert!(!p.entries(ch).is_empty(), "channel {ch} empty");
            let mut load = 0;
            for entry in p.entries(ch) {
                assert!(entry.chars().count() < MAX_TOPIC_LEN, "{entry} too long");
                let leaves = expand(&entry);
                load += match limits.counting {
                    TopicCounting::Expanded => leaves.len(),
                    TopicCounting::Entries => 1,
                };
                for leaf in leaves {
                    assert_eq!(p.channel_of(&leaf), Some(ch));
                    assert!(seen.insert(leaf.clone()), "{leaf} twice");
                }
            }
            assert_eq!(load, p.load(ch));
        }
        assert_eq!(seen.len(), p.topic_count());
    }

    #[test]
    fn packs_leaves_of_a_prefix_into_combined_entries_under_200_characters() {
        let topics = users(0..3, &["presence", "routingStatus", "conversations"]);
        let (p, changes) = Placement::plan(Limits::default(), &topics).unwrap();
        check(&p);
        assert_eq!(changes.opened, BTreeSet::from([0]));
        assert_eq!(p.entry_count(), 3);
        assert_eq!(
            p.entries(0)[0],
            "v2.users.00000000-0000-4000-8000-000000000000?conversations&presence&routingStatus"
        );
        // Many leaves of one prefix: split into several entries, each under the limit.
        let many: Vec<String> = (0..100)
            .map(|i| format!("v2.routing.queues.q.leaf{i:03}"))
            .collect();
        let (p, _) = Placement::plan(Limits::default(), &many).unwrap();
        check(&p);
        assert!(p.entry_count() > 1);
        assert_eq!(p.topic_count(), 100);
        // A topic without a dot stays as it is.
        let (p, _) = Placement::plan(Limits::default(), ["solo"]).unwrap();
        assert_eq!(p.entries(0), vec!["solo"]);
    }

    #[test]
    fn counting_rule_decides_how_many_fit() {
        // 600 users x 3 leaves: 1,800 expanded topics in 600 entries.
        let topics = users(0..600, &["presence", "routingStatus", "conversations"]);
        let (expanded, _) = Placement::plan(Limits::default(), &topics).unwrap();
        check(&expanded);
        assert_eq!(expanded.channel_count(), 2);
        assert_eq!(expanded.load(0) + expanded.load(1), 1800);
        let entries = Limits::default().counting(TopicCounting::Entries);
        let (combined, _) = Placement::plan(entries, &topics).unwrap();
        check(&combined);
        assert_eq!(combined.channel_count(), 1);
        assert_eq!(combined.load(0), 600);
    }

    #[test]
    fn balanced_over_the_fewest_channels() {
        let topics = users(0..3600, &["presence"]);
        let (p, changes) = Placement::plan(Limits::default(), &topics).unwrap();
        check(&p);
        assert_eq!(p.channels(), vec![0, 1, 2, 3]);
        assert_eq!(changes.opened.len(), 4);
        for ch in 0..4 {
            assert_eq!(p.load(ch), 900);
        }
    }

    #[test]
    fn refused_up_front_with_counts_and_limit() {
        let topics = users(0..25_000, &["presence"]);
        let err = Placement::plan(Limits::default(), &topics).unwrap_err();
        assert_eq!(err.topics, 25_000);
        assert_eq!(err.count, 25_000);
        assert_eq!(err.capacity, 15_000);
        assert_eq!(err.channels_needed, 25);
        let text = err.to_string();
        assert!(
            text.contains("25000 topics") && text.contains("limit is 15 channels"),
            "{text}"
        );
        // 20 is the most the budget can be set to.
        let limits = Limits::default().max_channels(99);
        assert_eq!(limits.max_channels, 20);
        assert!(Placement::plan(limits, users(0..20_000, &["presence"])).is_ok());
        assert!(Placement::plan(limits, users(0..20_001, &["presence"])).is_err());
    }

    #[test]
    fn a_refused_addition_changes_nothing() {
        let limits = Limits::default().max_channels(2).topics_per_channel(10);
        let (mut p, _) = Placement::plan(limits, users(0..15, &["presence"])).unwrap();
        let before = (p.topics(), p.entries(0), p.entries(1));
        let err = p.add(users(100..106, &["presence"])).unwrap_err();
        assert_eq!((err.count, err.capacity), (21, 20));
        assert_eq!(before, (p.topics(), p.entries(0), p.entries(1)));
    }

    #[test]
    fn adding_fills_the_emptiest_channel_and_opens_one_only_when_needed() {
        let limits = Limits::default().topics_per_channel(100);
        let (mut p, _) = Placement::plan(limits, users(0..150, &["presence"])).unwrap();
        assert_eq!((p.load(0), p.load(1)), (75, 75));
        let on_one: Vec<String> = p.topics_of(1).into_iter().take(20).collect();
        p.remove(&on_one);
        assert_eq!((p.load(0), p.load(1)), (75, 55));
        // 10 fit in the emptiest channel: only it changes.
        let changes = p.add(users(200..210, &["presence"])).unwrap();
        check(&p);
        assert_eq!(changes.changed, BTreeSet::from([1]));
        assert!(changes.opened.is_empty());
        assert_eq!((p.load(0), p.load(1)), (75, 65));
        // 60 more fit in the two channels together (room 60): no new channel.
        let changes = p.add(users(300..360, &["presence"])).unwrap();
        check(&p);
        assert!(changes.opened.is_empty());
        assert_eq!(p.channel_count(), 2);
        // 10 more do not fit: exactly one channel opens.
        let changes = p.add(users(400..410, &["presence"])).unwrap();
        check(&p);
        assert_eq!(changes.opened.len(), 1);
        assert_eq!(p.channel_count(), 3);
        // Known topics change nothing.
        assert!(p.add(users(400..410, &["presence"])).unwrap().is_empty());
    }

    #[test]
    fn removing_touches_only_the_channels_of_the_removed_topics() {
        let topics = users(0..3000, &["presence", "routingStatus"]);
        let (mut p, _) = Placement::plan(Limits::default(), &topics).unwrap();
        assert_eq!(p.channel_count(), 6);
        let victim = "v2.users.00000007-0000-4000-8000-000000000000.presence";
        let home = p.channel_of(victim).unwrap();
        let before: Vec<Vec<String>> = p.channels().iter().map(|c| p.entries(*c)).collect();
        let changes = p.remove([victim]);
        check(&p);
        assert_eq!(changes.changed, BTreeSet::from([home]));
        assert!(changes.opened.is_empty() && changes.closed.is_empty());
        for (i, ch) in p.channels().iter().enumerate() {
            if *ch != home {
                assert_eq!(p.entries(*ch), before[i], "channel {ch} changed");
            }
        }
        // The other leaf of the combined entry stays where it was.
        assert_eq!(
            p.channel_of("v2.users.00000007-0000-4000-8000-000000000000.routingStatus"),
            Some(home)
        );
        assert!(
            p.entries(home).contains(
                &"v2.users.00000007-0000-4000-8000-000000000000.routingStatus".to_owned()
            )
        );
        // Removing every topic of a channel closes it; its index is reused later.
        let all = p.topics_of(home);
        let changes = p.remove(&all);
        assert_eq!(changes.closed, BTreeSet::from([home]));
        assert!(!p.channels().contains(&home));
        check(&p);
        let changes = p.add(users(9000..9999, &["x"])).unwrap();
        assert!(changes.opened.contains(&home) || changes.opened.is_empty());
        check(&p);
        // Unknown topics change nothing.
        assert!(p.remove(["v2.nothing.here"]).is_empty());
    }

    #[test]
    fn topics_never_move_between_channels() {
        let limits = Limits::default().topics_per_channel(50).max_channels(20);
        let (mut p, _) = Placement::plan(limits, users(0..120, &["a", "b"])).unwrap();
        let mut homes: HashMap<String, usize> = p
            .topics()
            .into_iter()
            .map(|t| (t.clone(), p.channel_of(&t).unwrap()))
            .collect();
        for round in 0..20usize {
            let start = 1000 + round * 13;
            p.add(users(start..start + 17, &["a"])).unwrap();
            p.remove(users(round * 5..round * 5 + 5, &["a", "b"]));
            check(&p);
            for topic in p.topics() {
                let ch = p.channel_of(&topic).unwrap();
                assert_eq!(
                    *homes.entry(topic.clone()).or_insert(ch),
                    ch,
                    "{topic} moved"
                );
            }
            homes.retain(|t, _| p.channel_of(t).is_some());
        }
    }
}
