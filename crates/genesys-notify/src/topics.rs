//! Topics from the command line and from topic files.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::exit::usage;

/// `--topic` and `--topics-file`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct TopicArgs {
    /// Topic to subscribe (repeatable), e.g. `v2.users.ID.presence`, or a combined topic
    /// `v2.users.ID?presence&routingStatus`.
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    topics: Vec<String>,
    /// File with one topic a line; blank lines and `#` comments are ignored. `-` reads
    /// stdin. Combined with --topic.
    #[arg(long, value_name = "FILE")]
    topics_file: Option<PathBuf>,
}

impl TopicArgs {
    /// Every topic given, in order, without duplicates; at least one.
    pub(crate) fn collect(&self) -> anyhow::Result<Vec<String>> {
        let topics = collect(&self.topics, self.topics_file.as_deref())?;
        if topics.is_empty() {
            return Err(usage(
                "no topics: give at least one --topic or a --topics-file",
            ));
        }
        Ok(topics)
    }
}

/// `explicit` then the file's topics, trimmed, without duplicates.
pub(crate) fn collect(explicit: &[String], file: Option<&Path>) -> anyhow::Result<Vec<String>> {
    let mut topics: Vec<String> = Vec::new();
    let mut push = |topic: &str| {
        let topic = topic.trim();
        if !topic.is_empty() && !topics.iter().any(|t| t == topic) {
            topics.push(topic.to_owned());
        }
    };
    for topic in explicit {
        push(topic);
    }
    if let Some(path) = file {
        for topic in parse_file(&read(path)?) {
            push(topic);
        }
    }
    Ok(topics)
}

fn read(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read topics from stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read topics file {}: {e}", path.display())))
}

/// One topic a line; `#` starts a comment (topic names never contain `#`).
fn parse_file(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|line| {
            line.split_once('#')
                .map_or(line, |(before, _)| before)
                .trim()
        })
        .filter(|line| !line.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn file_lines_comments_and_duplicates() {
        let text = "# agents\nv2.users.a.presence\n\n  v2.users.b?presence&routingStatus  # two\nv2.users.a.presence\n";
        let parsed: Vec<_> = parse_file(text).collect();
        assert_eq!(
            parsed,
            [
                "v2.users.a.presence",
                "v2.users.b?presence&routingStatus",
                "v2.users.a.presence"
            ]
        );
        let dir = std::env::temp_dir().join(format!("topics-{}", std::process::id()));
        std::fs::write(&dir, text).unwrap();
        let all = collect(&["v2.users.b?presence&routingStatus".into()], Some(&dir)).unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(
            all,
            ["v2.users.b?presence&routingStatus", "v2.users.a.presence"]
        );
    }

    #[test]
    fn missing_file_is_a_usage_error() {
        let err = collect(&[], Some(Path::new("/nonexistent/topics.txt"))).unwrap_err();
        assert_eq!(crate::exit::code_of(&err), crate::exit::Exit::Usage);
    }
}
