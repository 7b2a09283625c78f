//! The "Recovery events" table of the crate documentation, one test per row: each fault is
//! injected in the simulator (real sockets, paused time), the events from the fault to
//! `Recovered` must be exactly the row's sequence, `Recovered` must come once, and the
//! channel must deliver right after it. The expected sequences are read from the table in
//! `src/lib.rs` itself, so the documentation cannot drift from the behaviour.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::{Channel, ConnectOptions, Event, Events, Reason, Recovery, connect};
use genesys_sim::Fault;
use serde_json::json;
use support::*;

/// The crate documentation, where the table is.
const LIB: &str = include_str!("../src/lib.rs");

/// The event sequence of the table's row `name` (first cell), as written there.
fn table_row(name: &str) -> Vec<String> {
    let prefix = format!("| {name} |");
    let line = LIB
        .lines()
        .map(|l| l.trim_start_matches("//!").trim())
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no row {name:?} in the recovery events table"));
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    let sequence = cells
        .iter()
        .find(|c| c.contains(" → "))
        .unwrap_or_else(|| panic!("row {name:?} has no sequence: {line}"));
    sequence
        .trim_matches('`')
        .split(" → ")
        .map(str::to_owned)
        .collect()
}

/// An event as the table names it: the variant, with the reason of a disconnection and the
/// kind of a recovery.
fn name(event: &Event) -> String {
    match event {
        Event::Disconnected { reason } => format!("Disconnected({reason:?})"),
        Event::Recovered { kind } => format!("Recovered({kind:?})"),
        Event::Gap(_) => "Gap".to_owned(),
        other => {
            let debug = format!("{other:?}");
            debug
                .split([' ', '{', '('])
                .next()
                .unwrap_or_default()
                .to_owned()
        }
    }
}

/// The events from now to `Recovered` (heartbeats left out).
async fn until_recovered(events: &mut Events) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(7 * 24 * 3600), events.next())
            .await
            .expect("recovered within a week")
            .expect("the channel is not closed");
        if matches!(event, Event::Heartbeat) {
            continue;
        }
        let done = matches!(event, Event::Recovered { .. });
        seen.push(name(&event));
        if done {
            return seen;
        }
    }
}

