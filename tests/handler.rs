//! `lambda::handle` called directly with `LambdaEvent { payload, context }`,
//! the offline sink writing into a buffer.

use std::sync::Arc;

use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::lambda::{HandlerError, State, Summary, handle};
use cwl_trace_bridge::sink::{NdjsonSink, Sink};
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde_json::Value;

use crate::support::{SharedBuf, fixture, lambda_event, logs_json};

const GROUP: &str = "/ecs/like-service";

pub(crate) struct Harness {
    pub state: State,
    pub body: SharedBuf,
    pub log: SharedBuf,
}

pub(crate) fn harness(pairs: &[(&str, &str)]) -> Harness {
    let body = SharedBuf::default();
    harness_with_sink(pairs, Sink::Ndjson(NdjsonSink::to_writer(body.clone())), body)
}

pub(crate) fn harness_with_sink(pairs: &[(&str, &str)], sink: Sink, body: SharedBuf) -> Harness {
    let mut s = Settings::default();
    for (k, v) in pairs {
        s.set(k, *v);
    }
    let log = SharedBuf::default();
    let state = State::from_config(Config::from_settings(&s).unwrap(), sink).with_log(log.clone());
    Harness { state, body, log }
}

pub(crate) fn event(payload: &str) -> LambdaEvent<Value> {
    let mut ctx = Context::default();
    ctx.request_id = "8f5a3b1e-0000-4000-8000-000000000001".into();
    LambdaEvent::new(serde_json::from_str(payload).unwrap(), ctx)
}

pub(crate) fn run(h: &Harness, ev: LambdaEvent<Value>) -> Result<Summary, HandlerError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(handle(&h.state, ev))
}

/// The one invocation line written since the last call.
pub(crate) fn log_line(h: &Harness) -> Value {
    let log = String::from_utf8(h.log.take()).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 1, "one line per invocation: {log}");
    serde_json::from_str(lines[0]).unwrap()
}

fn delivery(events: &[(&str, i64, &str)]) -> String {
    lambda_event(&logs_json(GROUP, "like/1", events))
}

