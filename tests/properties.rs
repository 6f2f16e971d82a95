//! Properties over arbitrary input, in the normal test run (proptest):
//! parsing never panics, X-Ray and 32-hex trace ids convert both ways
//! through a whole document, and every rendered document is valid JSON whose
//! `@message` is the input exactly. The extractors have their own
//! never-panics properties next to them (`src/parse/*_tests.rs`), and
//! `TraceId`'s own round trip is `trace_tests::xray_and_hex_round_trip`.

use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::decode::{LogEvent, LogsData, MessageType};
use cwl_trace_bridge::parse::{self, Rules, TraceId};
use cwl_trace_bridge::pipeline::Pipeline;
use proptest::prelude::*;
use serde_json::Value;

/// The fields the bridge fills from the line (SCHEMA.md, "Added by the bridge").
const ADDED: &[&str] = &[
    "@timestamp",
    "@level",
    "@markers",
    "@requestId",
    "@xrayTraceId",
    "traceId",
    "spanId",
    "serviceName",
    "@traceSource",
    "@type",
    "@duration",
    "@billedDuration",
    "@initDuration",
    "@memorySize",
    "@maxMemoryUsed",
    "@httpMethod",
    "@httpStatus",
    "@urlPath",
];

/// One pipeline per JSON mode for the whole run (compiling the markers per
/// case would make the properties the slowest tests by far).
fn pipeline(json_mode: &str) -> &'static Pipeline {
    static PIPELINES: std::sync::OnceLock<Vec<(&'static str, Pipeline)>> = std::sync::OnceLock::new();
    let all = PIPELINES.get_or_init(|| {
        ["merge", "nest", "off"]
            .into_iter()
            .map(|mode| {
                let mut s = Settings::default();
                s.set("JSON_MODE", mode);
                (mode, Pipeline::new(Config::from_settings(&s).unwrap()))
            })
            .collect()
    });
    &all.iter().find(|(m, _)| *m == json_mode).unwrap().1
}

fn data(group: &str, stream: &str, events: Vec<(String, String)>) -> LogsData<'static> {
    LogsData {
        message_type: MessageType::Data,
        owner: "123456789012".into(),
        log_group: group.into(),
        log_stream: stream.into(),
        subscription_filters: Vec::new(),
        events: events
            .into_iter()
            .enumerate()
            .map(|(i, (id, message))| LogEvent {
                id: id.into(),
                timestamp: 1_543_456_789_000 + i as i64,
                message: message.into(),
                message_json: None,
                extracted_fields: None,
            })
            .collect(),
        refused: Vec::new(),
        duplicates: 0,
    }
}

/// The (action, document) pairs of a bulk body, each line parsed.
fn pairs(body: &[u8]) -> Vec<(Value, Value)> {
    let text = std::str::from_utf8(body).expect("the body is UTF-8");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert_eq!(lines.len() % 2, 0);
    lines.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect()
}

