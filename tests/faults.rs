//! The fault matrix: deliveries through the whole pipeline (the replay
//! library and the Lambda handler) into the OpenSearch stand-in while it
//! misbehaves. For every case, each event is stored exactly once, or the
//! run reports exactly which events were not (and every event reported is
//! either not stored or explicitly "may be stored").
//!
//! tests/sink.rs covers the sink alone (the same faults one at a time and
//! random schedules); here they meet files, deliveries, deadlines and the
//! handler's verdict.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::lambda::{HandlerError, State, handle};
use cwl_trace_bridge::pipeline::Pipeline;
use cwl_trace_bridge::replay::{self, TextOptions};
use cwl_trace_bridge::sink::Sink;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;

use crate::support::standin::{Fault, Options, Standin};
use crate::support::{SharedBuf, TempDir, lambda_event, logs_json};

const TS: i64 = 1_543_456_789_000;
const GROUP: &str = "/ecs/like-service";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Events `<tag>-NN` of one delivery, with messages padded to `pad` bytes.
fn events(tag: &str, n: usize, pad: usize) -> Vec<(String, i64, String)> {
    (0..n)
        .map(|i| {
            let msg = format!("WARN: {tag} event {i} {}", "x".repeat(pad));
            (format!("{tag}-{i:02}"), TS + i as i64, msg)
        })
        .collect()
}

fn delivery(evs: &[(String, i64, String)]) -> String {
    let refs: Vec<(&str, i64, &str)> = evs.iter().map(|(a, b, c)| (a.as_str(), *b, c.as_str())).collect();
    lambda_event(&logs_json(GROUP, "like/1", &refs))
}

/// Event id → how many stored documents carry it.
fn stored(s: &Standin) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (_, _, d) in s.docs() {
        *m.entry(d["@id"].as_str().unwrap_or("").to_string()).or_insert(0) += 1;
    }
    m
}

/// What a replay run reported.
struct Outcome {
    stats: cwl_trace_bridge::stats::Stats,
    /// id → reason, for every item reported not indexed.
    failed: BTreeMap<String, String>,
    /// The reported items' bytes, a re-drivable `_bulk` body.
    redrive: Vec<u8>,
}

/// Replays files (one delivery each) into the stand-in with `extra`
/// settings and an optional deadline from now.
fn replay_into(
    s: &Standin,
    files: &[Vec<(String, i64, String)>],
    extra: &[(&str, &str)],
    deadline: Option<Duration>,
) -> Outcome {
    let dir = TempDir::new(&format!("faults-{}", s.url().rsplit(':').next().unwrap()));
    for (i, evs) in files.iter().enumerate() {
        std::fs::write(dir.path(&format!("d{i}.json")), delivery(evs)).unwrap();
    }
    replay_paths(s, std::slice::from_ref(&dir.0), extra, deadline)
}

fn replay_paths(
    s: &Standin,
    paths: &[std::path::PathBuf],
    extra: &[(&str, &str)],
    deadline: Option<Duration>,
) -> Outcome {
    let mut set = crate::sink::settings(&s.url());
    for (k, v) in extra {
        set.set(k, *v);
    }
    let cfg = Config::from_settings(&set).unwrap();
    let rt = rt();
    let sink = rt.block_on(Sink::from_config(&cfg)).unwrap();
    let pipeline = Pipeline::new(cfg);
    let mut failed = BTreeMap::new();
    let mut redrive = Vec::new();
    let deadline = deadline.map(|d| Instant::now() + d);
    let stats = rt
        .block_on(replay::run_with(
            &pipeline,
            &sink,
            paths,
            &TextOptions::default(),
            deadline,
            |_, report| {
                for f in &report.failed {
                    failed.insert(f.id.clone(), f.reason.clone());
                    redrive.extend_from_slice(&f.bytes);
                }
            },
            |_, _, _| {},
        ))
        .unwrap();
    Outcome {
        stats,
        failed,
        redrive,
    }
}

