//! Credentials to stream: a managed channel against the in-process simulator.
//!
//! ```text
//! cargo run -p genesys-notifications --example managed
//! ```
//!
//! Against Genesys Cloud, replace the simulator's base URL by a region
//! (`Region::EuWest1`) and use your OAuth client's credentials.

use futures_util::StreamExt;
use genesys_notifications::rest::{Credentials, Environment, connect_managed};
use genesys_sim::{SimConfig, Simulator};
use serde_json::json;

const TOPIC: &str = "v2.users.8f6c1b3e-1111-2222-3333-444455556666.presence";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start(SimConfig::default()).await?;

    // The dozen lines: credentials, environment, topics -> a self-healing stream.
    let env = Environment::local(&sim.base_url())?;
    let credentials = Credentials::client_credentials("demo-client", "demo-secret");
    let mut channel = connect_managed(env, credentials, [TOPIC]).await?;

    for status in ["AVAILABLE", "BUSY", "AWAY"] {
        let body = json!({ "presenceDefinition": { "systemPresence": status } });
        sim.publish(TOPIC, body);
    }
    for _ in 0..3 {
        match channel.next().await {
            Some(Ok(notification)) => {
                println!("{} {}", notification.topic(), notification.body_raw())
            }
            Some(Err(error)) if !error.is_fatal() => eprintln!("warning: {error}"),
            Some(Err(error)) => return Err(error.into()),
            None => break,
        }
    }
    channel.close().await;
    Ok(())
}
