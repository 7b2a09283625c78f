//! Misbehaviour on demand: faults injected into one channel, and service-wide outages.

use std::time::Duration;

use tokio::time::Instant;

use super::channels::Removal;
use super::link::Control;
use super::{State, later};
use crate::SimError;
use crate::api::{Fault, RestFault, RestRoute};
use crate::frames::{self, Frame};

/// Largest [`Fault::Oversize`] frame (256 MiB).
pub(crate) const MAX_OVERSIZE: usize = 256 << 20;

impl State {
    /// Applies a fault to channel `id`.
    pub(crate) fn fault(&mut self, id: &str, fault: Fault, now: Instant) -> Result<(), SimError> {
        if !self.channels.contains_key(id) {
            return Err(SimError::UnknownChannel(id.to_owned()));
        }
        let corr = self.uuid();
        let kicked = self.config.protocol.close_codes.kicked;
        let not_connected = || SimError::NotConnected(id.to_owned());
        match fault {
            Fault::Expire => self.remove_channel(id, Removal::Expired),
            Fault::Evict => self.remove_channel(id, Removal::Evicted),
            Fault::NoLongerSubscribed => {
                let Some(c) = self.channels.get(id) else {
                    return Err(SimError::UnknownChannel(id.to_owned()));
                };
                if let Some(link) = &c.socket {
                    let body = frames::system_body(
                        id,
                        "no_longer_subscribed",
                        &c.client_id,
                        "no_longer_subscribed",
                        "The channel is no longer subscribed to its topics",
                        &corr,
                    );
                    let topic = format!("v2.system.no_longer_subscribed.{id}");
                    link.send(Control::Text(Frame::envelope(&topic, &body, &corr)));
                }
                self.clear_topics(id);
            }
            other => {
                let Some(c) = self.channels.get_mut(id) else {
                    return Err(SimError::UnknownChannel(id.to_owned()));
                };
                match other {
                    Fault::RejectNextSubscribe => c.reject_next_subscribe = true,
                    Fault::RefuseConnections { duration } => {
                        c.refuse_until = Some(later(now, duration));
                    }
                    Fault::Kick => {
                        let link = c.socket.take().ok_or_else(not_connected)?;
                        link.close(Vec::new(), kicked, "replaced by a new connection");
                    }
                    Fault::Drop => {
                        let link = c.socket.take().ok_or_else(not_connected)?;
                        link.abort.cancel();
                        link.send(Control::Drop);
                    }
                    Fault::Stall { duration } => {
                        let link = c.socket.as_mut().ok_or_else(not_connected)?;
                        let until = later(now, duration);
                        link.stalled_until = Some(until);
                        link.send(Control::Stall(until));
                    }
                    Fault::SocketClosing => {
                        let link = c.socket.as_ref().ok_or_else(not_connected)?;
                        let mut body = frames::system_body(
                            id,
                            "socket_closing",
                            &c.client_id,
                            "maintenance",
                            "The WebSocket is closing for maintenance; reconnect to the channel",
                            &corr,
                        );
                        if let Some(fields) = body.as_object_mut() {
                            for (key, value) in &self.config.protocol.socket_closing_body {
                                if value.is_null() {
                                    fields.remove(key);
                                } else {
                                    fields.insert(key.clone(), value.clone());
                                }
                            }
                        }
                        let frame = Frame::envelope("v2.system.socket_closing", &body, &corr);
                        link.send(Control::SocketClosing(frame));
                    }
                    Fault::RawText(text) => {
                        let link = c.socket.as_ref().ok_or_else(not_connected)?;
                        link.send(Control::Text(Frame::text(text)));
                    }
                    Fault::RawBinary(bytes) => {
                        let link = c.socket.as_ref().ok_or_else(not_connected)?;
                        link.send(Control::Binary(bytes));
                    }
                    Fault::Oversize { bytes } => {
                        if bytes > MAX_OVERSIZE {
                            return Err(SimError::InvalidFault(format!(
                                "oversize frames are limited to {MAX_OVERSIZE} bytes"
                            )));
                        }
                        let link = c.socket.as_ref().ok_or_else(not_connected)?;
                        link.send(Control::Text(frames::oversize(bytes, &corr)));
                    }
                    Fault::Expire | Fault::Evict | Fault::NoLongerSubscribed => {}
                }
            }
        }
        Ok(())
    }

    /// Applies `fault` to the next `count` requests of `route` (replacing any pending one).
    pub(crate) fn rest_fault(&mut self, route: RestRoute, fault: RestFault, count: u32) {
        if count == 0 {
            self.rest_faults.remove(&route);
        } else {
            self.rest_faults.insert(route, (fault, count));
        }
    }

    /// The fault for this request of `route`, if one is pending (counting it down).
    pub(crate) fn take_rest_fault(&mut self, route: RestRoute) -> Option<RestFault> {
        let (fault, left) = self.rest_faults.get_mut(&route)?;
        let fault = fault.clone();
        *left -= 1;
        if *left == 0 {
            self.rest_faults.remove(&route);
        }
        Some(fault)
    }

    /// Starts a service-wide outage: every socket is dropped without a close frame, and
    /// REST and handshakes answer 503 for `duration`. Channels and subscriptions survive.
    pub(crate) fn outage(&mut self, duration: Duration, now: Instant) {
        self.outage_until = Some(later(now, duration));
        for c in self.channels.values_mut() {
            if let Some(link) = c.socket.take() {
                link.abort.cancel();
                link.send(Control::Drop);
            }
        }
    }

