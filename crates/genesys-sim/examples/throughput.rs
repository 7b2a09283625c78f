//! Measures how fast the simulator fans pre-serialised frames out to WebSocket clients.
//!
//! `cargo run --release -p genesys-sim --example throughput -- [SOCKETS] [FRAMES]`
//!
//! The publisher uses the fast path (`publish_raw_batch`) and yields between batches;
//! frames that find a full per-socket queue are counted as lost, not retried.

use std::time::Instant;

use futures_util::StreamExt;
use genesys_sim::{SimConfig, Simulator};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let sockets: usize = args.next().map_or(Ok(4), |a| a.parse())?;
    let frames: usize = args.next().map_or(Ok(200_000), |a| a.parse())?;
    let topic = "v2.users.u1.presence";

    let sim = Simulator::start(SimConfig {
        socket_queue_capacity: 16_384,
        ..SimConfig::default()
    })
    .await?;
    let mut readers = Vec::new();
    for _ in 0..sockets {
        let channel = sim.create_channel("demo-client");
        let tcp = tokio::net::TcpStream::connect(sim.addr()).await?;
        tcp.set_nodelay(true)?;
        let (mut ws, _) =
            tokio_tungstenite::client_async(channel.connect_uri.as_str(), tcp).await?;
        futures_util::SinkExt::send(
            &mut ws,
            Message::text(format!(r#"{{"message":"subscribe","topics":["{topic}"]}}"#)),
        )
        .await?;
        ws.next().await.ok_or("closed")??; // subscribe result
        readers.push(ws);
    }

    let frame = sim.envelope(topic, &serde_json::json!({
        "source": "PURECLOUD",
        "presenceDefinition": {"id": "6a3af858-942f-489d-9700-5f9bcdcdae9b", "systemPresence": "AVAILABLE"},
        "primary": true,
        "modifiedDate": "2026-11-28T07:00:00.000Z"
    }));
    let start = Instant::now();
    let mut counters = Vec::new();
    for mut ws in readers {
        counters.push(tokio::spawn(async move {
            let mut n = 0usize;
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Text(text) = message {
                    if text.as_str().contains("\"version\"") {
                        n += 1;
                    }
                    if text.as_str() == "end" {
                        break;
                    }
                }
            }
            n
        }));
    }
    let mut queued = 0;
    let mut sent = 0;
    while sent < frames {
        let batch = 256.min(frames - sent);
        queued += sim.publish_raw_batch(topic, std::iter::repeat_n(&frame, batch));
        sent += batch;
        tokio::task::yield_now().await;
    }
    let published = start.elapsed();
    for channel in sim.stats().channels {
        sim.fault(&channel.id, genesys_sim::Fault::RawText("end".to_owned()))?;
    }
    let mut received = 0;
    for counter in counters {
        received += counter.await?;
    }
    let elapsed = start.elapsed();
    let lost: u64 = sim.stats().channels.iter().map(|c| c.lost).sum();
    println!(
        "{sockets} sockets x {frames} frames of {} bytes: published in {:.3}s ({:.0} frames/s queued), \
         {received} received in {:.3}s ({:.0} frames/s), {lost} lost, {queued} queued",
        frame.len(),
        published.as_secs_f64(),
        queued as f64 / published.as_secs_f64(),
        elapsed.as_secs_f64(),
        received as f64 / elapsed.as_secs_f64(),
    );
    Ok(())
}
