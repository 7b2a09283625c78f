//! stdout: one JSON object a line, exactly as received.
//!
//! Nothing but notification (and, on request, heartbeat) frames is ever written to stdout.
//! The stream loop writes through [`Lines`]: lines are gathered into a batch while more
//! notifications are ready, and the batch goes out in one write (and flush) as soon as
//! none is: a sparse stream is still written line by line, a burst costs one write per batch.
//!
//! Where a write can wait (a pipe whose reader stalls, a terminal, a socket), the writes
//! happen on a thread of their own, so a stdout that blocks never stops the channel's task:
//! the channel's buffer fills and back-pressure slows the service down instead. Where a
//! write cannot wait for a reader (`/dev/null`, a regular file), the batch is written where
//! it was gathered: no thread to wake and no context switch per batch.

use std::fs::File;
use std::io::{self, BufWriter, Stdout, Write};
use std::os::fd::AsFd as _;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
use std::sync::{Arc, Mutex};

/// Batches of this many bytes are handed to the writer even if more lines are ready.
pub(crate) const BATCH_BYTES: usize = 64 * 1024;

/// While the writer thread is still busy with the previous batch, lines keep being gathered
/// (the channel's buffer is drained instead of waiting for a thread to be scheduled) up to
/// this many bytes; only then does the stream loop wait for the writer.
pub(crate) const GATHER_BYTES: usize = 1024 * 1024;

/// Writes frames to stdout (REST answers: one value at a time, flushed).
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
        let mut line = Vec::with_capacity(json.len() + 1);
        format_line(&mut line, json, self.pretty);
        self.out.write_all(&line)?;
        self.out.flush()
    }

    /// Writes a serialisable value as one JSON line (REST answers).
    pub(crate) fn value<T: serde::Serialize>(&mut self, value: &T) -> io::Result<()> {
        let json = serde_json::to_string(value).map_err(io::Error::other)?;
        self.frame(&json)
    }
}

/// Appends `json` as one line (or, `pretty`, as indented lines) and a line break.
fn format_line(out: &mut Vec<u8>, json: &str, pretty: bool) {
    // A text that is not JSON (never a notification; a relayed message may be) is written
    // on one line as received.
    if !(pretty && crate::pretty::write(out, json)) {
        write_line(out, json);
    }
    out.push(b'\n');
}

/// The stream loop's stdout: lines gathered into batches, written where they were gathered
/// (a stdout that cannot block) or by a thread of its own.
#[derive(Debug)]
pub(crate) struct Lines {
    pretty: bool,
    /// The batch being gathered.
    batch: Vec<u8>,
    sink: Sink,
}

/// Where the batches go.
enum Sink {
    /// Written by the caller of [`Lines::flush`] / [`Lines::try_flush`] (`None` once a
    /// write failed: the error was reported then).
    Inline(Option<Box<dyn Write + Send>>),
    /// Handed to a writer thread.
    Thread(Writer),
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sink::Inline(_) => f.write_str("Inline"),
            Sink::Thread(writer) => f.debug_tuple("Thread").field(writer).finish(),
        }
    }
}

/// The writer thread's end of [`Sink::Thread`].
#[derive(Debug)]
struct Writer {
    /// Batches to the writer thread (`None` once finished).
    to_writer: Option<tokio::sync::mpsc::Sender<Vec<u8>>>,
    /// Written batches coming back, to be reused.
    spare: std::sync::mpsc::Receiver<Vec<u8>>,
    /// The writer thread's error, once it failed.
    failed: Arc<Mutex<Option<io::Error>>>,
    /// Resolves when the writer thread has written everything and ended.
    done: Option<tokio::sync::oneshot::Receiver<()>>,
}

/// The error reported once stdout has failed and its error was already reported.
fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "stdout closed")
}

/// Whether a write to `file` never waits for a reader: a regular file or `/dev/null`. (A
/// write to a regular file may wait for the disk, never for another process; a pipe, a
/// terminal or a socket can block for as long as whoever reads it likes.)
fn cannot_block(file: &File) -> bool {
    let Ok(meta) = file.metadata() else {
        return false;
    };
    let kind = meta.file_type();
    kind.is_file()
        || (kind.is_char_device()
            && std::fs::metadata("/dev/null")
                .is_ok_and(|null| null.file_type().is_char_device() && null.rdev() == meta.rdev()))
}

