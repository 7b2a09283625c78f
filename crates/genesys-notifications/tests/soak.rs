//! Soak under faults. 72 simulated hours on paused time, one notification
//! published every few simulated seconds (with a sequence number), and a seeded random
//! fault every few simulated minutes — every simulator fault kind, maintenance, expiry and
//! eviction included — for the URI-only channel and for the managed channel.
//!
//! Invariants checked at the end:
//! * every published notification is received exactly once, or is missing *at a reported
//!   place*: between the last notification received before a gap item (or a fatal end) and
//!   the first received after it, and (for a gap) published inside the gap's time window;
//! * no duplicate, and in order;
//! * no gap that did not happen: every gap window contains a fault that broke the connection
//!   (maintenance, malformed frames and refused reconnects alone never make one);
//! * memory bounded: the heap held by the client and the simulator (counted by a global
//!   allocator on the test's thread, where both run; the soak's own records are not counted),
//!   sampled after every step, stays within a fixed margin of what it held after the first
//!   connection, and does not grow from the first simulated day to the last; nothing dropped
//!   for lag;
//! * healthy at the end: open, a ping answered, a last notification delivered.
//!
//! The figures are printed (`--nocapture`). Knobs (environment): `SOAK_HOURS` (72),
//! `SOAK_PUBLISH_SECS` (60), `SOAK_FAULT_MINS` (mean minutes between faults, 15),
//! `SOAK_SEED` (1).
//!
//! The same soak with a consumer that pauses at random (`*_consumer_pausing_at_random*`):
//! bursts of notifications, a small buffer bound so that back-pressure stops and resumes
//! reading again and again, and seeded random consumer pauses; the same invariants, and with
//! no faults, no loss at all. Knobs: `SOAK_PAUSE_HOURS` (1, short for CI),
//! `SOAK_PAUSE_BURST` (most notifications per publication, 40, every 5 s),
//! `SOAK_PAUSE_SECS` (longest pause, 25: under the simulator's 30 s write timeout, after
//! which the service side drops a socket that is not read), `SOAK_FAULT_MINS` (5 here),
//! `SOAK_SEED`.
#![allow(unsafe_code, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::{Channel, ConnectOptions, Error, Event, Events, Gap, Reason, State};
use genesys_sim::{Fault, SimConfig, Simulator};
use serde_json::json;
use support::*;
use tokio::time::Instant;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static HELD: Cell<i64> = const { Cell::new(0) };
}

/// Counts, on threads that asked for it, the net bytes allocated (allocated minus freed).
/// Each soak runs on a current-thread runtime on its test's thread: the client, its driver
/// and the simulator all allocate there.
struct Counting;

fn note(bytes: i64) {
    // `try_with`: the allocator may be called while thread-locals are being torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = HELD.try_with(|h| h.set(h.get() + bytes));
        }
    });
}

fn size(bytes: usize) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counting touches only const-initialised thread-locals without destructors (no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(size(layout.size()));
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(size(layout.size()));
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-size(layout.size()));
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(size(new_size) - size(layout.size()));
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The net bytes allocated on this thread while counting was on.
fn held() -> i64 {
    HELD.with(Cell::get)
}

/// While alive, this thread's allocations are not counted: the soak's own records (which
/// grow with the run by design) are kept out of the figure. Whatever is allocated under it
/// must also be freed under it, or not at all.
struct Uncounted(bool);

impl Uncounted {
    fn new() -> Uncounted {
        Uncounted(COUNTING.with(|c| c.replace(false)))
    }
}

impl Drop for Uncounted {
    fn drop(&mut self) {
        COUNTING.with(|c| c.set(self.0));
    }
}

/// Runs `f` without counting its allocations (see [`Uncounted`]).
fn uncounted<T>(f: impl FnOnce() -> T) -> T {
    let _u = Uncounted::new();
    f()
}

const CLIENT: &str = "demo-client";
const MAX_MESSAGE: usize = 64 * 1024;
const BUFFER: usize = 1024;
/// How far above the heap held after the first connection the heap may be at any sample.
const HEAP_MARGIN: i64 = 1024 * 1024;
/// How much more the heap may hold on the last day than on the first (and at the end than at
/// the start).
const HEAP_GROWTH: i64 = 256 * 1024;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug, Clone, Copy)]
struct Knobs {
    hours: u64,
    publish_every: Duration,
    fault_every: Duration,
    seed: u64,
}

