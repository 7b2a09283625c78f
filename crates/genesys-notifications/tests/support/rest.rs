//! REST helpers: the simulator's demo OAuth client, and REST clients for it that retry
//! without jitter (exact timings under paused time).

use genesys_notifications::ReconnectPolicy;
use genesys_notifications::rest::{Credentials, Environment, RestClient};
use genesys_sim::Simulator;

/// The OAuth client the simulator knows by default.
pub const CLIENT: &str = "demo-client";
pub const SECRET: &str = "demo-secret";

pub fn client_credentials() -> Credentials {
    Credentials::client_credentials(CLIENT, SECRET)
}

/// A REST client of the simulator with `credentials`: at most 4 attempts, no jitter.
pub fn rest_client_with(sim: &Simulator, credentials: Credentials) -> RestClient {
    RestClient::builder(Environment::local(&sim.base_url()).unwrap(), credentials)
        .retry_policy(
            ReconnectPolicy::default()
                .jitter(false)
                .max_attempts(Some(4)),
        )
        .build()
        .unwrap()
}

/// [`rest_client_with`] the demo client's credentials.
pub fn rest_client(sim: &Simulator) -> RestClient {
    rest_client_with(sim, client_credentials())
}