/// The invariant of every case: each event is stored once, or reported;
/// one reported and stored anyway says it may be stored. Returns the ids
/// stored and not reported.
fn accounted(s: &Standin, all: &[Vec<(String, i64, String)>], out: &Outcome) -> BTreeSet<String> {
    let stored = stored(s);
    let mut clean = BTreeSet::new();
    for (id, _, msg) in all.iter().flatten() {
        let copies = stored.get(id).copied().unwrap_or(0);
        assert!(copies <= 1, "{id} stored {copies} times");
        match (copies, out.failed.get(id)) {
            (1, None) => {
                let doc = s.doc("cwl-2018.11.29", id).unwrap();
                assert_eq!(doc["@message"], msg.as_str(), "{id}");
                clean.insert(id.clone());
            }
            (1, Some(reason)) => assert!(
                reason.contains("it may be stored"),
                "{id} stored yet reported: {reason}"
            ),
            (0, Some(_)) => {}
            (_, None) => panic!("{id} neither stored nor reported"),
            _ => unreachable!(),
        }
    }
    let n: usize = all.iter().map(Vec::len).sum();
    assert_eq!(out.stats.indexed as usize, clean.len(), "indexed count");
    assert_eq!(out.stats.failed as usize, out.failed.len(), "failed count");
    assert_eq!(clean.len() + out.failed.len(), n);
    clean
}

fn three_files() -> Vec<Vec<(String, i64, String)>> {
    vec![events("a", 12, 40), events("b", 12, 40), events("c", 12, 40)]
}

const SMALL_REQUESTS: &[(&str, &str)] = &[("BULK_MAX_BYTES", "3000"), ("BULK_CONCURRENCY", "2")];

/// Cases where every event ends up stored exactly once.
#[test]
fn recoverable_faults_store_every_event_exactly_once() {
    let burst = |f: Fault, n| std::iter::repeat_n(f, n).collect::<Vec<_>>();
    let cases: Vec<(&str, Vec<Fault>)> = vec![
        ("whole-request 429 burst", burst(Fault::Status(429), 6)),
        ("whole-request 503 burst", burst(Fault::Status(503), 6)),
        (
            "mixed 502/504 gateway errors",
            vec![Fault::Status(502), Fault::Status(504), Fault::Status(502)],
        ),
        ("per-item 429", burst(Fault::ItemStatus429 { every: 2 }, 4)),
        ("connection reset mid-request", burst(Fault::ResetMidRequest, 3)),
        ("connection dropped before applying", burst(Fault::DropBefore, 2)),
        ("connection dropped after applying", burst(Fault::DropAfter, 3)),
        ("answer cut off half-way", burst(Fault::CutAnswer, 3)),
        (
            "slow answers well within the timeout",
            burst(Fault::Delay(Duration::from_millis(150)), 3),
        ),
        (
            "the stand-in goes away and comes back",
            vec![Fault::GoAway(Duration::from_millis(300))],
        ),
    ];
    for (name, faults) in cases {
        let s = Standin::start();
        s.faults(faults.clone());
        let files = three_files();
        let mut extra = SMALL_REQUESTS.to_vec();
        extra.extend([("RETRY_MAX_DELAY_MS", "20"), ("OPENSEARCH_MAX_RETRIES", "200")]);
        let out = replay_into(&s, &files, &extra, None);
        assert!(out.failed.is_empty(), "{name}: {:?}", out.failed);
        let clean = accounted(&s, &files, &out);
        assert_eq!(clean.len(), 36, "{name}");
        assert!(out.stats.errors.is_empty(), "{name}: {:?}", out.stats.errors);
        if !faults.iter().all(|f| matches!(f, Fault::Delay(_))) {
            assert!(out.stats.retried > 0, "{name}: nothing retried");
        }
    }
}