impl Knobs {
    fn from_env() -> Knobs {
        Knobs {
            hours: env("SOAK_HOURS", 72),
            publish_every: Duration::from_secs(env("SOAK_PUBLISH_SECS", 60).max(1)),
            fault_every: Duration::from_secs(60 * env("SOAK_FAULT_MINS", 15).max(1)),
            seed: env("SOAK_SEED", 1),
        }
    }

    /// The knobs of the soaks whose consumer pauses at random.
    fn pausing_from_env() -> (Knobs, Consumer) {
        let knobs = Knobs {
            hours: env("SOAK_PAUSE_HOURS", 1),
            publish_every: Duration::from_secs(5),
            fault_every: Duration::from_secs(60 * env("SOAK_FAULT_MINS", 5).max(1)),
            seed: env("SOAK_SEED", 1),
        };
        let consumer = Consumer {
            burst: env("SOAK_PAUSE_BURST", 40).max(1),
            longest_pause: Some(Duration::from_secs(env("SOAK_PAUSE_SECS", 25).max(1))),
            max_buffer: Some(PAUSING_BUFFER),
            faults: true,
        };
        (knobs, consumer)
    }
}

/// The buffer bound of the pausing soaks: a few dozen notifications, so that a burst during a
/// pause fills it and back-pressure stops reading.
const PAUSING_BUFFER: usize = 16 * 1024;

/// How the notifications are published and consumed.
#[derive(Debug, Clone, Copy)]
struct Consumer {
    /// Most notifications per publication (a random count in `1..=burst`; 1: one each time).
    burst: u64,
    /// `Some`: the consumer stops reading for a random span up to this long, then reads for a
    /// random span up to a minute, again and again.
    longest_pause: Option<Duration>,
    /// The channel's buffer bound (`None`: the default).
    max_buffer: Option<usize>,
    /// Whether faults are injected.
    faults: bool,
}

impl Consumer {
    /// The consumer of the original soak: one notification a publication, always reading.
    const KEEPING_UP: Consumer = Consumer {
        burst: 1,
        longest_pause: None,
        max_buffer: None,
        faults: true,
    };
}

/// The kinds of fault injected (a few are compounds of simulator faults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Drop,
    Stall,
    SocketClosing,
    Kick,
    RawText,
    RawBinary,
    Oversize,
    RefuseThenDrop,
    RefuseOnly,
    RejectNextSubscribe,
    Expire,
    Evict,
    NoLongerSubscribed,
    RevokeToken,
}

impl Kind {
    /// Whether it breaks the connection (a gap, or a fatal end, may follow).
    fn breaks(self) -> bool {
        !matches!(
            self,
            Kind::SocketClosing
                | Kind::RawText
                | Kind::RawBinary
                | Kind::RefuseOnly
                | Kind::RejectNextSubscribe
        )
    }
}

/// Weighted choice of fault kinds.
fn pick(rng: &mut fastrand::Rng, managed: bool) -> Kind {
    let table: &[(Kind, u32)] = &[
        (Kind::Drop, 4),
        (Kind::Stall, 2),
        (Kind::SocketClosing, 4),
        (Kind::Kick, 2),
        (Kind::RawText, 2),
        (Kind::RawBinary, 1),
        (Kind::Oversize, 1),
        (Kind::RefuseThenDrop, 1),
        (Kind::RefuseOnly, 1),
        (Kind::RejectNextSubscribe, 1),
        (Kind::Expire, 1),
        (Kind::Evict, 1),
        (Kind::NoLongerSubscribed, 1),
        (Kind::RevokeToken, if managed { 1 } else { 0 }),
    ];
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut roll = rng.u32(0..total);
    for (kind, weight) in table {
        if roll < *weight {
            return *kind;
        }
        roll -= weight;
    }
    unreachable!()
}

