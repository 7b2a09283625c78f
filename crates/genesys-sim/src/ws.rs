//! The WebSocket at `/channels/{id}`: handshake checks and the per-socket task.
//!
//! Each open socket is owned by exactly one task. Publishers never touch the socket: they
//! push pre-serialised [`Frame`]s into the task's bounded queue with `try_send`, so a slow
//! client can only lose its own events (counted as `lost`), never slow the publisher down.
//! Control commands (close, stall, faults) arrive on a separate unbounded queue and are
//! never dropped. Heartbeats, pongs and subscribe results are written by the task itself.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::SinkExt;
use serde_json::Value;
use tokio::time::{Instant, Sleep, sleep_until, timeout};

use crate::frames::{self, Frame};
use crate::rest::ApiError;
use crate::shared::Shared;
use crate::state::{Attached, ConnectError, Control, Mode, Ordered, SubscribeError, Via, later};

/// A channel id for logs: its first 16 characters and `…` (the whole id lets anyone connect
/// to the channel).
fn short(id: &str) -> String {
    match id.char_indices().nth(16) {
        Some((end, _)) => format!("{}…", &id[..end]),
        None => id.to_owned(),
    }
}

/// Frames written per flush when the queue has a backlog.
const WRITE_BATCH: usize = 256;

/// How long a closing socket waits for the client's close frame.
const CLOSE_LINGER: Duration = Duration::from_secs(5);

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/channels/{id}", get(handshake))
}

async fn handshake(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(id): Path<String>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let checked = shared.lock().check_connect(&id, Instant::now());
    match checked {
        Err(ConnectError::NotFound) => {
            return ApiError::new(StatusCode::NOT_FOUND, "not.found", "channel not found")
                .into_response();
        }
        Err(ConnectError::Refused) => {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service.unavailable",
                "connections to this channel are refused (injected fault or outage)",
            )
            .into_response();
        }
        Ok(()) => {}
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    // Attach before answering 101: once the client sees the handshake succeed, events
    // published for the channel are queued for this socket (no window where they would be
    // lost), and the previous socket is already being kicked.
    let abort = shared.shutdown.child_token();
    let attached = shared.lock().attach(&id, Instant::now(), abort);
    let attached = match attached {
        Ok(attached) => attached,
        Err(_) => {
            return ApiError::new(StatusCode::NOT_FOUND, "not.found", "channel not found")
                .into_response();
        }
    };
    let conn_id = attached.conn_id;
    let on_failure = {
        let shared = Arc::clone(&shared);
        let id = id.clone();
        move |e: axum::Error| {
            tracing::debug!(channel = %short(&id), "upgrade failed: {e}");
            shared.lock().detach(&id, conn_id, Instant::now());
        }
    };
    upgrade
        .on_failed_upgrade(on_failure)
        .on_upgrade(move |socket| run(shared, id, socket, attached))
}

