//! `--pretty`: the serde_json walk the binary uses (`pretty::write`) against the earlier
//! single-pass character printer (`pretty::write_tokens`), on the frames of the end-to-end
//! benchmark (`crates/genesys-bench/src/shapes.rs`, in the simulator's envelope).
//!
//! ```text
//! cargo bench -p genesys-notify --bench pretty
//! ```
//!
//! See `BENCHMARKS.md` ("Flow control").
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

#[allow(dead_code, unreachable_pub)]
#[path = "../../genesys-bench/src/shapes.rs"]
mod shapes;

#[allow(dead_code)]
#[path = "../src/pretty.rs"]
mod pretty;

use shapes::Shape;

fn frame(shape: Shape) -> String {
    genesys_sim::Frame::envelope(
        &shape.topic(),
        &shape.body(1),
        "c0ffee00-0000-4000-8000-000000000001",
    )
    .as_str()
    .to_owned()
}

fn printers(c: &mut Criterion) {
    let mut group = c.benchmark_group("pretty");
    let mut out = Vec::with_capacity(1 << 16);
    for shape in Shape::ALL {
        let frame = frame(shape);
        group.throughput(Throughput::Bytes(frame.len() as u64));
        group.bench_function(BenchmarkId::new("serde_json walk", shape.name()), |b| {
            b.iter(|| {
                out.clear();
                assert!(pretty::write(&mut out, black_box(&frame)));
                black_box(out.len())
            })
        });
        group.bench_function(BenchmarkId::new("single-pass", shape.name()), |b| {
            b.iter(|| {
                out.clear();
                pretty::write_tokens(&mut out, black_box(&frame));
                black_box(out.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, printers);
criterion_main!(benches);