/// What the consumer saw, in stream order.
#[derive(Debug)]
enum Entry {
    Note(u64),
    Gap(Gap),
    /// The stream ended with a fatal error (URI mode: channel gone); a new one was opened.
    End(#[allow(dead_code)] Reason),
}

#[derive(Default)]
struct Figures {
    published: u64,
    received: u64,
    faults: BTreeMap<String, u64>,
    skipped_faults: u64,
    reconnects: u64,
    rollovers: u64,
    extensions: u64,
    gaps: u64,
    lost_in_gaps: u64,
    lost_at_ends: u64,
    malformed: u64,
    warnings: u64,
    restarts: u64,
    ends: BTreeMap<String, u64>,
    continued_gaps: u64,
    max_gap: Duration,
    /// Pauses of the consumer, and their total length.
    pauses: u64,
    paused: Duration,
    /// Back-pressure: `Event::ReadingPaused` events, and the most bytes buffered at one.
    read_pauses: u64,
    most_buffered: usize,
    /// Gaps whose window starts only when reading resumed after back-pressure, after the
    /// fault that caused them (the close was read late; see TESTING.md, REL-B9), and the
    /// notifications lost between that fault and the window.
    late_gaps: u64,
    lost_before_late_windows: u64,
    /// Spans in which reading was paused by back-pressure (`ReadingPaused` to
    /// `ReadingResumed`).
    pressure: Vec<(Instant, Instant)>,
    /// Heap held after the first connection, in bytes.
    heap_start: i64,
    /// Most heap held at any sample, over the whole run and over its first and last days.
    heap_max: i64,
    heap_max_first_day: i64,
    heap_max_last_day: i64,
    /// Heap held at the end, after the last notification.
    heap_end: i64,
    samples: u64,
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let faults: u64 = self.faults.values().sum();
        writeln!(
            f,
            "notifications published {}, received {}, lost inside reported gaps {}, lost at \
             reported channel ends {}",
            self.published, self.received, self.lost_in_gaps, self.lost_at_ends
        )?;
        writeln!(
            f,
            "faults {faults} ({} skipped: no socket at that moment) {:?}",
            self.skipped_faults, self.faults
        )?;
        writeln!(
            f,
            "consumer pauses {} ({:?} in all); reading paused by back-pressure {} times (at most \
             {} bytes buffered); gaps whose window starts when reading resumed, after their \
             fault {} (notifications lost before such a window {})",
            self.pauses,
            self.paused,
            self.read_pauses,
            self.most_buffered,
            self.late_gaps,
            self.lost_before_late_windows
        )?;
        write!(
            f,
            "reconnects {}, rollovers {}, extensions {}, gaps {} ({} continuing an outage, longest \
             {:?}), malformed \
             items {}, other warnings {}, channel restarts after a fatal end {} {:?}\n\
             heap held (client + simulator, {} samples): {} KiB after the first connection, at \
             most {} KiB (first day {} KiB, last day {} KiB), {} KiB at the end",
            self.reconnects,
            self.rollovers,
            self.extensions,
            self.gaps,
            self.continued_gaps,
            self.max_gap,
            self.malformed,
            self.warnings,
            self.restarts,
            self.ends,
            self.samples,
            self.heap_start / 1024,
            self.heap_max / 1024,
            self.heap_max_first_day / 1024,
            self.heap_max_last_day / 1024,
            self.heap_end / 1024,
        )
    }
}

/// One soak run: the channel under test and how to (re)open it.
trait Subject {
    /// Opens the channel (URI mode: on the current channel, or a new one if it is gone).
    async fn open(&mut self, sim: &Simulator, options: ConnectOptions) -> Result<Channel, Error>;
    /// The channel the client is connected to now, per the simulator.
    fn current(&self, sim: &Simulator) -> Option<String>;
    fn managed(&self) -> bool;
}

struct UriSubject {
    channel: Option<String>,
}

impl Subject for UriSubject {
    async fn open(&mut self, sim: &Simulator, options: ConnectOptions) -> Result<Channel, Error> {
        let stats = sim.stats();
        let id = match &self.channel {
            Some(id) if stats.channel(id).is_some() => id.clone(),
            _ => sim.create_channel(CLIENT).id,
        };
        self.channel = Some(id.clone());
        let uri = format!("ws://{}/channels/{id}", sim.addr());
        options.connect(&uri, [TOPIC]).await
    }
    fn current(&self, _sim: &Simulator) -> Option<String> {
        self.channel.clone()
    }
    fn managed(&self) -> bool {
        false
    }
}

fn options(consumer: Consumer) -> ConnectOptions {
    let options = ConnectOptions::new()
        .max_message_size(MAX_MESSAGE)
        .buffer(BUFFER);
    match consumer.max_buffer {
        Some(bytes) => options.max_buffer(bytes),
        None => options,
    }
}

