//! stdout: one JSON object a line, exactly as received, flushed per line.
//!
//! Nothing but notification (and, on request, heartbeat) frames is ever written to stdout.

use std::io::{self, BufWriter, Stdout, Write};

/// Writes frames to stdout.
#[derive(Debug)]
pub(crate) struct Output {
    out: BufWriter<Stdout>,
    pretty: bool,
}

impl Output {
    /// A writer on stdout; `pretty` spreads each object over indented lines.
    pub(crate) fn stdout(pretty: bool) -> Self {
        Output {
            out: BufWriter::new(io::stdout()),
            pretty,
        }
    }

    /// Writes one frame (a JSON text as received) and flushes it.
    pub(crate) fn frame(&mut self, json: &str) -> io::Result<()> {
        if self.pretty {
            write_pretty(&mut self.out, json)?;
        } else {
            write_line(&mut self.out, json)?;
        }
        self.out.write_all(b"\n")?;
        self.out.flush()
    }

    /// Writes a serialisable value as one JSON line (REST answers).
    pub(crate) fn value<T: serde::Serialize>(&mut self, value: &T) -> io::Result<()> {
        let json = serde_json::to_string(value).map_err(io::Error::other)?;
        self.frame(&json)
    }
}

/// Writes `json` on one line. A raw line break in a JSON text can only be insignificant
/// whitespace (inside strings it must be escaped), so replacing it by a space keeps the
/// frame's meaning and everything else byte for byte.
fn write_line(out: &mut impl Write, json: &str) -> io::Result<()> {
    if json.contains(['\n', '\r']) {
        out.write_all(json.replace(['\n', '\r'], " ").as_bytes())
    } else {
        out.write_all(json.as_bytes())
    }
}

/// Re-indents a JSON text with two spaces, keeping every token (key order, number
/// spelling, escapes) exactly as received. Input that is not JSON comes out re-spaced but
/// otherwise unchanged.
fn write_pretty(out: &mut impl Write, json: &str) -> io::Result<()> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    let mut buf = String::with_capacity(json.len() * 2);
    let newline = |buf: &mut String, depth: usize| {
        buf.push('\n');
        for _ in 0..depth {
            buf.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            buf.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                buf.push(c);
            }
            '{' | '[' => {
                buf.push(c);
                // Keep empty containers on one line.
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    if let Some(close) = chars.next() {
                        buf.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut buf, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut buf, depth);
                buf.push(c);
            }
            ',' => {
                buf.push(c);
                newline(&mut buf, depth);
            }
            ':' => buf.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => buf.push(c),
        }
    }
    out.write_all(buf.as_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pretty(json: &str) -> String {
        let mut out = Vec::new();
        write_pretty(&mut out, json).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn pretty_keeps_order_and_tokens() {
        let json = r#"{"topicName":"v2.x","version":"2","eventBody":{"z":1.50,"a":[1, 2],"s":"a,{\"b\":[]}","e":{},"l":[ ]},"metadata":{"CorrelationId":"c"}}"#;
        let expected = r#"{
  "topicName": "v2.x",
  "version": "2",
  "eventBody": {
    "z": 1.50,
    "a": [
      1,
      2
    ],
    "s": "a,{\"b\":[]}",
    "e": {},
    "l": []
  },
  "metadata": {
    "CorrelationId": "c"
  }
}"#;
        let got = pretty(json);
        assert_eq!(got, expected);
        // Same value as the input.
        let a: serde_json::Value = serde_json::from_str(json).unwrap();
        let b: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn line_breaks_never_split_a_frame() {
        let mut out = Vec::new();
        write_line(&mut out, "{\"a\":\r\n1}").unwrap();
        assert_eq!(out, b"{\"a\":  1}");
        let mut out = Vec::new();
        write_line(&mut out, r#"{"a":"x\ny"}"#).unwrap();
        assert_eq!(out, br#"{"a":"x\ny"}"#);
    }
}
