//! A first program: credentials to a self-healing stream of three users' presence and
//! routing status, against the in-process simulator. Presence bodies are decoded into the
//! program's own struct; gaps (with their topic names) and lifecycle events, from the start
//! on, are printed; the program survives a dropped connection and the eviction of its
//! channel, waiting each time for the one "recovered" signal, and shows which service channel
//! it is on.
//!
//! ```text
//! cargo run -p genesys-notifications --example first_hour
//! ```
//!
//! Against Genesys Cloud, replace `Environment::local(&sim.base_url())` by your region
//! (`Environment::region(Region::EuWest1)`), use your OAuth client's credentials, and drop the
//! simulator and its faults. The test `tests/example_first_hour.rs` runs this program in CI.

use futures_util::{FutureExt, StreamExt};
use genesys_notifications::rest::{Credentials, Environment, connect_managed};
use genesys_notifications::{Channel, Event, Events, Notification, Recovery};
use genesys_sim::{Fault, SimConfig, Simulator};
use serde::Deserialize;
use serde_json::json;

const USERS: [&str; 3] = [
    "6f8e2b1c-3d4a-4e5f-9a0b-1c2d3e4f5a6b",
    "0c9b8a7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
    "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
];

/// The part of a `v2.users.{id}.presence` body this program needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Presence {
    presence_definition: PresenceDefinition,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PresenceDefinition {
    system_presence: String,
}

/// What the run saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// `(topic, systemPresence)` of every presence notification, in order.
    pub presences: Vec<(String, String)>,
    /// Routing-status notifications.
    pub routing: usize,
    /// Gaps reported in the stream.
    pub gaps: usize,
    /// How the stream recovered from each fault.
    pub recoveries: Vec<Recovery>,
    /// The channel id after each phase: at the start, after the drop, after the eviction.
    pub channels: Vec<String>,
    /// The events of the start (before `connect_managed` returned).
    pub start_events: Vec<Event>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seen = run().await?;
    println!(
        "done: {} presence and {} routing-status notifications, {} gap(s), recoveries {:?}",
        seen.presences.len(),
        seen.routing,
        seen.gaps,
        seen.recoveries
    );
    Ok(())
}

/// The whole program; returns what it saw.
pub async fn run() -> Result<Seen, Box<dyn std::error::Error>> {
    let sim = Simulator::start(SimConfig::default()).await?;

    // Credentials, environment, topics: a managed channel that creates, subscribes and
    // replaces itself. A combined topic `prefix?a&b` subscribes `prefix.a` and `prefix.b`.
    let env = Environment::local(&sim.base_url())?;
    let credentials = Credentials::client_credentials("demo-client", "demo-secret");
    let topics = USERS.map(|user| format!("v2.users.{user}?presence&routingStatus"));
    let mut channel = connect_managed(env, credentials, topics).await?;
    // Lifecycle events, beginning with those of the start (the first `Connected` and
    // `Subscribed` happened before `connect_managed` returned).
    let mut events = channel.events_from_start();
    let mut seen = Seen::default();
    while let Some(Some(event)) = events.next().now_or_never() {
        println!("start: {event:?}");
        seen.start_events.push(event);
    }
    // The service channel the stream is on now; it changes when the channel is replaced.
    // `Display` and `Debug` leave out the connect URI (the socket's credential).
    let current = channel.current_channel();
    println!("on {current}, expires {:?}", current.expires());
    seen.channels.push(channel_id(&channel)?);

    publish_round(&sim, "AVAILABLE");
    consume(&mut channel, &mut events, &mut seen, Wait::Notifications(6)).await?;

    println!("-- the connection drops");
    sim.fault(&channel_id(&channel)?, Fault::Drop)?;
    consume(&mut channel, &mut events, &mut seen, Wait::Recovered).await?;
    seen.channels.push(channel_id(&channel)?);
    publish_round(&sim, "BUSY");
    consume(&mut channel, &mut events, &mut seen, Wait::Notifications(6)).await?;

    println!("-- the channel is evicted (the service keeps 20 channels per client)");
    sim.fault(&channel_id(&channel)?, Fault::Evict)?;
    consume(&mut channel, &mut events, &mut seen, Wait::Recovered).await?;
    println!("now on {}", channel.current_channel());
    seen.channels.push(channel_id(&channel)?);
    publish_round(&sim, "AWAY");
    consume(&mut channel, &mut events, &mut seen, Wait::Notifications(6)).await?;

    channel.close().await;
    Ok(seen)
}

/// What [`consume`] waits for.
enum Wait {
    /// This many notifications.
    Notifications(usize),
    /// The channel recovered: subscribed again and delivering, whatever the fault was.
    Recovered,
}

/// Prints notifications, gaps and events until `wait` is met.
async fn consume(
    channel: &mut Channel,
    events: &mut Events,
    seen: &mut Seen,
    wait: Wait,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut notifications = 0;
    loop {
        if let Wait::Notifications(n) = wait
            && notifications == n
        {
            return Ok(());
        }
        tokio::select! {
            item = channel.next() => match item {
                Some(Ok(n)) => {
                    notifications += 1;
                    show(&n, seen)?;
                }
                // A gap is an item of the stream, placed where notifications may be missing:
                // back-fill this window from the REST API. (It is also an `Event::Gap`; take
                // it from one place only.)
                Some(Err(e)) if e.is_gap() => {
                    seen.gaps += 1;
                    if let Some(gap) = e.gap_window() {
                        // Topic names one by one (`v2.users.{id}.presence`, ...): back-fill these.
                        println!("gap: {:?} without a subscribed socket, topics {:?}", gap.duration(), gap.expanded_topics);
                    }
                }
                Some(Err(e)) if !e.is_fatal() => eprintln!("warning: {e}"),
                Some(Err(e)) => return Err(e.into()),
                None => return Err("the stream ended".into()),
            },
            Some(event) = events.next() => {
                if !matches!(event, Event::Gap(_)) {
                    println!("event: {event:?}");
                }
                // One signal for every kind of recovery: after a drop as after an eviction.
                if let Event::Recovered { kind } = event {
                    seen.recoveries.push(kind);
                    if matches!(wait, Wait::Recovered) {
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// Prints one notification; presence bodies are decoded into [`Presence`].
fn show(n: &Notification, seen: &mut Seen) -> Result<(), genesys_notifications::Error> {
    if n.topic().ends_with(".presence") {
        let presence: Presence = n.body()?;
        let status = presence.presence_definition.system_presence;
        println!("{} is {status}", n.topic());
        seen.presences.push((n.topic().to_owned(), status));
    } else {
        println!("{} {}", n.topic(), n.body_raw());
        seen.routing += 1;
    }
    Ok(())
}

/// The simulator's side: each user changes presence and routing status.
fn publish_round(sim: &Simulator, presence: &str) {
    for user in USERS {
        sim.publish(
            &format!("v2.users.{user}.presence"),
            json!({ "source": "PURECLOUD", "presenceDefinition": { "systemPresence": presence } }),
        );
        sim.publish(
            &format!("v2.users.{user}.routingStatus"),
            json!({ "routingStatus": { "status": "IDLE" } }),
        );
    }
}

/// The id of the channel the stream is on now (to inject faults into the simulator).
fn channel_id(channel: &Channel) -> Result<String, Box<dyn std::error::Error>> {
    channel
        .current_channel()
        .id()
        .map(str::to_owned)
        .ok_or_else(|| "no channel id".into())
}