fn stall_duration(rng: &mut fastrand::Rng) -> Duration {
    // Longer than the heartbeat timeout (75 s): a shorter silence is indistinguishable from
    // a quiet channel, and the simulator drops what a stalled socket does not send.
    Duration::from_secs(rng.u64(80..=240))
}

/// Injects one fault; `None` when it could not be (no socket at that moment).
fn inject(
    sim: &Simulator,
    subject: &impl Subject,
    kind: Kind,
    rng: &mut fastrand::Rng,
) -> Option<()> {
    if kind == Kind::RevokeToken {
        sim.revoke_tokens(CLIENT);
        return Some(());
    }
    let id = subject.current(sim)?;
    let fault = match kind {
        Kind::Drop => Fault::Drop,
        Kind::Stall => Fault::Stall {
            duration: stall_duration(rng),
        },
        Kind::SocketClosing => Fault::SocketClosing,
        Kind::Kick => Fault::Kick,
        Kind::RawText => Fault::RawText(format!("not json {}", rng.u32(..))),
        Kind::RawBinary => Fault::RawBinary(vec![0xff, 0x00, rng.u8(..)]),
        Kind::Oversize => Fault::Oversize {
            bytes: MAX_MESSAGE + 1 + rng.usize(0..1024),
        },
        Kind::RefuseThenDrop => {
            sim.fault(
                &id,
                Fault::RefuseConnections {
                    duration: Duration::from_secs(rng.u64(5..=120)),
                },
            )
            .ok()?;
            Fault::Drop
        }
        Kind::RefuseOnly => Fault::RefuseConnections {
            duration: Duration::from_secs(rng.u64(5..=120)),
        },
        Kind::RejectNextSubscribe => Fault::RejectNextSubscribe,
        Kind::Expire => Fault::Expire,
        Kind::Evict => Fault::Evict,
        Kind::NoLongerSubscribed => Fault::NoLongerSubscribed,
        Kind::RevokeToken => unreachable!(),
    };
    sim.fault(&id, fault).ok()
}

async fn next_event(events: &mut Option<Events>) -> Option<Event> {
    match events {
        Some(e) => e.next().await,
        None => std::future::pending().await,
    }
}

async fn next_item(
    ch: &mut Option<Channel>,
) -> Option<Result<genesys_notifications::Notification, Error>> {
    match ch {
        Some(c) => c.next().await,
        None => std::future::pending().await,
    }
}

