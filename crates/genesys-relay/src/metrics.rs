//! Counters of a relay, as Prometheus text on `/metrics`, and `/healthz`.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::error::RelayError;

/// The relay's counters and gauges. Shared by the relay, the NATS event callback and the
/// metrics endpoint; every field is updated without locks.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Metrics {
    /// Notifications taken from the channel.
    pub received: AtomicU64,
    /// Publications sent (first attempts and re-publications).
    pub published: AtomicU64,
    /// Re-publications after a failure or timeout.
    pub retried: AtomicU64,
    /// Notifications acknowledged by JetStream (duplicates included).
    pub acked: AtomicU64,
    /// Acknowledgements that JetStream marked duplicate (another relay, or a retry, wrote it
    /// first).
    pub duplicates: AtomicU64,
    /// Gap records written (all reasons).
    pub gaps: AtomicU64,
    /// Notifications the channel dropped (reported in `lagged` gap records).
    pub lagged: AtomicU64,
    /// Channel reconnects.
    pub channel_reconnects: AtomicU64,
    /// NATS reconnects.
    pub nats_reconnects: AtomicU64,
    /// Publications awaiting acknowledgement.
    pub in_flight: AtomicU64,
    /// Bytes of those publications (payloads).
    pub buffer_bytes: AtomicU64,
    /// Whether the NATS connection is up.
    pub nats_connected: AtomicBool,
    /// Whether the relay is running (false before the start record and after the stop).
    pub running: AtomicBool,
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        let counters = [
            (
                "received",
                "Notifications taken from the channel.",
                &self.received,
            ),
            (
                "published",
                "Publications sent, re-publications included.",
                &self.published,
            ),
            (
                "retried",
                "Re-publications after a failure or timeout.",
                &self.retried,
            ),
            (
                "acked",
                "Notifications acknowledged by JetStream.",
                &self.acked,
            ),
            (
                "duplicates",
                "Acknowledgements marked duplicate by JetStream.",
                &self.duplicates,
            ),
            ("gaps", "Gap records written.", &self.gaps),
            (
                "lagged",
                "Notifications dropped by the channel's buffer.",
                &self.lagged,
            ),
            (
                "channel_reconnects",
                "Channel reconnects.",
                &self.channel_reconnects,
            ),
            ("nats_reconnects", "NATS reconnects.", &self.nats_reconnects),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP genesys_relay_{name}_total {help}\n# TYPE genesys_relay_{name}_total counter\ngenesys_relay_{name}_total {}",
                value.load(Ordering::Relaxed)
            );
        }
        let gauges = [
            (
                "in_flight",
                "Publications awaiting acknowledgement.",
                self.in_flight.load(Ordering::Relaxed),
            ),
            (
                "buffer_bytes",
                "Bytes of the publications awaiting acknowledgement.",
                self.buffer_bytes.load(Ordering::Relaxed),
            ),
            (
                "nats_connected",
                "1 when the NATS connection is up.",
                u64::from(self.nats_connected.load(Ordering::Relaxed)),
            ),
            (
                "running",
                "1 while the relay runs.",
                u64::from(self.running.load(Ordering::Relaxed)),
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP genesys_relay_{name} {help}\n# TYPE genesys_relay_{name} gauge\ngenesys_relay_{name} {value}"
            );
        }
        out
    }

    /// Healthy: running and connected to NATS.
    pub fn healthy(&self) -> bool {
        self.running.load(Ordering::Relaxed) && self.nats_connected.load(Ordering::Relaxed)
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// Serves `GET /metrics` (Prometheus text) and `GET /healthz` (200 `ok` when running and
/// connected to NATS, else 503) on `addr` until the returned task is aborted. Returns the
/// bound address (use port 0 for any free port).
///
/// # Errors
///
/// [`RelayError::Metrics`] when the address cannot be bound.
pub async fn serve(
    addr: &str,
    metrics: Arc<Metrics>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), RelayError> {
    use axum::http::StatusCode;
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| RelayError::Metrics {
            addr: addr.to_owned(),
            source,
        })?;
    let bound = listener
        .local_addr()
        .map_err(|source| RelayError::Metrics {
            addr: addr.to_owned(),
            source,
        })?;
    let for_metrics = Arc::clone(&metrics);
    let app = axum::Router::new()
        .route(
            "/metrics",
            get(move || {
                let metrics = Arc::clone(&for_metrics);
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8",
                        )],
                        metrics.render(),
                    )
                }
            }),
        )
        .route(
            "/healthz",
            get(move || {
                let metrics = Arc::clone(&metrics);
                async move {
                    if metrics.healthy() {
                        (StatusCode::OK, "ok\n")
                    } else {
                        (StatusCode::SERVICE_UNAVAILABLE, "unhealthy\n")
                    }
                }
            }),
        );
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(
                event = "metrics_failed",
                "the metrics endpoint failed: {error}"
            );
        }
    });
    Ok((bound, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lists_every_metric() {
        let metrics = Metrics::default();
        Metrics::add(&metrics.acked, 3);
        let text = metrics.render();
        assert!(text.contains("\ngenesys_relay_acked_total 3\n"), "{text}");
        assert!(text.contains("# TYPE genesys_relay_buffer_bytes gauge"));
        assert!(text.contains("genesys_relay_nats_connected 0"));
        assert!(!metrics.healthy());
    }
}
