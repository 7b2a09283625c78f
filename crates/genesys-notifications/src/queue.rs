//! The bounded buffer between the driver task and the consumer: byte accounting, the
//! overflow policy and the flow-control decisions (when the driver may read which socket).
//!
//! # What is bounded
//!
//! Notifications and reports of malformed frames (both come from the peer, at its pace) count
//! against the bound, by their size ([`cost`]): those queued for the consumer *and* those held
//! by a newer socket during a switch ([`Held`]). The client's own notices (gaps, warnings, the
//! final error) never count and are never dropped.
//!
//! # What happens when it is full
//!
//! * [`Overflow::Block`] (the default): nothing is dropped. The driver stops reading the
//!   sockets ([`Reading::Paused`]) once the buffer reaches its bound and resumes when the
//!   consumer has taken it down to the low-water mark (half the bound): TCP flow control
//!   then slows the service down. If only the items held by a newer socket fill it, the
//!   oldest socket (whose notifications come first) is still read ([`Reading::HeadOnly`]),
//!   so a switch always completes.
//! * [`Overflow::DropNewest`] / [`Overflow::DropOldest`]: the sockets are always read; a
//!   bounded item goes and a `Lagged { dropped }` item takes its place.
//!
//! # Hand-off
//!
//! The driver stages what it pushes and hands the whole batch over with one lock and one
//! wake-up ([`Sender::flush`], once per driver wake-up); the consumer takes everything queued
//! with one lock and then pops from its own batch without locking (except under
//! `DropOldest`, whose victims must stay reachable). Byte and item counts are atomics, so
//! both sides see the level at any time without the lock.
//!
//! # Waiting for room
//!
//! A producer that reads less than every socket publishes the level at which it may read
//! more (a byte and an item threshold); the consumer that takes the buffer down to it wakes
//! *every* task waiting for room ([`RoomWait`]), not one: a channel pool's forwarding tasks
//! share one sender, and each must resume when room frees.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures_util::task::AtomicWaker;

use crate::error::Error;
use crate::notification::Notification;
use crate::options::Overflow;

pub(crate) type Item = Result<Notification, Error>;

/// Bytes counted for a notification besides its frame's allocation: its entry in a deque,
/// twice (a deque grows by doubling: up to half of its capacity is slack).
pub(crate) const ITEM_OVERHEAD: usize = 2 * size_of::<Entry>();

/// The buffered level (bytes) from which a pushed notification is copied out of the
/// WebSocket layer's read chunk ([`Notification::compact`]), or a quarter of the bound if
/// that is less. Below it the consumer keeps up and frames stay zero-copy; above it they
/// will wait, and a zero-copy frame would pin its whole chunk (and the unused part of a
/// chunk cut short by the next frame) while it waits. What the zero-copy items below this
/// level pin is a constant, not a share of the bound.
pub(crate) const COMPACT_ABOVE: usize = 1 << 20;

/// What a heap allocation of `n` bytes occupies: the allocator's 8-byte header, rounded up
/// to 16 bytes, 32 at least (glibc's chunks; others round alike or tighter).
pub(crate) fn allocation(n: usize) -> usize {
    n.saturating_add(8).next_multiple_of(16).max(32)
}

/// What an item weighs against the bound: the heap it occupies once compacted — its frame's
/// allocation, the owned parts and [`ITEM_OVERHEAD`] for a notification; the error's box,
/// message and raw frame for a malformed-frame report (plus the same overhead).
pub(crate) fn cost(item: &Item) -> usize {
    ITEM_OVERHEAD
        + match item {
            Ok(n) => allocation(n.raw().len()) + n.owned_parts_len(),
            Err(e) => e.heap_len(),
        }
}

/// Moves an item's frame into an allocation of its own (see [`COMPACT_ABOVE`]).
fn compact(item: &mut Item) {
    match item {
        Ok(n) => n.compact(),
        Err(e) => e.compact_raw(),
    }
}

/// "No wake-up wanted" for [`Shared::wake_below`]; "no item threshold" for
/// [`Shared::wake_notes`].
const NO_WAKE: usize = usize::MAX;

/// Which sockets the driver may read now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Every socket.
    All,
    /// Only the oldest socket: what newer sockets hold fills the buffer; the oldest must go
    /// on so that the switch completes and the held items can be delivered.
    HeadOnly,
    /// None: the consumer has not taken what is buffered (back-pressure). Socket deadlines
    /// that need reading (watchdog, drain, subscription confirmation) are suspended.
    Paused,
}

/// The pure flow-control decision: bound, low-water mark and hysteresis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Marks {
    /// Bytes at which reading stops.
    pub(crate) high: usize,
    /// Bytes at or below which reading resumes.
    pub(crate) low: usize,
    /// Items at which reading stops (an optional second bound).
    pub(crate) items: usize,
}

/// The buffer's level at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Level {
    /// Bytes of bounded items queued for the consumer.
    pub(crate) queued: usize,
    /// Bounded items queued for the consumer.
    pub(crate) notes: usize,
    /// Bytes of bounded items held by newer sockets.
    pub(crate) held: usize,
}

impl Marks {
    pub(crate) fn new(bytes: usize, items: usize) -> Marks {
        let high = bytes.max(1);
        Marks {
            high,
            low: high / 2,
            items: items.max(1),
        }
    }

    fn item_low(&self) -> usize {
        self.items / 2
    }