    /// Whether a simulated outage is in progress.
    pub(crate) fn in_outage(&self, now: Instant) -> bool {
        self.outage_until.is_some_and(|t| now < t)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use tokio_util::sync::CancellationToken;

    use super::super::test_support::{state, strings};
    use super::super::{ConnectError, Mode, Ordered, SubscribeError, Via};
    use super::*;
    use crate::config::SimConfig;

    #[test]
    fn huge_durations_saturate() {
        let mut s = state(SimConfig {
            channel_lifetime: Duration::MAX,
            ..SimConfig::default()
        });
        let t = Instant::now();
        let ch = s.create_channel("c", None, t);
        s.fault(
            &ch.id,
            Fault::RefuseConnections {
                duration: Duration::MAX,
            },
            t,
        )
        .unwrap();
        assert_eq!(s.check_connect(&ch.id, t), Err(ConnectError::Refused));
        let err = s
            .fault(&ch.id, Fault::Oversize { bytes: usize::MAX }, t)
            .unwrap_err();
        assert!(matches!(err, SimError::InvalidFault(_)));
        s.outage(Duration::MAX, t);
        assert!(s.in_outage(t + Duration::from_secs(3600 * 24 * 365)));
    }

    #[test]
    fn socket_faults_need_a_socket() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let ch = s.create_channel("c", None, t);
        for fault in [
            Fault::Kick,
            Fault::Drop,
            Fault::SocketClosing,
            Fault::RawText("x".to_owned()),
            Fault::RawBinary(vec![1]),
            Fault::Stall {
                duration: Duration::from_secs(1),
            },
        ] {
            assert!(
                matches!(s.fault(&ch.id, fault, t), Err(SimError::NotConnected(_))),
                "needs a socket"
            );
        }
        assert!(matches!(
            s.fault("missing", Fault::Kick, t),
            Err(SimError::UnknownChannel(_))
        ));
    }

    #[test]
    fn stall_loses_events_until_it_ends() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        s.subscribe(&a.id, &strings(&["x.y"]), Mode::Add, false, Via::Rest, t)
            .unwrap();
        let mut sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        s.fault(
            &a.id,
            Fault::Stall {
                duration: Duration::from_secs(5),
            },
            t,
        )
        .unwrap();
        assert!(matches!(
            sock.control.try_recv(),
            Ok(Ordered {
                control: Control::Stall(_),
                ..
            })
        ));
        let f = Frame::text("f");
        assert_eq!(s.publish("x.y", &f, t + Duration::from_secs(4)), 0);
        assert_eq!(s.publish("x.y", &f, t + Duration::from_secs(5)), 1);
        assert_eq!(s.stats().channel(&a.id).unwrap().lost, 1);
    }

    #[test]
    fn reject_next_subscribe_fails_once() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        s.fault(&a.id, Fault::RejectNextSubscribe, t).unwrap();
        let topics = strings(&["x.y"]);
        assert_eq!(
            s.subscribe(&a.id, &topics, Mode::Add, false, Via::Ws, t),
            Err(SubscribeError::Injected)
        );
        assert!(
            s.subscribe(&a.id, &topics, Mode::Add, false, Via::Ws, t)
                .is_ok()
        );
    }

    #[test]
    fn no_longer_subscribed_clears_topics_and_tells_the_socket() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        s.subscribe(&a.id, &strings(&["x.y"]), Mode::Add, false, Via::Ws, t)
            .unwrap();
        let mut sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        s.fault(&a.id, Fault::NoLongerSubscribed, t).unwrap();
        assert!(s.topics(&a.id).unwrap().is_empty());
        let Ok(Ordered {
            control: Control::Text(frame),
            ..
        }) = sock.control.try_recv()
        else {
            panic!("expected the notice");
        };
        let text = frame.as_str();
        assert!(
            text.contains(&format!("v2.system.no_longer_subscribed.{}", a.id)),
            "{text}"
        );
    }

    #[test]
    fn rest_faults_count_down_per_route() {
        let mut s = state(SimConfig::default());
        s.rest_fault(RestRoute::Token, RestFault::Status(500), 2);
        s.rest_fault(RestRoute::CreateChannel, RestFault::Status(502), 1);
        s.rest_fault(
            RestRoute::CreateChannel,
            RestFault::StatusAfterProcessing(504),
            1,
        );
        assert_eq!(
            s.take_rest_fault(RestRoute::CreateChannel),
            Some(RestFault::StatusAfterProcessing(504))
        );
        assert_eq!(s.take_rest_fault(RestRoute::CreateChannel), None);
        assert_eq!(
            s.take_rest_fault(RestRoute::Token),
            Some(RestFault::Status(500))
        );
        assert_eq!(
            s.take_rest_fault(RestRoute::Token),
            Some(RestFault::Status(500))
        );
        assert_eq!(s.take_rest_fault(RestRoute::Token), None);
        s.rest_fault(RestRoute::Token, RestFault::Status(500), 1);
        s.rest_fault(RestRoute::Token, RestFault::Status(500), 0);
        assert_eq!(
            s.take_rest_fault(RestRoute::Token),
            None,
            "a count of 0 clears"
        );
    }

    #[test]
    fn an_outage_drops_sockets_and_refuses_until_it_ends() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        let mut sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        s.outage(Duration::from_secs(10), t);
        assert!(sock.abort.is_cancelled());
        assert!(matches!(
            sock.control.try_recv(),
            Ok(Ordered {
                control: Control::Drop,
                ..
            })
        ));
        assert_eq!(
            s.check_connect(&a.id, t + Duration::from_secs(9)),
            Err(ConnectError::Refused)
        );
        assert_eq!(s.check_connect(&a.id, t + Duration::from_secs(10)), Ok(()));
        assert!(s.owns("c", &a.id), "channels survive an outage");
    }
}
