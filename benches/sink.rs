//! The OpenSearch sink indexing a large replay corpus into the stand-in
//! over loopback (criterion). The client runs on one current-thread
//! runtime (one core); the stand-in on its own thread.
//!
//! - `sink/index`: prepared batches → `_bulk` → stand-in that checks the
//!   NDJSON framing and action lines and counts (the sink's own cost).
//! - `sink/index_stored`: the same into a stand-in that parses, maps and
//!   keeps every document (the stand-in's cost dominates).
//! - `pipeline/prepare` and `pipeline+sink`: the pipeline alone, then with
//!   the sink, to compare what the sink adds.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/standin.rs"]
mod standin;

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::decode::{self, LogsData};
use cwl_trace_bridge::pipeline::Pipeline;
use cwl_trace_bridge::sink::{Batch, OpenSearchSink};
use standin::{Options, Standin};

const DELIVERIES: usize = 10;
const EVENTS: usize = 5_000;

/// Flask "like" service lines with chaos, X-Ray and access logs.
fn corpus() -> Vec<LogsData<'static>> {
    (0..DELIVERIES)
        .map(|d| {
            let events: Vec<serde_json::Value> = (0..EVENTS)
                .map(|i| {
                    let n = d * EVENTS + i;
                    let message = match i % 5 {
                        0 => "WARN: stress function activated".to_string(),
                        1 => format!(
                            "10.0.0.{} - - [29/Nov/2018 01:59:49] \"POST /mysfits/{n:08x}/like HTTP/1.1\" 200 -",
                            n % 250
                        ),
                        2 => format!(
                            "{{\"level\":\"info\",\"message\":\"like processed\",\"mysfitId\":\"{n:08x}\",\"traceId\":\"1-5759e988-bd862e3fe1be46a9{n:08x}\",\"latency_ms\":{}}}",
                            n % 97
                        ),
                        3 => "WARN: simulated 404 activated".to_string(),
                        _ => format!("INFO: handled request {n} in {} ms", n % 31),
                    };
                    serde_json::json!({"id": format!("3598{n:012}"), "timestamp": 1_543_456_789_000i64 + n as i64, "message": message})
                })
                .collect();
            let json = serde_json::json!({
                "messageType": "DATA_MESSAGE", "owner": "123456789012",
                "logGroup": "/ecs/like-service", "logStream": format!("ecs/like/{d}"),
                "subscriptionFilters": ["cwl-trace-bridge"], "logEvents": events,
            });
            decode::parse_json(&serde_json::to_vec(&json).unwrap())
                .unwrap()
                .into_owned()
        })
        .collect()
}

fn config(url: &str) -> Config {
    let mut s = Settings::default();
    s.set("OPENSEARCH_ENDPOINT", url);
    s.set("OPENSEARCH_INDEX_TEMPLATE", "false");
    Config::from_settings(&s).unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let data = corpus();
    let docs = (DELIVERIES * EVENTS) as u64;
    let pipeline = Pipeline::new(config("http://127.0.0.1:1"));
    let batches: Vec<Batch> = data.iter().map(|d| pipeline.prepare(d.clone()).batch).collect();
    let bytes: usize = batches.iter().map(|b| b.body.len()).sum();
    eprintln!(
        "corpus: {docs} documents, {:.1} MiB of _bulk body",
        bytes as f64 / (1 << 20) as f64
    );

    let mut g = c.benchmark_group("sink");
    g.throughput(Throughput::Elements(docs));
    g.sample_size(10);
    for (name, store) in [("index", false), ("index_stored", true)] {
        let s = Standin::with(Options {
            store,
            body_limit: 100 << 20,
            ..Options::default()
        });
        let cfg = config(&s.url());
        let sink = rt.block_on(async {
            OpenSearchSink::new(cfg.opensearch.as_ref().unwrap(), "cwl", None)
                .await
                .unwrap()
        });
        if !store {
            // The client's own CPU (this thread), apart from the stand-in's.
            let rounds = 10;
            let (cpu0, wall0) = (thread_cpu(), std::time::Instant::now());
            for _ in 0..rounds {
                let batches = batches.clone();
                rt.block_on(async {
                    for batch in batches {
                        sink.send(batch, None).await.unwrap();
                    }
                });
            }
            let cpu = thread_cpu() - cpu0;
            eprintln!(
                "sink client CPU: {:.2} µs per document ({:.0} documents per CPU-second; wall {:.0} documents/s)",
                cpu.as_secs_f64() * 1e6 / (rounds as f64 * docs as f64),
                rounds as f64 * docs as f64 / cpu.as_secs_f64(),
                rounds as f64 * docs as f64 / wall0.elapsed().as_secs_f64()
            );
        }
        g.bench_function(name, |b| {
            b.iter_batched(
                || batches.clone(),
                |batches| {
                    rt.block_on(async {
                        for batch in batches {
                            let r = sink.send(batch, None).await.unwrap();
                            assert!(r.failed.is_empty());
                        }
                    })
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();

    // The answer to one 5,000-item request, all stored, as OpenSearch writes it.
    let mut answer = String::from("{\"took\":30,\"errors\":false,\"items\":[");
    for i in 0..EVENTS {
        if i > 0 {
            answer.push(',');
        }
        answer.push_str(&format!(
            "{{\"index\":{{\"_index\":\"cwl-2018.11.29\",\"_id\":\"3598{i:012}\",\"_version\":1,\"result\":\"created\",\"_shards\":{{\"total\":2,\"successful\":1,\"failed\":0}},\"_seq_no\":{i},\"_primary_term\":1,\"status\":201}}}}"
        ));
    }
    answer.push_str("]}");
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function("answer_5000_items", |b| {
        b.iter(|| cwl_trace_bridge::sink::retry::classify(200, std::hint::black_box(answer.as_bytes())))
    });
    g.finish();

    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(docs));
    g.sample_size(10);
    g.bench_function("prepare", |b| {
        b.iter_batched(
            || data.clone(),
            |data| {
                for d in data {
                    std::hint::black_box(pipeline.prepare(d));
                }
            },
            BatchSize::PerIteration,
        )
    });
    let s = Standin::with(Options {
        store: false,
        body_limit: 100 << 20,
        ..Options::default()
    });
    let cfg = config(&s.url());
    let sink = rt.block_on(async {
        OpenSearchSink::new(cfg.opensearch.as_ref().unwrap(), "cwl", None)
            .await
            .unwrap()
    });
    g.bench_function("prepare+sink", |b| {
        b.iter_batched(
            || data.clone(),
            |data| {
                rt.block_on(async {
                    for d in data {
                        let r = sink.send(pipeline.prepare(d).batch, None).await.unwrap();
                        assert!(r.failed.is_empty());
                    }
                })
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// CPU time of the calling thread (user + system), from /proc.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
    // Fields 14 and 15 (utime, stime) in clock ticks of 1/100 s.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