    /// What the driver may read, given the level and what it was allowed before.
    pub(crate) fn decide(&self, prev: Reading, l: Level) -> Reading {
        let consumer_full = match prev {
            Reading::Paused => l.queued > self.low || l.notes > self.item_low(),
            _ => l.queued >= self.high || l.notes >= self.items,
        };
        if consumer_full {
            return Reading::Paused;
        }
        let total = l.queued.saturating_add(l.held);
        let total_full = match prev {
            Reading::All => total >= self.high,
            _ => total > self.low,
        };
        if total_full {
            Reading::HeadOnly
        } else {
            Reading::All
        }
    }

    /// The queued bytes and items at or below which (both) the consumer must wake a driver
    /// that reads less than every socket (`None`: only the driver's own progress can change
    /// the decision). Paused resumes only when both are down to their low-water marks, so
    /// a pause by the item bound is not woken by bytes alone.
    pub(crate) fn wake_below(&self, reading: Reading, l: Level) -> Option<(usize, usize)> {
        match reading {
            Reading::All => None,
            Reading::Paused => Some((self.low, self.item_low())),
            Reading::HeadOnly => self.low.checked_sub(l.held).map(|bytes| (bytes, NO_WAKE)),
        }
    }

    /// Whether one more frame may be read from a socket (the bound is exceeded by at most
    /// one frame): the oldest socket delivers to the consumer, newer ones hold.
    pub(crate) fn may_read(&self, head: bool, l: Level) -> bool {
        if l.queued >= self.high || l.notes >= self.items {
            return false;
        }
        head || l.queued.saturating_add(l.held) < self.high
    }
}

enum Entry {
    /// Counted against the bound (notification or malformed-frame report), with its cost.
    Bounded(Item, usize),
    /// Never dropped (the client's own notices).
    Item(Item),
    /// A `Lagged` marker whose count may still grow.
    Lagged(u64),
}

struct Inner {
    buf: VecDeque<Entry>,
}

/// The tasks waiting for room. Invariant: a task registered here while a threshold was
/// published (`wake_below != NO_WAKE`) is woken by the next crossing of a threshold, which
/// also ends the `round` (so a task that looks after the crossing sees it ended).
#[derive(Default)]
struct Waiters {
    /// Ends (goes up by one) each time the consumer makes room or goes away.
    round: u64,
    wakers: Vec<Waker>,
}

/// One task's wait for room in the buffer: the round of wake-ups it began in. Several tasks
/// may wait on one buffer, each with its own `RoomWait`; every one is woken when the
/// consumer makes room.
#[derive(Debug, Default)]
pub(crate) struct RoomWait {
    round: Option<u64>,
}

struct Shared {
    inner: Mutex<Inner>,
    /// The consumer's waker.
    waker: AtomicWaker,
    /// Every task waiting for the consumer to make room.
    room: Mutex<Waiters>,
    overflow: Overflow,
    marks: Marks,
    /// Bytes of bounded items handed to the consumer and not yet taken out by it.
    bytes: AtomicUsize,
    /// Bounded items handed to the consumer and not yet taken out by it.
    notes: AtomicUsize,
    /// Bytes of bounded items held by newer sockets.
    held: AtomicUsize,
    /// Wake the waiting producers once `bytes` is at or below this and `notes` at or below
    /// [`wake_notes`](Self::wake_notes) ([`NO_WAKE`]: do not). Published after
    /// `wake_notes`, taken (swapped to `NO_WAKE`) by whoever wakes them.
    wake_below: AtomicUsize,
    /// The item threshold that goes with `wake_below`.
    wake_notes: AtomicUsize,
    closed: AtomicBool,
    receiver_alive: AtomicBool,
    dropped_total: AtomicU64,
    peak: AtomicUsize,
    pauses: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the queue inconsistent (every
        // operation is a few pushes/pops), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn level(&self, staged_bytes: usize, staged_notes: usize) -> Level {
        Level {
            queued: self.bytes.load(Ordering::Acquire) + staged_bytes,
            notes: self.notes.load(Ordering::Acquire) + staged_notes,
            held: self.held.load(Ordering::Acquire),
        }
    }

    fn lock_room(&self) -> MutexGuard<'_, Waiters> {
        // A list of wakers and a counter: never inconsistent, even after a panic.
        self.room.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The consumer took a bounded item of `cost` bytes out of the buffer.
    fn consumed(&self, cost: usize) {
        let left = self
            .bytes
            .fetch_sub(cost, Ordering::AcqRel)
            .saturating_sub(cost);
        let notes_left = self.notes.fetch_sub(1, Ordering::AcqRel).saturating_sub(1);
        // `wake_below` first: `wake_notes` is published before it.
        if left <= self.wake_below.load(Ordering::Acquire)
            && notes_left <= self.wake_notes.load(Ordering::Acquire)
            && self.wake_below.swap(NO_WAKE, Ordering::AcqRel) != NO_WAKE
        {
            self.wake_all();
        }
    }

    /// Ends the round and wakes every waiting task (outside the lock).
    fn wake_all(&self) {
        let mut wakers = {
            let mut room = self.lock_room();
            room.round = room.round.wrapping_add(1);
            std::mem::take(&mut room.wakers)
        };
        for waker in wakers.drain(..) {
            waker.wake();
        }
        // Keep the list's allocation for the next wait.
        let mut room = self.lock_room();
        if room.wakers.is_empty() {
            room.wakers = wakers;
        }
    }

