//! `--pretty`: a JSON text re-indented with two spaces, every token kept exactly as received.
//!
//! [`write()`] walks the text with serde_json: the whole text is validated once, then each
//! object or array is split into its members as borrowed [`RawValue`]s, whose text is the
//! input's own. Keys, strings (escapes included) and numbers are therefore copied byte for
//! byte — key order, duplicate keys, `1.50`, `1E400`, `-0` and `\u00e9` come out as they came
//! in — and only the whitespace between tokens changes. Nothing is built but a list of
//! borrowed slices, shared by all levels; serde_json's `arbitrary_precision` and
//! `preserve_order` features (which would change serde_json for every crate of the build)
//! are not needed.
//!
//! Each level re-scans the text of its members, so the work is the input's size times its
//! depth; below [`MAX_DEPTH`] levels a value is written on one line as received, which keeps
//! a hostile frame (deeply nested, up to the largest accepted frame) bounded in time and
//! stack.
//!
//! [`write_tokens`] is the earlier single-pass printer, kept for comparison (benchmark
//! `pretty` and the differential property test); it is not used by the binary.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// Levels indented; a value nested deeper is written on one line.
pub(crate) const MAX_DEPTH: usize = 32;

/// Appends `json` re-indented (two spaces a level, `"key": value`, empty containers as `{}`
/// and `[]`). Returns `false`, leaving `out` unchanged, when `json` is not one JSON value.
pub(crate) fn write(out: &mut Vec<u8>, json: &str) -> bool {
    let Ok(raw) = serde_json::from_str::<&RawValue>(json) else {
        return false;
    };
    let start = out.len();
    let mut members = Vec::new();
    if walk(out, raw, 0, &mut members).is_err() {
        // Unreachable for a validated text; keep the promise of leaving `out` unchanged.
        out.truncate(start);
        return false;
    }
    true
}

/// One member of an object (with its key) or of an array, as input text.
#[derive(Clone, Copy)]
struct Member<'a> {
    key: Option<&'a RawValue>,
    value: &'a RawValue,
}

/// Writes `raw` at `depth`; `members` is scratch shared by every level (each level uses the
/// part above where it found it, and truncates back to that).
fn walk<'a>(
    out: &mut Vec<u8>,
    raw: &'a RawValue,
    depth: usize,
    members: &mut Vec<Member<'a>>,
) -> Result<(), serde_json::Error> {
    let text = raw.get();
    let (open, close) = match text.as_bytes().first() {
        Some(b'{') => (b'{', b'}'),
        Some(b'[') => (b'[', b']'),
        // A scalar: no whitespace inside it, copied as is.
        _ => {
            out.extend_from_slice(text.as_bytes());
            return Ok(());
        }
    };
    if depth >= MAX_DEPTH {
        one_line(out, text);
        return Ok(());
    }
    let from = members.len();
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_any(Split(members))?;
    let to = members.len();
    out.push(open);
    if from == to {
        out.push(close);
        return Ok(());
    }
    for i in from..to {
        let Member { key, value } = members[i];
        if i > from {
            out.push(b',');
        }
        newline(out, depth + 1);
        if let Some(key) = key {
            out.extend_from_slice(key.get().as_bytes());
            out.extend_from_slice(b": ");
        }
        walk(out, value, depth + 1, members)?;
    }
    members.truncate(from);
    newline(out, depth);
    out.push(close);
    Ok(())
}

fn newline(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    out.resize(out.len() + 2 * depth, b' ');
}

/// A valid JSON text on one line: a raw line break can only be insignificant whitespace
/// (inside strings it must be escaped), so it becomes a space.
fn one_line(out: &mut Vec<u8>, text: &str) {
    out.extend(text.bytes().map(|b| match b {
        b'\n' | b'\r' => b' ',
        b => b,
    }));
}

/// Pushes the members of one object or array onto the scratch list.
struct Split<'s, 'a>(&'s mut Vec<Member<'a>>);

