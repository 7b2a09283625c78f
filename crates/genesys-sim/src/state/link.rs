//! The publisher's side of an open socket: the bounded frame queue, the unbounded control
//! queue and the commands sent on it. The socket task in [`crate::ws`] owns the other ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::stats::Counters;
use crate::frames::Frame;

/// Commands to a socket task. Sent on an unbounded queue: they are rare and must never be
/// dropped, unlike notification frames.
#[derive(Debug)]
pub(crate) enum Control {
    /// Send `frames`, then a close frame, then end.
    Close {
        frames: Vec<Frame>,
        code: u16,
        reason: &'static str,
    },
    /// End without a close frame.
    Drop,
    /// Send nothing until then.
    Stall(Instant),
    /// Send `socket_closing` now, close after the grace period.
    SocketClosing(Frame),
    /// Send a text frame now.
    Text(Frame),
    /// Send a binary frame now.
    Binary(Vec<u8>),
}

/// A control command stamped with the number of frames queued before it, so the socket
/// task writes those first: a fault injected after a publish arrives after its event.
#[derive(Debug)]
pub(crate) struct Ordered {
    pub(crate) after: u64,
    pub(crate) control: Control,
}

/// The publisher's side of an open socket.
#[derive(Debug)]
pub(super) struct SocketLink {
    pub(super) conn_id: u64,
    /// Cancelled by [`Fault::Drop`](crate::Fault::Drop): abandons even a write blocked on a
    /// client that does not read.
    pub(super) abort: CancellationToken,
    pub(super) data: mpsc::Sender<Frame>,
    control: mpsc::UnboundedSender<Ordered>,
    pub(super) stalled_until: Option<Instant>,
    /// Frames queued on `data` so far; stamped on every control command. Shared with
    /// back-pressured publishers ([`Subscriber`]), which queue without the state's lock.
    pub(super) queued: Arc<AtomicU64>,
}

/// What a new socket task needs.
#[derive(Debug)]
pub(crate) struct Attached {
    pub(crate) conn_id: u64,
    pub(crate) data: mpsc::Receiver<Frame>,
    pub(crate) control: mpsc::UnboundedReceiver<Ordered>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) abort: CancellationToken,
}

impl SocketLink {
    /// A link with a frame queue of `capacity` and the task's ends of both queues.
    pub(super) fn open(
        conn_id: u64,
        capacity: usize,
        abort: CancellationToken,
        counters: Arc<Counters>,
    ) -> (SocketLink, Attached) {
        let (data_tx, data_rx) = mpsc::channel(capacity);
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let link = SocketLink {
            conn_id,
            abort: abort.clone(),
            data: data_tx,
            control: control_tx,
            stalled_until: None,
            queued: Arc::new(AtomicU64::new(0)),
        };
        let attached = Attached {
            conn_id,
            data: data_rx,
            control: control_rx,
            counters,
            abort,
        };
        (link, attached)
    }

    /// Whether frames may be queued at `now` (not stalled).
    pub(super) fn live(&self, now: Instant) -> bool {
        self.stalled_until.is_none_or(|t| now >= t)
    }

    /// Queues `frame` without waiting; `false` when the queue is full or the task gone.
    pub(super) fn try_queue(&self, frame: &Frame) -> bool {
        let ok = self.data.try_send(frame.clone()).is_ok();
        self.queued.fetch_add(u64::from(ok), Ordering::Relaxed);
        ok
    }

    pub(super) fn send(&self, control: Control) {
        // The task may already be gone; then there is nothing left to tell it.
        let _ = self.control.send(Ordered {
            after: self.queued.load(Ordering::Relaxed),
            control,
        });
    }

    pub(super) fn close(&self, frames: Vec<Frame>, code: u16, reason: &'static str) {
        self.send(Control::Close {
            frames,
            code,
            reason,
        });
    }
}

/// One subscribed channel as seen by a back-pressured publish, taken under the lock and
/// used without it.
#[derive(Debug)]
pub(crate) struct Subscriber {
    pub(super) counters: Arc<Counters>,
    /// The socket's frame queue and its `queued` count; `None` once unusable.
    pub(super) queue: Option<(mpsc::Sender<Frame>, Arc<AtomicU64>)>,
}

impl Subscriber {
    /// Queues `frame`, waiting for room; returns whether it was queued. A frame that finds
    /// no usable socket (none, stalled when the publish began, or closed since) counts as
    /// lost.
    pub(crate) async fn send(&mut self, frame: &Frame) -> bool {
        if let Some((data, queued)) = &self.queue {
            if data.send(frame.clone()).await.is_ok() {
                // After the send: a control stamped from now on is written after this frame.
                queued.fetch_add(1, Ordering::Relaxed);
                return true;
            }
            // The socket task is gone; later frames fail at once.
            self.queue = None;
        }
        self.counters.lost.fetch_add(1, Ordering::Relaxed);
        false
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use super::*;

    #[test]
    fn controls_are_stamped_with_the_frames_queued_before_them() {
        let (link, mut attached) = SocketLink::open(7, 2, CancellationToken::new(), Arc::default());
        assert_eq!(attached.conn_id, 7);
        link.send(Control::Drop);
        assert!(link.try_queue(&Frame::text("a")));
        assert!(link.try_queue(&Frame::text("b")));
        assert!(!link.try_queue(&Frame::text("c")), "the queue holds two");
        link.close(Vec::new(), 1000, "bye");
        let first = attached.control.try_recv().unwrap();
        assert_eq!(first.after, 0);
        assert!(matches!(first.control, Control::Drop));
        let second = attached.control.try_recv().unwrap();
        assert_eq!(second.after, 2);
        assert!(matches!(second.control, Control::Close { code: 1000, .. }));
        assert_eq!(attached.data.try_recv().unwrap(), Frame::text("a"));
    }

    #[test]
    fn a_stalled_link_is_not_live_until_the_stall_ends() {
        let (mut link, _attached) =
            SocketLink::open(1, 1, CancellationToken::new(), Arc::default());
        let t = Instant::now();
        assert!(link.live(t));
        link.stalled_until = Some(t + Duration::from_secs(5));
        assert!(!link.live(t + Duration::from_secs(4)));
        assert!(link.live(t + Duration::from_secs(5)));
    }

    #[tokio::test]
    async fn a_subscriber_counts_a_frame_lost_once_the_socket_is_gone() {
        let counters = Arc::new(Counters::default());
        let (link, attached) =
            SocketLink::open(1, 1, CancellationToken::new(), Arc::clone(&counters));
        let mut sub = Subscriber {
            counters: Arc::clone(&counters),
            queue: Some((link.data.clone(), Arc::clone(&link.queued))),
        };
        assert!(sub.send(&Frame::text("a")).await);
        assert_eq!(link.queued.load(Ordering::Relaxed), 1);
        drop(attached);
        assert!(!sub.send(&Frame::text("b")).await);
        assert!(sub.queue.is_none());
        assert_eq!(counters.lost.load(Ordering::Relaxed), 1);
    }
}
