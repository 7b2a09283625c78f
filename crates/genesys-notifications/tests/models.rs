//! Typed event bodies (feature `models`): one realistic payload per template, tolerance of
//! unknown and missing data, decode errors that keep the frame, and topic templates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use genesys_notifications::__private::classify;
use genesys_notifications::Notification;
use genesys_notifications::models::*;
use serde_json::{Value, json};

const UUID: &str = "0f3c1a52-7d3e-4b4e-9a57-2d4c6a1e9b10";

fn note_of(topic: &str, body: Value) -> Notification {
    let frame = json!({
        "topicName": topic,
        "version": "2",
        "eventBody": body,
        "metadata": {"CorrelationId": "5e7f3b2a-1c4d-4e8f-9a0b-c1d2e3f4a5b6"},
    })
    .to_string();
    classify(&frame).unwrap().expect("a notification")
}

fn decode(topic: &str, body: Value) -> TopicEvent {
    note_of(topic, body).decode().unwrap()
}

fn ts(text: &str) -> Option<Timestamp> {
    Some(Timestamp::parse(text).unwrap())
}

fn ms(millis: i64) -> Option<Timestamp> {
    Some(Timestamp::from_unix_millis(millis).unwrap())
}

#[test]
fn user_presence() {
    let TopicEvent::UserPresence { user_id, body } = decode(
        "v2.users.u-1.presence",
        json!({"source": "PURECLOUD",
               "presenceDefinition": {"id": "6a3af858-942f-489d-9700-5f9bcdcdae9b", "systemPresence": "AVAILABLE"},
               "primary": true, "message": "", "modifiedDate": "2022-07-04T20:07:20.528Z"}),
    ) else {
        panic!()
    };
    assert_eq!(user_id, "u-1");
    assert_eq!(body.source.as_deref(), Some("PURECLOUD"));
    let def = body.presence_definition.unwrap();
    assert_eq!(def.system_presence.as_deref(), Some("AVAILABLE"));
    assert_eq!(body.primary, Some(true));
    assert_eq!(body.modified_date, ts("2022-07-04T20:07:20.528Z"));
    assert_eq!(body.future_presence_definition, None);
}

#[test]
fn user_routing_status() {
    let TopicEvent::UserRoutingStatus { user_id, body } = decode(
        "v2.users.u-1.routingStatus",
        json!({"id": "u-1", "routingStatus": {"status": "OFF_QUEUE", "startTime": "2022-07-04T11:00:00Z"}}),
    ) else {
        panic!()
    };
    assert_eq!((user_id.as_str(), body.id.as_deref()), ("u-1", Some("u-1")));
    let rs = body.routing_status.unwrap();
    assert_eq!(rs.status, Some(RoutingState::OffQueue));
    assert_eq!(rs.start_time, ts("2022-07-04T11:00:00Z"));
}

#[test]
fn user_activity() {
    let TopicEvent::UserActivity { body, .. } = decode(
        "v2.users.u-1.activity",
        json!({"id": "u-1",
               "routingStatus": {"status": "IDLE", "startTime": "2024-03-01T09:00:00.000Z"},
               "presence": {"presenceDefinition": {"id": "e08eaf1b-ee47-4fa9-a231-1200e284798f", "systemPresence": "ON_QUEUE"},
                            "presenceMessage": "", "modifiedDate": "2024-03-01T09:00:00.000Z"},
               "outOfOffice": {"active": false, "modifiedDate": "2024-02-01T00:00:00Z"},
               "activeQueueIds": ["q-1", "q-2"],
               "dateActiveQueuesChanged": "2024-03-01T08:59:00Z"}),
    ) else {
        panic!()
    };
    assert_eq!(
        body.routing_status.unwrap().status,
        Some(RoutingState::Idle)
    );
    let presence = body.presence.unwrap().presence_definition.unwrap();
    assert_eq!(presence.system_presence.as_deref(), Some("ON_QUEUE"));
    assert_eq!(body.out_of_office.unwrap().active, Some(false));
    assert_eq!(body.active_queue_ids.unwrap(), ["q-1", "q-2"]);
}

/// The captured-looking agent participant of a callback (lower-case enums, `{}` for empty
/// references, `additionalProperties` keys that no model declares).
fn conversation_body() -> Value {
    json!({"id": "c-1", "recordingState": "none",
      "participants": [{"id": "p-1", "userId": "u-1", "queueId": "q-1", "purpose": "agent",
        "connectedTime": "2022-07-04T20:07:20.528Z", "wrapupRequired": true, "wrapupExpected": true,
        "wrapupPrompt": "optional", "startAcwTime": "2022-07-04T20:08:25.397Z", "alertingTimeoutMs": 30000,
        "conversationRoutingData": {"queue": {}, "language": {}, "priority": 0},
        "attributes": {},
        "callbacks": [{"id": "m-1", "state": "connected", "initialState": "alerting", "held": false,
          "callbackNumbers": [""], "skipEnabled": true, "timeoutSeconds": 0, "provider": "PureCloud Callback",
          "callbackScheduledTime": "2022-07-04T20:03:12Z",
          "afterCallWork": {"state": "pending", "startTime": "2022-07-04T20:08:25.397Z"},
          "afterCallWorkRequired": false, "additionalProperties": {}}],
        "additionalProperties": {}}]})
}

fn check_conversation(body: &Conversation) {
    assert_eq!(body.id.as_deref(), Some("c-1"));
    assert_eq!(body.recording_state.as_deref(), Some("none"));
    let p = &body.participants.as_ref().unwrap()[0];
    assert_eq!(p.purpose.as_deref(), Some("agent"));
    assert_eq!(p.alerting_timeout_ms, Some(30_000));
    assert_eq!(p.connected_time, ts("2022-07-04T20:07:20.528Z"));
    assert_eq!(
        p.conversation_routing_data.as_ref().unwrap().priority,
        Some(0)
    );
    let cb = &p.callbacks.as_ref().unwrap()[0];
    assert_eq!(cb.state, Some(CommunicationState::Connected));
    assert_eq!(cb.initial_state, Some(CommunicationState::Alerting));
    assert_eq!(cb.callback_scheduled_time, ts("2022-07-04T20:03:12Z"));
    let acw = cb.after_call_work.as_ref().unwrap();
    assert_eq!(acw.state, Some(AfterCallWorkState::Pending));
}