/// Runs the soak and checks every invariant; returns the figures.
async fn soak(
    sim: &Simulator,
    subject: &mut impl Subject,
    knobs: Knobs,
    consumer: Consumer,
) -> Figures {
    let mut rng = fastrand::Rng::with_seed(knobs.seed);
    // Bursts and pauses draw from their own generator: the fault schedule of a seed is the
    // same whatever the consumer does.
    let mut consumer_rng = fastrand::Rng::with_seed(knobs.seed ^ 0x5eed_c0de);
    let mut figures = Figures::default();
    let mut published: BTreeMap<u64, Instant> = BTreeMap::new();
    let mut log: Vec<Entry> = Vec::new();
    let mut fault_log: Vec<(Instant, Kind)> = Vec::new();
    let mut event_log: Vec<(Instant, String)> = Vec::new();
    COUNTING.with(|c| c.set(true));
    let mut ch = Some(
        subject
            .open(sim, options(consumer))
            .await
            .expect("the first connection"),
    );
    let mut events = ch.as_ref().map(Channel::events);
    let start = Instant::now();
    figures.heap_start = held();
    let day = Duration::from_secs(24 * 3600).min(end_of(start, knobs) - start);
    let end = start + Duration::from_secs(3600 * knobs.hours);
    let mut ticker = tokio::time::interval(knobs.publish_every);
    let mut seq = 0u64;
    let mean = knobs.fault_every.as_secs();
    let mut next_fault = start + Duration::from_secs(rng.u64(mean / 2..=mean * 3 / 2));
    let mut reopen_at: Option<Instant> = None;
    let far = start + Duration::from_secs(3600 * 24 * 365);
    // The consumer reads until `pause_at`, then stops until `resume_at`. No pause starts after
    // the end of publishing, so that everything buffered is read before the last check.
    let mut resume_at: Option<Instant> = None;
    let mut pressure_since: Option<Instant> = None;
    let mut pause_at = match consumer.longest_pause {
        Some(_) => start + Duration::from_secs(consumer_rng.u64(0..=60)),
        None => far,
    };
    loop {
        let now = Instant::now();
        if now >= end + Duration::from_secs(600)
            && reopen_at.is_none()
            && ch.is_some()
            && resume_at.is_none()
        {
            break;
        }
        tokio::select! {
            _ = ticker.tick(), if now < end => {
                let burst = if consumer.burst > 1 { consumer_rng.u64(1..=consumer.burst) } else { 1 };
                for _ in 0..burst {
                    seq += 1;
                    uncounted(|| published.insert(seq, Instant::now()));
                    sim.publish(TOPIC, json!({ "seq": seq }));
                }
            }
            () = tokio::time::sleep_until(pause_at), if resume_at.is_none() && now < end => {
                let longest = consumer.longest_pause.unwrap_or(Duration::ZERO).as_millis() as u64;
                let pause = Duration::from_millis(consumer_rng.u64(1..=longest.max(1)));
                figures.pauses += 1;
                figures.paused += pause;
                resume_at = Some(Instant::now() + pause);
            }
            () = tokio::time::sleep_until(resume_at.unwrap_or(far)), if resume_at.is_some() => {
                resume_at = None;
                pause_at = Instant::now() + Duration::from_secs(consumer_rng.u64(0..=60));
            }
            // Wakes the loop for the end check when nothing else happens.
            () = tokio::time::sleep_until(end + Duration::from_secs(600)),
                if now < end + Duration::from_secs(600) => {}
            () = tokio::time::sleep_until(next_fault), if now < end && consumer.faults => {
                let kind = pick(&mut rng, subject.managed());
                match inject(sim, subject, kind, &mut rng) {
                    Some(()) => {
                        uncounted(|| {
                            fault_log.push((Instant::now(), kind));
                            *figures.faults.entry(format!("{kind:?}")).or_default() += 1;
                        });
                    }
                    None => figures.skipped_faults += 1,
                }
                next_fault = Instant::now() + Duration::from_secs(rng.u64(mean / 2..=mean * 3 / 2));
            }
            () = tokio::time::sleep_until(reopen_at.unwrap_or(far)), if reopen_at.is_some() => {
                match subject.open(sim, options(consumer)).await {
                    Ok(c) => {
                        events = Some(c.events());
                        ch = Some(c);
                        reopen_at = None;
                        figures.restarts += 1;
                    }
                    Err(_) => reopen_at = Some(Instant::now() + Duration::from_secs(10)),
                }
            }
            item = next_item(&mut ch), if resume_at.is_none() => match item {
                Some(Ok(n)) => {
                    assert_eq!(n.topic(), TOPIC);
                    let v: serde_json::Value = n.body().unwrap();
                    uncounted(|| log.push(Entry::Note(v["seq"].as_u64().unwrap())));
                }
                Some(Err(e)) if e.is_gap() => {
                    uncounted(|| log.push(Entry::Gap(e.gap_window().unwrap().clone())));
                }
                Some(Err(e)) if !e.is_fatal() => {
                    assert!(!e.is_lagged(), "the consumer keeps up: {e:?}");
                    if e.reason() == Reason::InvalidMessage || e.reason() == Reason::MessageTooLarge {
                        figures.malformed += 1;
                    } else {
                        figures.warnings += 1;
                    }
                }
                Some(Err(e)) => {
                    assert!(
                        !subject.managed(),
                        "the managed channel never ends by itself: {e:?}"
                    );
                    assert!(
                        e.is_channel_failure(),
                        "a fatal end is a ChannelFailure: {e:?}"
                    );
                    uncounted(|| {
                        *figures.ends.entry(format!("{:?}", e.reason())).or_default() += 1;
                        log.push(Entry::End(e.reason()));
                    });
                }
                None => {
                    ch = None;
                    events = None;
                    reopen_at = Some(Instant::now());
                }
            },
            Some(event) = next_event(&mut events) => {
                match &event {
                    Event::Reconnected { .. } => figures.reconnects += 1,
                    Event::RolloverCompleted => figures.rollovers += 1,
                    Event::Extended => figures.extensions += 1,
                    Event::ReadingPaused { buffered } => {
                        figures.read_pauses += 1;
                        figures.most_buffered = figures.most_buffered.max(*buffered);
                        pressure_since = Some(Instant::now());
                    }
                    Event::ReadingResumed { .. } => {
                        if let Some(since) = pressure_since.take() {
                            uncounted(|| figures.pressure.push((since, Instant::now())));
                        }
                    }
                    _ => {}
                }
                uncounted(|| event_log.push((Instant::now(), format!("{event:?}"))));
            },
        }
        // What the client and the simulator hold now: every item buffered for the consumer
        // (notifications, malformed frames with their bytes, gaps, warnings), frames held
        // during a switch, de-duplication records, sockets and their buffers.
        let heap = held();
        figures.samples += 1;
        figures.heap_max = figures.heap_max.max(heap);
        let at = Instant::now();
        if at < start + day {
            figures.heap_max_first_day = figures.heap_max_first_day.max(heap);
        } else if at + day >= end_of(start, knobs) && at <= end_of(start, knobs) {
            figures.heap_max_last_day = figures.heap_max_last_day.max(heap);
        }
    }
    let ch = ch.unwrap();
    // Healthy at the end.
    assert_eq!(ch.state(), State::Open, "{figures}");
    assert!(ch.ping().await.is_ok(), "{figures}");
    assert_eq!(ch.stats().dropped, 0);
    let mut ch = ch;
    let last = seq + 1;
    assert_eq!(sim.publish(TOPIC, json!({ "seq": last })), 1);
    let n = next_note(&mut ch).await;
    assert_eq!(n.body::<serde_json::Value>().unwrap()["seq"], last);
    drop(n);
    figures.heap_end = held();
    COUNTING.with(|c| c.set(false));

    check(&published, &log, &fault_log, &event_log, &mut figures);
    // Memory: bounded, and no growth over the run. The margin covers what a switch holds for
    // a moment (a second socket with its 128 KiB read buffer on each side, frames in flight);
    // anything kept per notification, per gap or per switch grows past it within a day.
    assert!(
        figures.heap_max - figures.heap_start <= HEAP_MARGIN,
        "the heap grew by {} KiB: {figures}",
        (figures.heap_max - figures.heap_start) / 1024
    );
    assert!(
        figures.heap_max_last_day - figures.heap_max_first_day <= HEAP_GROWTH,
        "the heap grew from the first day to the last: {figures}"
    );
    assert!(
        figures.heap_end - figures.heap_start <= HEAP_GROWTH,
        "held at the end: {figures}"
    );
    figures
}