    /// Ready once the round `wait` began in has ended, or at once when no threshold is
    /// published (nothing to wait for: the caller decides again).
    fn poll_room(&self, wait: &mut RoomWait, cx: &mut Context<'_>) -> Poll<()> {
        let mut room = self.lock_room();
        let began = *wait.round.get_or_insert(room.round);
        // Under the lock: a crossing after this check ends the round with this task listed.
        if began != room.round || self.wake_below.load(Ordering::Acquire) == NO_WAKE {
            wait.round = None;
            return Poll::Ready(());
        }
        if !room.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            room.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Producer side, owned by the driver.
pub(crate) struct Sender {
    shared: Arc<Shared>,
    /// Pushed and not yet handed over (one lock and one wake-up per batch).
    staged: VecDeque<Entry>,
    staged_bytes: usize,
    staged_notes: usize,
    /// What the driver may read, as decided at the last flush.
    reading: Reading,
    /// A wake-up threshold was published at the last flush: the consumer clears it (and
    /// wakes the driver) when it has made room.
    awaiting_room: bool,
    /// The driver's own wait for room (it began at the last flush).
    room: RoomWait,
    /// Buffered bytes from which pushed items are compacted ([`COMPACT_ABOVE`]).
    compact_above: usize,
}

/// Consumer side, owned by the [`Channel`](crate::Channel).
pub(crate) struct Receiver {
    shared: Arc<Shared>,
    /// Taken from the shared buffer in one lock, popped without it.
    local: VecDeque<Entry>,
}

/// A read-only view of the buffer's level, for [`Stats`](crate::Stats).
#[derive(Clone)]
pub(crate) struct Gauge {
    shared: Arc<Shared>,
}

/// What happened to a pushed item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    Queued,
    /// The buffer was full; this many bounded items were dropped (this one or older ones).
    Dropped(u64),
    /// Nobody is listening any more.
    Gone,
}

/// A change of the back-pressure state, reported by [`Sender::flush`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowChange {
    /// Reading stopped: the buffer holds this many bytes.
    Paused { buffered: usize },
    /// Reading resumed.
    Resumed,
}

/// A buffer bounded by `bytes` (and `items`), with `overflow` applied when it is full.
pub(crate) fn bounded(bytes: usize, items: usize, overflow: Overflow) -> (Sender, Receiver) {
    let shared = Arc::new(Shared {
        inner: Mutex::new(Inner {
            // Not preallocated: an idle channel would hold entries before its first
            // notification. The deque grows by doubling to the working depth once.
            buf: VecDeque::new(),
        }),
        waker: AtomicWaker::new(),
        room: Mutex::new(Waiters::default()),
        overflow,
        marks: Marks::new(bytes, items),
        bytes: AtomicUsize::new(0),
        notes: AtomicUsize::new(0),
        held: AtomicUsize::new(0),
        wake_below: AtomicUsize::new(NO_WAKE),
        wake_notes: AtomicUsize::new(NO_WAKE),
        closed: AtomicBool::new(false),
        receiver_alive: AtomicBool::new(true),
        dropped_total: AtomicU64::new(0),
        peak: AtomicUsize::new(0),
        pauses: AtomicU64::new(0),
    });
    (
        Sender {
            shared: shared.clone(),
            staged: VecDeque::new(),
            staged_bytes: 0,
            staged_notes: 0,
            reading: Reading::All,
            awaiting_room: false,
            room: RoomWait::default(),
            compact_above: COMPACT_ABOVE.min(bytes / 4),
        },
        Receiver {
            shared,
            local: VecDeque::new(),
        },
    )
}

/// DropNewest: the dropped item would have been last; grow the trailing marker or place one.
fn lag_at_back(buf: &mut VecDeque<Entry>, n: u64) {
    if let Some(Entry::Lagged(m)) = buf.back_mut() {
        *m += n;
    } else {
        buf.push_back(Entry::Lagged(n));
    }
}

/// DropOldest: removes the oldest bounded item and grows (or places) the marker just before
/// the next one. Returns its cost, or `None` when there is no bounded item.
fn drop_oldest(buf: &mut VecDeque<Entry>) -> Option<usize> {
    let idx = buf.iter().position(|e| matches!(e, Entry::Bounded(..)))?;
    let cost = match buf.remove(idx) {
        Some(Entry::Bounded(_, c)) => c,
        _ => 0,
    };
    if idx > 0
        && let Some(Entry::Lagged(n)) = buf.get_mut(idx - 1)
    {
        *n += 1;
    } else {
        buf.insert(idx, Entry::Lagged(1));
    }
    Some(cost)
}

impl Sender {
    fn gone(&self) -> bool {
        !self.shared.receiver_alive.load(Ordering::Acquire)
            || self.shared.closed.load(Ordering::Acquire)
    }

    fn level(&self) -> Level {
        self.shared.level(self.staged_bytes, self.staged_notes)
    }

    /// Buffers a notification, applying the overflow policy.
    #[cfg(test)]
    pub(crate) fn push(&mut self, n: Notification) -> Pushed {
        self.push_bounded(Ok(n))
    }