#[test]
fn user_and_queue_conversations() {
    let TopicEvent::UserConversations { user_id, body } =
        decode("v2.users.u-1.conversations", conversation_body())
    else {
        panic!()
    };
    assert_eq!(user_id, "u-1");
    check_conversation(&body);
    let TopicEvent::QueueConversations { queue_id, body } =
        decode("v2.routing.queues.q-1.conversations", conversation_body())
    else {
        panic!()
    };
    assert_eq!(queue_id, "q-1");
    check_conversation(&body);
}

#[test]
fn user_conversation_summary() {
    let TopicEvent::UserConversationSummary { body, .. } = decode(
        "v2.users.u-1.conversationsummary",
        json!({"userId": "u-1", "call": {"contactCenter": {"active": 1, "acw": 0}, "enterprise": {"active": 0, "acw": 0}},
               "email": {"contactCenter": {"active": 2, "acw": 1}}}),
    ) else {
        panic!()
    };
    assert_eq!(body.user_id.as_deref(), Some("u-1"));
    assert_eq!(body.call.unwrap().contact_center.unwrap().active, Some(1));
    assert_eq!(body.email.unwrap().contact_center.unwrap().acw, Some(1));
    assert!(body.chat.is_none());
}

#[test]
fn user_geolocation() {
    let TopicEvent::UserGeolocation { body, .. } = decode(
        "v2.users.u-1.geolocation",
        json!({"userId": "u-1", "type": "GEOLOCATION", "country": "DE", "region": "Bavaria", "city": "Munich"}),
    ) else {
        panic!()
    };
    assert_eq!(body.kind.as_deref(), Some("GEOLOCATION"));
    assert_eq!(body.city.as_deref(), Some("Munich"));
}

#[test]
fn user_station() {
    let TopicEvent::UserStation { body, .. } = decode(
        "v2.users.u-1.station",
        json!({"associatedStation": {"id": "s-1", "name": "Desk 12", "associatedUser": {"id": "u-1"}}}),
    ) else {
        panic!()
    };
    let station = body.associated_station.unwrap();
    assert_eq!(station.name.as_deref(), Some("Desk 12"));
    assert_eq!(station.associated_user.unwrap().id.as_deref(), Some("u-1"));
}

#[test]
fn user_out_of_office() {
    let TopicEvent::UserOutOfOffice { body, .. } = decode(
        "v2.users.u-1.outofoffice",
        json!({"user": {"id": "u-1"}, "active": true, "indefinite": false,
               "startDate": "2024-07-01T00:00:00Z", "endDate": "2024-07-15T00:00:00Z"}),
    ) else {
        panic!()
    };
    assert_eq!(body.active, Some(true));
    assert_eq!(body.end_date, ts("2024-07-15T00:00:00Z"));
}

#[test]
fn user_integration_presence() {
    let TopicEvent::UserIntegrationPresence { body, .. } = decode(
        "v2.users.u-1.integrationpresence",
        json!({"eventType": "UserPresenceStatusChanged", "userId": "u-1", "source": "MICROSOFT_TEAMS",
               "modifiedDate": "2024-03-01T09:00:00Z",
               "presenceDefinition": {"id": "31fe3bac-dea6-44b7-bed7-47f91660a1a0", "systemPresence": "BUSY"},
               "message": "In a meeting"}),
    ) else {
        panic!()
    };
    assert_eq!(
        body.event_type,
        Some(PresenceEventType::UserPresenceStatusChanged)
    );
    assert_eq!(
        body.presence_definition.unwrap().system_presence.as_deref(),
        Some("BUSY")
    );
}

#[test]
fn user_call_forwarding() {
    let TopicEvent::UserCallForwarding { body, .. } = decode(
        "v2.users.u-1.callforwarding",
        json!({"user": {"id": "u-1"}, "enabled": true,
               "calls": [{"targets": [{"type": "PHONENUMBER", "value": "+4989123456"}]}],
               "voicemail": "PURECLOUD", "modifiedDate": "2024-03-01T09:00:00Z"}),
    ) else {
        panic!()
    };
    assert_eq!(body.enabled, Some(true));
    let target = &body.calls.unwrap()[0].targets.clone().unwrap()[0];
    assert_eq!(target.kind.as_deref(), Some("PHONENUMBER"));
    assert_eq!(target.value.as_deref(), Some("+4989123456"));
}

#[test]
fn user_voicemail_messages() {
    let TopicEvent::UserVoicemailMessages { body, .. } = decode(
        "v2.users.u-1.voicemail.messages",
        json!({"id": "vm-1", "read": false, "audioRecordingDurationSeconds": 42, "audioRecordingSizeBytes": 33600,
               "createdDate": "2024-03-01T09:00:00Z", "callerAddress": "tel:+4989123456", "callerName": "Jo Doe",
               "action": "create", "deleted": false, "copiedTo": [{"user": {"id": "u-2"}}]}),
    ) else {
        panic!()
    };
    assert_eq!(body.audio_recording_duration_seconds, Some(42));
    assert_eq!(body.action.as_deref(), Some("create"));
    assert_eq!(
        body.copied_to.unwrap()[0]
            .user
            .clone()
            .unwrap()
            .id
            .as_deref(),
        Some("u-2")
    );
}

fn adherence_body() -> Value {
    json!({"routingStatus": "INTERACTING", "adherenceState": "OutOfAdherence", "user": {"id": "u-1"},
           "managementUnitId": "mu-1", "businessUnitId": "bu-1", "team": {"id": "t-1", "name": "Blue"},
           "scheduledActivityCategory": "OnQueueWork", "systemPresence": "ON_QUEUE",
           "isOutOfOffice": false, "impact": "Negative",
           "adherenceExplanation": {"status": "Pending", "id": "x-1", "startDate": "2024-03-01T09:00:00Z", "lengthMinutes": 15},
           "adherenceChangeTime": "2024-03-01T09:02:00.250Z", "activeQueues": [{"id": "q-1", "name": "Support"}]})
}

fn check_adherence(body: &UserScheduleAdherenceUpdate) {
    assert_eq!(body.routing_status, Some(RoutingState::Interacting));
    assert_eq!(body.adherence_state, Some(AdherenceState::OutOfAdherence));
    let explanation = body.adherence_explanation.as_ref().unwrap();
    assert_eq!(explanation.status, Some(ExplanationStatus::Pending));
    assert_eq!(explanation.length_minutes, Some(15));
    assert_eq!(body.adherence_change_time, ts("2024-03-01T09:02:00.250Z"));
}