#[test]
fn a_delivery_is_indexed_and_logged_in_one_line() {
    let h = harness(&[]);
    let payload = delivery(&[
        ("1", 1_543_456_789_000, "WARN: stress function activated"),
        ("2", 1_543_456_789_001, "GET /like 200"),
    ]);
    let s = run(&h, event(&payload)).unwrap();
    assert_eq!((s.events, s.documents, s.indexed, s.failed), (2, 2, 2, 0));
    assert_eq!(s.log_group, GROUP);
    assert!(s.bytes_decoded > 0);
    let body = String::from_utf8(h.body.take()).unwrap();
    assert_eq!(body.lines().count(), 4);
    assert!(body.starts_with(r#"{"index":{"_index":"cwl-2018.11.29","_id":"1"}}"#));
    let line = log_line(&h);
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["message"], "delivery indexed");
    assert_eq!(line["requestId"], "8f5a3b1e-0000-4000-8000-000000000001");
    assert_eq!(line["logGroup"], GROUP);
    assert_eq!(
        (line["events"].as_u64(), line["indexed"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(line["durationMs"].is_u64());
    assert_eq!(
        line["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "CwlTraceBridge"
    );
}

#[test]
fn the_metrics_namespace_comes_from_the_configuration() {
    let h = harness(&[("METRICS_NAMESPACE", "Mysfits/Logs")]);
    run(&h, event(&delivery(&[("1", 5, "x")]))).unwrap();
    let line = log_line(&h);
    assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Mysfits/Logs");
}

#[test]
fn a_control_message_succeeds_and_sends_nothing() {
    let h = harness(&[]);
    let payload = std::fs::read_to_string(fixture("deliveries/control-message.json")).unwrap();
    let s = run(&h, event(&payload)).unwrap();
    assert_eq!((s.control_messages, s.documents, s.indexed), (1, 0, 0));
    assert!(h.body.take().is_empty());
    let line = log_line(&h);
    assert_eq!(line["message"], "control message");
    assert_eq!(line["controlMessages"], 1);
}

#[test]
fn undecodable_deliveries_are_invalid_delivery_errors_naming_the_cause() {
    let not_gzip = format!(r#"{{"awslogs":{{"data":"{}"}}}}"#, "aGVsbG8gd29ybGQ=");
    let big = delivery(&[("1", 5, &"x".repeat(4_000))]);
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let cases: [Case<'_>; 6] = [
        (r#"{"Records":[]}"#, "no awslogs member (members: Records)", &[]),
        (r#""hello""#, "the event is a string", &[]),
        (r#"{"awslogs":{"data":7}}"#, "awslogs.data is a number", &[]),
        (
            r#"{"awslogs":{"data":"!!not base64"}}"#,
            "awslogs.data is not valid base64",
            &[],
        ),
        (&not_gzip, "payload is not valid gzip", &[]),
        (
            &big,
            "inflated payload exceeds the limit of 1000 bytes",
            &[("MAX_DECODED_BYTES", "1000")],
        ),
    ];
    for (payload, expected, settings) in cases {
        let h = harness(settings);
        let e = run(&h, event(payload)).unwrap_err();
        assert!(matches!(e, HandlerError::InvalidDelivery(_)), "{payload}: {e:?}");
        let d = Diagnostic::from(e);
        assert_eq!(d.error_type, "InvalidDelivery");
        assert!(
            d.error_message.contains(expected),
            "{payload}: {}",
            d.error_message
        );
        let line = log_line(&h);
        assert_eq!(line["level"], "ERROR");
        assert_eq!(line["errorType"], "InvalidDelivery");
        assert!(h.body.take().is_empty());
    }
}

#[test]
fn refused_entries_fail_the_invocation_after_the_good_ones_are_indexed() {
    let h = harness(&[]);
    let json = serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": GROUP,
        "logStream": "like/1", "subscriptionFilters": [],
        "logEvents": [
            {"id": "good", "timestamp": 1_543_456_789_000_i64, "message": "fine"},
            {"id": "late", "timestamp": 999_999_999_999_999_i64, "message": "far future"},
        ]
    });
    let e = run(&h, event(&lambda_event(json.to_string().as_bytes()))).unwrap_err();
    assert_eq!(e.error_type(), "RefusedEvents");
    assert!(e.to_string().contains("id late"), "{e}");
    let body = String::from_utf8(h.body.take()).unwrap();
    assert!(body.contains(r#""_id":"good""#), "{body}");
    let line = log_line(&h);
    assert_eq!(
        (line["indexed"].as_u64(), line["refused"].as_u64()),
        (Some(1), Some(1))
    );
}

/// A writer that always fails with the given message.
struct Broken(String);

impl std::io::Write for Broken {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other(self.0.clone()))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_sink_is_undeliverable_and_claims_nothing_indexed() {
    let sink = Sink::Ndjson(NdjsonSink::to_writer(Broken("connection refused".into())));
    let h = harness_with_sink(&[], sink, SharedBuf::default());
    let e = run(&h, event(&delivery(&[("1", 5, "a"), ("2", 6, "b")]))).unwrap_err();
    assert_eq!(e.error_type(), "Undeliverable");
    assert!(e.to_string().starts_with("2 of 2 documents not indexed: "), "{e}");
    let line = log_line(&h);
    assert_eq!(
        (line["indexed"].as_u64(), line["failed"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(line["errorType"], "Undeliverable");
}

#[test]
fn secrets_never_reach_the_log_or_the_error() {
    let sink = Sink::Ndjson(NdjsonSink::to_writer(Broken(
        "POST https://admin:hunter2@search.example.com/_bulk: Authorization: Basic YWRtaW46aHVudGVyMg=="
            .into(),
    )));
    let h = harness_with_sink(
        &[
            ("OPENSEARCH_ENDPOINT", "https://search.example.com"),
            ("OPENSEARCH_AUTH", "basic"),
            ("OPENSEARCH_USERNAME", "admin"),
            ("OPENSEARCH_PASSWORD", "hunter2"),
        ],
        sink,
        SharedBuf::default(),
    );
    let e = run(&h, event(&delivery(&[("1", 5, "a")]))).unwrap_err();
    let d = Diagnostic::from(e);
    let log = String::from_utf8(h.log.take()).unwrap();
    for text in [&d.error_message, &log] {
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("YWRtaW46"), "{text}");
    }
    assert!(
        d.error_message.contains("https://***@search.example.com"),
        "{}",
        d.error_message
    );
}

#[test]
fn the_functions_own_log_group_is_skipped_not_indexed() {
    let h = harness(&[]);
    let mut ev = event(&lambda_event(&logs_json(
        "/aws/lambda/cwl-bridge",
        "2024/01/01/[$LATEST]abc",
        &[("1", 5, "REPORT RequestId: x")],
    )));
    ev.context.env_config = Arc::new(lambda_runtime::Config {
        function_name: "cwl-bridge".into(),
        log_group: "/aws/lambda/cwl-bridge".into(),
        ..lambda_runtime::Config::default()
    });
    let s = run(&h, ev).unwrap();
    assert_eq!(s.documents, 0);
    assert!(s.skipped.unwrap().contains("own log group"));
    assert!(h.body.take().is_empty());
    let line = log_line(&h);
    assert_eq!(line["level"], "WARN");
    assert_eq!(line["functionName"], "cwl-bridge");
}

#[test]
fn a_context_deadline_is_passed_on_and_met() {
    let h = harness(&[]);
    let mut ev = event(&delivery(&[("1", 5, "a")]));
    let in_a_minute = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    ev.context.deadline = in_a_minute
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert_eq!(run(&h, ev).unwrap().indexed, 1);
}

#[test]
fn warm_join_memory_updates_documents_of_an_earlier_invocation() {
    let h = harness(&[]);
    let (first, second) = crate::support::warm_join_deliveries();
    let s = run(&h, event(&first)).unwrap();
    assert_eq!((s.documents, s.updates), (2, 0));
    h.body.take();
    let s = run(&h, event(&second)).unwrap();
    assert_eq!((s.documents, s.updates, s.traces_stated), (1, 2, 1));
    let body = String::from_utf8(h.body.take()).unwrap();
    assert!(
        body.contains(r#"{"update":{"_index":"cwl-2018.11.29","_id":"2"}}"#),
        "{body}"
    );
}