#[test]
fn a_reset_while_a_large_request_is_still_arriving_is_sent_again() {
    let s = Standin::start();
    s.faults([Fault::ResetMidRequest, Fault::ResetMidRequest]);
    // ~200 KB requests: the stand-in reads the first part and closes with
    // the rest unread, so the kernel resets the connection mid-upload.
    let files = vec![events("r", 40, 5000)];
    let out = replay_into(&s, &files, &[("BULK_MAX_BYTES", "400000")], None);
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    assert_eq!(accounted(&s, &files, &out).len(), 40);
    let bulks = s.bulks();
    assert_eq!(bulks.iter().map(|b| b.status).collect::<Vec<_>>(), [0, 0, 200]);
}

#[test]
fn throttling_past_the_retries_reports_exactly_the_events_not_stored() {
    let s = Standin::start();
    // The first file's one request is answered 503 three times, all its
    // attempts; the other files go through.
    s.faults(std::iter::repeat_n(Fault::Status(503), 3));
    let files = three_files();
    let out = replay_into(&s, &files, &[("OPENSEARCH_MAX_RETRIES", "2")], None);
    accounted(&s, &files, &out);
    let failed: Vec<&str> = out.failed.keys().map(String::as_str).collect();
    let first: Vec<String> = files[0].iter().map(|e| e.0.clone()).collect();
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    assert_eq!(failed, first);
    for reason in out.failed.values() {
        assert!(
            reason.starts_with("gave up after 3 attempts: 503 cluster_block_exception"),
            "{reason}"
        );
    }
    assert_eq!(out.stats.errors.len(), 12);
    assert!(out.stats.errors[0].ends_with("d0.json: event a-00 not indexed: gave up after 3 attempts: 503 cluster_block_exception: blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];"), "{}", out.stats.errors[0]);
}

#[test]
fn a_slow_answer_past_the_deadline_is_reported_as_maybe_stored() {
    let s = Standin::start();
    s.faults([Fault::Delay(Duration::from_secs(30))]);
    let files = three_files();
    let out = replay_into(
        &s,
        &files,
        &[("BULK_CONCURRENCY", "1")],
        Some(Duration::from_millis(1500)),
    );
    let clean = accounted(&s, &files, &out);
    assert!(clean.is_empty());
    assert_eq!(out.failed.len(), 36);
    // The first file's request was applied, then answered too late.
    for (id, reason) in &out.failed {
        if id.starts_with("a-") {
            // In flight at the deadline, or timed out just before it.
            assert!(
                reason.starts_with("deadline reached") && reason.contains("it may be stored"),
                "{id}: {reason}"
            );
        } else {
            assert!(reason.starts_with("deadline reached"), "{id}: {reason}");
        }
    }
    assert_eq!(stored(&s).len(), 12);
    // Re-driving the reported bytes stores everything once.
    let dir = TempDir::new("faults-redrive-slow");
    std::fs::write(dir.path("failed.ndjson"), &out.redrive).unwrap();
    let again = replay_paths(&s, &[dir.path("failed.ndjson")], &[], None);
    assert!(again.failed.is_empty());
    assert_eq!(again.stats.indexed, 36);
    assert_eq!(stored(&s).values().filter(|&&c| c == 1).count(), 36);
}

#[test]
fn a_request_that_timed_out_is_reported_as_maybe_stored() {
    let s = Standin::start();
    s.faults([Fault::Delay(Duration::from_secs(30))]);
    let files = three_files();
    // A timeout far above what a request to 127.0.0.1 takes on a loaded
    // machine, far below the delay.
    let extra = [("REQUEST_TIMEOUT_MS", "1500"), ("OPENSEARCH_MAX_RETRIES", "0")];
    let out = replay_into(&s, &files, &extra, None);
    let clean = accounted(&s, &files, &out);
    assert_eq!(clean.len(), 24);
    let failed: Vec<&str> = out.failed.keys().map(String::as_str).collect();
    let first: Vec<&str> = files[0].iter().map(|e| e.0.as_str()).collect();
    assert_eq!(failed, first);
    for reason in out.failed.values() {
        assert_eq!(
            reason,
            "gave up after 1 attempts: no answer within 1.5s; an attempt got no answer, it may be stored"
        );
    }
    // It was: the stand-in applied the request before its slow answer.
    assert!(first.iter().all(|id| stored(&s).get(*id) == Some(&1)));
}

