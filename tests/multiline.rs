//! Multi-line merging through the pipeline: only for the configured log
//! groups, with `@mergedIds`, the joined `@message` and the first `_id`.

use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::decode;
use cwl_trace_bridge::pipeline::Pipeline;
use serde_json::Value;

use crate::support::logs_json;

const TRACEBACK: [&str; 5] = [
    "ERROR:root:like failed",
    "Traceback (most recent call last):",
    "  File \"/app/service.py\", line 42, in like",
    "    raise ValueError(\"no such mysfit\")",
    "ValueError: no such mysfit",
];

fn pipeline(groups: Option<&str>) -> Pipeline {
    let mut s = Settings::default();
    if let Some(g) = groups {
        s.set("MULTILINE_LOG_GROUPS", g);
    }
    Pipeline::new(Config::from_settings(&s).unwrap())
}

/// The (action, document) pairs of a rendered delivery of `group`.
fn render(pipeline: &Pipeline, group: &str) -> Vec<(Value, Value)> {
    let mut events: Vec<(String, i64, &str)> = TRACEBACK
        .iter()
        .enumerate()
        .map(|(i, m)| (format!("{}", 10 + i), 1_543_456_789_000 + i as i64, *m))
        .collect();
    events.push(("20".into(), 1_543_456_790_000, "WARN: simulated 404 activated"));
    let events: Vec<(&str, i64, &str)> = events.iter().map(|(id, ts, m)| (id.as_str(), *ts, *m)).collect();
    let json = logs_json(group, "ecs/like/1", &events);
    let data = decode::parse_json(&json).unwrap();
    let prepared = pipeline.prepare(data);
    let body = String::from_utf8(prepared.batch.body).unwrap();
    let lines: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect()
}

#[test]
fn traceback_of_a_multiline_group_becomes_one_document() {
    let docs = render(&pipeline(Some("^/ecs/")), "/ecs/like-service");
    assert_eq!(docs.len(), 2);
    let (action, doc) = &docs[0];
    assert_eq!(action["index"]["_id"], "10");
    assert_eq!(doc["@id"], "10");
    assert_eq!(doc["@timestamp"], "2018-11-29T01:59:49.000Z");
    assert_eq!(doc["@message"], TRACEBACK.join("\n"));
    assert_eq!(doc["@mergedIds"], serde_json::json!(["11", "12", "13", "14"]));
    let (action, doc) = &docs[1];
    assert_eq!(action["index"]["_id"], "20");
    assert_eq!(doc["@message"], "WARN: simulated 404 activated");
    assert!(doc.get("@mergedIds").is_none(), "{doc}");
}

#[test]
fn other_log_groups_keep_one_document_per_event() {
    for p in [pipeline(None), pipeline(Some("^/ecs/other$"))] {
        let docs = render(&p, "/ecs/like-service");
        assert_eq!(docs.len(), 6);
        assert!(docs.iter().all(|(_, d)| d.get("@mergedIds").is_none()));
        assert_eq!(docs[4].1["@message"], TRACEBACK[4]);
    }
}