/// Why the socket loop ended.
enum End {
    /// Send a close frame with this code and reason.
    Close(u16, &'static str),
    /// Just drop the connection (client gone, write failed, or [`Control::Drop`]).
    Drop,
}

struct Conn {
    shared: Arc<Shared>,
    id: String,
    socket: WebSocket,
    attached: Attached,
    stalled_until: Option<Instant>,
    closing_at: Option<Instant>,
    /// Fires at the next heartbeat; reset (not recreated) each time, so the hot loop does
    /// not re-register a timer per batch.
    heartbeat: Pin<Box<Sleep>>,
    /// Frames taken from the data queue so far.
    taken: u64,
    /// Caps the next batch (used to write exactly the frames queued before a control).
    write_limit: Option<u64>,
}

async fn run(shared: Arc<Shared>, id: String, socket: WebSocket, attached: Attached) {
    let now = Instant::now();
    tracing::debug!(channel = %short(&id), conn = attached.conn_id, "socket open");
    let mut conn = Conn {
        heartbeat: Box::pin(sleep_until(later(now, shared.config.heartbeat_interval))),
        shared,
        id,
        socket,
        attached,
        stalled_until: None,
        closing_at: None,
        taken: 0,
        write_limit: None,
    };
    let end = conn.run().await;
    let Conn {
        shared,
        id,
        mut socket,
        mut attached,
        ..
    } = conn;
    shared.lock().detach(&id, attached.conn_id, Instant::now());
    // Whatever is still queued will never be written.
    attached.data.close();
    let mut unsent = 0;
    while attached.data.try_recv().is_ok() {
        unsent += 1;
    }
    attached.counters.lost.fetch_add(unsent, Ordering::Relaxed);
    if let End::Close(code, reason) = end {
        // Send the close frame, then wait briefly for the client's, so that unread client
        // data does not turn our close into a TCP reset. Bounded: a client that reads
        // nothing cannot keep the task alive.
        let _ = timeout(CLOSE_LINGER, async {
            if socket.send(close_message(code, reason)).await.is_ok() {
                while let Some(Ok(msg)) = socket.recv().await {
                    if matches!(msg, Message::Close(_)) {
                        break;
                    }
                }
            }
        })
        .await;
    }
    tracing::debug!(channel = %short(&id), conn = attached.conn_id, "socket closed");
}

fn close_message(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

impl Conn {
    /// Writes one message; gives up at once when the connection is aborted
    /// ([`Fault::Drop`](crate::Fault::Drop) or shutdown), even if the client reads nothing.
    async fn send(&mut self, message: Message) -> Result<(), End> {
        let abort = &self.attached.abort;
        let write_timeout = self.shared.config.write_timeout;
        tokio::select! {
            biased;
            () = abort.cancelled() => Err(End::Drop),
            sent = timeout(write_timeout, self.socket.send(message)) => match sent {
                Ok(Ok(())) => Ok(()),
                Ok(Err(_)) => Err(End::Drop),
                Err(_) => {
                    tracing::debug!(channel = %short(&self.id), "write timed out; dropping the socket");
                    Err(End::Drop)
                }
            },
        }
    }

    async fn send_frame(&mut self, frame: Frame) -> Result<(), End> {
        self.send(Message::Text(frame.0)).await
    }

    async fn run(&mut self) -> End {
        let mut data_open = true;
        let mut control_open = true;
        let interval = self.shared.config.heartbeat_interval;
        loop {
            let now = Instant::now();
            if self.stalled_until.is_some_and(|t| now >= t) {
                self.stalled_until = None;
            }
            let stalled = self.stalled_until.is_some();
            let stall_end = self.stalled_until.unwrap_or(now);
            let closing_at = self.closing_at.unwrap_or(now);
            let step = tokio::select! {
                biased;
                // `abort` is a child of the shutdown token: it fires on shutdown (close
                // politely) and on `Fault::Drop` or an outage (just drop).
                () = self.attached.abort.cancelled() => {
                    if self.shared.shutdown.is_cancelled() {
                        Err(End::Close(self.shared.config.protocol.close_codes.shutdown, "simulator shutting down"))
                    } else {
                        Err(End::Drop)
                    }
                }
                control = self.attached.control.recv(), if control_open => match control {
                    Some(Ordered { after, control }) => {
                        match self.write_queued_before(after).await {
                            Ok(()) => self.on_control(control).await,
                            Err(end) => Err(end),
                        }
                    }
                    None => {
                        control_open = false;
                        Ok(())
                    }
                },
                () = sleep_until(closing_at), if self.closing_at.is_some() => {
                    Err(End::Close(self.shared.config.protocol.close_codes.maintenance, "socket closing for maintenance"))
                }
                () = sleep_until(stall_end), if stalled => {
                    self.stalled_until = None;
                    Ok(())
                }
                () = self.heartbeat.as_mut() => {
                    let next = later(self.heartbeat.deadline(), interval);
                    self.heartbeat.as_mut().reset(next);
                    if stalled {
                        Ok(())
                    } else {
                        let p = &self.shared.config.protocol;
                        let frame = frames::channel_metadata(
                            frames::HEARTBEAT,
                            p.metadata_full_envelope,
                            &self.shared.correlation_id(),
                        );
                        self.send_frame(frame).await
                    }
                }
                frame = self.attached.data.recv(), if data_open && !stalled => match frame {
                    Some(frame) => self.write_batch(frame).await,
                    None => {
                        data_open = false;
                        Ok(())
                    }
                },
                message = self.socket.recv() => match message {
                    Some(Ok(Message::Text(text))) => self.on_text(text.as_str(), stalled).await,
                    Some(Ok(_)) => Ok(()),
                    // Client closed (the close reply is flushed by the next read) or vanished.
                    Some(Err(_)) | None => Err(End::Drop),
                },
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// Writes `first` and whatever else is queued (up to a batch), then flushes once.
    /// Frames of a batch that could not be written count as lost.
    async fn write_batch(&mut self, first: Frame) -> Result<(), End> {
        let abort = &self.attached.abort;
        let socket = &mut self.socket;
        let data = &mut self.attached.data;
        let mut taken = 1u64;
        let limit = self.write_limit.take().unwrap_or(WRITE_BATCH as u64);
        let write = async {
            socket.feed(Message::Text(first.0)).await?;
            while taken < limit {
                let Ok(frame) = data.try_recv() else {
                    break;
                };
                taken += 1;
                socket.feed(Message::Text(frame.0)).await?;
            }
            socket.flush().await
        };
        let written = tokio::select! {
            biased;
            () = abort.cancelled() => false,
            written = timeout(self.shared.config.write_timeout, write) => {
                matches!(written, Ok(Ok(())))
            }
        };
        self.taken += taken;
        let counters = &self.attached.counters;
        if written {
            counters.delivered.fetch_add(taken, Ordering::Relaxed);
            Ok(())
        } else {
            counters.lost.fetch_add(taken, Ordering::Relaxed);
            Err(End::Drop)
        }
    }

    /// Writes the frames that were queued before a control command (`after` in total).
    /// [`Control::Drop`] never waits for this: its abort token fires first.
    async fn write_queued_before(&mut self, after: u64) -> Result<(), End> {
        while self.taken < after {
            let Ok(frame) = self.attached.data.try_recv() else {
                // Not in the queue (the socket is being replaced): nothing to wait for.
                return Ok(());
            };
            self.write_limit = Some(after - self.taken);
            self.write_batch(frame).await?;
        }
        Ok(())
    }

    async fn on_control(&mut self, control: Control) -> Result<(), End> {
        match control {
            Control::Close {
                frames,
                code,
                reason,
            } => {
                for frame in frames {
                    self.send_frame(frame).await?;
                }
                Err(End::Close(code, reason))
            }
            Control::Drop => Err(End::Drop),
            Control::Stall(until) => {
                self.stalled_until = Some(until);
                Ok(())
            }
            Control::SocketClosing(frame) => {
                self.closing_at = Some(later(
                    Instant::now(),
                    self.shared.config.socket_closing_grace,
                ));
                self.send_frame(frame).await
            }
            Control::Text(frame) => self.send_frame(frame).await,
            Control::Binary(bytes) => self.send(Message::Binary(bytes.into())).await,
        }
    }

    async fn on_text(&mut self, text: &str, stalled: bool) -> Result<(), End> {
        let parsed: Option<Value> = serde_json::from_str(text).ok();
        let kind = parsed
            .as_ref()
            .and_then(|v| v.get("message"))
            .and_then(Value::as_str);
        let config = Arc::clone(&self.shared.config);
        let reply = match kind {
            Some("ping") => Some(frames::channel_metadata(
                &config.protocol.pong_message,
                config.protocol.metadata_full_envelope,
                &self.shared.correlation_id(),
            )),
            Some("subscribe") if config.ws_subscribe => {
                Some(self.on_subscribe(parsed.as_ref(), &config, Mode::Add))
            }
            Some("unsubscribe") if config.ws_subscribe && config.protocol.ws_unsubscribe => {
                Some(self.on_subscribe(parsed.as_ref(), &config, Mode::Remove))
            }
            _ if config.protocol.reply_to_invalid_frames => Some(frames::result_failure(
                "error",
                "unrecognised message",
                None,
            )),
            _ => None,
        };
        match reply {
            Some(frame) if !stalled => self.send_frame(frame).await,
            _ => Ok(()),
        }
    }

    /// The socket `subscribe` (add) or `unsubscribe` (remove) message.
    fn on_subscribe(
        &mut self,
        message: Option<&Value>,
        config: &crate::SimConfig,
        mode: Mode,
    ) -> Frame {
        let message = message.and_then(Value::as_object);
        let correlation = message
            .and_then(|m| m.get("correlationId"))
            .and_then(Value::as_str)
            .filter(|_| config.protocol.echo_correlation_id);
        let topics: Option<Vec<String>> = message
            .and_then(|m| m.get("topics"))
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter()
                    .map(|t| t.as_str().map(str::to_owned))
                    .collect::<Option<Vec<String>>>()
            });
        let Some(topics) = topics else {
            return frames::result_failure(
                "error",
                "\"topics\" must be an array of topic names",
                correlation,
            );
        };
        let result =
            self.shared
                .lock()
                .subscribe(&self.id, &topics, mode, false, Via::Ws, Instant::now());
        match result {
            Ok(_) => {
                self.shared.deadlines_changed();
                let status = if mode == Mode::Remove {
                    "unsubscribed"
                } else {
                    "subscribed"
                };
                frames::result_ok(status, correlation)
            }
            Err(SubscribeError::NotFound) => frames::result_not_found("channel not found"),
            Err(e) => frames::result_failure("failure", &e.message(), correlation),
        }
    }
}
