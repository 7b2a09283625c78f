//! Bodies of `v2.conversations.{id}.transcription`.

use serde::Deserialize;

use super::Timestamp;

/// Part of the event body of `v2.conversations.{id}.transcription`.
///
/// Same shape as the SDK model `TranscriptionTopicTranscriptAlternative`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct TranscriptAlternative {
    /// Confidence.
    pub confidence: Option<f64>,
    /// Offset ms.
    pub offset_ms: Option<i64>,
    /// Duration ms.
    pub duration_ms: Option<i64>,
    /// Transcript.
    pub transcript: Option<String>,
    /// Words.
    pub words: Option<Vec<TranscriptWord>>,
    /// Decorated transcript.
    pub decorated_transcript: Option<String>,
    /// Decorated words.
    pub decorated_words: Option<Vec<TranscriptWord>>,
}

/// Part of the event body of `v2.conversations.{id}.transcription`.
///
/// Same shape as the SDK model `TranscriptionTopicTranscriptResult`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct TranscriptResult {
    /// Channel.
    pub channel: Option<TranscriptChannel>,
    /// Utterance id.
    pub utterance_id: Option<String>,
    /// Is final.
    pub is_final: Option<bool>,
    /// Alternatives.
    pub alternatives: Option<Vec<TranscriptAlternative>>,
    /// Agent assistant id.
    pub agent_assistant_id: Option<String>,
    /// Engine provider.
    pub engine_provider: Option<String>,
    /// Engine id.
    pub engine_id: Option<String>,
    /// Engine name.
    pub engine_name: Option<String>,
    /// Dialect.
    pub dialect: Option<String>,
    /// Speech text analytics program id.
    pub speech_text_analytics_program_id: Option<String>,
    /// Agent assist enabled.
    pub agent_assist_enabled: Option<bool>,
    /// Voice transcription enabled.
    pub voice_transcription_enabled: Option<bool>,
}

/// Part of the event body of `v2.conversations.{id}.transcription`.
///
/// Same shape as the SDK model `TranscriptionTopicTranscriptWord`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct TranscriptWord {
    /// Confidence.
    pub confidence: Option<f64>,
    /// Start time ms.
    pub start_time_ms: Option<i64>,
    /// Offset ms.
    pub offset_ms: Option<i64>,
    /// Duration ms.
    pub duration_ms: Option<i64>,
    /// Word.
    pub word: Option<String>,
}

/// The event body of `v2.conversations.{id}.transcription`.
///
/// Same shape as the SDK model `TranscriptionTopicTranscriptionMessage`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct TranscriptionMessage {
    /// Event time.
    pub event_time: Option<Timestamp>,
    /// Organization id.
    pub organization_id: Option<String>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Communication id.
    pub communication_id: Option<String>,
    /// Session start time ms.
    pub session_start_time_ms: Option<i64>,
    /// Transcription start time ms.
    pub transcription_start_time_ms: Option<i64>,
    /// Transcripts.
    pub transcripts: Option<Vec<TranscriptResult>>,
    /// Status.
    pub status: Option<TranscriptionRequestStatus>,
    /// Speech text analytics program id.
    pub speech_text_analytics_program_id: Option<String>,
}

/// Part of the event body of `v2.conversations.{id}.transcription`.
///
/// Same shape as the SDK model `TranscriptionTopicTranscriptionRequestStatus`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct TranscriptionRequestStatus {
    /// Status.
    pub status: Option<TranscriptionStatus>,
    /// Offset ms.
    pub offset_ms: Option<i64>,
}

string_enum! {
    /// Which side of the conversation a transcript belongs to.
    TranscriptChannel {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `INTERNAL`
        Internal = "INTERNAL",
        /// `EXTERNAL`
        External = "EXTERNAL",
        /// `BOTH`
        Both = "BOTH",
    }
}

string_enum! {
    /// Status of a transcription session.
    TranscriptionStatus {
        /// `UNKNOWN`
        Unspecified = "UNKNOWN",
        /// `SESSION_ONGOING`
        SessionOngoing = "SESSION_ONGOING",
        /// `SESSION_ENDED`
        SessionEnded = "SESSION_ENDED",
    }
}