#[test]
fn the_stand_in_gone_past_the_deadline_then_back_takes_the_re_drive() {
    let s = Standin::start();
    s.faults([Fault::GoAway(Duration::from_secs(600))]);
    let files = three_files();
    let patient = [("OPENSEARCH_MAX_RETRIES", "100000"), ("RETRY_MAX_DELAY_MS", "50")];
    let out = replay_into(&s, &files, &patient, Some(Duration::from_millis(1500)));
    accounted(&s, &files, &out);
    assert_eq!(out.failed.len(), 36);
    assert!(stored(&s).is_empty());
    let gone = out
        .failed
        .values()
        .filter(|r| r.contains("cannot connect"))
        .count();
    assert!(gone > 0, "{:?}", out.failed.values().next());
    s.come_back();
    let dir = TempDir::new("faults-redrive-gone");
    std::fs::write(dir.path("failed.ndjson"), &out.redrive).unwrap();
    let again = replay_paths(&s, &[dir.path("failed.ndjson")], &[], None);
    assert!(again.failed.is_empty(), "{:?}", again.failed);
    assert_eq!(again.stats.indexed, 36);
    let st = stored(&s);
    assert_eq!((st.len(), st.values().all(|&c| c == 1)), (36, true));
}

#[test]
fn a_413_at_a_small_limit_fails_only_the_document_too_large_for_it() {
    let s = Standin::with(Options {
        body_limit: 3000,
        ..Options::default()
    });
    let mut files = three_files();
    files[1][5].2 = format!("WARN: {}", "y".repeat(5000));
    let out = replay_into(&s, &files, &[], None);
    accounted(&s, &files, &out);
    let failed: Vec<(&str, &str)> = out.failed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, "b-05");
    assert!(
        failed[0].1.starts_with("a single document of ")
            && failed[0].1.ends_with("bytes is larger than the cluster accepts in one request (413 Request size exceeded 3000 bytes)"),
        "{}",
        failed[0].1
    );
    assert_eq!(out.stats.indexed, 35);
}