    /// Buffers a notification or a malformed-frame report, applying the overflow policy.
    pub(crate) fn push_bounded(&mut self, mut item: Item) -> Pushed {
        if self.gone() {
            return Pushed::Gone;
        }
        // The consumer is behind: this item will wait, so it must not pin a read chunk.
        if self.staged_bytes + self.shared.bytes.load(Ordering::Relaxed) >= self.compact_above {
            compact(&mut item);
        }
        let cost = cost(&item);
        let marks = self.shared.marks;
        if self.shared.overflow != Overflow::Block {
            let l = self.level();
            let fits = l.notes == 0 || (l.queued + cost <= marks.high && l.notes < marks.items);
            if !fits {
                return self.push_overflowing(item, cost);
            }
        }
        self.staged.push_back(Entry::Bounded(item, cost));
        self.staged_bytes += cost;
        self.staged_notes += 1;
        Pushed::Queued
    }

    /// A drop policy and a full buffer: under the lock, with what is staged handed over first.
    fn push_overflowing(&mut self, item: Item, cost: usize) -> Pushed {
        let shared = self.shared.clone();
        let marks = shared.marks;
        let mut q = self.lock_and_hand_over();
        let dropped = match shared.overflow {
            Overflow::DropOldest => {
                let mut dropped = 0;
                loop {
                    let l = shared.level(0, 0);
                    if l.notes == 0 || (l.queued + cost <= marks.high && l.notes < marks.items) {
                        break;
                    }
                    match drop_oldest(&mut q.buf) {
                        Some(c) => {
                            shared.bytes.fetch_sub(c, Ordering::AcqRel);
                            shared.notes.fetch_sub(1, Ordering::AcqRel);
                            dropped += 1;
                        }
                        // Everything bounded is already with the consumer: keep the buffer
                        // as it is and drop this one.
                        None => break,
                    }
                }
                let l = shared.level(0, 0);
                if l.notes == 0 || (l.queued + cost <= marks.high && l.notes < marks.items) {
                    q.buf.push_back(Entry::Bounded(item, cost));
                    shared.bytes.fetch_add(cost, Ordering::AcqRel);
                    shared.notes.fetch_add(1, Ordering::AcqRel);
                } else {
                    lag_at_back(&mut q.buf, 1);
                    dropped += 1;
                }
                dropped
            }
            _ => {
                lag_at_back(&mut q.buf, 1);
                1
            }
        };
        drop(q);
        shared.dropped_total.fetch_add(dropped, Ordering::Relaxed);
        shared.waker.wake();
        Pushed::Dropped(dropped)
    }

    /// Buffers a notice (never dropped, never counted against the bound).
    pub(crate) fn push_error(&mut self, e: Error) -> bool {
        if self.gone() {
            return false;
        }
        self.staged.push_back(Entry::Item(Err(e)));
        true
    }

    /// Moves what is staged into the shared buffer (under the lock `q` of `shared`).
    fn hand_over(
        shared: &Shared,
        q: &mut Inner,
        staged: &mut VecDeque<Entry>,
        bytes: &mut usize,
        notes: &mut usize,
    ) {
        if staged.is_empty() {
            return;
        }
        if *notes > 0 {
            shared.bytes.fetch_add(*bytes, Ordering::AcqRel);
            shared.notes.fetch_add(*notes, Ordering::AcqRel);
        }
        if q.buf.is_empty() {
            std::mem::swap(&mut q.buf, staged);
        } else {
            q.buf.append(staged);
        }
        *bytes = 0;
        *notes = 0;
    }

