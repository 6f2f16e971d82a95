//! Pipeline benchmarks (criterion, `cargo bench --bench pipeline`).
//! Numbers go in notes, never in tests.
//!
//! The delivery is built from the fixture deliveries' own lines (Flask under
//! CHAOSMODE, the same service's JSON lines, X-Ray daemon, a traced Python
//! Lambda; `common/mod.rs`), repeated with fresh ids to about 1 MiB of decoded JSON:
//! the size CloudWatch Logs sends at most per delivery. Throughput is in
//! decoded bytes, so every figure reads as MB/s of subscription JSON.
//!
//! The goal of the foundation issue compares `whole_offline` (decode →
//! parse → join → render → write) with `gunzip_only` on the same payload.
//! On a noisy machine, `scripts/count-instructions.sh` compares the same two
//! in instructions (deterministic; `benches/instructions.rs`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::decode::{self, Limits};
use cwl_trace_bridge::parse::{self, Rules};
use cwl_trace_bridge::pipeline::Pipeline;

mod common;
use common::{FIXTURES, big_delivery_json, fixture_delivery};

fn config() -> Config {
    Config::from_settings(&Settings::default()).unwrap()
}

fn bench_whole(c: &mut Criterion) {
    let json = big_delivery_json(1 << 20);
    let event = decode::encode_event(&json);
    let data = decode::encode_data(&json);
    let gz = decode::decode_base64(&data, Limits::default()).unwrap();
    let limits = Limits::default();
    let mut g = c.benchmark_group("delivery_1mib");
    g.throughput(Throughput::Bytes(json.len() as u64));

    g.bench_function("gunzip_only", |b| {
        b.iter(|| decode::gunzip(black_box(&gz), limits).unwrap())
    });
    // What the pipeline does: inflate, then a delivery borrowing from it.
    g.bench_function("decode", |b| {
        b.iter(|| {
            let json = decode::inflate_event(black_box(event.as_bytes()), limits).unwrap();
            black_box(decode::parse_json(&json).unwrap().events.len())
        })
    });
    g.bench_function("decode_owned", |b| {
        b.iter(|| decode::decode_event(black_box(event.as_bytes()), limits).unwrap())
    });
    let inflated = decode::inflate_event(event.as_bytes(), limits).unwrap();
    g.bench_function("parse_json", |b| {
        b.iter(|| black_box(decode::parse_json(black_box(&inflated)).unwrap().events.len()))
    });
    let decoded = decode::parse_json(&inflated).unwrap();
    let pipeline = Pipeline::new(config());
    g.bench_function("prepare", |b| {
        b.iter_batched(
            || decoded.clone(),
            |d| pipeline.prepare(d),
            criterion::BatchSize::LargeInput,
        )
    });
    let mut sink = std::io::sink();
    g.bench_function("whole_offline", |b| {
        b.iter(|| {
            let prepared = pipeline.prepare_event(black_box(event.as_bytes())).unwrap();
            sink.write_all(&prepared.batch.body).unwrap();
        })
    });
    g.finish();
}

fn bench_parse_per_stack(c: &mut Criterion) {
    let rules = Rules::default();
    let mut g = c.benchmark_group("parse");
    for (file, name) in FIXTURES {
        let d = fixture_delivery(file);
        let bytes: usize = d.events.iter().map(|e| e.message.len()).sum();
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(*name, |b| {
            b.iter(|| {
                for e in &d.events {
                    black_box(parse::parse(&e.message, &d.log_group, &rules));
                }
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench_whole, bench_parse_per_stack
}
criterion_main!(benches);
