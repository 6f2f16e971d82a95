//! Bytes as decoded subscription JSON through the pipeline: `prepare` →
//! `_bulk` body, and checks on every line of that body.
//!
//! Bytes that are not subscription JSON but are UTF-8 become a delivery of
//! their own: one event per line (each keeping its `\n`, as Lambda's do), so
//! the fuzzer also reaches the pipeline with arbitrary messages.
//!
//! Each delivery goes through two pipelines: (A) multi-line off, JSON
//! merged, the whole delivery at once, where each document must be its
//! event; (B) multi-line on for every group, JSON nested, the delivery cut
//! in two consecutive deliveries of the same process (so late trace joins
//! give `update` actions), where every event must be in exactly one
//! document.

#![no_main]

use std::collections::HashMap;
use std::sync::LazyLock;

use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::decode::{LogEvent, LogsData, MessageType};
use cwl_trace_bridge::pipeline::{Pipeline, Prepared};
use cwl_trace_bridge::sink::Action;
use fuzz_checks::{id_hex, parse_strict};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

// One pipeline per configuration for the whole run, as a process has, its
// join memory forgotten before each input so that every input is judged alone.
static WHOLE: LazyLock<Pipeline> = LazyLock::new(|| Pipeline::new(config(&[])));
static SPLIT: LazyLock<Pipeline> =
    LazyLock::new(|| Pipeline::new(config(&[("MULTILINE_LOG_GROUPS", ".*"), ("JSON_MODE", "nest")])));