    /// Locks the shared buffer and hands over what is staged; returns the guard.
    fn lock_and_hand_over(&mut self) -> MutexGuard<'_, Inner> {
        let mut q = self.shared.lock();
        Self::hand_over(
            &self.shared,
            &mut q,
            &mut self.staged,
            &mut self.staged_bytes,
            &mut self.staged_notes,
        );
        q
    }

    /// Hands what was pushed since the last flush to the consumer (one lock, one wake-up)
    /// and decides what the driver may read next. Call it before the driver waits.
    pub(crate) fn flush(&mut self) -> Option<FlowChange> {
        if !self.staged.is_empty() {
            drop(self.lock_and_hand_over());
            self.shared.waker.wake();
        }
        self.decide()
    }

    /// Whether the consumer has not taken a quarter of the compaction level (256 KiB by
    /// default): then the driver lets it run before reading more. Well below the level, so
    /// that a consumer that keeps up never pays the copy; not at every batch, because each
    /// turn given up costs the driver a poll of the reactor.
    pub(crate) fn consumer_behind(&self) -> bool {
        let bytes = self.shared.bytes.load(Ordering::Acquire);
        bytes > 0 && bytes >= self.compact_above / 4
    }

    /// Re-evaluates [`Reading`] from the current level.
    fn decide(&mut self) -> Option<FlowChange> {
        let shared = &self.shared;
        let l = self.level();
        shared
            .peak
            .fetch_max(l.queued.saturating_add(l.held), Ordering::Relaxed);
        if shared.overflow != Overflow::Block {
            return None;
        }
        let prev = self.reading;
        let next = shared.marks.decide(prev, l);
        self.reading = next;
        let (wake, wake_notes) = shared
            .marks
            .wake_below(next, l)
            .unwrap_or((NO_WAKE, NO_WAKE));
        shared.wake_notes.store(wake_notes, Ordering::Release);
        shared.wake_below.store(wake, Ordering::Release);
        self.awaiting_room = wake != NO_WAKE;
        self.room = RoomWait::default();
        // The consumer may have taken the level down before the threshold was published:
        // then wake whoever waits (`poll_room` is ready at once) and they decide again.
        if self.awaiting_room
            && shared.bytes.load(Ordering::Acquire) <= wake
            && shared.notes.load(Ordering::Acquire) <= wake_notes
            && shared.wake_below.swap(NO_WAKE, Ordering::AcqRel) != NO_WAKE
        {
            shared.wake_all();
        }
        match (prev == Reading::Paused, next == Reading::Paused) {
            (false, true) => {
                shared.pauses.fetch_add(1, Ordering::Relaxed);
                Some(FlowChange::Paused {
                    buffered: l.queued.saturating_add(l.held),
                })
            }
            (true, false) => Some(FlowChange::Resumed),
            _ => None,
        }
    }

    /// What the driver may read (as decided at the last [`flush`](Sender::flush)).
    pub(crate) fn reading(&self) -> Reading {
        self.reading
    }

    /// Whether one more frame may be read from a socket now (the oldest when `head`).
    pub(crate) fn may_read(&self, head: bool) -> bool {
        self.shared.overflow != Overflow::Block || self.shared.marks.may_read(head, self.level())
    }

    /// Ready when the consumer has made room since the driver started reading less than
    /// every socket: the driver then flushes, which decides again. Pending (without a
    /// wake-up) while every socket may be read.
    pub(crate) fn poll_room(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.awaiting_room {
            return Poll::Pending;
        }
        let ready = self.shared.poll_room(&mut self.room, cx);
        if ready.is_ready() {
            self.awaiting_room = false;
        }
        ready
    }

    /// For one of several tasks sharing this sender: ready when the consumer has made room
    /// since `wait` began (its first poll), or at once when no threshold is published (the
    /// caller flushes, which decides again). Every waiting task is woken, not only one.
    pub(crate) fn poll_room_for(&self, wait: &mut RoomWait, cx: &mut Context<'_>) -> Poll<()> {
        self.shared.poll_room(wait, cx)
    }

    /// An empty holder for the items a newer socket keeps until the older ones are gone,
    /// counted against the same bound.
    pub(crate) fn held(&self) -> Held {
        Held {
            shared: self.shared.clone(),
            items: VecDeque::new(),
            bytes: 0,
        }
    }

    /// Ends the stream after what is buffered.
    pub(crate) fn close(&mut self) {
        let shared = self.shared.clone();
        {
            let _q = self.lock_and_hand_over();
            shared.closed.store(true, Ordering::Release);
        }
        self.shared.waker.wake();
    }

    #[cfg(test)]
    pub(crate) fn receiver_alive(&self) -> bool {
        self.shared.receiver_alive.load(Ordering::Acquire)
    }

    #[cfg(test)]
    pub(crate) fn dropped_total(&self) -> u64 {
        self.shared.dropped_total.load(Ordering::Relaxed)
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.close();
    }
}

/// Items a newer socket holds while older ones drain (they come after the older sockets'
/// notifications), counted against the bound of the buffer they will go to.
pub(crate) struct Held {
    shared: Arc<Shared>,
    /// Each item with whether it is bounded and the holder's tag (where it came from).
    items: VecDeque<(Item, bool, u64)>,
    /// Bytes of the bounded items in `items`.
    bytes: usize,
}

impl Held {
    /// Holds an item; `bounded` as for the queue, then a tag of the holder's choice.
    pub(crate) fn push_back(&mut self, mut entry: (Item, bool, u64)) {
        if entry.1 {
            // Held until a switch completes: never zero-copy (see `COMPACT_ABOVE`).
            compact(&mut entry.0);
            let c = cost(&entry.0);
            self.bytes += c;
            self.shared.held.fetch_add(c, Ordering::AcqRel);
        }
        self.items.push_back(entry);
    }

    /// Whether nothing is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Takes every held item out (they no longer count as held).
    pub(crate) fn take(&mut self) -> VecDeque<(Item, bool, u64)> {
        self.shared.held.fetch_sub(self.bytes, Ordering::AcqRel);
        self.bytes = 0;
        std::mem::take(&mut self.items)
    }

    /// Holds every item of `other` after those held here.
    pub(crate) fn append(&mut self, other: &mut Held) {
        // Both count against the same bound: move the bytes, not the total.
        self.bytes += other.bytes;
        other.bytes = 0;
        self.items.append(&mut other.items);
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.shared.held.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.receiver_alive.store(false, Ordering::Release);
        // A producer waiting for room must see that nobody will make it.
        self.shared.wake_below.store(NO_WAKE, Ordering::Release);
        self.shared.wake_all();
    }
}

impl Receiver {
    /// One entry turned into an item, with the accounting of what left the buffer.
    fn take(&self, entry: Entry) -> Item {
        match entry {
            Entry::Bounded(item, cost) => {
                self.shared.consumed(cost);
                item
            }
            Entry::Item(item) => item,
            Entry::Lagged(n) => Err(Error::lagged(n)),
        }
    }

