//! The benchmark delivery, shared by the criterion benchmarks and the
//! instruction counter: the fixture deliveries' own lines (Flask under
//! CHAOSMODE, Flask JSON lines, X-Ray daemon, a traced Python Lambda)
//! repeated with fresh ids to the size asked for.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use cwl_trace_bridge::decode::{self, Limits, LogsData};

pub const FIXTURES: &[(&str, &str)] = &[
    ("deliveries/like-service-chaos.json", "flask"),
    ("deliveries/like-service-instrumented.json", "flask-json"),
    ("deliveries/xray-daemon.json", "xray-daemon"),
    ("deliveries/lambda-python-traced.json", "lambda-python"),
];

pub fn fixture_delivery(rel: &str) -> LogsData<'static> {
    let path = format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).expect("fixture");
    decode::decode_event(&bytes, Limits::default()).expect("fixture decodes")
}

/// One delivery of about `target` decoded bytes, mixing all fixture stacks.
pub fn big_delivery_json(target: usize) -> Vec<u8> {
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
