//! Wiring: the router, the listener and the background tasks (expiry sweeper, event
//! generator) around the [`Shared`] state.

use std::future::pending;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

use crate::config::SimConfig;
use crate::shared::Shared;
use crate::state::{Clock, State, format_uuid};
use crate::{SimError, control, generator, rest, tls, ws};

/// What [`start`] hands to the [`Simulator`](crate::Simulator).
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) shared: Arc<Shared>,
    pub(crate) addr: SocketAddr,
    pub(crate) tasks: Vec<JoinHandle<()>>,
}

/// Binds, builds the router and spawns the server and background tasks on the current
/// runtime.
pub(crate) async fn start(config: SimConfig) -> Result<Started, SimError> {
    if config.heartbeat_interval.is_zero() {
        return Err(SimError::Config(
            "heartbeat_interval must be longer than zero".to_owned(),
        ));
    }
    if config.rate_limit.is_some_and(|r| r.per.is_zero()) {
        return Err(SimError::Config(
            "rate_limit.per must be longer than zero".to_owned(),
        ));
    }
    let tls = config.tls.as_ref().map(tls::server_config).transpose()?;
    let listener = TcpListener::bind((config.host, config.port))
        .await
        .map_err(SimError::Bind)?;
    let addr = listener.local_addr().map_err(SimError::Bind)?;
    let (http, ws) = if tls.is_some() {
        ("https", "wss")
    } else {
        ("http", "ws")
    };
    let authority = match &config.public_host {
        Some(host) => format!("{host}:{}", addr.port()),
        None => addr.to_string(),
    };
    let config = Arc::new(config);
    let state = State::new(
        Arc::clone(&config),
        Clock::new(),
        format!("{ws}://{authority}"),
    );
    let shared = Arc::new(Shared::new(
        Arc::clone(&config),
        state,
        format!("{http}://{authority}"),
    ));

    let app = router(Arc::clone(&shared));
    let stop = shared.shutdown.clone().cancelled_owned();
    let server = match tls {
        Some(tls) => {
            let listener = tls::TlsListener::new(listener, tls, shared.shutdown.clone());
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(stop)
                    .await
                {
                    tracing::error!("server error: {e}");
                }
            })
        }
        None => tokio::spawn(async move {
            // No Nagle: notifications are small and latency matters (and, under paused
            // test time, a frame held back by Nagle would let the clock jump ahead).
            let listener = listener.tap_io(|tcp| {
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!("cannot set TCP_NODELAY: {e}");
                }
            });
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!("server error: {e}");
            }
        }),
    };
    let mut tasks = vec![server, tokio::spawn(sweeper(Arc::clone(&shared)))];
    if let Some(generator) = config.generator.clone() {
        tasks.push(tokio::spawn(generator::run(Arc::clone(&shared), generator)));
    }
    tracing::info!(%addr, "simulator listening");
    Ok(Started {
        shared,
        addr,
        tasks,
    })
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(rest::routes())
        .merge(ws::routes())
        .merge(control::routes())
        .method_not_allowed_fallback(rest::method_not_allowed)
        .fallback(rest::not_found)
        .layer(axum::middleware::map_response(add_correlation_header))
        .with_state(shared)
}

/// Every response carries `ININ-Correlation-Id`, as the service's do.
async fn add_correlation_header(mut response: Response) -> Response {
    static NAME: HeaderName = HeaderName::from_static("inin-correlation-id");
    if !response.headers().contains_key(&NAME) {
        let id = format_uuid(fastrand::u64(..), fastrand::u64(..));
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(NAME.clone(), value);
        }
    }
    response
}

/// Removes channels exactly at their deadlines. (Sockets close themselves on shutdown.)
async fn sweeper(shared: Arc<Shared>) {
    loop {
        let next = shared.lock().next_deadline();
        let due = async {
            match next {
                Some(at) => sleep_until(at).await,
                None => pending::<()>().await,
            }
        };
        tokio::select! {
            () = shared.shutdown.cancelled() => break,
            () = shared.deadlines_moved() => {}
            () = due => shared.lock().sweep(Instant::now()),
        }
    }
}