/// The end of the publishing period.
fn end_of(start: Instant, knobs: Knobs) -> Instant {
    start + Duration::from_secs(3600 * knobs.hours)
}

/// The accounting: exactly once or missing at a reported place; no false gap.
fn check(
    published: &BTreeMap<u64, Instant>,
    log: &[Entry],
    faults: &[(Instant, Kind)],
    events: &[(Instant, String)],
    figures: &mut Figures,
) {
    figures.published = published.len() as u64;
    let mut position: BTreeMap<u64, usize> = BTreeMap::new();
    let mut last = 0u64;
    for (i, entry) in log.iter().enumerate() {
        if let Entry::Note(s) = entry {
            assert!(position.insert(*s, i).is_none(), "{s} received twice");
            assert!(*s > last, "{s} received after {last}: out of order");
            assert!(published.contains_key(s), "{s} never published");
            last = *s;
        }
    }
    figures.received = position.len() as u64;
    // A gap reported as reading resumed after back-pressure: the socket's close was read only
    // then, so the outage may have begun at any moment of the pause. Its window as it should
    // be starts when reading was paused.
    let pressure = std::mem::take(&mut figures.pressure);
    let paused_before = |g: &Gap| {
        pressure
            .iter()
            .find(|(_, resumed)| {
                *resumed <= g.from_instant
                    && g.from_instant.duration_since(*resumed) <= Duration::from_secs(1)
            })
            .map(|(paused, _)| *paused)
    };
    for (s, at) in published {
        if position.contains_key(s) {
            continue;
        }
        // Where it should have been: between the nearest received neighbours.
        let before = position.range(..*s).next_back().map_or(0, |(_, i)| *i);
        let after = position.range(*s..).next().map_or(log.len(), |(_, i)| *i);
        let reported = &log[before..after];
        let in_gap = reported.iter().any(|e| match e {
            Entry::Gap(g) => g.contains(*at),
            _ => false,
        });
        let at_end = reported.iter().any(|e| matches!(e, Entry::End(_)));
        let before_late_window = reported.iter().any(|e| match e {
            Entry::Gap(g) => paused_before(g).is_some_and(|p| p <= *at && *at < g.from_instant),
            _ => false,
        });
        if !in_gap && !at_end && before_late_window {
            figures.lost_before_late_windows += 1;
            continue;
        }
        assert!(
            in_gap || at_end,
            "notification {s} (published at {at:?}) is missing and no gap or end covers it: {:?}",
            reported
        );
        if in_gap {
            figures.lost_in_gaps += 1;
        } else {
            figures.lost_at_ends += 1;
        }
    }
    // A gap is justified by a connection-breaking fault inside its window, or continues a
    // justified gap (a recovery that failed once more: the outage goes on).
    let mut previous_end: Option<Instant> = None;
    for entry in log {
        if let Entry::Gap(g) = entry {
            figures.gaps += 1;
            figures.max_gap = figures.max_gap.max(g.duration());
            assert_eq!(g.topics, vec![TOPIC]);
            let continued = previous_end == Some(g.from_instant);
            let cause = faults
                .iter()
                .find(|(at, kind)| kind.breaks() && g.contains(*at))
                .map(|_| ())
                .or(continued.then_some(()));
            let late = cause.is_none()
                && paused_before(g).is_some_and(|p| {
                    faults
                        .iter()
                        .any(|(at, kind)| kind.breaks() && p <= *at && *at <= g.to_instant)
                });
            if late {
                figures.late_gaps += 1;
                continue;
            }
            if continued {
                figures.continued_gaps += 1;
            }
            previous_end = Some(g.to_instant);
            let near = |at: &Instant| {
                at.saturating_duration_since(g.from_instant) < Duration::from_secs(900)
                    && g.from_instant.saturating_duration_since(*at) < Duration::from_secs(900)
            };
            assert!(
                cause.is_some(),
                "a gap without a connection-breaking fault in its window: {g:?}; events around: \
                 {:?}; faults around: {:?}",
                events.iter().filter(|(at, _)| near(at)).collect::<Vec<_>>(),
                faults
                    .iter()
                    .filter(|(at, _)| at.saturating_duration_since(g.from_instant)
                        < Duration::from_secs(900)
                        && g.from_instant.saturating_duration_since(*at) < Duration::from_secs(900))
                    .collect::<Vec<_>>()
            );
        }
    }
}