    fn pop(&mut self) -> Option<Option<Item>> {
        if let Some(entry) = self.local.pop_front() {
            return Some(Some(self.take(entry)));
        }
        let entry = {
            let mut q = self.shared.lock();
            if self.shared.overflow == Overflow::DropOldest {
                // The oldest must stay where the driver can drop it.
                q.buf.pop_front()
            } else {
                std::mem::swap(&mut q.buf, &mut self.local);
                self.local.pop_front()
            }
        };
        match entry {
            Some(entry) => Some(Some(self.take(entry))),
            None if self.shared.closed.load(Ordering::Acquire) => {
                // `closed` is set under the lock after the last hand-over: look once more.
                let last = self.shared.lock().buf.pop_front();
                Some(last.map(|e| self.take(e)))
            }
            None => None,
        }
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        if let Some(item) = self.pop() {
            return Poll::Ready(item);
        }
        self.shared.waker.register(cx.waker());
        match self.pop() {
            Some(item) => Poll::Ready(item),
            None => Poll::Pending,
        }
    }

    /// Bounded items buffered and not yet consumed.
    pub(crate) fn len(&self) -> usize {
        self.shared.notes.load(Ordering::Acquire)
    }

    pub(crate) fn gauge(&self) -> Gauge {
        Gauge {
            shared: self.shared.clone(),
        }
    }
}

impl Gauge {
    /// Bytes buffered now (queued and held).
    pub(crate) fn bytes(&self) -> usize {
        let s = &self.shared;
        s.bytes.load(Ordering::Acquire) + s.held.load(Ordering::Acquire)
    }

    /// The most bytes buffered at once so far (as seen by the driver after each batch).
    pub(crate) fn peak(&self) -> usize {
        self.shared.peak.load(Ordering::Relaxed)
    }

    /// Times reading was paused by back-pressure.
    pub(crate) fn pauses(&self) -> u64 {
        self.shared.pauses.load(Ordering::Relaxed)
    }

    /// Bounded items dropped under a drop policy.
    #[cfg(test)]
    pub(crate) fn dropped(&self) -> u64 {
        self.shared.dropped_total.load(Ordering::Relaxed)
    }

    /// The bound, in bytes.
    pub(crate) fn bound(&self) -> usize {
        self.shared.marks.high
    }
}

impl futures_core::Stream for Receiver {
    type Item = Item;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        self.get_mut().poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::protocol::{Frame, classify};
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Utf8Bytes;

