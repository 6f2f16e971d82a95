//! Pipeline benchmarks (criterion, `cargo bench --bench pipeline`).
//! Numbers go in notes, never in tests.
//!
//! The delivery is built from the fixture deliveries' own lines (Flask under
//! CHAOSMODE, X-Ray daemon, a traced Python Lambda, a Node Lambda in the
//! JSON log format), repeated with fresh ids to about 1 MiB of decoded JSON:
//! the size CloudWatch Logs sends at most per delivery. Throughput is in
//! decoded bytes, so every figure reads as MB/s of subscription JSON.
//!
//! The goal of the foundation issue compares `whole/offline` (decode →
//! parse → join → render → write) with `gunzip_only` on the same payload.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::decode::{self, Limits, LogsData};
use cwl_trace_bridge::parse::{self, Rules};
use cwl_trace_bridge::pipeline::Pipeline;

const FIXTURES: &[(&str, &str)] = &[
    ("deliveries/like-service-chaos.json", "flask"),
    ("deliveries/like-service-instrumented.json", "flask-json"),
    ("deliveries/xray-daemon.json", "xray-daemon"),
    ("deliveries/lambda-python-traced.json", "lambda-python"),
];

fn fixture_delivery(rel: &str) -> LogsData<'static> {
    let path = format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).expect("fixture");
    decode::decode_event(&bytes, Limits::default()).expect("fixture decodes")
}

/// One delivery of about `target` decoded bytes, mixing all fixture stacks.
fn big_delivery_json(target: usize) -> Vec<u8> {
    let sources: Vec<LogsData> = FIXTURES.iter().map(|(f, _)| fixture_delivery(f)).collect();
    let mut events = Vec::new();
    let mut size = 0usize;
    let mut n = 0u64;
    'outer: loop {
        for src in &sources {
            for e in &src.events {
                n += 1;
                size += e.message.len() + 120;
                events.push(serde_json::json!({
                    "id": format!("{:056}", 36_152_592_355_479_432_396u128 + u128::from(n)),
                    "timestamp": e.timestamp + n as i64,
                    "message": e.message,
                }));
                if size >= target {
                    break 'outer;
                }
            }
        }
    }
    serde_json::to_vec(&serde_json::json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/ecs/like-service",
        "logStream": "ecs/like-service/3f0c2a8e1b7d4c5fa9e0d1c2b3a49f87",
        "subscriptionFilters": ["cwl-trace-bridge"],
        "logEvents": events,
    }))
    .unwrap()
}

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
