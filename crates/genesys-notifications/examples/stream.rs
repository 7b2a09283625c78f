//! Streams notifications from the in-process simulator: no Genesys organisation needed.
//!
//! ```text
//! cargo run -p genesys-notifications --example stream
//! ```
//!
//! It starts the simulator on 127.0.0.1, creates a channel, connects with the library,
//! publishes a few events, and shows a maintenance close being survived without loss.

use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::{ConnectOptions, Event};
use genesys_sim::{Fault, SimConfig, Simulator};
use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start(SimConfig {
        socket_closing_grace: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await?;
    let info = sim.create_channel("demo-client");
    println!("channel {} at {}", info.id, info.connect_uri);

    let mut channel = ConnectOptions::new()
        .connect(&info.connect_uri, ["v2.users.42?presence&routingStatus"])
        .await?;
    let mut events = channel.events();
    println!("subscribed; ping {:?}", channel.ping().await?);

    let publisher = tokio::spawn(async move {
        for i in 0..6u32 {
            let topic = if i % 2 == 0 {
                "v2.users.42.presence"
            } else {
                "v2.users.42.routingStatus"
            };
            sim.publish(topic, json!({ "i": i }));
            if i == 2 {
                // Maintenance: the library reconnects before the service closes the socket.
                sim.fault(&info.id, Fault::SocketClosing)?;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Ok::<_, genesys_sim::SimError>(sim)
    });

    let mut received = 0;
    while received < 6 {
        match channel.next().await {
            Some(Ok(n)) => {
                received += 1;
                println!("{:<28} {}", n.topic(), n.body_raw());
            }
            Some(Err(e)) if !e.is_fatal() => println!("warning: {e}"),
            Some(Err(e)) => return Err(e.into()),
            None => break,
        }
    }
    while let Ok(Some(event)) = tokio::time::timeout(Duration::ZERO, events.next()).await {
        if !matches!(event, Event::Heartbeat) {
            println!("event: {event:?}");
        }
    }
    channel.close().await;
    let sim = publisher.await??;
    sim.shutdown().await;
    Ok(())
}