impl Lines {
    /// Lines to stdout; `pretty` spreads each object over indented lines. Written inline
    /// when stdout cannot block (`/dev/null`, a regular file), by a thread otherwise.
    pub(crate) fn stdout(pretty: bool) -> Self {
        // A second descriptor of the same open file: writes to it are stdout's, unbuffered,
        // without the lock of `io::Stdout`.
        match io::stdout().as_fd().try_clone_to_owned() {
            Ok(fd) => Lines::on(File::from(fd), pretty),
            Err(_) => Lines::to(io::stdout(), pretty),
        }
    }

    /// Lines to `file`: written inline when a write to it cannot block, by a thread of their
    /// own otherwise.
    fn on(file: File, pretty: bool) -> Self {
        if cannot_block(&file) {
            Lines::inline(file, pretty)
        } else {
            Lines::to(file, pretty)
        }
    }

    /// Lines written to `sink` by the caller of [`Lines::flush`] and [`Lines::try_flush`]
    /// (for a sink whose writes never wait long).
    pub(crate) fn inline<W: Write + Send + 'static>(sink: W, pretty: bool) -> Self {
        Lines {
            pretty,
            batch: Vec::with_capacity(BATCH_BYTES),
            sink: Sink::Inline(Some(Box::new(sink))),
        }
    }

    /// Lines to `sink` (stdout, or a buffer in tests), written by a thread of their own.
    pub(crate) fn to<W: Write + Send + 'static>(mut sink: W, pretty: bool) -> Self {
        // One batch being written while the next is gathered.
        let (to_writer, mut batches) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
        let (spare_tx, spare) = std::sync::mpsc::channel();
        let (done_tx, done) = tokio::sync::oneshot::channel();
        let failed = Arc::new(Mutex::new(None));
        let report = Arc::clone(&failed);
        let spawned = std::thread::Builder::new()
            .name("stdout".to_owned())
            .spawn(move || {
                while let Some(mut batch) = batches.blocking_recv() {
                    if let Err(e) = sink.write_all(&batch).and_then(|()| sink.flush()) {
                        *report.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        break;
                    }
                    batch.clear();
                    let _ = spare_tx.send(batch);
                }
                let _ = done_tx.send(());
            });
        if let Err(e) = spawned {
            *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
        }
        Lines {
            pretty,
            batch: Vec::with_capacity(BATCH_BYTES),
            sink: Sink::Thread(Writer {
                to_writer: Some(to_writer),
                spare,
                failed,
                done: Some(done),
            }),
        }
    }

    /// Adds one frame (a JSON text as received) to the batch.
    pub(crate) fn frame(&mut self, json: &str) {
        format_line(&mut self.batch, json, self.pretty);
    }

    /// Bytes gathered and not yet handed to the writer.
    pub(crate) fn pending(&self) -> usize {
        self.batch.len()
    }

    /// Writes the batch inline; the batch is kept for reuse.
    fn write_inline(
        batch: &mut Vec<u8>,
        sink: &mut Option<Box<dyn Write + Send>>,
    ) -> io::Result<()> {
        let Some(out) = sink else {
            return Err(closed());
        };
        let written = out.write_all(batch).and_then(|()| out.flush());
        batch.clear();
        if written.is_err() {
            *sink = None;
        }
        written
    }

    /// Hands the batch to the writer thread (waiting while it still writes the previous
    /// one), or writes it inline. An error of an earlier write is reported here.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let writer = match &mut self.sink {
            Sink::Inline(sink) => return Lines::write_inline(&mut self.batch, sink),
            Sink::Thread(writer) => writer,
        };
        let Some(to_writer) = &writer.to_writer else {
            return Err(writer.failure());
        };
        let next = writer
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH_BYTES));
        let batch = std::mem::replace(&mut self.batch, next);
        if to_writer.send(batch).await.is_err() {
            writer.to_writer = None;
            return Err(writer.failure());
        }
        Ok(())
    }

    /// Hands the batch to the writer thread if it can take it now, or writes it inline.
    /// `Ok(false)`: the writer thread is still busy with an earlier batch, the lines stay
    /// gathered.
    pub(crate) fn try_flush(&mut self) -> io::Result<bool> {
        if self.batch.is_empty() {
            return Ok(true);
        }
        let writer = match &mut self.sink {
            Sink::Inline(sink) => return Lines::write_inline(&mut self.batch, sink).map(|()| true),
            Sink::Thread(writer) => writer,
        };
        let Some(to_writer) = &writer.to_writer else {
            return Err(writer.failure());
        };
        match to_writer.try_reserve() {
            Ok(permit) => {
                let next = writer
                    .spare
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(BATCH_BYTES));
                permit.send(std::mem::replace(&mut self.batch, next));
                return Ok(true);
            }
            Err(tokio::sync::mpsc::error::TrySendError::Full(())) => return Ok(false),
            Err(tokio::sync::mpsc::error::TrySendError::Closed(())) => {}
        }
        writer.to_writer = None;
        Err(writer.failure())
    }

    /// Resolves once the writer thread can take a batch (or has ended, which the next
    /// [`Lines::try_flush`] reports); at once when the lines are written inline.
    pub(crate) async fn writable(&self) {
        if let Sink::Thread(Writer {
            to_writer: Some(to_writer),
            ..
        }) = &self.sink
        {
            // The permit is released at once: this is the only sender, so the slot stays
            // free for the next `try_flush`.
            let _ = to_writer.reserve().await;
        }
    }

    /// Writes what is gathered and waits until everything is written.
    pub(crate) async fn finish(&mut self) -> io::Result<()> {
        let flushed = self.flush().await;
        let Sink::Thread(writer) = &mut self.sink else {
            return flushed;
        };
        writer.to_writer = None;
        if let Some(done) = writer.done.take() {
            let _ = done.await;
        }
        flushed?;
        match writer
            .failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Writer {
    /// The writer thread's error, or (once reported) a closed stdout.
    fn failure(&self) -> io::Error {
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(closed)
    }
}

/// Writes `json` on one line. A raw line break in a JSON text can only be insignificant
/// whitespace (inside strings it must be escaped), so replacing it by a space keeps the
/// frame's meaning and everything else byte for byte.
fn write_line(out: &mut Vec<u8>, json: &str) {
    let start = out.len();
    out.extend_from_slice(json.as_bytes());
    let line = &mut out[start..];
    let mut at = 0;
    while let Some(found) = memchr::memchr2(b'\n', b'\r', &line[at..]) {
        line[at + found] = b' ';
        at += found + 1;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pretty(json: &str) -> String {
        let mut out = Vec::new();
        format_line(&mut out, json, true);
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
}
"#;
        let got = pretty(json);
        assert_eq!(got, expected);
        // Same value as the input.
        let a: serde_json::Value = serde_json::from_str(json).unwrap();
        let b: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn pretty_writes_what_is_not_json_on_one_line_as_received() {
        assert_eq!(pretty("not json\n{\"a\":"), "not json {\"a\":\n");
        assert_eq!(pretty("{\"a\":1} {}"), "{\"a\":1} {}\n");
    }

    #[test]
    fn line_breaks_never_split_a_frame() {
        let mut out = Vec::new();
        write_line(&mut out, "{\"a\":\r\n1}");
        assert_eq!(out, b"{\"a\":  1}");
        let mut out = Vec::new();
        write_line(&mut out, r#"{"a":"x\ny"}"#);
        assert_eq!(out, br#"{"a":"x\ny"}"#);
    }

    /// A sink that records each write separately.
    #[derive(Clone, Default)]
    struct Writes(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_batch_is_one_write_and_finish_writes_everything() {
        let sink = Writes::default();
        let mut lines = Lines::to(sink.clone(), false);
        lines.frame(r#"{"a":1}"#);
        lines.frame(r#"{"a":2}"#);
        assert_eq!(lines.pending(), 16);
        lines.flush().await.unwrap();
        assert_eq!(lines.pending(), 0);
        lines.frame(r#"{"a":3}"#);
        lines.finish().await.unwrap();
        let writes = sink.0.lock().unwrap().clone();
        assert_eq!(
            writes,
            vec![b"{\"a\":1}\n{\"a\":2}\n".to_vec(), b"{\"a\":3}\n".to_vec()]
        );
    }

    /// A sink whose writes wait until the test lets them through.
    struct Gate(std::sync::mpsc::Receiver<()>, Writes);

    impl Write for Gate {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.recv().map_err(io::Error::other)?;
            self.1.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn lines_keep_gathering_while_the_writer_is_busy() {
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            let (open, gate) = std::sync::mpsc::channel();
            let sink = Writes::default();
            let mut lines = Lines::to(Gate(gate, sink.clone()), false);
            // The first batch is taken by the writer thread (which then waits at the
            // gate); the second fills the one slot.
            lines.frame(r#"{"a":1}"#);
            assert!(lines.try_flush().unwrap());
            lines.frame(r#"{"a":2}"#);
            lines.flush().await.unwrap();
            // The writer is busy: the third line stays gathered, nothing waits.
            lines.frame(r#"{"a":3}"#);
            assert!(!lines.try_flush().unwrap());
            assert_eq!(lines.pending(), 8);
            // Once it is free again, the gathered line goes out.
            open.send(()).unwrap();
            lines.writable().await;
            assert!(lines.try_flush().unwrap());
            assert_eq!(lines.pending(), 0);
            open.send(()).unwrap();
            open.send(()).unwrap();
            lines.finish().await.unwrap();
            let writes = sink.0.lock().unwrap().clone();
            assert_eq!(
                writes,
                vec![
                    b"{\"a\":1}\n".to_vec(),
                    b"{\"a\":2}\n".to_vec(),
                    b"{\"a\":3}\n".to_vec()
                ]
            );
        })
        .await
        .unwrap();
    }

    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_failed_write_is_reported() {
        let mut lines = Lines::to(Broken, false);
        lines.frame("{}");
        // The first batch is accepted; its failure comes with a later call.
        let first = lines.flush().await;
        lines.frame("{}");
        let later = match first {
            Err(e) => e,
            Ok(()) => lines.finish().await.unwrap_err(),
        };
        assert_eq!(later.kind(), io::ErrorKind::BrokenPipe);
    }

    /// A write and the thread that made it.
    type Made = (std::thread::ThreadId, Vec<u8>);

    /// A sink that records each write and the thread that made it.
    #[derive(Clone, Default)]
    struct Threads(Arc<Mutex<Vec<Made>>>);

    impl Write for Threads {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let id = std::thread::current().id();
            self.0.lock().unwrap().push((id, buf.to_vec()));
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn inline_lines_are_written_by_the_caller_one_write_a_batch() {
        let sink = Threads::default();
        let mut lines = Lines::inline(sink.clone(), false);
        lines.frame(r#"{"a":1}"#);
        lines.frame("{\"a\":\n2}");
        // Written before `try_flush` returns, on this thread.
        assert!(lines.try_flush().unwrap());
        assert_eq!(lines.pending(), 0);
        let here = std::thread::current().id();
        assert_eq!(
            sink.0.lock().unwrap().clone(),
            vec![(here, b"{\"a\":1}\n{\"a\": 2}\n".to_vec())]
        );
        lines.frame(r#"{"a":3}"#);
        lines.writable().await;
        lines.flush().await.unwrap();
        lines.frame(r#"{"a":4}"#);
        lines.finish().await.unwrap();
        let writes: Vec<_> = sink.0.lock().unwrap().iter().map(|w| w.1.clone()).collect();
        assert_eq!(writes.len(), 3);
        assert_eq!(writes[1], b"{\"a\":3}\n");
        assert_eq!(writes[2], b"{\"a\":4}\n");
    }

    #[tokio::test]
    async fn an_inline_failure_is_reported_at_once_then_stdout_is_closed() {
        let mut lines = Lines::inline(Broken, false);
        lines.frame("{}");
        let error = lines.try_flush().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(error.to_string(), "closed", "the write's own error");
        lines.frame("{}");
        let error = lines.flush().await.unwrap_err();
        assert_eq!(error.to_string(), "stdout closed");
    }

    #[tokio::test]
    async fn only_files_and_dev_null_are_written_inline() {
        let path =
            std::env::temp_dir().join(format!("genesys-notify-inline-{}", std::process::id()));
        let inline = |lines: Lines| matches!(lines.sink, Sink::Inline(_));
        let mut file = Lines::on(File::create(&path).unwrap(), false);
        file.frame("{}");
        file.finish().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}\n");
        assert!(inline(file), "a regular file");
        std::fs::remove_file(&path).unwrap();
        let null = File::options().write(true).open("/dev/null").unwrap();
        assert!(inline(Lines::on(null, false)), "/dev/null");
        let (_reader, writer) = io::pipe().unwrap();
        let pipe = File::from(std::os::fd::OwnedFd::from(writer));
        assert!(!inline(Lines::on(pipe, false)), "a pipe");
        let zero = File::options().write(true).open("/dev/zero").unwrap();
        assert!(!inline(Lines::on(zero, false)), "another character device");
    }
}