impl<'de> DeserializeSeed<'de> for Split<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Split<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object or an array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<&'de RawValue>()? {
            let value = map.next_value::<&'de RawValue>()?;
            self.0.push(Member {
                key: Some(key),
                value,
            });
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<&'de RawValue>()? {
            self.0.push(Member { key: None, value });
        }
        Ok(())
    }
}

/// The single-pass printer: the same layout, by a character scan that tracks strings and
/// escapes. Exact on valid JSON; on anything else it re-spaces without validating.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn write_tokens(out: &mut Vec<u8>, json: &str) {
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
    out.extend_from_slice(buf.as_bytes());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn pretty(json: &str) -> Option<String> {
        let mut out = b"kept".to_vec();
        if !write(&mut out, json) {
            assert_eq!(out, b"kept", "a refused text leaves the output unchanged");
            return None;
        }
        Some(String::from_utf8(out.split_off(4)).unwrap())
    }

    /// The tokens of a JSON text as written: each string with its quotes and escapes, each
    /// number or literal as spelt, each of `{}[]:,`. Whitespace between tokens is dropped.
    /// (An oracle independent of both printers: a byte lexer, no serde.)
    fn tokens(json: &str) -> Vec<&str> {
        let bytes = json.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            match bytes[i] {
                b' ' | b'\t' | b'\n' | b'\r' => {
                    i += 1;
                    continue;
                }
                b'"' => {
                    i += 1;
                    while bytes[i] != b'"' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'{' | b'}' | b'[' | b']' | b':' | b',' => i += 1,
                _ => {
                    while i < bytes.len()
                        && (bytes[i].is_ascii_alphanumeric() || b"+-.".contains(&bytes[i]))
                    {
                        i += 1;
                    }
                    assert!(i > start, "unexpected byte {} in {json:?}", bytes[i]);
                }
            }
            out.push(&json[start..i]);
        }
        out
    }

    /// What every output must satisfy: JSON again, the same tokens in the same order (keys,
    /// duplicates, number spelling, escapes), and the same value where serde_json can build
    /// one (it refuses numbers beyond `f64` and nesting beyond 128).
    fn assert_exact(input: &str, output: &str) {
        assert_eq!(tokens(input), tokens(output), "{output}");
        assert!(
            serde_json::from_str::<&RawValue>(output).is_ok(),
            "output is not JSON: {output}"
        );
        match (
            serde_json::from_str::<Value>(input),
            serde_json::from_str::<Value>(output),
        ) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{a:?} became {b:?}"),
        }
    }

    #[test]
    fn layout_and_tokens_are_kept() {
        let json = r#"{"topicName":"v2.x","version":"2","eventBody":{"z":1.50,"a":[1, 2],"s":"a,{\"b\":[]}","e":{},"l":[ ],"n":-0,"big":123456789012345678901234567890,"f":1E400,"u":"\u00e9\/"},"metadata":{"CorrelationId":"c"}}"#;
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
    "l": [],
    "n": -0,
    "big": 123456789012345678901234567890,
    "f": 1E400,
    "u": "\u00e9\/"
  },
  "metadata": {
    "CorrelationId": "c"
  }
}"#;
        assert_eq!(pretty(json).unwrap(), expected);
        let mut old = Vec::new();
        write_tokens(&mut old, json);
        assert_eq!(String::from_utf8(old).unwrap(), expected);
    }

    #[test]
    fn duplicate_keys_and_scalars_are_kept() {
        assert_eq!(
            pretty(" {\"a\":1,\"a\":2,\"\\u0061\":3} ").unwrap(),
            "{\n  \"a\": 1,\n  \"a\": 2,\n  \"\\u0061\": 3\n}"
        );
        assert_eq!(pretty(" 1.0e+2 ").unwrap(), "1.0e+2");
        assert_eq!(pretty("\"x\"").unwrap(), "\"x\"");
        assert_eq!(pretty("[\r\n]").unwrap(), "[]");
    }

    #[test]
    fn what_is_not_one_json_value_is_refused() {
        for bad in [
            "",
            "not json",
            "{\"a\":1} {}",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "[1 2]",
            "{\"a\":01}",
            "\"\u{1}\"",
            "[",
            "]",
            "{\"a\":\"\\x\"}",
        ] {
            assert_eq!(pretty(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_bounded_and_exact() {
        for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 10_000, 200_000] {
            let json = format!(
                "{}{{\"k\":\n[1.50,\"\\n\"]}}{}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let out = pretty(&json).unwrap();
            assert_exact(&json, &out);
            // Indented down to MAX_DEPTH levels, one line below.
            let deepest = out.lines().map(|l| l.len() - l.trim_start().len()).max();
            assert_eq!(deepest, Some(2 * MAX_DEPTH.min(depth + 2)), "depth {depth}");
        }
    }

    /// Arbitrary JSON text, hostile where it can be: every whitespace byte between tokens,
    /// numbers of any spelling and length, every escape (surrogate pairs included), control
    /// and non-ASCII characters, duplicate and escaped keys, empty and nested containers.
    fn json_text() -> impl Strategy<Value = String> {
        let ws = "[ \t\r\n]{0,2}";
        let number = "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?";
        let piece = prop_oneof![
            "[^\"\\\\\\x00-\\x1f]{0,6}".boxed(),
            Just("\\\"".to_owned()).boxed(),
            Just("\\\\".to_owned()).boxed(),
            Just("\\/".to_owned()).boxed(),
            "\\\\[bfnrt]".boxed(),
            "\\\\u00[0-1][0-9a-fA-F]".boxed(),
            "\\\\u[0-9a-cA-C][0-9a-fA-F]{3}".boxed(),
            "\\\\u[dD][89abAB][0-9a-fA-F]{2}\\\\u[dD][c-fC-F][0-9a-fA-F]{2}".boxed(),
            Just("{\\\"k\\\":[1,2]}".to_owned()).boxed(),
        ];
        let string = prop::collection::vec(piece, 0..4).prop_map(|p| format!("\"{}\"", p.concat()));
        let key = prop_oneof![
            Just("\"a\"".to_owned()),
            Just("\"\\u0061\"".to_owned()),
            string.clone()
        ];
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            number.prop_map(|n| n),
            string,
        ];
        let spaced =
            move |s: BoxedStrategy<String>| (ws, s, ws).prop_map(|(a, s, b)| format!("{a}{s}{b}"));
        leaf.prop_recursive(8, 64, 6, move |inner| {
            prop_oneof![
                (
                    prop::collection::vec(spaced(inner.clone().boxed()), 0..6),
                    ws
                )
                    .prop_map(|(items, w)| if items.is_empty() {
                        format!("[{w}]")
                    } else {
                        format!("[{}]", items.join(","))
                    }),
                (
                    prop::collection::vec(
                        (spaced(key.clone().boxed()), spaced(inner.boxed())),
                        0..6
                    ),
                    ws
                )
                    .prop_map(|(members, w)| if members.is_empty() {
                        format!("{{{w}}}")
                    } else {
                        let m: Vec<String> = members
                            .into_iter()
                            .map(|(k, v)| format!("{k}:{v}"))
                            .collect();
                        format!("{{{}}}", m.join(","))
                    }),
            ]
        })
        .prop_flat_map(move |v| (ws, Just(v), ws).prop_map(|(a, v, b)| format!("{a}{v}{b}")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn pretty_output_is_the_same_json_token_for_token(json in json_text()) {
            let out = pretty(&json).unwrap();
            assert_exact(&json, &out);
            // The single-pass printer lays it out identically.
            let mut old = Vec::new();
            write_tokens(&mut old, &json);
            prop_assert_eq!(String::from_utf8(old).unwrap(), out);
        }

        #[test]
        fn any_text_is_refused_or_printed_exactly(text in "[\\[\\]{}\",: a0-9\\\\.e-]{0,40}") {
            if let Some(out) = pretty(&text) {
                assert_exact(&text, &out);
            } else {
                prop_assert!(serde_json::from_str::<Value>(&text).is_err());
            }
        }
    }
}
