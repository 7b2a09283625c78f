//! `genesys-notify sim`: the simulator standalone, exactly as the `genesys-sim` binary runs
//! it (same options, same output: `listening on http://HOST:PORT` as the first stdout line,
//! until SIGINT or SIGTERM).

use genesys_sim::cli::SimArgs;

use crate::signal::Shutdown;

/// Runs `sim`.
pub(crate) async fn run(args: SimArgs) -> anyhow::Result<()> {
    let mut shutdown = Shutdown::install()?;
    genesys_sim::cli::run_until(args, async move {
        let signal = shutdown.recv().await;
        tracing::info!(event = "shutdown", signal, "{signal}: shutting down");
    })
    .await
}