fn sim_config() -> SimConfig {
    SimConfig::default()
}

#[tokio::test(start_paused = true)]
async fn soak_uri_channel_72_simulated_hours_under_random_faults() {
    let knobs = Knobs::from_env();
    let sim = sim_with(sim_config()).await;
    let wall = std::time::Instant::now();
    let mut subject = UriSubject { channel: None };
    let figures = soak(&sim, &mut subject, knobs, Consumer::KEEPING_UP).await;
    println!(
        "soak (URI channel, {} h, seed {}, {:?} wall):\n{figures}",
        knobs.hours,
        knobs.seed,
        wall.elapsed()
    );
    assert!(
        figures.faults.values().sum::<u64>()
            >= knobs.hours * 60 / (knobs.fault_every.as_secs() / 60) / 2
    );
    assert!(figures.received > 0);
}

/// A soak whose consumer pauses at random; prints its random-number seed first, so a failure
/// shows it.
async fn pausing(
    sim: &Simulator,
    subject: &mut impl Subject,
    knobs: Knobs,
    consumer: Consumer,
    what: &str,
) -> Figures {
    println!(
        "soak ({what}, consumer pausing at random, faults {}): seed {} (SOAK_SEED), {knobs:?}, \
         {consumer:?}",
        consumer.faults, knobs.seed
    );
    let wall = std::time::Instant::now();
    // Simulated time: a run that does not end fails instead of hanging.
    let limit = Duration::from_secs(3600 * (knobs.hours + 2));
    let figures = tokio::time::timeout(limit, soak(sim, subject, knobs, consumer))
        .await
        .expect("the soak ends");
    println!("{:?} wall:\n{figures}", wall.elapsed());
    assert!(figures.pauses > 0, "{figures}");
    assert!(
        figures.read_pauses > 0,
        "back-pressure never engaged: {figures}"
    );
    assert!(figures.received > 0);
    if consumer.faults {
        assert!(
            figures.faults.values().sum::<u64>()
                >= knobs.hours * 60 / (knobs.fault_every.as_secs() / 60) / 2,
            "{figures}"
        );
    }
    figures
}

