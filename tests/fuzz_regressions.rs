//! Inputs the fuzz targets found (tests/fuzz-regressions/<target>/), run
//! through the same library calls and the main checks of each target
//! (fuzz/fuzz_targets/), so that a fixed crash stays fixed without nightly.

use std::collections::HashMap;
use std::path::PathBuf;

use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::decode::{self, LogEvent, LogsData, MessageType};
use cwl_trace_bridge::parse::{self, Rules};
use cwl_trace_bridge::pipeline::Pipeline;
use cwl_trace_bridge::render::{self, JsonMode, Origin};
use serde_json::Value;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = super::support::root().join("tests/fuzz-regressions").join(target);
    // Git keeps no empty directory: a target with no finding has none.
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// One JSON object with no raw newline (a `_bulk` line) and no name twice
/// at any depth (OpenSearch refuses such a document).
fn object(line: &[u8], what: &str) -> serde_json::Map<String, Value> {
    assert!(!line.contains(&b'\n'), "{what} holds a raw newline");
    match super::support::strict_json::parse_strict(line) {
        Ok(Value::Object(m)) => m,
        other => panic!(
            "{what} is not a JSON object ({other:?}): {}",
            String::from_utf8_lossy(line)
        ),
    }
}

/// The targets' own framing of their bytes.
#[path = "../fuzz/src/framing.rs"]
mod framing;

#[test]
fn parse_line_inputs() {
    let rules = Rules::default();
    for (path, bytes) in inputs("parse_line") {
        let (group, message) = framing::parse_line_input(&bytes).unwrap();
        let line = parse::parse(message, group, &rules);
        check_line(message, &line, &path);
        let event = LogEvent {
            id: "38".into(),
            timestamp: 1_732_541_400_089,
            message: message.into(),
            message_json: None,
            extracted_fields: None,
        };
        let origin = Origin::new("123456789012", group, "stream/1");
        for mode in [JsonMode::Merge, JsonMode::Nest] {
            let mut out = Vec::new();
            render::write_document(&mut out, &origin, &event, &line, &[], &rules.markers, mode);
            let doc = object(&out, &format!("{} ({mode:?})", path.display()));
            assert_eq!(doc["@message"], message, "{}", path.display());
        }
    }
}

/// The invariants of a parsed line that the parse_line target checks.
fn check_line(message: &str, line: &parse::Line<'_>, path: &std::path::Path) {
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && s.bytes().any(|b| b != b'0')
    };
    let at = path.display();
    if let Some(t) = line.trace {
        assert!(hex(&t.hex(), 32), "{at}: trace {}", t.hex());
    }
    if let Some(s) = line.span {
        assert!(line.trace.is_some(), "{at}: a span without a trace");
        assert!(hex(&s.hex(), 16), "{at}: span {}", s.hex());
    }
    if let Some(id) = &line.request_id {
        assert!(parse::request_id::plausible(id), "{at}: request id {id:?}");
    }
    if let Some(name) = &line.service_name {
        assert!(!name.trim().is_empty(), "{at}: blank service name");
    }
    assert!(line.markers.windows(2).all(|w| w[0] < w[1]), "{at}: markers");
    // Access-log fields are the message's own text (an absolute target
    // without a path gives `/`, as documented).
    let within = |part: &str| {
        let (w, p) = (message.as_ptr() as usize, part.as_ptr() as usize);
        p >= w && p + part.len() <= w + message.len()
    };
    if let Some(m) = line.http.method {
        assert!(within(m), "{at}: method {m:?} outside the message");
    }
    if let Some(p) = line.http.path {
        assert!(within(p) || p == "/", "{at}: path {p:?} outside the message");
    }
}

fn bulk_documents(pipeline: &Pipeline, data: LogsData) -> Vec<serde_json::Map<String, Value>> {
    let body = pipeline.prepare(data).batch.body;
    let mut docs = Vec::new();
    let lines: Vec<&[u8]> = body
        .strip_suffix(b"\n")
        .unwrap_or(&body)
        .split(|&b| b == b'\n')
        .collect();
    if body.is_empty() {
        return docs;
    }
    assert_eq!(lines.len() % 2, 0, "an action without a document");
    for pair in lines.chunks(2) {
        let action = object(pair[0], "action line");
        let doc = object(pair[1], "document");
        if action.contains_key("index") {
            docs.push(doc);
        }
    }
    docs
}

#[test]
fn delivery_inputs() {
    let config = |s: &[(&str, &str)]| {
        let mut settings = Settings::default();
        for (k, v) in s {
            settings.set(k, *v);
        }
        Config::from_settings(&settings).unwrap()
    };
    for (path, bytes) in inputs("delivery") {
        let data = framing::delivery_input(&bytes).unwrap();
        let whole = Pipeline::new(config(&[]));
        let docs = bulk_documents(&whole, data.clone());
        if data.message_type == MessageType::Data {
            let messages: HashMap<&str, &str> = data.events.iter().map(|e| (&*e.id, &*e.message)).collect();
            assert_eq!(docs.len(), data.events.len(), "{}", path.display());
            for doc in &docs {
                let id = doc["@id"].as_str().unwrap();
                assert_eq!(doc["@message"], messages[id], "{}", path.display());
            }
        }
        let merged = Pipeline::new(config(&[("MULTILINE_LOG_GROUPS", ".*"), ("JSON_MODE", "nest")]));
        bulk_documents(&merged, data);
    }
}

#[test]
fn decode_inputs() {
    let limits = decode::Limits {
        max_decoded_bytes: 256 << 10,
    };
    for (path, bytes) in inputs("decode") {
        let _ = decode::decode_event(&bytes, limits).map_err(|e| e.to_string());
        if let Ok(json) = decode::gunzip(&bytes, limits) {
            assert!(json.len() <= limits.max_decoded_bytes);
            let _ = decode::parse_json(&json).map_err(|e| e.to_string());
        }
        if let Ok(data) = decode::parse_json(&bytes) {
            let mut ids = std::collections::HashSet::new();
            for e in &data.events {
                assert!(ids.insert(&*e.id), "{}: id {:?} kept twice", path.display(), e.id);
            }
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = decode::decode_data(text, limits).map_err(|e| e.to_string());
        }
    }
}
