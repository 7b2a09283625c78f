//! Channel URIs without I/O: parsing and checking (`ws`/`wss`, plain `ws://` only to loopback
//! hosts unless allowed), and redaction for logs, `Debug` and errors (a channel's connect URI
//! and its id are the socket's only credential).

use url::{Host, Url};

use crate::error::{Error, ErrorKind, Reason};

pub(crate) fn invalid_uri(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Connection, Reason::InvalidUri).with_message(msg)
}

/// Whether `host` is a loopback address or a `localhost` name: the only hosts plain `ws://`
/// and `http://` may reach without an explicit opt-in.
pub(crate) fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
    }
}

/// Parses and checks a channel URI: `ws`/`wss`, a host, and no plain `ws://` to a remote
/// host unless allowed. Errors show the URI redacted ([`redact_text`]): it is the socket's
/// credential.
pub(crate) fn parse_uri(uri: &str, allow_plain_ws: bool) -> Result<Url, Error> {
    let shown = redact_text(uri);
    let url = Url::parse(uri)
        .map_err(|e| invalid_uri(format!("{shown:?} is not a valid URI: {e}")).with_source(e))?;
    let host = url
        .host()
        .ok_or_else(|| invalid_uri(format!("{shown:?} has no host")))?;
    match url.scheme() {
        "wss" => Ok(url),
        "ws" if allow_plain_ws || is_loopback(&host) => Ok(url),
        "ws" => Err(invalid_uri(format!(
            "refusing plain ws:// to the non-loopback host {host}: use wss:// \
             (or ConnectOptions::danger_allow_plain_ws)"
        ))),
        other => Err(invalid_uri(format!(
            "{shown:?}: scheme {other:?} is not ws or wss"
        ))),
    }
}

/// The URI without its path (the channel id is the socket's only credential).
pub(crate) fn redact(uri: &Url) -> String {
    match uri.host_str() {
        Some(h) => format!("{}://{}/…", uri.scheme(), h),
        None => format!("{}://…", uri.scheme()),
    }
}

/// A URI as text, for `Debug` and errors: scheme, host and port, and each path segment
/// shortened by [`short_id`] (so a channel id shows only its first characters); user info,
/// query and fragment are left out. Text that is no URI shows only its first characters.
pub(crate) fn redact_text(uri: &str) -> String {
    match Url::parse(uri) {
        Ok(url) => {
            let mut shown = format!("{}://", url.scheme());
            if let Some(host) = url.host_str() {
                shown.push_str(host);
            }
            if let Some(port) = url.port() {
                shown.push_str(&format!(":{port}"));
            }
            let path: Vec<String> = url.path().split('/').map(short_id).collect();
            shown.push_str(&path.join("/"));
            if url.query().is_some() || url.fragment().is_some() {
                shown.push('…');
            }
            shown
        }
        Err(_) => short_id(uri),
    }
}

/// A channel id shortened for logs and error labels: its first 16 characters and `…` (the
/// whole id is the socket's only credential, like the URI [`redact`] hides).
#[cfg_attr(not(feature = "rest"), allow(dead_code))]
pub(crate) fn short_id(id: &str) -> String {
    const KEEP: usize = 16;
    match id.char_indices().nth(KEEP) {
        Some((end, _)) => format!("{}…", &id[..end]),
        None => id.to_owned(),
    }
}

/// A URL path with the channel id (the segment after `channels`) shortened by [`short_id`].
#[cfg_attr(not(feature = "rest"), allow(dead_code))]
pub(crate) fn redact_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut after_channels = false;
    for segment in path.split('/') {
        if after_channels && !segment.is_empty() {
            out.push(short_id(segment));
        } else {
            out.push(segment.to_owned());
        }
        after_channels = segment == "channels";
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn uri_checks() {
        assert!(parse_uri("ws://127.0.0.1:1/channels/x", false).is_ok());
        assert!(parse_uri("ws://[::1]:1/channels/x", false).is_ok());
        assert!(parse_uri("ws://localhost:1/channels/x", false).is_ok());
        assert!(parse_uri("wss://streaming.mypurecloud.com/channels/x", false).is_ok());
        let e = parse_uri("ws://streaming.mypurecloud.com/channels/x", false)
            .err()
            .map(|e| (e.kind(), e.reason()));
        assert_eq!(e, Some((ErrorKind::Connection, Reason::InvalidUri)));
        assert!(parse_uri("ws://example.com/x", true).is_ok());
        assert!(parse_uri("http://127.0.0.1/x", false).is_err());
        assert!(parse_uri("not a uri", false).is_err());
        assert_eq!(
            redact(&Url::parse("wss://h.example/channels/secret").unwrap()),
            "wss://h.example/…"
        );
    }

    #[test]
    fn uri_errors_never_show_the_whole_uri() {
        let id = "streaming-0-1tvypwwdkuzrderyr21vwn7pbn";
        for uri in [
            format!("ws://streaming.mypurecloud.com/channels/{id}"),
            format!("http://127.0.0.1/channels/{id}"),
            format!("ftp://h.example/channels/{id}"),
            format!("not a uri {id}"),
        ] {
            let e = parse_uri(&uri, false).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(id), "{shown}");
        }
        let e = parse_uri(&format!("http://127.0.0.1/channels/{id}"), false).unwrap_err();
        assert!(e.to_string().contains("streaming-0-1tvy…"), "{e}");
        assert_eq!(
            redact_text(&format!("wss://u:p@h.example:8443/channels/{id}?t=x")),
            "wss://h.example:8443/channels/streaming-0-1tvy……"
        );
    }

    #[test]
    fn channel_ids_are_shortened_in_labels() {
        let id = "streaming-0-1tvypwwdkuzrderyr21vwn7pbn";
        assert_eq!(short_id(id), "streaming-0-1tvy…");
        assert_eq!(short_id("short"), "short");
        assert_eq!(short_id("ééééééééééééééééé"), "éééééééééééééééé…");
        assert_eq!(
            redact_path(&format!(
                "/api/v2/notifications/channels/{id}/subscriptions"
            )),
            "/api/v2/notifications/channels/streaming-0-1tvy…/subscriptions"
        );
        assert_eq!(
            redact_path("/api/v2/notifications/channels"),
            "/api/v2/notifications/channels"
        );
    }
}
