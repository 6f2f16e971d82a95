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
//! `parse/*` times the parser on the four stacks of the delivery,
//! `parse_corpus/*` on every stack of the labelled corpora.
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
        let group = parse::Group::new(&d.log_group);
        g.bench_function(*name, |b| {
            b.iter(|| {
                for e in &d.events {
                    black_box(parse::parse_in(&e.message, group, &rules));
                }
            })
        });
    }
    g.finish();
}

/// Every stack of the labelled corpora (`fixtures/corpus`, `fixtures/holdout`, `fixtures/holdout2`, `fixtures/holdout3`, `fixtures/holdout4`, `fixtures/holdout5`, `fixtures/holdout6`):
/// the parser alone on each file's messages, as MB/s of message text. A
/// filter picks some: `cargo bench --bench pipeline -- parse_corpus/go-zap`.
fn bench_parse_corpus(c: &mut Criterion) {
    let rules = Rules::default();
    let mut g = c.benchmark_group("parse_corpus");
    g.measurement_time(std::time::Duration::from_secs(1));
    g.warm_up_time(std::time::Duration::from_millis(300));
    for dir in [
        "corpus", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6",
    ] {
        let root = format!("{}/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut files: Vec<_> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<(String, String)> = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                    (s("message"), s("logGroup"))
                })
                .collect();
            let bytes: usize = lines.iter().map(|(m, _)| m.len()).sum();
            let stem = path.file_stem().unwrap().to_string_lossy();
            g.throughput(Throughput::Bytes(bytes as u64));
            g.bench_function(format!("{dir}/{stem}"), |b| {
                b.iter(|| {
                    for (message, group) in &lines {
                        black_box(parse::parse(message, group, &rules));
                    }
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench_whole, bench_parse_per_stack, bench_parse_corpus
}
criterion_main!(benches);
