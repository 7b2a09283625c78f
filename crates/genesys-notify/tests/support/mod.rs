//! Test helpers: the `genesys-notify` binary run as a process, with its stdout lines and its
//! stderr JSON log lines, each awaited with a deadline.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use tokio::sync::mpsc;

pub const BIN: &str = env!("CARGO_BIN_EXE_genesys-notify");
/// Upper bound for anything a test awaits from the binary; far above what it takes.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The binary with JSON logs and piped output, killed when dropped; none of the
/// environment variables it reads are inherited.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--log-format=json")
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("NATS_URL")
        .env_remove("GENESYSCLOUD_REGION")
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_ID")
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// A running `genesys-notify` with its stdout lines and its stderr JSON lines.
pub struct Run {
    pub child: Child,
    pub stdout: Lines<BufReader<ChildStdout>>,
    pub stderr: mpsc::UnboundedReceiver<String>,
    /// Every stderr line read so far, for failure messages.
    pub log: Vec<String>,
}

impl Run {
    pub fn spawn(args: &[&str]) -> Run {
        Run::spawn_env(args, &[])
    }

    /// With these environment variables set.
    pub fn spawn_env(args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut child = command(args)
            .envs(env.iter().copied())
            .spawn()
            .expect("spawn genesys-notify");
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Run {
            child,
            stdout,
            stderr: rx,
            log: Vec::new(),
        }
    }

    /// The next stdout line.
    pub async fn line(&mut self) -> String {
        match tokio::time::timeout(PATIENCE, self.stdout.next_line()).await {
            Ok(Ok(Some(line))) => line,
            other => {
                while let Ok(line) = self.stderr.try_recv() {
                    self.log.push(line);
                }
                panic!(
                    "no stdout line ({other:?}); stderr so far:\n{}",
                    self.log.join("\n")
                )
            }
        }
    }

    /// Reads stderr until a line with `"event": event`; returns it.
    pub async fn event(&mut self, event: &str) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match tokio::time::timeout_at(deadline, self.stderr.recv()).await {
                Ok(Some(line)) => {
                    self.log.push(line.clone());
                    if let Ok(value) = serde_json::from_str::<Value>(&line)
                        && value["event"] == event
                    {
                        return value;
                    }
                }
                _ => panic!("no {event:?} event; stderr:\n{}", self.log.join("\n")),
            }
        }
    }

    /// Sends a signal with `kill`.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the exit; returns the code, the rest of stdout and all of stderr.
    pub async fn finish(mut self) -> (i32, Vec<String>, Vec<String>) {
        let Ok(status) = tokio::time::timeout(PATIENCE, self.child.wait()).await else {
            self.child.kill().await.unwrap();
            while let Some(line) = self.stderr.recv().await {
                self.log.push(line);
            }
            panic!("still running; stderr:\n{}", self.log.join("\n"));
        };
        let status = status.unwrap();
        let mut rest = Vec::new();
        while let Ok(Some(line)) = self.stdout.next_line().await {
            rest.push(line);
        }
        while let Some(line) = self.stderr.recv().await {
            self.log.push(line);
        }
        (status.code().expect("exited, not killed"), rest, self.log)
    }
}
