//! Every input shape `cwl-bridge replay` detects, read through the library.

use cwl_trace_bridge::decode::{Limits, MessageType};
use cwl_trace_bridge::replay::{TextOptions, read_file};

use crate::support::{TempDir, fixture, lambda_event, logs_json};

/// Every delivery of a file, decoded (a bad one fails the test, naming it).
fn deliveries(
    path: &std::path::Path,
    opts: &TextOptions,
) -> Vec<cwl_trace_bridge::decode::LogsData<'static>> {
    read_file(path, opts, Limits::default())
        .unwrap()
        .into_iter()
        .map(|i| {
            let label = i.label.clone();
            i.decode(Limits::default())
                .unwrap_or_else(|e| panic!("{label}: {e}"))
        })
        .collect()
}

/// (delivery label, log group, events) of every input of a file.
fn read(path: &std::path::Path) -> Vec<(String, String, usize)> {
    read_file(path, &TextOptions::default(), Limits::default())
        .unwrap()
        .into_iter()
        .map(|i| {
            let label = i.label.clone();
            let d = i
                .decode(Limits::default())
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            (label, d.log_group, d.events.len())
        })
        .collect()
}

#[test]
fn a_lambda_event_is_one_delivery() {
    let got = read(&fixture("deliveries/like-service-chaos.json"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, "/ecs/like-service");
    assert!(got[0].2 > 20);
}

#[test]
fn lambda_events_one_per_line_are_one_delivery_each() {
    let dir = TempDir::new("ndjson-events");
    let a = lambda_event(&logs_json("/a", "s", &[("1", 1, "x")]));
    let b = lambda_event(&logs_json("/b", "s", &[("2", 1, "y"), ("3", 2, "z")]));
    std::fs::write(dir.path("e.ndjson"), format!("{a}\n{b}\n")).unwrap();
    let got = read(&dir.path("e.ndjson"));
    let groups: Vec<_> = got.iter().map(|g| (g.1.as_str(), g.2)).collect();
    assert_eq!(groups, [("/a", 1), ("/b", 2)]);
    assert!(got[1].0.ends_with(": line 2"), "{}", got[1].0);
}

#[test]
fn decoded_subscription_json_is_read_as_is() {
    let got = read(&fixture("decoded/lambda-node-json.json"));
    assert_eq!(got[0].1, "/aws/lambda/mysfits-api");
}

#[test]
fn a_raw_gzip_payload_is_one_delivery() {
    let got = read(&fixture("gzip/like-service-chaos.json.gz"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, "/ecs/like-service");
}

#[test]
fn filter_log_events_output_keeps_event_ids_and_streams() {
    let got = deliveries(&fixture("cli/filter-log-events.json"), &TextOptions::default());
    assert_eq!(got.len(), 1);
    let d = &got[0];
    assert_eq!(d.log_stream, "ecs/like-service/3f0c2a8e1b7d4c5fa9e0d1c2b3a49f87");
    assert_eq!(d.log_group, "replay/filter-log-events.json");
    assert_eq!(d.events.len(), 12);
    assert_eq!(d.events[0].id.len(), 56);
}

#[test]
fn get_log_events_output_gets_stable_synthetic_ids() {
    let ids = || -> Vec<String> {
        deliveries(&fixture("cli/get-log-events.json"), &TextOptions::default())
            .into_iter()
            .flat_map(|d| d.events.into_iter().map(|e| e.id.into_owned()))
            .collect()
    };
    let (a, b) = (ids(), ids());
    assert_eq!(a.len(), 6);
    assert_eq!(a, b);
}

#[test]
fn kinesis_and_firehose_records_carry_deliveries() {
    assert_eq!(
        read(&fixture("kinesis/kinesis-event.json"))[0].1,
        "/ecs/xray-daemon"
    );
    assert_eq!(
        read(&fixture("kinesis/firehose-records.json"))[0].1,
        "/aws/lambda/mysfits-like"
    );
}

#[test]
fn plain_text_is_one_event_per_line_named_by_the_options() {
    let opts = TextOptions {
        log_group: Some("/ecs/like-service".into()),
        log_stream: Some("export".into()),
        strip_timestamp: true,
        ..TextOptions::default()
    };
    let got = deliveries(&fixture("logs/like-service-export.log"), &opts);
    let d = &got[0];
    assert_eq!(d.log_group, "/ecs/like-service");
    assert_eq!(d.log_stream, "export");
    assert!(
        !d.events[0].message.starts_with("2024-"),
        "timestamp stripped: {}",
        d.events[0].message
    );
    assert!(d.events[0].timestamp > 1_732_000_000_000);
}

#[test]
fn flat_events_group_by_log_group_and_stream() {
    let dir = TempDir::new("flat");
    std::fs::write(
        dir.path("c.jsonl"),
        concat!(
            r#"{"logGroup":"/a","logStream":"s1","id":"1","timestamp":1,"message":"x","expect":{}}"#,
            "\n",
            r#"{"logGroup":"/a","logStream":"s1","id":"2","timestamp":2,"message":"y"}"#,
            "\n",
            r#"{"logGroup":"/b","logStream":"s2","id":"3","timestamp":3,"message":"z"}"#,
            "\n"
        ),
    )
    .unwrap();
    let got: Vec<_> = read(&dir.path("c.jsonl"))
        .into_iter()
        .map(|g| (g.1, g.2))
        .collect();
    assert_eq!(got, [("/a".to_string(), 2), ("/b".to_string(), 1)]);
}

#[test]
fn lambda_on_failure_records_and_sqs_output_are_re_driven() {
    let dir = TempDir::new("redrive");
    let event: serde_json::Value = serde_json::from_str(&lambda_event(&logs_json(
        "/ecs/like-service",
        "s",
        &[("9", 5, "retry me")],
    )))
    .unwrap();
    let record = serde_json::json!({
        "version": "1.0",
        "timestamp": "2024-11-25T10:05:00.000Z",
        "requestContext": {"requestId": "c6af9ac6-7b61-11e6-9a41-93e812345678", "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:cwl-bridge:$LATEST", "condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": "Undeliverable", "errorMessage": "1 documents not indexed"}
    });
    std::fs::write(dir.path("record.json"), record.to_string()).unwrap();
    let sqs = serde_json::json!({"Messages": [{"MessageId": "m1", "ReceiptHandle": "r", "MD5OfBody": "x", "Body": record.to_string()}]});
    std::fs::write(dir.path("sqs.json"), sqs.to_string()).unwrap();
    for f in ["record.json", "sqs.json"] {
        let got = read(&dir.path(f));
        assert_eq!(got.len(), 1, "{f}");
        assert_eq!((got[0].1.as_str(), got[0].2), ("/ecs/like-service", 1), "{f}");
    }
}

#[test]
fn a_control_message_is_decoded_as_control() {
    let got = deliveries(
        &fixture("deliveries/control-message.json"),
        &TextOptions::default(),
    );
    assert_eq!(got[0].message_type, MessageType::Control);
}

#[test]
fn an_unknown_json_shape_is_an_error_naming_its_members() {
    let dir = TempDir::new("unknown");
    std::fs::write(dir.path("u.json"), r#"{"foo":1,"bar":2}"#).unwrap();
    let inputs = read_file(&dir.path("u.json"), &TextOptions::default(), Limits::default()).unwrap();
    let err = inputs
        .into_iter()
        .next()
        .unwrap()
        .decode(Limits::default())
        .unwrap_err();
    assert_eq!(err, "JSON object of an unknown shape (members: foo, bar)");
}