#[test]
fn user_and_management_unit_adherence() {
    let TopicEvent::UserAdherence { body, .. } = decode(
        "v2.users.u-1.workforcemanagement.adherence",
        adherence_body(),
    ) else {
        panic!()
    };
    check_adherence(&body);
    let TopicEvent::ManagementUnitAdherence {
        management_unit_id,
        body,
    } = decode(
        "v2.workforcemanagement.managementunits.mu-1.adherence",
        adherence_body(),
    )
    else {
        panic!()
    };
    assert_eq!(management_unit_id, "mu-1");
    check_adherence(&body);
}

#[test]
fn user_schedules() {
    let TopicEvent::UserSchedules { body, .. } = decode(
        "v2.users.u-1.workforcemanagement.schedules",
        json!({"user": {"id": "u-1"}, "startDate": "2024-03-04T00:00:00Z", "endDate": "2024-03-11T00:00:00Z",
               "updates": [{"type": "Edited", "shiftStartDates": ["2024-03-05T08:00:00Z"]}]}),
    ) else {
        panic!()
    };
    let update = &body.updates.unwrap()[0];
    assert_eq!(update.kind, Some(ShiftUpdateType::Edited));
    assert_eq!(
        update.shift_start_dates.clone().unwrap(),
        [ts("2024-03-05T08:00:00Z").unwrap()]
    );
}

fn call_conversation_body() -> Value {
    json!({"id": "c-2", "maxParticipants": 2, "recordingState": "active",
      "participants": [{"id": "p-1", "name": "Customer", "address": "tel:+4989123456", "purpose": "customer",
        "state": "connected", "initialState": "alerting", "direction": "inbound", "held": false,
        "startTime": "2024-03-01T09:00:00Z", "connectedTime": "2024-03-01T09:00:05Z",
        "queue": {"id": "q-1", "name": "Support"}, "attributes": {"crm": "42"}, "wrapupTimeoutMs": 60000,
        "muted": false, "confined": false}]})
}

#[test]
fn media_conversations_of_users_and_queues() {
    for topic in [
        "v2.users.u-1.conversations.calls",
        "v2.routing.queues.q-1.conversations.calls",
    ] {
        let (id, body) = match decode(topic, call_conversation_body()) {
            TopicEvent::UserCalls { user_id, body } => (user_id, body),
            TopicEvent::QueueCalls { queue_id, body } => (queue_id, body),
            other => panic!("{other:?}"),
        };
        assert!(id == "u-1" || id == "q-1");
        assert_eq!(body.max_participants, Some(2));
        let p = &body.participants.unwrap()[0];
        assert_eq!(p.state, Some(CommunicationState::Connected));
        assert_eq!(p.direction, Some(Direction::Inbound));
        assert_eq!(p.queue.clone().unwrap().name.as_deref(), Some("Support"));
        assert_eq!(p.attributes.clone().unwrap()["crm"], "42");
    }
    let participant = json!({"id": "p-1", "purpose": "agent", "state": "disconnected",
        "disconnectType": "transfer.noanswer", "user": {"id": "u-1"}});
    for topic in [
        "v2.users.u-1.conversations.callbacks",
        "v2.routing.queues.q-1.conversations.callbacks",
    ] {
        let mut body = json!({"id": "c-3", "participants": [participant.clone()]});
        body["participants"][0]["callbackNumbers"] = json!(["+4989123456"]);
        body["participants"][0]["callbackScheduledTime"] = json!("2024-03-01T10:00:00Z");
        let body = match decode(topic, body) {
            TopicEvent::UserCallbacks { body, .. } | TopicEvent::QueueCallbacks { body, .. } => {
                body
            }
            other => panic!("{other:?}"),
        };
        let p = &body.participants.unwrap()[0];
        assert_eq!(p.disconnect_type, Some(DisconnectType::TransferNoanswer));
        assert_eq!(p.callback_numbers.clone().unwrap(), ["+4989123456"]);
        assert_eq!(p.callback_scheduled_time, ts("2024-03-01T10:00:00Z"));
    }
    for topic in [
        "v2.users.u-1.conversations.chats",
        "v2.routing.queues.q-1.conversations.chats",
    ] {
        let mut body = json!({"id": "c-4", "participants": [participant.clone()]});
        body["participants"][0]["roomId"] = json!("room-7");
        let body = match decode(topic, body) {
            TopicEvent::UserChats { body, .. } | TopicEvent::QueueChats { body, .. } => body,
            other => panic!("{other:?}"),
        };
        let p = &body.participants.unwrap()[0];
        assert_eq!(p.room_id.as_deref(), Some("room-7"));
        assert_eq!(p.state, Some(CommunicationState::Disconnected));
    }
    for topic in [
        "v2.users.u-1.conversations.emails",
        "v2.routing.queues.q-1.conversations.emails",
    ] {
        let mut body = json!({"id": "c-5", "participants": [participant.clone()]});
        body["participants"][0]["subject"] = json!("Order 1234");
        body["participants"][0]["messagesSent"] = json!(3);
        let body = match decode(topic, body) {
            TopicEvent::UserEmails { body, .. } | TopicEvent::QueueEmails { body, .. } => body,
            other => panic!("{other:?}"),
        };
        let p = &body.participants.unwrap()[0];
        assert_eq!(p.subject.as_deref(), Some("Order 1234"));
        assert_eq!(p.messages_sent, Some(3));
    }
    for topic in [
        "v2.users.u-1.conversations.messages",
        "v2.routing.queues.q-1.conversations.messages",
    ] {
        let mut body = json!({"id": "c-6", "participants": [participant.clone()]});
        body["participants"][0]["type"] = json!("webmessaging");
        body["participants"][0]["state"] = json!("connected");
        let body = match decode(topic, body) {
            TopicEvent::UserMessages { body, .. } | TopicEvent::QueueMessages { body, .. } => body,
            other => panic!("{other:?}"),
        };
        let p = &body.participants.unwrap()[0];
        assert_eq!(p.kind, Some(MessageType::Webmessaging));
        assert_eq!(p.user.clone().unwrap().id.as_deref(), Some("u-1"));
    }
}