#[tokio::test(start_paused = true)]
async fn soak_uri_channel_consumer_pausing_at_random_under_random_faults() {
    let (knobs, consumer) = Knobs::pausing_from_env();
    let sim = sim_with(sim_config()).await;
    let mut subject = UriSubject { channel: None };
    let figures = pausing(&sim, &mut subject, knobs, consumer, "URI channel").await;
    // A socket lost while back-pressure had stopped reading is a gap from the pause, not from
    // the resume: nothing published in between falls before the gap's window.
    assert_eq!(
        (figures.late_gaps, figures.lost_before_late_windows),
        (0, 0),
        "{figures}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_consumer_pausing_at_random_loses_nothing_without_faults() {
    let (knobs, consumer) = Knobs::pausing_from_env();
    let consumer = Consumer {
        faults: false,
        ..consumer
    };
    let sim = sim_with(sim_config()).await;
    let mut subject = UriSubject { channel: None };
    let figures = pausing(&sim, &mut subject, knobs, consumer, "URI channel").await;
    assert_eq!(figures.received, figures.published, "{figures}");
    assert_eq!(
        (
            figures.lost_in_gaps,
            figures.lost_at_ends,
            figures.gaps,
            figures.reconnects
        ),
        (0, 0, 0, 0),
        "{figures}"
    );
    let stats = sim.stats();
    assert_eq!(stats.channels.iter().map(|c| c.lost).sum::<u64>(), 0);
    assert_eq!(stats.channels.iter().map(|c| c.connections).sum::<u64>(), 1);
    // Back-pressure engaged again and again, never beyond the bound by more than a frame.
    assert!(figures.read_pauses >= 10, "{figures}");
    assert!(figures.most_buffered <= PAUSING_BUFFER + 512, "{figures}");
}

#[cfg(feature = "rest")]
mod managed {
    use super::*;
    use genesys_notifications::Maintenance;
    use genesys_notifications::rest::{
        Credentials, Environment, ManagedOptions, RestClient, RetryPolicy,
    };

    struct ManagedSubject {
        rest: RestClient,
    }

    impl Subject for ManagedSubject {
        async fn open(
            &mut self,
            _sim: &Simulator,
            options: ConnectOptions,
        ) -> Result<Channel, Error> {
            // The managed default for maintenance is a new channel; keep it.
            ManagedOptions::new(self.rest.clone())
                .connect_options(options.maintenance(Maintenance::NewChannel))
                .connect([TOPIC])
                .await
        }
        fn current(&self, sim: &Simulator) -> Option<String> {
            sim.stats()
                .channels
                .into_iter()
                .find(|c| c.connected)
                .map(|c| c.id)
        }
        fn managed(&self) -> bool {
            true
        }
    }

    fn rest(sim: &Simulator) -> RestClient {
        RestClient::builder(
            Environment::local(&sim.base_url()).unwrap(),
            Credentials::client_credentials(CLIENT, "demo-secret"),
        )
        .retry_policy(RetryPolicy::default().jitter(false))
        .build()
        .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn soak_managed_channel_consumer_pausing_at_random_under_random_faults() {
        let (knobs, consumer) = Knobs::pausing_from_env();
        let sim = sim_with(sim_config()).await;
        let mut subject = ManagedSubject { rest: rest(&sim) };
        let figures = pausing(&sim, &mut subject, knobs, consumer, "managed channel").await;
        assert_eq!(figures.restarts, 0);
        // A channel replaced while back-pressure had stopped reading (eviction, expiry,
        // `no_longer_subscribed`, a revoked token, read from the backlog) is a gap from the
        // pause too, not from the resume.
        assert_eq!(
            (figures.late_gaps, figures.lost_before_late_windows),
            (0, 0),
            "{figures}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn soak_managed_channel_72_simulated_hours_under_random_faults() {
        let knobs = Knobs::from_env();
        let sim = sim_with(sim_config()).await;
        let rest = rest(&sim);
        let wall = std::time::Instant::now();
        let mut subject = ManagedSubject { rest };
        let figures = soak(&sim, &mut subject, knobs, Consumer::KEEPING_UP).await;
        println!(
            "soak (managed channel, {} h, seed {}, {:?} wall):\n{figures}",
            knobs.hours,
            knobs.seed,
            wall.elapsed()
        );
        assert_eq!(figures.restarts, 0);
        assert!(figures.received > 0);
    }
}