#[test]
fn mapping_conflicts_and_too_deep_json_are_stored_without_their_members() {
    let s = Standin::start();
    let deep = format!("{}1{}", r#"{"d":"#.repeat(25), "}".repeat(25));
    let files = vec![
        vec![(
            "m-1".to_string(),
            TS,
            r#"{"status": 200, "user": "a"}"#.to_string(),
        )],
        vec![
            (
                "m-2".to_string(),
                TS + 1,
                r#"{"status": "ok", "user": "b"}"#.to_string(),
            ),
            ("m-3".to_string(), TS + 2, deep.clone()),
            (
                "m-4".to_string(),
                TS + 3,
                r#"{"user": {"name": "c"}}"#.to_string(),
            ),
        ],
    ];
    let out = replay_into(&s, &files, &[], None);
    accounted(&s, &files, &out);
    assert!(out.failed.is_empty());
    let doc = |id| s.doc("cwl-2018.11.29", id).unwrap();
    assert_eq!(doc("m-1")["status"], 200);
    let m2 = doc("m-2");
    assert!(m2.get("status").is_none() && m2.get("user").is_none(), "{m2}");
    assert_eq!(
        m2["@indexError"],
        "mapper_parsing_exception: failed to parse field [status] of type [long] in document with id 'm-2'. Preview of field's value: 'ok'"
    );
    let m3 = doc("m-3");
    assert!(m3.get("d").is_none());
    assert!(
        m3["@indexError"]
            .as_str()
            .unwrap()
            .starts_with("illegal_argument_exception: Limit of mapping depth [20] has been exceeded"),
        "{m3}"
    );
    assert_eq!(m3["@message"], deep.as_str());
    assert!(
        doc("m-4")["@indexError"]
            .as_str()
            .unwrap()
            .starts_with("mapper_parsing_exception: failed to parse field [user] of type [text]"),
        "{}",
        doc("m-4")
    );
}

// ---- the Lambda handler against the stand-in ----

/// A warm Lambda container indexing into `s`.
struct Lambda {
    rt: tokio::runtime::Runtime,
    state: State,
}

impl Lambda {
    fn new(s: &Standin, extra: &[(&str, &str)]) -> Lambda {
        let mut set: Settings = crate::sink::settings(&s.url());
        for (k, v) in extra {
            set.set(k, *v);
        }
        let cfg = Config::from_settings(&set).unwrap();
        let rt = rt();
        let sink = rt.block_on(Sink::from_config(&cfg)).unwrap();
        let state = State::from_config(cfg, sink).with_log(SharedBuf::default());
        Lambda { rt, state }
    }

    /// One invocation with `ms` milliseconds left.
    fn invoke(&self, payload: &str, ms: u64) -> Result<cwl_trace_bridge::lambda::Summary, HandlerError> {
        let mut ctx = Context::default();
        ctx.request_id = "c0ffee00-0000-4000-8000-000000000001".into();
        let deadline = std::time::SystemTime::now() + Duration::from_millis(ms);
        ctx.deadline = deadline
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let ev = LambdaEvent::new(serde_json::from_str::<Value>(payload).unwrap(), ctx);
        self.rt.block_on(handle(&self.state, ev))
    }
}

#[test]
fn the_handler_succeeds_only_when_every_event_is_stored_and_counts_the_rest() {
    let evs = events("h", 30, 40);
    let payload = delivery(&evs);
    let margin = [
        ("DEADLINE_MARGIN_MS", "200"),
        ("BULK_MAX_BYTES", "3000"),
        ("OPENSEARCH_MAX_RETRIES", "100000"),
        ("RETRY_MAX_DELAY_MS", "50"),
    ];

    // A 429/503 burst: success, all stored once.
    let s = Standin::start();
    s.faults([
        Fault::Status(429),
        Fault::Status(503),
        Fault::CutAnswer,
        Fault::ResetMidRequest,
    ]);
    let sum = Lambda::new(&s, &margin).invoke(&payload, 20_000).unwrap();
    assert_eq!((sum.documents, sum.indexed, sum.failed), (30, 30, 0));
    assert!(stored(&s).values().all(|&c| c == 1) && stored(&s).len() == 30);

    // One document too large for the cluster: the others are stored and
    // the invocation fails naming the one.
    let s = Standin::with(Options {
        body_limit: 3000,
        ..Options::default()
    });
    let mut big = evs.clone();
    big[7].2 = "z".repeat(4000);
    let e = Lambda::new(&s, &margin)
        .invoke(&delivery(&big), 20_000)
        .unwrap_err();
    let HandlerError::Undeliverable {
        not_indexed,
        total,
        reason,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!((*not_indexed, *total), (1, 30));
    assert!(
        reason.starts_with("h-07 in cwl-2018.11.29: a single document of "),
        "{reason}"
    );
    assert_eq!(stored(&s).len(), 29);
    assert!(!stored(&s).contains_key("h-07"));

    // The stand-in gone for the whole invocation: nothing stored, all 30
    // reported, before the Lambda's own deadline.
    let s = Standin::start();
    s.go_away();
    let e = Lambda::new(&s, &margin).invoke(&payload, 2_000).unwrap_err();
    let HandlerError::Undeliverable {
        not_indexed,
        total,
        reason,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!((*not_indexed, *total), (30, 30), "{reason}");
    assert!(reason.contains("deadline reached"), "{reason}");
    assert!(reason.contains("cannot connect"), "{reason}");
    assert!(stored(&s).is_empty());
    // Back, and the retried invocation (Lambda's own retry) stores them.
    s.come_back();
    let sum = Lambda::new(&s, &margin).invoke(&payload, 20_000).unwrap();
    assert_eq!(sum.indexed, 30);
    assert_eq!(stored(&s).len(), 30);
}