    fn n(i: u32) -> Notification {
        let f = Utf8Bytes::from(format!(r#"{{"topicName":"t","eventBody":{i}}}"#));
        match classify(&f) {
            Frame::Notification(p) => Notification::new(f, p),
            _ => unreachable!(),
        }
    }

    /// A bound of `k` notifications of `n(i)` with `i < 10`.
    fn room_for(k: usize) -> usize {
        k * cost(&Ok(n(0)))
    }

    fn render(item: Item) -> String {
        match item {
            Ok(n) => n.body_raw().to_owned(),
            Err(e) if e.is_lagged() => format!("lag{}", e.dropped().unwrap()),
            Err(e) => format!("err:{:?}", e.reason()),
        }
    }

    async fn drain(rx: &mut Receiver) -> Vec<String> {
        let mut out = vec![];
        while let Some(item) = rx.next().await {
            out.push(render(item));
        }
        out
    }

    #[tokio::test]
    async fn drop_newest_places_marker_where_the_dropped_were() {
        let (mut tx, mut rx) = bounded(room_for(2), usize::MAX, Overflow::DropNewest);
        assert_eq!(tx.push(n(1)), Pushed::Queued);
        assert_eq!(tx.push(n(2)), Pushed::Queued);
        assert_eq!(tx.push(n(3)), Pushed::Dropped(1));
        assert_eq!(tx.push(n(4)), Pushed::Dropped(1));
        assert_eq!(render(rx.next().await.unwrap()), "1");
        assert_eq!(tx.push(n(5)), Pushed::Queued);
        tx.push_error(Error::closed());
        drop(tx);
        assert_eq!(drain(&mut rx).await, vec!["2", "lag2", "5", "err:Closed"]);
    }

    #[tokio::test]
    async fn drop_oldest_keeps_the_freshest() {
        let (mut tx, mut rx) = bounded(room_for(2), usize::MAX, Overflow::DropOldest);
        for i in 1..=5 {
            tx.push(n(i));
        }
        assert_eq!(tx.dropped_total(), 3);
        tx.close();
        assert_eq!(drain(&mut rx).await, vec!["lag3", "4", "5"]);
    }

    #[tokio::test]
    async fn the_item_bound_applies_too() {
        let (mut tx, mut rx) = bounded(usize::MAX, 2, Overflow::DropNewest);
        for i in 1..=4 {
            tx.push(n(i));
        }
        tx.close();
        assert_eq!(drain(&mut rx).await, vec!["1", "2", "lag2"]);
    }

    #[tokio::test]
    async fn errors_are_never_dropped_and_lag_at_close_is_reported() {
        let (mut tx, mut rx) = bounded(room_for(1), usize::MAX, Overflow::DropNewest);
        tx.push(n(1));
        tx.push(n(2));
        tx.push_error(Error::closed());
        tx.push(n(3));
        tx.close();
        assert_eq!(rx.len(), 1);
        assert_eq!(
            drain(&mut rx).await,
            vec!["1", "lag1", "err:Closed", "lag1"]
        );
    }

    #[tokio::test]
    async fn malformed_reports_are_bounded_like_notifications() {
        let (mut tx, mut rx) = bounded(usize::MAX, 2, Overflow::DropNewest);
        let report = || {
            Err(Error::new(
                crate::ErrorKind::Receive,
                crate::Reason::InvalidMessage,
            ))
        };
        assert_eq!(tx.push_bounded(report()), Pushed::Queued);
        assert_eq!(tx.push(n(1)), Pushed::Queued);
        assert_eq!(tx.push_bounded(report()), Pushed::Dropped(1));
        assert_eq!(tx.push(n(2)), Pushed::Dropped(1));
        tx.push_error(Error::closed());
        tx.close();
        assert_eq!(
            drain(&mut rx).await,
            vec!["err:InvalidMessage", "1", "lag2", "err:Closed"]
        );
    }

    #[tokio::test]
    async fn receiver_gone_is_reported() {
        let (mut tx, rx) = bounded(room_for(1), usize::MAX, Overflow::DropNewest);
        drop(rx);
        assert_eq!(tx.push(n(1)), Pushed::Gone);
        assert!(!tx.receiver_alive());
    }

    #[tokio::test]
    async fn nothing_is_visible_before_the_flush_and_everything_after_it() {
        let (mut tx, mut rx) = bounded(usize::MAX, usize::MAX, Overflow::Block);
        tx.push(n(1));
        tx.push_error(Error::closed());
        tx.push(n(2));
        assert!(futures_util::FutureExt::now_or_never(rx.next()).is_none());
        assert_eq!(tx.flush(), None);
        assert_eq!(render(rx.next().await.unwrap()), "1");
        assert_eq!(render(rx.next().await.unwrap()), "err:Closed");
        assert_eq!(render(rx.next().await.unwrap()), "2");
        assert!(futures_util::FutureExt::now_or_never(rx.next()).is_none());
    }

    #[test]
    fn marks_pause_at_the_bound_and_resume_at_the_low_water_mark() {
        let m = Marks::new(1000, usize::MAX);
        let l = |queued, held| Level {
            queued,
            notes: 1,
            held,
        };
        assert_eq!(m.decide(Reading::All, l(999, 0)), Reading::All);
        assert_eq!(m.decide(Reading::All, l(1000, 0)), Reading::Paused);
        // Hysteresis: stays paused until the low-water mark.
        assert_eq!(m.decide(Reading::Paused, l(501, 0)), Reading::Paused);
        assert_eq!(m.decide(Reading::Paused, l(500, 0)), Reading::All);
        // Held items alone: the oldest socket is still read.
        assert_eq!(m.decide(Reading::All, l(100, 900)), Reading::HeadOnly);
        assert_eq!(m.decide(Reading::HeadOnly, l(100, 401)), Reading::HeadOnly);
        assert_eq!(m.decide(Reading::HeadOnly, l(100, 400)), Reading::All);
        assert_eq!(m.decide(Reading::Paused, l(400, 400)), Reading::HeadOnly);
        assert_eq!(
            m.wake_below(Reading::Paused, l(1000, 0)),
            Some((500, usize::MAX / 2))
        );
        assert_eq!(m.wake_below(Reading::HeadOnly, l(100, 900)), None);
        assert_eq!(
            m.wake_below(Reading::HeadOnly, l(600, 300)),
            Some((200, NO_WAKE))
        );
        assert_eq!(m.wake_below(Reading::All, l(0, 0)), None);
        assert!(m.may_read(true, l(999, 900)));
        assert!(!m.may_read(false, l(999, 1)));
        assert!(!m.may_read(true, l(1000, 0)));
        let items = Marks::new(usize::MAX, 4);
        let n = |notes| Level {
            queued: 0,
            notes,
            held: 0,
        };
        assert_eq!(items.decide(Reading::All, n(4)), Reading::Paused);
        assert_eq!(items.decide(Reading::Paused, n(3)), Reading::Paused);
        assert_eq!(items.decide(Reading::Paused, n(2)), Reading::All);
    }

    #[tokio::test]
    async fn block_pauses_and_the_consumer_wakes_the_driver_below_the_low_water_mark() {
        let (mut tx, mut rx) = bounded(room_for(4), usize::MAX, Overflow::Block);
        for i in 0..3 {
            tx.push(n(i));
            assert!(tx.may_read(true));
        }
        tx.push(n(3));
        assert!(!tx.may_read(true));
        // Block never drops: a frame already read is queued beyond the bound.
        assert_eq!(tx.push(n(4)), Pushed::Queued);
        assert!(matches!(tx.flush(), Some(FlowChange::Paused { .. })));
        assert_eq!(tx.reading(), Reading::Paused);
        assert_eq!(rx.gauge().peak(), room_for(5));
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(tx.poll_room(&mut cx).is_pending());
        // 5 queued; the low-water mark is 2.
        for i in 0..2 {
            assert_eq!(render(rx.next().await.unwrap()), i.to_string());
            assert!(tx.poll_room(&mut cx).is_pending());
        }
        assert_eq!(render(rx.next().await.unwrap()), "2");
        assert!(tx.poll_room(&mut cx).is_ready());
        assert_eq!(tx.flush(), Some(FlowChange::Resumed));
        assert_eq!(tx.reading(), Reading::All);
        assert_eq!(rx.gauge().pauses(), 1);
        assert_eq!(rx.gauge().dropped(), 0);
        tx.close();
        assert_eq!(drain(&mut rx).await, vec!["3", "4"]);
    }

    /// A waker that counts its wake-ups.
    #[derive(Default)]
    struct Wakes(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl Wakes {
        fn count(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    #[tokio::test]
    async fn every_task_waiting_for_room_is_woken_when_the_consumer_makes_it() {
        let (mut tx, mut rx) = bounded(room_for(4), usize::MAX, Overflow::Block);
        for i in 0..4 {
            tx.push(n(i));
        }
        assert!(matches!(tx.flush(), Some(FlowChange::Paused { .. })));
        let tasks: Vec<Arc<Wakes>> = (0..3).map(|_| Arc::default()).collect();
        let mut waits: Vec<RoomWait> = (0..3).map(|_| RoomWait::default()).collect();
        let poll = |tx: &Sender, wait: &mut RoomWait, task: &Arc<Wakes>| {
            let waker = Waker::from(Arc::clone(task));
            tx.poll_room_for(wait, &mut Context::from_waker(&waker))
        };
        for (wait, task) in waits.iter_mut().zip(&tasks) {
            assert!(poll(&tx, wait, task).is_pending());
            // Polled again (a spurious wake-up): still listed once.
            assert!(poll(&tx, wait, task).is_pending());
        }
        // 4 queued; the low-water mark is 2.
        assert_eq!(render(rx.next().await.unwrap()), "0");
        assert_eq!(
            tasks.iter().map(|t| t.count()).collect::<Vec<_>>(),
            [0, 0, 0]
        );
        assert_eq!(render(rx.next().await.unwrap()), "1");
        assert_eq!(
            tasks.iter().map(|t| t.count()).collect::<Vec<_>>(),
            [1, 1, 1]
        );
        for (wait, task) in waits.iter_mut().zip(&tasks) {
            assert!(poll(&tx, wait, task).is_ready());
        }
        // The first to look decides again and reads on; the others then find no threshold.
        assert_eq!(tx.flush(), Some(FlowChange::Resumed));
        let mut late = RoomWait::default();
        assert!(poll(&tx, &mut late, &tasks[0]).is_ready());
        // A task that began waiting before the crossing sees it even if a new pause was
        // published meanwhile.
        for i in 4..8 {
            tx.push(n(i));
        }
        let mut early = RoomWait::default();
        assert!(matches!(tx.flush(), Some(FlowChange::Paused { .. })));
        assert!(poll(&tx, &mut early, &tasks[1]).is_pending());
        // 6 queued: woken at 2.
        for i in 2..5 {
            assert_eq!(render(rx.next().await.unwrap()), i.to_string());
        }
        assert_eq!(tasks[1].count(), 1);
        assert_eq!(render(rx.next().await.unwrap()), "5");
        assert_eq!(tasks[1].count(), 2);
        assert!(matches!(tx.flush(), Some(FlowChange::Resumed)));
        for i in 8..11 {
            tx.push(n(i));
        }
        assert!(matches!(tx.flush(), Some(FlowChange::Paused { .. })));
        assert!(poll(&tx, &mut early, &tasks[1]).is_ready());
        // The consumer going away wakes every waiter too.
        let mut waits: Vec<RoomWait> = (0..2).map(|_| RoomWait::default()).collect();
        for (wait, task) in waits.iter_mut().zip(&tasks) {
            assert!(poll(&tx, wait, task).is_pending());
        }
        drop(rx);
        assert_eq!(tasks[0].count(), 2);
        assert_eq!(tasks[1].count(), 3);
        for (wait, task) in waits.iter_mut().zip(&tasks) {
            assert!(poll(&tx, wait, task).is_ready());
        }
    }

    #[tokio::test]
    async fn a_pause_by_the_item_bound_waits_for_the_item_low_water_mark() {
        // Items far below the byte bound: only the item bound pauses.
        let (mut tx, mut rx) = bounded(usize::MAX, 4, Overflow::Block);
        for i in 0..4 {
            tx.push(n(i));
        }
        assert!(matches!(tx.flush(), Some(FlowChange::Paused { .. })));
        let task = Arc::new(Wakes::default());
        let waker = Waker::from(Arc::clone(&task));
        let mut cx = Context::from_waker(&waker);
        // Not ready while 3 items are queued (the item low-water mark is 2), however few
        // bytes they are: the driver would otherwise wake, decide "paused" and wake again.
        assert!(tx.poll_room(&mut cx).is_pending());
        assert_eq!(render(rx.next().await.unwrap()), "0");
        assert!(tx.poll_room(&mut cx).is_pending());
        assert_eq!(task.count(), 0);
        assert_eq!(render(rx.next().await.unwrap()), "1");
        assert_eq!(task.count(), 1);
        assert!(tx.poll_room(&mut cx).is_ready());
        assert_eq!(tx.flush(), Some(FlowChange::Resumed));
    }

    #[tokio::test]
    async fn held_items_count_against_the_bound_until_taken() {
        let (mut tx, _rx) = bounded(room_for(4), usize::MAX, Overflow::Block);
        let mut held = tx.held();
        for i in 0..4 {
            held.push_back((Ok(n(i)), true, 0));
        }
        held.push_back((Err(Error::closed()), false, 0));
        assert!(tx.may_read(true));
        assert!(!tx.may_read(false));
        assert_eq!(tx.flush(), None);
        assert_eq!(tx.reading(), Reading::HeadOnly);
        let mut other = tx.held();
        other.append(&mut held);
        drop(held);
        assert_eq!(tx.flush(), None);
        assert_eq!(tx.reading(), Reading::HeadOnly);
        let items = other.take();
        assert_eq!(items.len(), 5);
        assert_eq!(tx.flush(), None);
        assert_eq!(tx.reading(), Reading::All);
    }
}