fn config(settings: &[(&str, &str)]) -> Config {
    let mut s = Settings::default();
    s.set("JOIN_CACHE_CAPACITY", "64");
    for (k, v) in settings {
        s.set(k, *v);
    }
    match Config::from_settings(&s) {
        Ok(c) => c,
        Err(e) => panic!("fuzz configuration: {e}"),
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Some(data) = fuzz_checks::framing::delivery_input(bytes) else {
        return;
    };

    // A: each document is its event.
    let pipeline = &*WHOLE;
    pipeline.forget_joins();
    let prepared = pipeline.prepare(data.clone());
    let docs = check_body(&prepared, &mut HashMap::new());
    if data.message_type == MessageType::Control {
        assert!(docs.is_empty(), "a control message gave documents");
    } else {
        assert_eq!(docs.len(), data.events.len(), "documents are not one per event");
        for (doc, event) in docs.iter().zip(&data.events) {
            assert_eq!(doc.get("@id").and_then(Value::as_str), Some(&*event.id));
            assert_eq!(
                doc.get("@message").and_then(Value::as_str),
                Some(&*event.message),
                "@message is not the event's message"
            );
            assert!(doc.get("@mergedIds").is_none());
        }
    }
    assert_eq!(prepared.stats.documents as usize, docs.len());

    // B: multi-line, two deliveries of one process.
    let pipeline = &*SPLIT;
    pipeline.forget_joins();
    let mut sent = HashMap::new();
    let mut first = data.clone();
    let second_events = first.events.split_off(first.events.len() / 2);
    let second = LogsData {
        events: second_events,
        refused: Vec::new(),
        duplicates: 0,
        ..data.clone()
    };
    for part in [first, second] {
        let prepared = pipeline.prepare(part.clone());
        let docs = check_body(&prepared, &mut sent);
        if part.message_type == MessageType::Control {
            continue;
        }
        // Every event is in exactly one document, in order: as its head or
        // among its merged ids.
        let mut ids = Vec::new();
        for doc in &docs {
            ids.push(
                doc.get("@id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            );
            if let Some(merged) = doc.get("@mergedIds") {
                let merged = merged.as_array().expect("@mergedIds is an array");
                assert!(!merged.is_empty(), "empty @mergedIds");
                ids.extend(merged.iter().map(|m| m.as_str().expect("merged id").to_string()));
            }
        }
        let want: Vec<&str> = part.events.iter().map(|e| &*e.id).collect();
        assert_eq!(ids, want, "multi-line merging lost, added or moved events");
        let by_id: HashMap<&str, &LogEvent<'_>> = part.events.iter().map(|e| (&*e.id, e)).collect();
        for doc in &docs {
            let id = doc.get("@id").and_then(Value::as_str).unwrap_or_default();
            let message = doc.get("@message").and_then(Value::as_str).unwrap_or_default();
            assert!(
                message.starts_with(&*by_id[id].message),
                "a merged @message does not start with its head's message"
            );
        }
    }
});

/// Checks the `_bulk` body of `prepared` and returns its `index` documents.
/// `sent` maps the `_id` of every document indexed so far by this pipeline
/// to its index; `update`s must name one of them.
fn check_body(prepared: &Prepared, sent: &mut HashMap<String, String>) -> Vec<Map<String, Value>> {
    let batch = &prepared.batch;
    let body = std::str::from_utf8(&batch.body).expect("the body is UTF-8");
    if body.is_empty() {
        assert!(batch.items.is_empty());
        return Vec::new();
    }
    assert!(body.ends_with('\n'), "the body does not end with a newline");
    let lines: Vec<&str> = body[..body.len() - 1].split('\n').collect();
    assert_eq!(lines.len() % 2, 0, "an action without a document");
    assert_eq!(lines.len() / 2, batch.items.len(), "items do not match the body");
    let mut docs = Vec::new();
    let mut at = 0;
    for (i, (pair, item)) in lines.chunks(2).zip(&batch.items).enumerate() {
        let (action_line, doc_line) = (pair[0], pair[1]);
        assert_eq!(item.span.start, at, "item span");
        at += action_line.len() + doc_line.len() + 2;
        assert_eq!(item.span.end, at, "item span");
        assert_eq!(item.doc_start, item.span.start + action_line.len() + 1);

        let action = object(action_line, "action line");
        assert_eq!(action.len(), 1, "an action line with {} actions", action.len());
        let (name, meta) = action.iter().next().expect("one action");
        let meta = meta.as_object().expect("action metadata is an object");
        let index = meta.get("_index").and_then(Value::as_str).expect("_index");
        let id = meta.get("_id").and_then(Value::as_str).expect("_id");
        assert_eq!((index, id), (batch.index_name(i), batch.id(i)));
        assert!(!index.is_empty() && !id.is_empty());
        let doc = object(doc_line, "document");
        match (name.as_str(), item.action) {
            ("index", Action::Index) => {
                assert_eq!(doc.get("@id").and_then(Value::as_str), Some(id), "@id is not _id");
                check_document(&doc);
                sent.insert(id.to_string(), index.to_string());
                docs.push(doc);
            }
            ("update", Action::Update) => {
                assert_eq!(
                    sent.get(id).map(String::as_str),
                    Some(index),
                    "update of a document never sent"
                );
                let fields = doc.get("doc").and_then(Value::as_object).expect("update doc");
                assert_eq!(doc.len(), 1);
                check_trace(fields);
                assert_eq!(
                    fields.get("@traceSource").and_then(Value::as_str),
                    Some("request")
                );
            }
            (name, action) => panic!("action {name} for {action:?}"),
        }
    }
    docs
}

fn object(line: &str, what: &str) -> Map<String, Value> {
    match parse_strict(line.as_bytes()) {
        Ok(Value::Object(m)) => m,
        Ok(other) => panic!("{what} is not an object: {other}"),
        Err(e) => panic!("{what} is not JSON ({e}): {line}"),
    }
}

fn check_document(doc: &Map<String, Value>) {
    for key in [
        "@id",
        "@timestamp",
        "@message",
        "@owner",
        "@log_group",
        "@log_stream",
    ] {
        assert!(
            doc.get(key).is_some_and(Value::is_string),
            "{key} missing or not a string"
        );
    }
    check_trace(doc);
    match doc.get("@traceSource").and_then(Value::as_str) {
        None | Some("message") => {}
        Some("request") => assert!(doc.get("@requestId").is_some(), "joined without a request id"),
        Some(other) => panic!("@traceSource {other}"),
    }
}

/// The trace fields come together, and are two spellings of one valid id;
/// a span only with a trace. (A line's own `traceId`/`spanId` members are
/// never merged at the top level, so these are the bridge's.)
fn check_trace(doc: &Map<String, Value>) {
    let Some(xray) = doc.get("@xrayTraceId") else {
        for key in ["traceId", "spanId", "@traceSource"] {
            assert!(doc.get(key).is_none(), "{key} without @xrayTraceId");
        }
        return;
    };
    let xray = xray.as_str().expect("@xrayTraceId is a string");
    let hex = doc
        .get("traceId")
        .and_then(Value::as_str)
        .expect("traceId beside @xrayTraceId");
    assert!(id_hex(hex, 32), "traceId {hex:?}");
    assert_eq!(
        xray,
        format!("1-{}-{}", &hex[..8], &hex[8..]),
        "the two trace spellings differ"
    );
    assert!(
        doc.get("@traceSource").is_some_and(Value::is_string),
        "a trace without @traceSource"
    );
    if let Some(span) = doc.get("spanId") {
        let span = span.as_str().expect("spanId is a string");
        assert!(id_hex(span, 16), "spanId {span:?}");
    }
}