#[test]
fn queue_users() {
    let TopicEvent::QueueUsers { queue_id, body } = decode(
        "v2.routing.queues.q-1.users",
        json!({"id": "u-7", "user": {"id": "u-7"}, "queueId": "q-1", "joined": true,
               "additionalProperties": {"memberBy": "group"}}),
    ) else {
        panic!()
    };
    assert_eq!(queue_id, "q-1");
    assert_eq!(body.joined, Some(true));
    assert_eq!(body.additional_properties.unwrap()["memberBy"], "group");
}

#[test]
fn queue_observations_and_user_aggregates() {
    let body = json!({"group": {"queueId": "q-1", "mediaType": "voice"},
        "data": [{"interval": "2024-03-01T09:00:00.000Z/2024-03-01T09:30:00.000Z",
          "metrics": [{"metric": "oWaiting", "stats": {"count": 3.0}},
                      {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 5}}]}]});
    let TopicEvent::QueueObservations {
        queue_id,
        body: stats,
    } = decode("v2.analytics.queues.q-1.observations", body.clone())
    else {
        panic!()
    };
    assert_eq!(queue_id, "q-1");
    assert_eq!(stats.group.unwrap()["mediaType"], "voice");
    let metrics = stats.data.unwrap()[0].metrics.clone().unwrap();
    assert_eq!(metrics[1].qualifier.as_deref(), Some("IDLE"));
    assert_eq!(metrics[1].stats.as_ref().unwrap()["count"], 5.0);
    let TopicEvent::UserAggregates { user_id, body } =
        decode("v2.analytics.users.u-1.aggregates", body)
    else {
        panic!()
    };
    assert_eq!(user_id, "u-1");
    assert_eq!(body.data.unwrap().len(), 1);
}

#[test]
fn queue_activity() {
    let TopicEvent::QueueActivity { body, .. } = decode(
        "v2.analytics.queues.q-1.activity",
        json!({"results": [{"mediaType": "voice", "data": [
            {"metric": "oWaiting", "count": 4}, {"metric": "oLongestWaiting", "count": 1, "calculatedMetricValue": 93000}]}]}),
    ) else {
        panic!()
    };
    let group = &body.results.unwrap()[0];
    let data = group.data.clone().unwrap();
    assert_eq!(data[0].metric, Some(ObservationMetric::OWaiting));
    assert_eq!(data[1].calculated_metric_value, Some(93_000));
}

#[test]
fn conversation_transcription() {
    let TopicEvent::ConversationTranscription {
        conversation_id,
        body,
    } = decode(
        "v2.conversations.c-1.transcription",
        json!({"eventTime": "2024-03-01T09:00:10.120Z", "organizationId": "o-1", "conversationId": "c-1",
               "communicationId": "m-1", "sessionStartTimeMs": 1709283600000i64,
               "transcripts": [{"channel": "EXTERNAL", "utteranceId": "ut-1", "isFinal": true,
                 "alternatives": [{"confidence": 0.93, "offsetMs": 1200, "durationMs": 800, "transcript": "hello there",
                   "words": [{"confidence": 0.95, "offsetMs": 1200, "durationMs": 300, "word": "hello"}]}]}],
               "status": {"status": "SESSION_ONGOING", "offsetMs": 0}}),
    )
    else {
        panic!()
    };
    assert_eq!(conversation_id, "c-1");
    assert_eq!(body.event_time, ts("2024-03-01T09:00:10.12Z"));
    assert_eq!(body.session_start_time_ms, Some(1_709_283_600_000));
    let result = &body.transcripts.unwrap()[0];
    assert_eq!(result.channel, Some(TranscriptChannel::External));
    let alt = &result.alternatives.clone().unwrap()[0];
    assert_eq!(alt.confidence, Some(0.93));
    assert_eq!(alt.words.clone().unwrap()[0].word.as_deref(), Some("hello"));
    assert_eq!(
        body.status.unwrap().status,
        Some(TranscriptionStatus::SessionOngoing)
    );
}

/// `v2.system.*` frames are control frames: the channel acts on them and never yields them,
/// so their bodies are decoded here directly; their topic names still parse.
#[test]
fn system_topics() {
    let system = |topic: &str, body: Value| -> SystemMessage {
        let frame = json!({"topicName": topic, "eventBody": body}).to_string();
        assert_ne!(
            genesys_notifications::__private::frame_kind(&frame),
            "notification"
        );
        serde_json::from_value(body).unwrap()
    };
    let body = system(
        "v2.system.socket_closing",
        json!({"message": "Socket will close in 10 seconds", "data": {"seconds": 10}}),
    );
    assert_eq!(body.system_topic_type, None);
    assert_eq!(body.data.unwrap()["seconds"], 10);
    let body = system(
        "v2.system.no_longer_subscribed.ch-1",
        json!({"systemTopicType": "no_longer_subscribed", "reason": "another_channel_subscribed", "channelId": "ch-1"}),
    );
    assert_eq!(
        body.reason,
        Some(SystemMessageReason::AnotherChannelSubscribed)
    );
    assert_eq!(body.channel_id.as_deref(), Some("ch-1"));
    let body = system(
        "v2.system.token_revoked.tk-1",
        json!({"systemTopicType": "token_revoked", "reason": "user_tokens_revoked", "oauthClientId": "cl-1"}),
    );
    assert_eq!(body.system_topic_type, Some(SystemTopicType::TokenRevoked));
    assert_eq!(body.oauth_client_id.as_deref(), Some("cl-1"));
    let body = system(
        "v2.system.maintenance.m-1",
        json!({"systemTopicType": "socket_closing", "message": "bye"}),
    );
    assert_eq!(
        body.system_topic_type,
        Some(SystemTopicType::Unknown("socket_closing".into()))
    );
    fn parse(topic: &str) -> Option<(Template, Vec<&str>)> {
        Template::parse(topic).map(|(t, ids)| (t, ids.as_slice().to_vec()))
    }
    assert_eq!(
        parse("v2.system.socket_closing"),
        Some((Template::SocketClosing, vec![]))
    );
    assert_eq!(
        parse("v2.system.no_longer_subscribed.ch-1"),
        Some((Template::NoLongerSubscribed, vec!["ch-1"]))
    );
    assert_eq!(
        parse("v2.system.token_revoked.tk-1"),
        Some((Template::TokenRevoked, vec!["tk-1"]))
    );
    assert_eq!(
        parse("v2.system.maintenance.m-1"),
        Some((Template::System, vec!["maintenance", "m-1"]))
    );
    // The subscription change is an ordinary notification.
    let TopicEvent::SubscriptionUpdated { body } = decode(
        "v2.subscription.updated",
        json!({"systemTopicType": "subscription_changed", "channelId": "ch-1", "data": {"topics": ["v2.users.1.presence"]}}),
    ) else {
        panic!()
    };
    assert_eq!(
        body.system_topic_type,
        Some(SystemTopicType::SubscriptionChanged)
    );
    assert_eq!(body.data.unwrap()["topics"][0], "v2.users.1.presence");
}

