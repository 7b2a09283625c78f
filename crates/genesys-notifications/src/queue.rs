//! The bounded buffer between the driver task and the consumer, with an explicit overflow
//! policy.
//!
//! Notifications and reports of malformed frames (both come from the peer, at its pace) count
//! against the capacity; the client's own notices (gaps, warnings, the final error) never do
//! and are never dropped. When the buffer is full the [`Overflow`] policy decides which bounded
//! item goes, and a `Lagged { dropped }` item takes its place, so nothing is ever lost
//! silently and a flood cannot grow memory without bound.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

use crate::error::Error;
use crate::notification::Notification;
use crate::options::Overflow;

pub(crate) type Item = Result<Notification, Error>;

struct Inner {
    buf: VecDeque<Entry>,
    notes: usize,
    closed: bool,
    receiver_alive: bool,
    dropped_total: u64,
}

enum Entry {
    /// Counted against the capacity (notification or malformed-frame report).
    Bounded(Item),
    /// Never dropped (the client's own notices).
    Item(Item),
    /// A `Lagged` marker whose count may still grow (DropOldest).
    Lagged(u64),
}

struct Shared {
    inner: Mutex<Inner>,
    waker: AtomicWaker,
    capacity: usize,
    overflow: Overflow,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the queue inconsistent (every
        // operation is a few pushes/pops), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Producer side, owned by the driver.
pub(crate) struct Sender {
    shared: Arc<Shared>,
}

/// Consumer side, owned by the [`Channel`](crate::Channel).
pub(crate) struct Receiver {
    shared: Arc<Shared>,
}

/// What happened to a pushed notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    Queued,
    /// The buffer was full; one notification was dropped (this one or the oldest).
    Dropped,
    /// Nobody is listening any more.
    Gone,
}

pub(crate) fn bounded(capacity: usize, overflow: Overflow) -> (Sender, Receiver) {
    let shared = Arc::new(Shared {
        inner: Mutex::new(Inner {
            // Not preallocated: an idle channel would hold `capacity` entries (~136 KiB for
            // 1,024) before its first notification. The deque grows by doubling to the
            // working depth once and keeps that capacity, so the hot path is unchanged.
            buf: VecDeque::new(),
            notes: 0,
            closed: false,
            receiver_alive: true,
            dropped_total: 0,
        }),
        waker: AtomicWaker::new(),
        capacity: capacity.max(1),
        overflow,
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

impl Inner {
    /// DropNewest: the dropped notification would have been last; grow the trailing marker
    /// or place one.
    fn lag_at_back(&mut self) {
        if let Some(Entry::Lagged(n)) = self.buf.back_mut() {
            *n += 1;
        } else {
            self.buf.push_back(Entry::Lagged(1));
        }
    }
}

impl Sender {
    /// Buffers a notification, applying the overflow policy.
    #[cfg(test)]
    pub(crate) fn push(&self, n: Notification) -> Pushed {
        self.push_bounded(Ok(n))
    }

    /// Buffers a notification or a malformed-frame report, applying the overflow policy.
    pub(crate) fn push_bounded(&self, item: Item) -> Pushed {
        let result = {
            let mut q = self.shared.lock();
            if !q.receiver_alive || q.closed {
                return Pushed::Gone;
            }
            if q.notes < self.shared.capacity {
                q.buf.push_back(Entry::Bounded(item));
                q.notes += 1;
                Pushed::Queued
            } else {
                q.dropped_total += 1;
                match self.shared.overflow {
                    Overflow::DropNewest => q.lag_at_back(),
                    Overflow::DropOldest => {
                        drop_oldest(&mut q);
                        q.buf.push_back(Entry::Bounded(item));
                        q.notes += 1;
                    }
                }
                Pushed::Dropped
            }
        };
        self.shared.waker.wake();
        result
    }

    /// Buffers a notice (never dropped, never counted against the capacity).
    pub(crate) fn push_error(&self, e: Error) -> bool {
        {
            let mut q = self.shared.lock();
            if !q.receiver_alive || q.closed {
                return false;
            }
            q.buf.push_back(Entry::Item(Err(e)));
        }
        self.shared.waker.wake();
        true
    }

    /// Ends the stream after what is buffered.
    pub(crate) fn close(&self) {
        {
            self.shared.lock().closed = true;
        }
        self.shared.waker.wake();
    }

    #[cfg(test)]
    pub(crate) fn receiver_alive(&self) -> bool {
        self.shared.lock().receiver_alive
    }

    #[cfg(test)]
    pub(crate) fn dropped_total(&self) -> u64 {
        self.shared.lock().dropped_total
    }
}

/// DropOldest: removes the oldest bounded item and grows (or places) the marker just before
/// the next one.
fn drop_oldest(q: &mut Inner) {
    let Some(idx) = q.buf.iter().position(|e| matches!(e, Entry::Bounded(_))) else {
        return;
    };
    q.buf.remove(idx);
    q.notes -= 1;
    if idx > 0
        && let Some(Entry::Lagged(n)) = q.buf.get_mut(idx - 1)
    {
        *n += 1;
        return;
    }
    q.buf.insert(idx, Entry::Lagged(1));
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.close();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.lock().receiver_alive = false;
    }
}

impl Receiver {
    fn pop(&self) -> Option<Option<Item>> {
        let mut q = self.shared.lock();
        match q.buf.pop_front() {
            Some(Entry::Bounded(item)) => {
                q.notes -= 1;
                Some(Some(item))
            }
            Some(Entry::Item(item)) => Some(Some(item)),
            Some(Entry::Lagged(n)) => Some(Some(Err(Error::lagged(n)))),
            None if q.closed => Some(None),
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

    pub(crate) fn len(&self) -> usize {
        self.shared.lock().notes
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
        let (tx, mut rx) = bounded(2, Overflow::DropNewest);
        assert_eq!(tx.push(n(1)), Pushed::Queued);
        assert_eq!(tx.push(n(2)), Pushed::Queued);
        assert_eq!(tx.push(n(3)), Pushed::Dropped);
        assert_eq!(tx.push(n(4)), Pushed::Dropped);
        assert_eq!(render(rx.next().await.unwrap()), "1");
        assert_eq!(tx.push(n(5)), Pushed::Queued);
        tx.push_error(Error::closed());
        drop(tx);
        assert_eq!(drain(&mut rx).await, vec!["2", "lag2", "5", "err:Closed"]);
    }

    #[tokio::test]
    async fn drop_oldest_keeps_the_freshest() {
        let (tx, mut rx) = bounded(2, Overflow::DropOldest);
        for i in 1..=5 {
            tx.push(n(i));
        }
        assert_eq!(tx.dropped_total(), 3);
        tx.close();
        assert_eq!(drain(&mut rx).await, vec!["lag3", "4", "5"]);
    }

    #[tokio::test]
    async fn errors_are_never_dropped_and_lag_at_close_is_reported() {
        let (tx, mut rx) = bounded(1, Overflow::DropNewest);
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
        let (tx, mut rx) = bounded(2, Overflow::DropNewest);
        let report = || {
            Err(Error::new(
                crate::ErrorKind::Receive,
                crate::Reason::InvalidMessage,
            ))
        };
        assert_eq!(tx.push_bounded(report()), Pushed::Queued);
        assert_eq!(tx.push(n(1)), Pushed::Queued);
        assert_eq!(tx.push_bounded(report()), Pushed::Dropped);
        assert_eq!(tx.push(n(2)), Pushed::Dropped);
        tx.push_error(Error::closed());
        tx.close();
        assert_eq!(
            drain(&mut rx).await,
            vec!["err:InvalidMessage", "1", "lag2", "err:Closed"]
        );
    }

    #[tokio::test]
    async fn receiver_gone_is_reported() {
        let (tx, rx) = bounded(1, Overflow::DropNewest);
        drop(rx);
        assert_eq!(tx.push(n(1)), Pushed::Gone);
        assert!(!tx.receiver_alive());
    }
}