/// Messages that look like what the extractors look for: JSON objects with
/// the members they read, Lambda platform lines, access logs, trace forms,
/// ANSI codes, mixed with arbitrary text.
fn message() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        Just(r#"{"level":"warn","requestId":"c6af9ac6-7b61-11e6-9a41-93e812345678","traceId":"#.to_string()),
        Just(r#""1-5759e988-bd862e3fe1be46a994272793"}"#.to_string()),
        Just(
            "REPORT RequestId: c6af9ac6-7b61-11e6-9a41-93e812345678\tDuration: 2.00 ms\tXRAY TraceId: "
                .to_string()
        ),
        Just("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8".to_string()),
        Just("\"GET /like?x=1 HTTP/1.1\" 200 ".to_string()),
        Just("00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01".to_string()),
        Just("\u{1b}[31mERROR\u{1b}[0m ".to_string()),
        Just(
            r#"{"service":{"name":"x"},"record":{"requestId":"r-12345678"},"type":"platform.report"}"#
                .to_string()
        ),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("\\".to_string()),
        Just("\n  at com.example.X(X.java:1)".to_string()),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

/// A JSON object member value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics_on_arbitrary_strings(msg in any::<String>(), group in any::<String>()) {
        let _ = parse::parse(&msg, &group, &Rules::default());
    }

    #[test]
    fn parse_never_panics_near_what_it_looks_for(msg in message(), group in "(/aws/lambda/|/ecs/|/aws/ecs/|/)?\\PC{0,20}") {
        let _ = parse::parse(&msg, &group, &Rules::default());
    }

    #[test]
    fn every_document_is_valid_json_with_the_message_exactly(
        msgs in prop::collection::vec(prop_oneof![any::<String>(), message()], 1..6),
        ids in prop::collection::vec("\\PC{1,20}", 6),
        group in "\\PC{0,30}",
        stream in "\\PC{0,30}",
        mode in prop::sample::select(vec!["merge", "nest", "off"]),
    ) {
        // Distinct ids: two entries with one id give one document.
        let ids: Vec<String> = ids.iter().enumerate().map(|(i, id)| format!("{i}{id}")).collect();
        let events: Vec<(String, String)> = ids.iter().cloned().zip(msgs.iter().cloned()).collect();
        let prepared = pipeline(mode).prepare(data(&group, &stream, events.clone()));
        // The pipelines are warm: a request joined to its trace in an
        // earlier case brings `update` actions (valid JSON too).
        let docs: Vec<(Value, Value)> = pairs(&prepared.batch.body)
            .into_iter()
            .filter(|(action, _)| action.get("update").is_none())
            .collect();
        prop_assert_eq!(docs.len(), events.len());
        for ((action, doc), (id, msg)) in docs.iter().zip(&events) {
            prop_assert_eq!(&action["index"]["_id"], &Value::from(id.as_str()));
            prop_assert_eq!(&doc["@message"], &Value::from(msg.as_str()));
            prop_assert_eq!(&doc["@id"], &Value::from(id.as_str()));
            prop_assert_eq!(&doc["@log_group"], &Value::from(group.as_str()));
            prop_assert_eq!(&doc["@log_stream"], &Value::from(stream.as_str()));
            // What the bridge adds is never null or "".
            for k in ADDED {
                if let Some(v) = doc.get(*k) {
                    prop_assert!(!v.is_null() && v != "", "{} = {} for {:?} in {:?}", k, v, msg, group);
                }
            }
        }
    }

    #[test]
    fn a_json_message_renders_valid_json_in_every_mode(
        members in prop::collection::btree_map(any::<String>(), json_value(), 0..6),
        prefix in "[ -~]{0,12}",
        mode in prop::sample::select(vec!["merge", "nest", "off"]),
    ) {
        let obj = Value::Object(members.into_iter().collect());
        let msg = format!("{}{obj}", prefix.replace('{', "("));
        let prepared = pipeline(mode).prepare(data("/ecs/like", "s", vec![("1".into(), msg.clone())]));
        let docs: Vec<(Value, Value)> = pairs(&prepared.batch.body)
            .into_iter()
            .filter(|(action, _)| action.get("index").is_some())
            .collect();
        prop_assert_eq!(&docs[0].1["@message"], &Value::from(msg.as_str()));
        if mode == "nest" && !obj.as_object().unwrap().is_empty() {
            prop_assert!(docs[0].1["@json"].is_object());
        }
    }

    #[test]
    fn a_stated_trace_converts_both_ways_through_the_document(v in 1u128.., upper in any::<bool>()) {
        let t = TraceId::from_u128(v).unwrap();
        let xray = if upper { t.xray().to_uppercase() } else { t.xray() };
        let msg = format!("INFO Root={xray};Parent=53995c3f42cd8ad8;Sampled=1 liked");
        let prepared = pipeline("merge").prepare(data("/ecs/like", "s", vec![("1".into(), msg)]));
        let doc = &pairs(&prepared.batch.body)[0].1;
        let (x, hex) = (doc["@xrayTraceId"].as_str().unwrap(), doc["traceId"].as_str().unwrap());
        prop_assert_eq!(x, t.xray());
        prop_assert_eq!(hex, t.hex());
        prop_assert_eq!(TraceId::from_hex(hex).map(|t| t.xray()), Some(x.to_string()));
        prop_assert_eq!(TraceId::from_xray(x).map(|t| t.hex()), Some(hex.to_string()));
        prop_assert_eq!(format!("{}{}", &x[2..10], &x[11..]), hex);
    }
}
