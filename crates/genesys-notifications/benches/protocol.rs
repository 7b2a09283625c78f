//! Micro-benchmarks of the wire protocol: classification of incoming frames (envelope parse)
//! per payload shape, against plain serde_json parses of the same frames, and encoding of the
//! subscribe and ping messages.
//!
//! ```text
//! cargo bench -p genesys-notifications --bench protocol
//! ```
//!
//! The frames are the ones of the end-to-end benchmark (`crates/genesys-bench/src/shapes.rs`,
//! included below), wrapped in the simulator's envelope. See `BENCHMARKS.md`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use genesys_notifications::__private as hooks;
use serde::Deserialize;
use serde_json::value::RawValue;

#[allow(dead_code, unreachable_pub)]
#[path = "../../genesys-bench/src/shapes.rs"]
mod shapes;

use shapes::{HEARTBEAT_FRAME, Shape};

/// The minimal client's envelope: borrowed strings, borrowed raw body.
#[derive(Deserialize)]
struct Borrowed<'a> {
    #[serde(rename = "topicName", borrow)]
    topic_name: &'a str,
    #[serde(borrow, default)]
    version: Option<&'a str>,
    #[serde(rename = "eventBody", borrow)]
    event_body: Option<&'a RawValue>,
}

/// The same with an owned `Box<RawValue>` body (one allocation and copy per frame).
#[derive(Deserialize)]
struct Owned<'a> {
    #[serde(rename = "topicName", borrow)]
    topic_name: &'a str,
    #[serde(rename = "eventBody")]
    event_body: Option<Box<RawValue>>,
}

fn frame(shape: Shape) -> String {
    genesys_sim::Frame::envelope(
        &shape.topic(),
        &shape.body(1),
        "c0ffee00-0000-4000-8000-000000000001",
    )
    .as_str()
    .to_owned()
}

fn classification(c: &mut Criterion) {
    let mut group = c.benchmark_group("envelope");
    for shape in Shape::ALL {
        let frame = frame(shape);
        group.throughput(Throughput::Bytes(frame.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("library classify", shape),
            &frame,
            |b, f| b.iter(|| hooks::body_range(black_box(f))),
        );
        group.bench_with_input(
            BenchmarkId::new("serde_json borrowed RawValue", shape),
            &frame,
            |b, f| {
                b.iter(|| {
                    let e: Borrowed<'_> = serde_json::from_str(black_box(f)).unwrap();
                    (
                        e.topic_name.len(),
                        e.version,
                        e.event_body.map(|r| r.get().len()),
                    )
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("serde_json Box<RawValue>", shape),
            &frame,
            |b, f| {
                b.iter(|| {
                    let e: Owned<'_> = serde_json::from_str(black_box(f)).unwrap();
                    (e.topic_name.len(), e.event_body)
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("serde_json Value", shape),
            &frame,
            |b, f| b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(f)).unwrap()),
        );
    }
    group.throughput(Throughput::Bytes(HEARTBEAT_FRAME.len() as u64));
    group.bench_function(BenchmarkId::new("library classify", "heartbeat"), |b| {
        b.iter(|| hooks::frame_kind(black_box(HEARTBEAT_FRAME)))
    });
    group.finish();
}

fn encoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    for n in [1usize, 10, 100] {
        let topics: Vec<String> = (0..n)
            .map(|i| format!("v2.users.8f4b5c4e-3b1d-4c55-a7a2-{i:012x}.presence"))
            .collect();
        group.bench_with_input(BenchmarkId::new("subscribe", n), &topics, |b, t| {
            b.iter(|| hooks::encode_subscribe(black_box(t), "cid-0001"))
        });
    }
    // What the driver does to send a ping: the constant message into an owned `String`.
    group.bench_function("ping", |b| b.iter(|| black_box(hooks::PING).to_owned()));
    group.finish();
}

criterion_group!(benches, classification, encoding);
criterion_main!(benches);