/// Templates whose notifications a channel yields (not the `v2.system.*` control frames).
fn delivered() -> Vec<Template> {
    Template::ALL
        .iter()
        .copied()
        .filter(|t| !t.pattern().starts_with("v2.system."))
        .collect()
}

/// Fields every conversation detail event shares.
fn detail(extra: Value) -> Value {
    let mut body = json!({"eventTime": 1_709_283_605_250i64, "conversationId": "c-1", "participantId": "p-1",
        "sessionId": "s-1", "mediaType": "VOICE", "direction": "INBOUND", "provider": "Edge",
        "ani": "tel:+4989123456", "dnis": "tel:+4989000000", "divisionId": UUID,
        "conversationExternalContactIds": ["ec-1"]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

const EVENT_TIME: i64 = 1_709_283_605_250;

#[test]
fn detail_acd_start_and_end() {
    let TopicEvent::DetailAcdStart {
        conversation_id,
        body,
    } = decode(
        "v2.detail.events.conversation.c-1.acd.start",
        detail(json!({"queueId": "q-1", "routingPriority": 5, "requestedRoutingSkillIds": [UUID]})),
    )
    else {
        panic!()
    };
    assert_eq!(conversation_id, "c-1");
    assert_eq!(body.event_time, ms(EVENT_TIME));
    assert_eq!(body.media_type, Some(DetailMediaType::Voice));
    assert_eq!(body.direction, Some(DetailDirection::Inbound));
    assert_eq!(body.routing_priority, Some(5));
    let TopicEvent::DetailAcdEnd { body, .. } = decode(
        "v2.detail.events.conversation.c-1.acd.end",
        detail(
            json!({"acdOutcome": "ANSWERED", "usedRouting": "BULLSEYE", "disconnectType": "UNKNOWN",
                      "requestedRoutings": ["STANDARD", "BULLSEYE"], "answeredUserId": "u-1",
                      "callbackScheduledTime": 1_709_287_200_000i64, "connectedDurationMs": 15000}),
        ),
    ) else {
        panic!()
    };
    assert_eq!(body.acd_outcome, Some(AcdOutcome::Answered));
    assert_eq!(body.used_routing, Some(RoutingMethod::Bullseye));
    assert_eq!(
        body.disconnect_type,
        Some(DetailDisconnectType::Unspecified)
    );
    assert_eq!(
        body.requested_routings.unwrap(),
        [RoutingMethod::Standard, RoutingMethod::Bullseye]
    );
    assert_eq!(
        body.callback_scheduled_time.unwrap().to_string(),
        "2024-03-01T10:00:00Z"
    );
    assert_eq!(body.connected_duration_ms, Some(15_000));
}

#[test]
fn detail_acw_and_wrapup() {
    let TopicEvent::DetailAcw { body, .. } = decode(
        "v2.detail.events.conversation.c-1.acw",
        detail(
            json!({"userId": "u-1", "queueId": "q-1", "wrapupCode": "wc-1", "wrapupNotes": "resolved",
                      "wrapupDurationMs": 12000}),
        ),
    ) else {
        panic!()
    };
    assert_eq!(body.wrapup_code.as_deref(), Some("wc-1"));
    assert_eq!(body.wrapup_duration_ms, Some(12_000));
    assert_eq!(body.event_time, ms(EVENT_TIME));
    let TopicEvent::DetailWrapup { body, .. } = decode(
        "v2.detail.events.conversation.c-1.wrapup",
        detail(json!({"queueId": "q-1", "wrapupCode": "wc-2", "messageType": "WEBMESSAGING"})),
    ) else {
        panic!()
    };
    assert_eq!(body.wrapup_code.as_deref(), Some("wc-2"));
    assert_eq!(body.message_type, Some(DetailMessageType::Webmessaging));
}

#[test]
fn detail_attributes_and_contact() {
    let TopicEvent::DetailAttributes { body, .. } = decode(
        "v2.detail.events.conversation.c-1.attributes",
        json!({"eventTime": EVENT_TIME, "conversationId": "c-1", "participantId": "p-1",
               "attributes": {"orderId": "1234"}, "communications": [{"mediaType": "VOICE", "id": "m-1"}]}),
    ) else {
        panic!()
    };
    assert_eq!(body.attributes.unwrap()["orderId"], "1234");
    assert_eq!(
        body.communications.unwrap()[0].media_type,
        Some(DetailMediaType::Voice)
    );
    let TopicEvent::DetailContact { body, .. } = decode(
        "v2.detail.events.conversation.c-1.contact",
        detail(json!({"externalContactId": "ec-9", "externalOrganizationId": "eo-1"})),
    ) else {
        panic!()
    };
    assert_eq!(body.external_contact_id.as_deref(), Some("ec-9"));
}

#[test]
fn detail_customer_start_and_end() {
    let TopicEvent::DetailCustomerStart { body, .. } = decode(
        "v2.detail.events.conversation.c-1.customer.start",
        detail(
            json!({"journeyContext": {"sessionId": "js-1", "sessionIdType": "web", "actionId": "a-1"}}),
        ),
    ) else {
        panic!()
    };
    assert_eq!(
        body.journey_context.unwrap().session_id.as_deref(),
        Some("js-1")
    );
    let TopicEvent::DetailCustomerEnd { body, .. } = decode(
        "v2.detail.events.conversation.c-1.customer.end",
        detail(json!({"disconnectType": "PEER", "interactingDurationMs": 90000})),
    ) else {
        panic!()
    };
    assert_eq!(body.disconnect_type, Some(DetailDisconnectType::Peer));
    assert_eq!(body.interacting_duration_ms, Some(90_000));
}

#[test]
fn detail_flows() {
    let TopicEvent::DetailFlowStart { body, .. } = decode(
        "v2.detail.events.conversation.c-1.flow.start",
        detail(json!({"flowType": "INBOUNDCALL", "flowId": "f-1", "flowVersion": "3.0"})),
    ) else {
        panic!()
    };
    assert_eq!(body.flow_type, Some(FlowType::Inboundcall));
    assert_eq!(body.flow_version.as_deref(), Some("3.0"));
    let TopicEvent::DetailFlowEnd { body, .. } = decode(
        "v2.detail.events.conversation.c-1.flow.end",
        detail(
            json!({"flowType": "INBOUNDCALL", "exitReason": "TRANSFER", "transferType": "ACD",
                      "disconnectType": "TRANSFER"}),
        ),
    ) else {
        panic!()
    };
    assert_eq!(body.exit_reason, Some(FlowExitReason::Transfer));
    assert_eq!(body.transfer_type, Some(FlowTransferType::Acd));
    let TopicEvent::DetailFlowOutcome { body, .. } = decode(
        "v2.detail.events.conversation.c-1.flow.outcome",
        detail(
            json!({"flowOutcomeValue": "SUCCESS", "flowOutcomeId": "fo-1",
                      "flowOutcomeStartTime": 1_709_283_600_000i64, "flowOutcomeEndTime": EVENT_TIME,
                      "flowMilestones": [{"milestoneId": "ms-1", "milestoneTime": 1_709_283_601_000i64}]}),
        ),
    ) else {
        panic!()
    };
    assert_eq!(body.flow_outcome_value, Some(FlowOutcomeValue::Success));
    assert_eq!(body.flow_outcome_start_time, ms(1_709_283_600_000));
    assert_eq!(body.flow_outcome_end_time, ms(EVENT_TIME));
    let milestone = &body.flow_milestones.unwrap()[0];
    assert_eq!(milestone.milestone_time, ms(1_709_283_601_000));
}

#[test]
fn detail_outbound() {
    let TopicEvent::DetailOutbound { body, .. } = decode(
        "v2.detail.events.conversation.c-1.outbound",
        detail(
            json!({"direction": "OUTBOUND", "outboundCampaignId": "oc-1", "outboundContactListId": "cl-1",
                      "outboundContactId": "ct-1"}),
        ),
    ) else {
        panic!()
    };
    assert_eq!(body.direction, Some(DetailDirection::Outbound));
    assert_eq!(body.outbound_campaign_id.as_deref(), Some("oc-1"));
}

#[test]
fn detail_user_start_and_end() {
    let TopicEvent::DetailUserStart { body, .. } = decode(
        "v2.detail.events.conversation.c-1.user.start",
        detail(json!({"userId": "u-1", "queueId": "q-1"})),
    ) else {
        panic!()
    };
    assert_eq!(body.user_id.as_deref(), Some("u-1"));
    let TopicEvent::DetailUserEnd { body, .. } = decode(
        "v2.detail.events.conversation.c-1.user.end",
        detail(
            json!({"userId": "u-1", "disconnectType": "CLIENT", "interactingDurationMs": 61000,
                      "heldDurationMs": 5000, "alertingDurationMs": 4000}),
        ),
    ) else {
        panic!()
    };
    assert_eq!(body.disconnect_type, Some(DetailDisconnectType::Client));
    assert_eq!(body.held_duration_ms, Some(5_000));
}

#[test]
fn detail_voicemails() {
    let TopicEvent::DetailVoicemailStart { body, .. } = decode(
        "v2.detail.events.conversation.c-1.voicemail.start",
        detail(json!({"userId": "u-1"})),
    ) else {
        panic!()
    };
    assert_eq!(body.event_time, ms(EVENT_TIME));
    let TopicEvent::DetailVoicemailEnd { body, .. } = decode(
        "v2.detail.events.conversation.c-1.voicemail.end",
        detail(
            json!({"userId": "u-1", "voicemailDurationMs": 21000, "disconnectType": "ENDPOINT"}),
        ),
    ) else {
        panic!()
    };
    assert_eq!(body.voicemail_duration_ms, Some(21_000));
    assert_eq!(body.disconnect_type, Some(DetailDisconnectType::Endpoint));
}

#[test]
fn agent_state() {
    let TopicEvent::AgentState { user_id, body } = decode(
        "v2.detail.events.agent.u-1.state",
        json!({"currentState": "INTERACT", "originatingDirection": "INBOUND", "mediaType": "VOICE",
               "conversationId": "c-1", "sessionId": "s-1", "sessionStart": 1_709_283_600_000i64,
               "currentStateStart": EVENT_TIME, "userId": "u-1", "queueId": "q-1", "requestedSkillIds": [UUID]}),
    ) else {
        panic!()
    };
    assert_eq!(user_id, "u-1");
    assert_eq!(body.current_state, Some(AgentState::Interact));
    assert_eq!(body.originating_direction, Some(DetailDirection::Inbound));
    assert_eq!(body.session_start, ms(1_709_283_600_000));
    assert_eq!(body.current_state_start.unwrap().unix_millis(), EVENT_TIME);
}

#[test]
fn other_topics_come_back_whole() {
    let note = note_of("v2.users.u-1.greetings", json!({"id": 5}));
    let TopicEvent::Other(back) = note.decode().unwrap() else {
        panic!()
    };
    assert_eq!(back.raw(), note.raw());
    assert_eq!(TopicEvent::Other(back).template(), None);
}

#[test]
fn unknown_fields_unknown_values_missing_fields_and_extra_nesting() {
    // Unknown enum values are kept; case does not matter for known ones.
    let TopicEvent::UserRoutingStatus { body, .. } = decode(
        "v2.users.u-1.routingStatus",
        json!({"routingStatus": {"status": "on_vacation", "startTime": "2024-03-01T09:00:00Z", "new": {"a": [1, {"b": null}]}},
               "future": [[[{}]]], "id": "u-1"}),
    ) else {
        panic!()
    };
    let status = body.routing_status.unwrap().status.unwrap();
    assert_eq!(status, RoutingState::Unknown("on_vacation".into()));
    assert!(status.is_unknown());
    assert_eq!(status.as_str(), "on_vacation");
    assert_eq!(RoutingState::from("off_queue"), RoutingState::OffQueue);
    assert_eq!(
        CommunicationState::from("AlErTiNg"),
        CommunicationState::Alerting
    );
    // Every field missing.
    for template in delivered() {
        let ids: Vec<&str> = template.id_names().iter().map(|_| "x1").collect();
        let topic = template.build(&ids).unwrap();
        let event = decode(&topic, json!({}));
        assert_eq!(event.template(), Some(template), "{topic}");
    }
    // Extra nesting and unknown keys at every level of a conversation.
    let mut body = conversation_body();
    body["participants"][0]["callbacks"][0]["afterCallWork"]["extra"] =
        json!({"deep": {"deeper": [1, 2, 3]}});
    body["participants"][0]["conversationRoutingData"]["queue"]["extra"] = json!([{"x": {}}]);
    body["participants"][0]["videos"] = json!([{"id": "v-1", "state": "teleporting", "new": true}]);
    let TopicEvent::UserConversations { body, .. } = decode("v2.users.u-1.conversations", body)
    else {
        panic!()
    };
    check_conversation(&body);
    let video = &body.participants.unwrap()[0].videos.clone().unwrap()[0];
    assert_eq!(
        video.state,
        Some(CommunicationState::Unknown("teleporting".into()))
    );
    // Explicit nulls are missing values.
    let TopicEvent::UserPresence { body, .. } = decode(
        "v2.users.u-1.presence",
        json!({"source": null, "presenceDefinition": null, "modifiedDate": null}),
    ) else {
        panic!()
    };
    assert_eq!(body.source, None);
    assert_eq!(body.modified_date, None);
}

#[test]
fn timestamps_in_both_forms() {
    let a = Timestamp::parse("2022-07-04T11:00:00Z").unwrap();
    assert_eq!(a.unix_millis(), 1_656_932_400_000);
    let b = Timestamp::parse("2022-07-04T13:00:00.000+02:00").unwrap();
    assert_eq!(a, b);
    assert_eq!(b.to_string(), "2022-07-04T11:00:00Z");
    assert!(Timestamp::parse("2022-07-04 11:00").is_none());
    assert!(Timestamp::from_unix_millis(i64::MAX).is_none());
    // Epoch milliseconds also decode where a string is documented, and vice versa.
    let TopicEvent::UserPresence { body, .. } = decode(
        "v2.users.u-1.presence",
        json!({"modifiedDate": 1_656_932_400_000i64}),
    ) else {
        panic!()
    };
    assert_eq!(body.modified_date, Some(a));
    let TopicEvent::DetailAcw { body, .. } = decode(
        "v2.detail.events.conversation.c-1.acw",
        json!({"eventTime": "2022-07-04T11:00:00Z"}),
    ) else {
        panic!()
    };
    assert_eq!(body.event_time, Some(a));
}

#[test]
fn wrong_types_and_non_objects_are_errors_with_the_frame() {
    let bad = [
        ("v2.users.u-1.presence", json!({"primary": "yes"})),
        (
            "v2.users.u-1.presence",
            json!({"modifiedDate": "yesterday"}),
        ),
        ("v2.users.u-1.presence", json!([])),
        ("v2.users.u-1.presence", json!([{"source": "PURECLOUD"}])),
        ("v2.users.u-1.presence", json!("text")),
        ("v2.users.u-1.presence", Value::Null),
        ("v2.detail.events.conversation.c-1.acd.end", json!(7)),
        (
            "v2.detail.events.conversation.c-1.acd.end",
            json!({"eventTime": 1e300}),
        ),
    ];
    for (topic, body) in bad {
        let note = note_of(topic, body.clone());
        let err = note.decode().unwrap_err();
        assert!(!err.is_fatal(), "{body}");
        assert_eq!(err.raw_text(), Some(note.raw()), "{body}");
        assert!(err.to_string().contains(topic), "{err}");
    }
}

#[test]
fn arrays_in_place_of_nested_objects_are_errors_not_decoded_by_position() {
    let bad = [
        (
            "v2.users.u-1.presence",
            json!({"presenceDefinition": ["6a3af858", "AVAILABLE"]}),
        ),
        (
            "v2.users.u-1.conversations",
            json!({"id": "c-1", "participants": [["p-1", "agent"]]}),
        ),
        (
            "v2.users.u-1.activity",
            json!({"routingStatus": {"status": "IDLE"}, "presence": [null, "x"]}),
        ),
        (
            "v2.detail.events.conversation.c-1.acd.end",
            json!({"eventTime": 1_656_940_000_000_i64, "conversationId": "c-1",
                   "participantId": "p-1", "sessionId": "s-1", "mediaType": "VOICE",
                   "queueId": "q-1", "acdOutcome": "ANSWERED", "extra": [1, 2]}),
        ),
    ];
    for (i, (topic, body)) in bad.into_iter().enumerate() {
        let note = note_of(topic, body.clone());
        match note.decode() {
            // The last one has an array only where the model has no field: decoded.
            Ok(event) if i == 3 => assert!(matches!(event, TopicEvent::DetailAcdEnd { .. })),
            Ok(event) => panic!("{body} decoded as {event:?}"),
            Err(err) => {
                assert!(!err.is_fatal(), "{body}");
                assert_eq!(err.raw_text(), Some(note.raw()), "{body}");
                let text = err.to_string();
                assert!(text.contains(topic), "{text}");
                assert!(
                    text.contains("invalid type: sequence, expected struct"),
                    "{text}"
                );
            }
        }
    }
}

#[test]
fn topics_parse_and_build_round_trip_for_every_template() {
    assert_eq!(Template::ALL.len(), 52);
    for &template in Template::ALL {
        let ids: Vec<String> = template
            .id_names()
            .iter()
            .enumerate()
            .map(|(i, _)| format!("Id-{i}_{}", template as usize))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let topic = template.build(&refs).unwrap();
        assert_eq!(
            topic.split('.').count(),
            template.pattern().split('.').count()
        );
        let (parsed, parsed_ids) = Template::parse(&topic).unwrap();
        assert_eq!(parsed, template, "{topic}");
        assert_eq!(parsed_ids.as_slice(), refs.as_slice());
        assert_eq!(template.pattern().parse::<Template>(), Ok(template));
        assert_eq!(format!("{template:?}").parse::<Template>(), Ok(template));
        assert_eq!(template.to_string(), template.pattern());
        // Fixed segments in any case, as the SDKs look topics up.
        let upper = template.pattern().to_ascii_uppercase().replace("{ID}", "Z");
        assert_eq!(Template::parse(&upper).map(|(t, _)| t), Some(template));
        // A wrong number of ids or a bad id is refused.
        assert!(template.build(&["a", "b", "c"]).is_err());
        if !refs.is_empty() {
            let mut dotted = refs.clone();
            dotted[0] = "a.b";
            assert!(template.build(&dotted).is_err());
            dotted[0] = "";
            assert!(template.build(&dotted).is_err());
        }
    }
    assert!(Template::parse("v2.users.u-1").is_none());
    assert!(Template::parse("v2.users..presence").is_none());
    assert!(Template::parse("v2.users.u-1.presence.extra").is_none());
    assert!(Template::parse("v2.users.u-1?presence&routingStatus").is_none());
    assert!(Template::parse("a.b.c.d.e.f.g.h.i").is_none());
    assert!(Template::UserPresence.build(&[&"x".repeat(200)]).is_err());
    assert!("v2.nothing".parse::<Template>().is_err());
}

#[test]
fn combined_topics_round_trip() {
    let user = |t: Template| t.build(&["u-1"]).unwrap();
    let topics = vec![
        user(Template::UserPresence),
        user(Template::UserRoutingStatus),
        user(Template::UserActivity),
        Template::QueueObservations.build(&["q-1"]).unwrap(),
        user(Template::UserCalls),
        user(Template::UserChats),
        user(Template::UserPresence),
    ];
    let combined = combine(&topics);
    assert_eq!(
        combined,
        [
            "v2.users.u-1?presence&routingStatus&activity",
            "v2.analytics.queues.q-1.observations",
            "v2.users.u-1.conversations?calls&chats",
        ]
    );
    let expanded: Vec<String> = combined
        .iter()
        .flat_map(|t| genesys_notifications::topic::expand(t))
        .collect();
    let mut want = topics[..6].to_vec();
    want.sort();
    let mut got = expanded.clone();
    got.sort();
    assert_eq!(got, want);
    for topic in &expanded {
        assert!(Template::parse(topic).is_some(), "{topic}");
    }
    // Every combined entry stays under the length limit.
    let many: Vec<String> = (0..60)
        .map(|i| format!("v2.users.u-1.leaf{i:02}"))
        .collect();
    let combined = combine(&many);
    assert!(combined.len() > 1);
    for entry in &combined {
        assert!(
            genesys_notifications::topic::validate(entry).is_ok(),
            "{entry}"
        );
    }
    let back: Vec<String> = combined
        .iter()
        .flat_map(|t| genesys_notifications::topic::expand(t))
        .collect();
    assert_eq!(back, many);
}

mod property {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[a-zA-Z0-9:._ -]{0,12}".prop_map(Value::from),
            Just(json!("2024-03-01T09:00:00Z")),
            Just(json!("connected")),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map(field_name(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Mostly names the models use, so that values of every type reach real fields.
    fn field_name() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "id",
                "state",
                "status",
                "participants",
                "calls",
                "routingStatus",
                "startTime",
                "eventTime",
                "presenceDefinition",
                "data",
                "metrics",
                "stats",
                "attributes",
                "type",
                "user",
                "queue",
                "modifiedDate",
                "transcripts",
                "results",
                "group",
            ])
            .prop_map(str::to_owned),
            "[a-zA-Z]{1,8}",
        ]
    }

    // 256 cases each by default; `PROPTEST_CASES=N` for more.
    proptest! {
        #[test]
        fn arbitrary_objects_never_panic(
            template in prop::sample::select(delivered()),
            body in prop::collection::btree_map(field_name(), json_value(), 0..8),
        ) {
            let ids: Vec<&str> = template.id_names().iter().map(|_| "id7").collect();
            let topic = template.build(&ids).unwrap();
            let note = note_of(&topic, Value::Object(body.into_iter().collect()));
            match note.decode() {
                Ok(event) => prop_assert_eq!(event.template(), Some(template)),
                Err(e) => {
                    prop_assert!(!e.is_fatal());
                    prop_assert_eq!(e.raw_text(), Some(note.raw()));
                }
            }
        }

        #[test]
        fn non_objects_are_errors_with_the_frame(
            template in prop::sample::select(delivered()),
            body in json_value().prop_filter("not an object", |v| !v.is_object()),
        ) {
            let ids: Vec<&str> = template.id_names().iter().map(|_| "id7").collect();
            let note = note_of(&template.build(&ids).unwrap(), body);
            let err = note.decode().unwrap_err();
            prop_assert!(!err.is_fatal());
            prop_assert_eq!(err.raw_text(), Some(note.raw()));
        }
    }
}

/// Every event body the simulator's generator emits, for every topic template it generates,
/// decodes to the typed variant of its topic, with no enum value left unknown.
#[tokio::test(start_paused = true)]
async fn every_generated_payload_decodes_to_its_typed_variant() {
    use futures_util::StreamExt;
    use std::collections::BTreeSet;

    let sim = genesys_sim::Simulator::start(genesys_sim::SimConfig {
        generator: Some(genesys_sim::GeneratorConfig {
            rate_per_sec: 1000.0,
        }),
        seed: 17,
        ..genesys_sim::SimConfig::default()
    })
    .await
    .unwrap();
    // Every template but the system ones, which the service (and the channel) handle.
    let generated: Vec<Template> = delivered()
        .into_iter()
        .filter(|t| *t != Template::SubscriptionUpdated)
        .collect();
    assert_eq!(generated.len(), 47);
    let topics: Vec<String> = generated
        .iter()
        .map(|t| {
            let ids: Vec<&str> = t.id_names().iter().map(|_| "e7c1d9a0").collect();
            t.build(&ids).unwrap()
        })
        .collect();
    let uri = sim.create_channel("models-test").connect_uri;
    let mut channel = genesys_notifications::connect(&uri, combine(&topics))
        .await
        .unwrap();
    let mut seen = BTreeSet::new();
    let mut decoded = 0;
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while seen.len() < generated.len() || decoded < 500 {
            let note = channel.next().await.unwrap().unwrap();
            let (expected, _) = Template::parse(note.topic()).unwrap();
            let event = note
                .decode()
                .unwrap_or_else(|e| panic!("{}: {e}: {}", note.topic(), note.raw()));
            assert_eq!(event.template(), Some(expected), "{}", note.raw());
            let debug = format!("{event:?}");
            assert!(!debug.contains("Unknown("), "unknown enum value: {debug}");
            assert!(debug.matches("Some(").count() >= 3, "nearly empty: {debug}");
            seen.insert(expected);
            decoded += 1;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!("templates never generated: {:?}", {
            let mut missing = generated.clone();
            missing.retain(|t| !seen.contains(t));
            missing
        })
    });
}