/// After `Recovered`: no second one for the same recovery (ten quiet minutes), and the
/// channel delivers what is published now, as the next notification of the stream (gap
/// and warning items may come before it).
async fn recovered_once_and_delivering(
    sim: &genesys_sim::Simulator,
    channel: &mut Channel,
    events: &mut Events,
    topic: &str,
) {
    assert_eq!(
        sim.publish(topic, json!({"i": 7})),
        1,
        "a subscribed socket"
    );
    loop {
        match next(channel).await {
            Ok(n) => {
                assert_eq!(body_i(&n), 7);
                break;
            }
            Err(e) => assert!(!e.is_fatal(), "{e:?}"),
        }
    }
    tokio::time::sleep(Duration::from_secs(600)).await;
    while let Ok(Some(event)) = tokio::time::timeout(Duration::ZERO, events.next()).await {
        assert!(
            !matches!(event, Event::Recovered { .. }),
            "a second Recovered: {event:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn drop_row() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let before = ch.current_channel();
    let mut events = ch.events();
    sim.fault(&info.id, Fault::Drop).unwrap();
    let seen = until_recovered(&mut events).await;
    assert_eq!(seen, table_row("drop"));
    assert_eq!(
        ch.current_channel(),
        before,
        "a reconnection keeps the channel"
    );
    recovered_once_and_delivering(&sim, &mut ch, &mut events, TOPIC).await;
}

#[tokio::test(start_paused = true)]
async fn stall_row() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    let stall = Fault::Stall {
        duration: Duration::from_secs(600),
    };
    sim.fault(&info.id, stall).unwrap();
    let seen = until_recovered(&mut events).await;
    assert_eq!(seen, table_row("stall"));
    assert_eq!(ch.current_channel().id(), Some(info.id.as_str()));
    recovered_once_and_delivering(&sim, &mut ch, &mut events, TOPIC).await;
}

#[tokio::test(start_paused = true)]
async fn maintenance_row() {
    let sim = sim().await;
    let info = channel(&sim);
    let options = ConnectOptions::new().maintenance(genesys_notifications::Maintenance::Reconnect);
    let mut ch = options.connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    sim.fault(&info.id, Fault::SocketClosing).unwrap();
    let seen = until_recovered(&mut events).await;
    assert_eq!(seen, table_row("maintenance"));
    assert_eq!(ch.current_channel().id(), Some(info.id.as_str()));
    recovered_once_and_delivering(&sim, &mut ch, &mut events, TOPIC).await;
}

#[tokio::test(start_paused = true)]
async fn rollover_row() {
    let sim = sim().await;
    let first = channel(&sim);
    let second = channel(&sim);
    let mut ch = connect(&first.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    let handle = ch.handle();
    let uri = second.connect_uri.clone();
    let rollover = tokio::spawn(async move { handle.rollover(&uri).await });
    let seen = until_recovered(&mut events).await;
    rollover.await.unwrap().unwrap();
    assert_eq!(seen, table_row("rollover"));
    let now = ch.current_channel();
    assert_eq!(now.id(), Some(second.id.as_str()));
    assert_eq!(now.expose_connect_uri(), second.connect_uri);
    recovered_once_and_delivering(&sim, &mut ch, &mut events, TOPIC).await;
}

/// A normal close without notice in URI mode: the channel cannot be replaced, one
/// reconnection tells a proxy's close from an eviction or a take-over.
#[tokio::test(start_paused = true)]
async fn closed_by_the_service_row() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    sim.fault(&info.id, Fault::Kick).unwrap();
    let seen = until_recovered(&mut events).await;
    assert_eq!(seen, table_row("closed by the service"));
    recovered_once_and_delivering(&sim, &mut ch, &mut events, TOPIC).await;
}

#[cfg(feature = "rest")]
mod managed {
    use super::*;
    use genesys_notifications::rest::{Credentials, Environment, ManagedOptions, RestClient};
    use genesys_notifications::{Maintenance, ReconnectPolicy};
    use genesys_sim::{ExtendOn, SimConfig, Simulator};

    fn rest_client(sim: &Simulator) -> RestClient {
        RestClient::builder(
            Environment::local(&sim.base_url()).unwrap(),
            Credentials::client_credentials("demo-client", "demo-secret"),
        )
        .retry_policy(ReconnectPolicy::default().jitter(false))
        .build()
        .unwrap()
    }

    async fn managed(sim: &Simulator, options: ConnectOptions) -> Channel {
        ManagedOptions::new(rest_client(sim))
            .connect_options(options)
            .connect([TOPIC])
            .await
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn maintenance_to_a_new_channel_row() {
        let sim = sim().await;
        let options = ConnectOptions::new().maintenance(Maintenance::NewChannel);
        let mut ch = managed(&sim, options).await;
        let before = ch.current_channel();
        let mut events = ch.events();
        sim.fault(before.id().unwrap(), Fault::SocketClosing)
            .unwrap();
        let seen = until_recovered(&mut events).await;
        assert_eq!(seen, table_row("maintenance, new channel"));
        let now = ch.current_channel();
        assert_ne!(now.id(), before.id(), "a new channel");
        let connected = sim.stats().channels.into_iter().find(|c| c.connected);
        assert_eq!(now.id(), connected.as_ref().map(|c| c.id.as_str()));
        recovered_once_and_delivering(&sim, &mut ch, &mut events, TOPIC).await;
    }

    #[tokio::test(start_paused = true)]
    async fn eviction_row() {
        let sim = sim().await;
        let mut ch = managed(&sim, ConnectOptions::new()).await;
        let before = ch.current_channel();
        let mut events = ch.events();
        sim.fault(before.id().unwrap(), Fault::Evict).unwrap();
        let seen = until_recovered(&mut events).await;
        assert_eq!(seen, table_row("eviction"));
        assert!(seen.contains(&format!("Disconnected({:?})", Reason::ClosedByService)));
        let now = ch.current_channel();
        assert_ne!(now.id(), before.id(), "a new channel");
        assert_ne!(now.expose_connect_uri(), before.expose_connect_uri());
        let connected = sim.stats().channels.into_iter().find(|c| c.connected);
        assert_eq!(now.id(), connected.as_ref().map(|c| c.id.as_str()));
        recovered_once_and_delivering(&sim, &mut ch, &mut events, TOPIC).await;
    }

    /// A channel that expires anyway (the service closes it) recovers as an eviction.
    #[tokio::test(start_paused = true)]
    async fn a_hard_expiry_follows_the_eviction_row() {
        let sim = sim().await;
        let mut ch = managed(&sim, ConnectOptions::new()).await;
        let before = ch.current_channel();
        let mut events = ch.events();
        sim.fault(before.id().unwrap(), Fault::Expire).unwrap();
        let seen = until_recovered(&mut events).await;
        assert_eq!(seen, table_row("eviction"));
        assert_ne!(ch.current_channel().id(), before.id(), "a new channel");
        recovered_once_and_delivering(&sim, &mut ch, &mut events, TOPIC).await;
    }

    #[tokio::test(start_paused = true)]
    async fn expiry_row() {
        let mut config = SimConfig::default();
        config.protocol.extend_on = ExtendOn::Never;
        let sim = sim_with(config).await;
        let options = ConnectOptions::new()
            .maintenance(Maintenance::NewChannel)
            .extend_after(Some(Duration::from_secs(3600)));
        let mut ch = managed(&sim, options).await;
        let before = ch.current_channel();
        assert!(before.expires().is_some(), "managed mode knows the expiry");
        let mut events = ch.events();
        let seen = until_recovered(&mut events).await;
        assert_eq!(seen, table_row("expiry"));
        let now = ch.current_channel();
        assert_ne!(now.id(), before.id(), "a new channel");
        assert!(now.expires() > before.expires(), "{now:?} {before:?}");
        recovered_once_and_delivering(&sim, &mut ch, &mut events, TOPIC).await;
    }

    /// The kinds the managed rows end with.
    #[test]
    fn managed_rows_end_with_their_kind() {
        for (row, kind) in [
            ("maintenance, new channel", Recovery::Maintenance),
            ("eviction", Recovery::NewChannel),
            ("expiry", Recovery::Expiry),
        ] {
            assert_eq!(
                table_row(row).last().map(String::as_str),
                Some(format!("Recovered({kind:?})").as_str())
            );
        }
    }
}
