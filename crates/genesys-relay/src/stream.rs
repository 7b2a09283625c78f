//! The stream: created when missing, used as it is when present, never changed.

use async_nats::jetstream::ErrorCode;
use async_nats::jetstream::context::{CreateStreamErrorKind, GetStreamErrorKind};
use async_nats::jetstream::stream::{Config, DiscardPolicy, RetentionPolicy, StorageType};
use async_nats::jetstream::{self, stream::Stream};

use crate::error::RelayError;
use crate::options::StreamOptions;
use crate::subject::{covers, overlaps};

/// What [`ensure_stream`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ensured {
    /// The stream did not exist and was created with the options.
    Created,
    /// The stream existed and captures the subjects; it is used as it is.
    Existing,
}

/// Makes sure the stream exists and captures `<prefix>.>`.
///
/// A missing stream is created (file storage, limits retention, `max_age`, `max_bytes`,
/// `duplicate_window`, `replicas` from the options). An existing one is used as it is, never
/// changed: a stream whose subjects do not capture every subject under the prefix, or a
/// creation refused because another stream already captures some of them, is a
/// [`RelayError::StreamConflict`] naming what is in the way.
///
/// # Errors
///
/// [`RelayError::StreamConflict`], [`RelayError::InvalidOption`], or
/// [`RelayError::JetStream`] when JetStream is not available or fails.
pub async fn ensure_stream(
    js: &jetstream::Context,
    options: &StreamOptions,
) -> Result<(Stream, Ensured), RelayError> {
    options.validate()?;
    let wanted = options.subjects();
    match js.get_stream(&options.name).await {
        Ok(mut stream) => {
            let config = stream
                .info()
                .await
                .map_err(|e| RelayError::JetStream(format!("stream info: {e}")))?
                .config
                .clone();
            check_existing(&config, options)?;
            Ok((stream, Ensured::Existing))
        }
        Err(error) => match error.kind() {
            GetStreamErrorKind::JetStream(e) if e.error_code() == ErrorCode::STREAM_NOT_FOUND => {
                create(js, options, &wanted).await
            }
            GetStreamErrorKind::InvalidStreamName | GetStreamErrorKind::EmptyName => Err(
                RelayError::InvalidOption(format!("invalid stream name {:?}", options.name)),
            ),
            _ => Err(RelayError::JetStream(format!(
                "cannot look up stream {}: {error} (is JetStream enabled on the server?)",
                options.name
            ))),
        },
    }
}

/// An existing stream must capture `<prefix>.>`; other settings are reported, not changed.
fn check_existing(config: &Config, options: &StreamOptions) -> Result<(), RelayError> {
    let wanted = options.subjects();
    if !config.subjects.iter().any(|s| covers(s, &wanted)) {
        return Err(RelayError::StreamConflict(format!(
            "stream {} exists with subjects {:?}, which do not capture {wanted}; it is left \
             unchanged. Use another --stream or --subject-prefix, or change the stream yourself",
            options.name, config.subjects
        )));
    }
    if config.retention != RetentionPolicy::Limits {
        tracing::warn!(
            event = "stream_retention",
            stream = %options.name,
            "stream {} has {:?} retention: messages may be removed before every consumer read them",
            options.name,
            config.retention
        );
    }
    if config.duplicate_window.is_zero() {
        tracing::warn!(
            event = "stream_no_dedup",
            stream = %options.name,
            "stream {} has no duplicate window: retries and a second relay will write duplicates",
            options.name
        );
    } else if config.duplicate_window != options.duplicate_window
        || config.max_age != options.max_age
    {
        tracing::info!(
            event = "stream_existing",
            stream = %options.name,
            duplicate_window_s = config.duplicate_window.as_secs(),
            max_age_s = config.max_age.as_secs(),
            "using the existing stream {} as it is (its own duplicate window and retention apply)",
            options.name
        );
    }
    Ok(())
}

async fn create(
    js: &jetstream::Context,
    options: &StreamOptions,
    wanted: &str,
) -> Result<(Stream, Ensured), RelayError> {
    let max_bytes = match options.max_bytes {
        None => -1,
        Some(bytes) => i64::try_from(bytes)
            .map_err(|_| RelayError::InvalidOption(format!("--max-bytes {bytes} is too large")))?,
    };
    let config = Config {
        name: options.name.clone(),
        description: Some("Genesys Cloud notifications (genesys-notify relay)".into()),
        subjects: vec![wanted.to_owned()],
        retention: RetentionPolicy::Limits,
        discard: DiscardPolicy::Old,
        storage: StorageType::File,
        max_age: options.max_age,
        max_bytes,
        duplicate_window: options.duplicate_window,
        num_replicas: options.replicas,
        allow_direct: true,
        ..Config::default()
    };
    match js.create_stream(config).await {
        Ok(stream) => {
            tracing::info!(
                event = "stream_created",
                stream = %options.name,
                subjects = wanted,
                "created stream {} for {wanted}",
                options.name
            );
            Ok((stream, Ensured::Created))
        }
        Err(error) => match error.kind() {
            CreateStreamErrorKind::JetStream(e)
                if e.error_code() == ErrorCode::STREAM_SUBJECT_OVERLAP =>
            {
                let holders = overlapping_streams(js, wanted).await;
                Err(RelayError::StreamConflict(format!(
                    "cannot create stream {} for {wanted}: its subjects overlap those of {}",
                    options.name,
                    if holders.is_empty() {
                        "another stream".to_owned()
                    } else {
                        holders.join(", ")
                    }
                )))
            }
            CreateStreamErrorKind::JetStream(e)
                if e.error_code() == ErrorCode::STREAM_NAME_EXIST =>
            {
                // Created meanwhile by another relay: use it if it fits.
                Box::pin(ensure_stream(js, options)).await
            }
            _ => Err(RelayError::JetStream(format!(
                "cannot create stream {}: {error}",
                options.name
            ))),
        },
    }
}

/// The names and subjects of the streams whose subjects overlap `wanted`.
async fn overlapping_streams(js: &jetstream::Context, wanted: &str) -> Vec<String> {
    use futures_util::StreamExt;
    let mut found = Vec::new();
    let mut streams = js.streams();
    while let Some(Ok(info)) = streams.next().await {
        let hits: Vec<&String> = info
            .config
            .subjects
            .iter()
            .filter(|s| overlaps(s, wanted))
            .collect();
        if !hits.is_empty() {
            found.push(format!("stream {} ({hits:?})", info.config.name));
        }
    }
    found
}
