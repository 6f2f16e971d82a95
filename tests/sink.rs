//! The OpenSearch sink against the stand-in (`support::standin`): batching,
//! retries, splitting, the mapping fallback, deadlines, authentication.
//! `real_cluster` runs the shared cases of `cases` against a real cluster.

use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::sink::{Action, Batch, OpenSearchSink, Sink, SinkError, SinkReport};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::standin::{Fault, Options, Standin};

/// Settings for a sink against `url`, with short backoffs.
pub fn settings(url: &str) -> Settings {
    let mut s = Settings::default();
    s.set("OPENSEARCH_ENDPOINT", url);
    s.set("RETRY_BASE_MS", "1");
    s.set("RETRY_MAX_DELAY_MS", "4");
    s.set("OPENSEARCH_MAX_RETRIES", "30");
    s
}

pub async fn sink_with(s: &Settings, creds: Option<SharedCredentialsProvider>) -> OpenSearchSink {
    let cfg = Config::from_settings(s).unwrap();
    OpenSearchSink::new(cfg.opensearch.as_ref().unwrap(), &cfg.render.index_prefix, creds)
        .await
        .unwrap()
}

pub async fn sink(url: &str) -> OpenSearchSink {
    sink_with(&settings(url), None).await
}

/// A batch of `index` items for `docs` (id, document).
pub fn batch(index: &str, docs: &[(String, Value)]) -> Batch {
    let mut b = Batch::default();
    for (id, doc) in docs {
        b.push(Action::Index, index, id, true, |o| {
            serde_json::to_writer(o, doc).unwrap()
        });
    }
    b
}

/// `n` documents shaped like the bridge's, ids `<tag>-<i>`.
pub fn docs(tag: &str, n: usize) -> Vec<(String, Value)> {
    (0..n)
        .map(|i| {
            let id = format!("{tag}-{i:05}");
            let doc = json!({
                "@id": id,
                "@timestamp": "2018-11-29T01:59:49.000Z",
                "@message": format!("WARN: stress function activated {i} {}", "x".repeat(i % 50)),
                "@owner": "123456789012",
                "@log_group": "/ecs/like-service",
                "@log_stream": "ecs/like/1",
                "@level": "WARN",
                "serviceName": "like-service",
                "n": i,
            });
            (id, doc)
        })
        .collect()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Every document of `docs` is stored once, with its content.
fn assert_stored_once(standin: &Standin, index: &str, docs: &[(String, Value)]) {
    let stored = standin.docs();
    for (id, doc) in docs {
        let copies = stored.iter().filter(|(_, _, d)| d["@id"] == json!(id)).count();
        assert_eq!(copies, 1, "{id} stored {copies} times");
        assert_eq!(standin.doc(index, id).as_ref(), Some(doc), "{id}");
    }
}

const INDEX: &str = "cwl-2018.11.29";

#[test]
fn every_document_is_stored_once_with_its_content() {
    let s = Standin::start();
    let d = docs("a", 50);
    let report = rt().block_on(async { sink(&s.url()).await.send(batch(INDEX, &d), None).await.unwrap() });
    assert_eq!(report.indexed, 50);
    assert_eq!(report.retried, 0);
    assert!(report.failed.is_empty());
    assert_stored_once(&s, INDEX, &d);
    // The template came first, and it mapped the index.
    assert_eq!(s.seen()[0].path, "/_index_template/cwl-trace-bridge-cwl");
    assert_eq!(s.mapping(INDEX, "@timestamp"), Some("date"));
    assert_eq!(s.mapping(INDEX, "@level"), Some("keyword"));
    assert!(s.bulks().iter().all(|b| !b.body_has_type));
}

#[test]
fn template_is_installed_once_per_process() {
    let s = Standin::start();
    rt().block_on(async {
        let k = sink(&s.url()).await;
        k.send(batch(INDEX, &docs("a", 3)), None).await.unwrap();
        k.send(batch(INDEX, &docs("b", 3)), None).await.unwrap();
    });
    let puts = s.seen().iter().filter(|r| r.method == "PUT").count();
    assert_eq!(puts, 1);
    assert_eq!(
        s.templates()["cwl-trace-bridge-cwl"]["index_patterns"][0],
        "cwl-*"
    );
}

#[test]
fn template_switched_off_is_not_installed() {
    let s = Standin::start();
    let mut set = settings(&s.url());
    set.set("OPENSEARCH_INDEX_TEMPLATE", "false");
    rt().block_on(async {
        sink_with(&set, None)
            .await
            .send(batch(INDEX, &docs("a", 3)), None)
            .await
            .unwrap()
    });
    assert!(s.templates().is_empty());
    // Dynamic mapping then: a string, text.
    assert_eq!(s.mapping(INDEX, "@level"), Some("text"));
}

#[test]
fn requests_are_cut_at_bulk_max_bytes_on_item_boundaries() {
    let s = Standin::start();
    let mut set = settings(&s.url());
    set.set("BULK_MAX_BYTES", "4000");
    set.set("BULK_CONCURRENCY", "3");
    let d = docs("a", 200);
    let report = rt().block_on(async {
        sink_with(&set, None)
            .await
            .send(batch(INDEX, &d), None)
            .await
            .unwrap()
    });
    assert_eq!(report.indexed, 200);
    let bulks = s.bulks();
    assert!(bulks.len() > 10);
    assert!(bulks.iter().all(|b| b.bytes <= 4000 && b.status == 200));
    assert_eq!(bulks.iter().map(|b| b.ids.len()).sum::<usize>(), 200);
    assert_stored_once(&s, INDEX, &d);
}

#[test]
fn request_413_splits_in_halves_down_to_single_items() {
    let s = Standin::with(Options {
        body_limit: 3000,
        ..Options::default()
    });
    let mut d = docs("a", 40);
    // One document larger than the cluster takes in any request.
    d[17].1["@message"] = json!("y".repeat(5000));
    let report = rt().block_on(async { sink(&s.url()).await.send(batch(INDEX, &d), None).await.unwrap() });
    assert_eq!(report.indexed, 39);
    assert_eq!(report.failed.len(), 1);
    let f = &report.failed[0];
    assert_eq!(f.id, "a-00017");
    assert!(
        f.reason
            .contains("larger than the cluster accepts in one request")
            && f.reason.contains("Request size exceeded 3000 bytes"),
        "{}",
        f.reason
    );
    assert!(s.bulks().iter().any(|b| b.status == 413));
    assert!(report.retried >= 39);
    let rest: Vec<_> = d.iter().filter(|(id, _)| id != "a-00017").cloned().collect();
    assert_stored_once(&s, INDEX, &rest);
}

#[test]
fn item_429_is_retried_alone() {
    let s = Standin::start();
    s.faults([Fault::ItemStatus429 { every: 3 }]);
    let d = docs("a", 9);
    let report = rt().block_on(async { sink(&s.url()).await.send(batch(INDEX, &d), None).await.unwrap() });
    assert_eq!(report.indexed, 9);
    assert_eq!(report.retried, 3);
    let bulks = s.bulks();
    assert_eq!(bulks.len(), 2);
    assert_eq!(bulks[1].ids, vec!["a-00000", "a-00003", "a-00006"]);
    assert_stored_once(&s, INDEX, &d);
}

#[test]
fn whole_request_throttling_and_gateway_errors_are_retried() {
    let s = Standin::start();
    s.faults([
        Fault::Status(429),
        Fault::Status(503),
        Fault::Status(502),
        Fault::Status(504),
    ]);
    let d = docs("a", 5);
    let report = rt().block_on(async { sink(&s.url()).await.send(batch(INDEX, &d), None).await.unwrap() });
    assert_eq!(report.indexed, 5);
    assert_eq!(report.retried, 5);
    let statuses: Vec<u16> = s.bulks().iter().map(|b| b.status).collect();
    assert_eq!(statuses, vec![429, 503, 502, 504, 200]);
    assert_stored_once(&s, INDEX, &d);
}

#[test]
fn dropped_connections_are_retried_and_store_each_document_once() {
    let s = Standin::start();
    s.faults([Fault::DropBefore, Fault::DropAfter]);
    let d = docs("a", 5);
    let report = rt().block_on(async { sink(&s.url()).await.send(batch(INDEX, &d), None).await.unwrap() });
    assert_eq!(report.indexed, 5);
    assert_eq!(s.bulks().len(), 3);
    assert_stored_once(&s, INDEX, &d);
}

#[test]
fn a_slow_answer_past_the_request_timeout_is_retried() {
    let s = Standin::start();
    s.faults([Fault::Delay(Duration::from_millis(1500))]);
    let mut set = settings(&s.url());
    set.set("REQUEST_TIMEOUT_MS", "300");
    let d = docs("a", 4);
    let report = rt().block_on(async {
        sink_with(&set, None)
            .await
            .send(batch(INDEX, &d), None)
            .await
            .unwrap()
    });
    assert_eq!(report.indexed, 4);
    assert_eq!(report.retried, 4);
    assert_stored_once(&s, INDEX, &d);
}

#[test]
fn mapping_conflict_resends_without_json_members_with_index_error() {
    let s = Standin::start();
    let first = (
        "1".to_string(),
        json!({"@id": "1", "@message": "{\"status\": 200}", "status": 200}),
    );
    let second = (
        "2".to_string(),
        json!({"@id": "2", "@message": "{\"status\": \"ok\", \"user\": \"x\"}", "status": "ok", "user": "x",
               "traceId": "5759e988bd862e3fe1be46a994272793"}),
    );
    let report = rt().block_on(async {
        let k = sink(&s.url()).await;
        k.send(batch(INDEX, std::slice::from_ref(&first)), None)
            .await
            .unwrap();
        k.send(batch(INDEX, std::slice::from_ref(&second)), None)
            .await
            .unwrap()
    });
    assert_eq!(report.indexed, 1);
    assert_eq!(report.fallbacks, 1);
    assert!(report.failed.is_empty());
    let stored = s.doc(INDEX, "2").unwrap();
    assert_eq!(
        stored,
        json!({"@id": "2", "@message": "{\"status\": \"ok\", \"user\": \"x\"}",
               "traceId": "5759e988bd862e3fe1be46a994272793",
               "@indexError": "mapper_parsing_exception: failed to parse field [status] of type [long] in document with id '2'. Preview of field's value: 'ok'"})
    );
}

#[test]
fn total_fields_limit_falls_back_to_the_bridge_fields() {
    let s = Standin::with(Options {
        total_fields_limit: 40,
        ..Options::default()
    });
    let mut doc = json!({"@id": "1", "@message": "wide"});
    for i in 0..50 {
        doc[format!("f{i}")] = json!(i);
    }
    let report = rt().block_on(async {
        sink(&s.url())
            .await
            .send(batch(INDEX, &[("1".into(), doc)]), None)
            .await
            .unwrap()
    });
    assert_eq!(report.indexed, 1);
    let stored = s.doc(INDEX, "1").unwrap();
    assert_eq!(
        stored["@indexError"],
        "illegal_argument_exception: Limit of total fields [40] has been exceeded"
    );
    assert!(stored.get("f0").is_none());
}

#[test]
fn update_of_a_missing_document_is_skipped_not_failed() {
    let s = Standin::start();
    let mut b = batch(INDEX, &docs("a", 2));
    let upd = |o: &mut Vec<u8>| {
        o.extend_from_slice(
            br#"{"doc":{"traceId":"5759e988bd862e3fe1be46a994272793","@traceSource":"request"}}"#,
        )
    };
    b.push(Action::Update, "cwl-2018.11.28", "gone", true, upd);
    b.push(Action::Update, INDEX, "a-00000", true, upd);
    let report = rt().block_on(async { sink(&s.url()).await.send(b, None).await.unwrap() });
    assert_eq!(report.skipped, 1);
    assert_eq!(report.indexed, 3);
    assert!(report.failed.is_empty());
    assert_eq!(s.doc(INDEX, "a-00000").unwrap()["@traceSource"], "request");
}

#[test]
fn other_item_refusals_are_failed_with_their_reason_and_bytes() {
    let s = Standin::start();
    let mut b = batch("Bad Index", &docs("a", 1));
    b.append(batch(INDEX, &docs("b", 1)));
    let report = rt().block_on(async { sink(&s.url()).await.send(b.clone(), None).await.unwrap() });
    assert_eq!(report.indexed, 1);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].id, "a-00000");
    assert!(
        report.failed[0]
            .reason
            .starts_with("400 invalid_index_name_exception: Invalid index name [Bad Index]")
    );
    assert_eq!(report.failed[0].bytes, b.item_bytes(0));
}

#[test]
fn a_document_that_is_not_json_is_refused_not_retried() {
    let s = Standin::start();
    let mut b = Batch::default();
    b.push(Action::Index, INDEX, "1", true, |o| {
        o.extend_from_slice(b"not json")
    });
    let report = rt().block_on(async { sink(&s.url()).await.send(b, None).await.unwrap() });
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0].reason.contains("mapper_parsing_exception"),
        "{}",
        report.failed[0].reason
    );
    assert_eq!(s.bulks().len(), 1);
}

#[test]
fn items_give_up_after_max_retries() {
    let s = Standin::start();
    s.faults(std::iter::repeat_n(Fault::Status(503), 10));
    let mut set = settings(&s.url());
    set.set("OPENSEARCH_MAX_RETRIES", "2");
    let report = rt().block_on(async {
        sink_with(&set, None)
            .await
            .send(batch(INDEX, &docs("a", 2)), None)
            .await
            .unwrap()
    });
    assert_eq!(report.indexed, 0);
    assert_eq!(report.failed.len(), 2);
    assert!(
        report.failed[0]
            .reason
            .starts_with("gave up after 3 attempts: 503 cluster_block_exception")
    );
    assert_eq!(s.bulks().len(), 3);
}

#[test]
fn a_passed_deadline_reports_everything_failed_with_its_bytes() {
    let s = Standin::start();
    let b = batch(INDEX, &docs("a", 3));
    let report = rt().block_on(async {
        sink(&s.url())
            .await
            .send(b.clone(), Some(Instant::now()))
            .await
            .unwrap()
    });
    assert_eq!(report.indexed, 0);
    assert_eq!(report.failed.len(), 3);
    let redrive: Vec<u8> = report.failed.iter().flat_map(|f| f.bytes.clone()).collect();
    assert_eq!(redrive, b.body);
    assert!(s.bulks().is_empty());
}

#[test]
fn without_ids_opensearch_names_the_documents() {
    let s = Standin::start();
    let mut b = Batch::default();
    for (id, doc) in docs("a", 3) {
        b.push(Action::Index, INDEX, &id, false, |o| {
            serde_json::to_writer(o, &doc).unwrap()
        });
    }
    let report = rt().block_on(async { sink(&s.url()).await.send(b, None).await.unwrap() });
    assert_eq!(report.indexed, 3);
    assert!(s.docs().iter().all(|(_, id, _)| id.starts_with("auto-")));
}

#[test]
fn basic_auth_is_sent_and_never_shown() {
    let s = Standin::with(Options {
        basic: Some(("admin".into(), "s3cret-Pa55".into())),
        ..Options::default()
    });
    let mut good = settings(&s.url());
    good.set("OPENSEARCH_AUTH", "basic");
    good.set("OPENSEARCH_USERNAME", "admin");
    good.set("OPENSEARCH_PASSWORD", "s3cret-Pa55");
    let mut bad = good.clone();
    bad.set("OPENSEARCH_PASSWORD", "wr0ng-Pa55");
    rt().block_on(async {
        let k = sink_with(&good, None).await;
        assert!(!format!("{k:?}").contains("s3cret"));
        assert!(!k.describe().contains("s3cret"));
        let r = k.send(batch(INDEX, &docs("a", 2)), None).await.unwrap();
        assert_eq!(r.indexed, 2);
        let k = sink_with(&bad, None).await;
        let e = k.send(batch(INDEX, &docs("b", 2)), None).await.unwrap_err();
        assert!(matches!(e, SinkError::Auth { status: 401, .. }), "{e}");
        for text in [e.to_string(), format!("{e:?}"), format!("{k:?}")] {
            assert!(!text.contains("wr0ng") && !text.contains("Basic "), "{text}");
        }
        let cfg = Config::from_settings(&bad).unwrap();
        assert!(!format!("{cfg:?}").contains("wr0ng"));
    });
}

#[test]
fn a_refused_template_is_a_warning_not_a_failure() {
    let s = Standin::with(Options {
        basic: Some(("admin".into(), "pw".into())),
        ..Options::default()
    });
    let mut set = settings(&s.url());
    set.set("OPENSEARCH_AUTH", "basic");
    set.set("OPENSEARCH_USERNAME", "admin");
    set.set("OPENSEARCH_PASSWORD", "nope");
    let w = rt().block_on(async { sink_with(&set, None).await.ensure_template(None).await });
    let w = w.unwrap();
    assert!(
        w.starts_with("index template cwl-trace-bridge-cwl not installed: 401"),
        "{w}"
    );
    assert!(!w.contains("nope"));
}

#[test]
fn sigv4_signs_every_request_with_the_payload_hash() {
    let s = Standin::with(Options {
        sigv4: Some(("AKIDEXAMPLE".into(), "eu-west-1".into(), "aoss".into())),
        ..Options::default()
    });
    let mut set = settings(&s.url());
    set.set("OPENSEARCH_AUTH", "sigv4");
    set.set("OPENSEARCH_SERVICE", "aoss");
    set.set("AWS_REGION", "eu-west-1");
    let creds = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("SESSIONTOKEN".into()),
        None,
        "test",
    );
    let provider = SharedCredentialsProvider::new(creds);
    let d = docs("a", 20);
    rt().block_on(async {
        let k = sink_with(&set, Some(provider)).await;
        let text = format!("{k:?} {}", k.describe());
        assert!(
            !text.contains("wJalr") && !text.contains("SESSIONTOKEN"),
            "{text}"
        );
        let r = k.send(batch(INDEX, &d), None).await.unwrap();
        assert_eq!(r.indexed, 20, "{r:?}");
    });
    assert_stored_once(&s, INDEX, &d);
    // No GET / probe: only the template and the bulk.
    assert!(s.seen().iter().all(|r| r.method != "GET"));
}

#[test]
fn sigv4_with_the_wrong_service_is_an_auth_error() {
    let s = Standin::with(Options {
        sigv4: Some(("AKIDEXAMPLE".into(), "eu-west-1".into(), "aoss".into())),
        ..Options::default()
    });
    let mut set = settings(&s.url());
    set.set("OPENSEARCH_AUTH", "sigv4");
    set.set("OPENSEARCH_SERVICE", "es");
    set.set("AWS_REGION", "eu-west-1");
    set.set("OPENSEARCH_INDEX_TEMPLATE", "false");
    let provider =
        SharedCredentialsProvider::new(Credentials::new("AKIDEXAMPLE", "SECRETKEY", None, None, "test"));
    let e = rt().block_on(async {
        sink_with(&set, Some(provider))
            .await
            .send(batch(INDEX, &docs("a", 1)), None)
            .await
            .unwrap_err()
    });
    assert!(matches!(e, SinkError::Auth { status: 403, .. }));
    assert!(!e.to_string().contains("SECRETKEY"));
}

#[test]
fn connection_errors_name_no_credentials() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut set = settings(&format!("http://127.0.0.1:{port}"));
    set.set("OPENSEARCH_AUTH", "basic");
    set.set("OPENSEARCH_USERNAME", "admin");
    set.set("OPENSEARCH_PASSWORD", "hunter2-secret");
    set.set("OPENSEARCH_MAX_RETRIES", "1");
    let report = rt().block_on(async {
        sink_with(&set, None)
            .await
            .send(batch(INDEX, &docs("a", 1)), None)
            .await
            .unwrap()
    });
    assert_eq!(report.failed.len(), 1);
    let text = format!("{report:?}");
    assert!(text.contains("cannot connect"), "{text}");
    assert!(!text.contains("hunter2"));
}

#[test]
fn sink_from_config_needs_an_endpoint() {
    let cfg = Config::from_settings(&Settings::default()).unwrap();
    let e = rt().block_on(Sink::from_config(&cfg)).unwrap_err();
    assert!(matches!(e, SinkError::NotConfigured));
}

#[test]
fn endpoint_with_credentials_in_the_url_is_refused_without_echoing_them() {
    let mut s = Settings::default();
    s.set("OPENSEARCH_ENDPOINT", "https://admin:hunter2@search.example.com");
    let e = Config::from_settings(&s).unwrap_err();
    assert_eq!(e.variable, "OPENSEARCH_ENDPOINT");
    assert!(!e.to_string().contains("hunter2"));
}

// ---- the stand-in itself follows the documentation ----

fn raw(url: &str, ct: Option<&str>, body: &'static str) -> (u16, Value) {
    rt().block_on(async {
        let mut r = reqwest::Client::new().post(format!("{url}/_bulk")).body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        let a = r.send().await.unwrap();
        let status = a.status().as_u16();
        (
            status,
            serde_json::from_slice(&a.bytes().await.unwrap()).unwrap_or(Value::Null),
        )
    })
}

#[test]
fn standin_refuses_what_opensearch_refuses() {
    let s = Standin::start();
    let nd = Some("application/x-ndjson");
    let (st, v) = raw(&s.url(), nd, "{\"index\":{\"_index\":\"x\"}}\n{}");
    assert_eq!(
        (st, v["error"]["reason"].as_str()),
        (
            400,
            Some("The bulk request must be terminated by a newline [\\n]")
        )
    );
    let (st, v) = raw(
        &s.url(),
        Some("text/plain"),
        "{\"index\":{\"_index\":\"x\"}}\n{}\n",
    );
    assert_eq!(
        (st, v["error"].as_str()),
        (406, Some("Content-Type header [text/plain] is not supported"))
    );
    let (st, v) = raw(
        &s.url(),
        nd,
        "{\"index\":{\"_index\":\"x\",\"_type\":\"_doc\"}}\n{}\n",
    );
    assert_eq!(
        (st, v["error"]["reason"].as_str()),
        (
            400,
            Some("Action/metadata line [1] contains an unknown parameter [_type]")
        )
    );
    let (st, v) = raw(&s.url(), nd, "{\"index\":{}}\n{}\n");
    assert_eq!(
        (st, v["error"]["type"].as_str()),
        (400, Some("action_request_validation_exception"))
    );
    let (st, v) = raw(
        &s.url(),
        nd,
        "{\"index\":{\"_index\":\"x\",\"_id\":\"1\"}}\n{\"a\":1}\n{\"index\":{\"_index\":\"x\",\"_id\":\"2\"}}\n{\"a\":\"b\"}\n",
    );
    assert_eq!(st, 200);
    assert_eq!(v["errors"], true);
    assert_eq!(v["items"][0]["index"]["result"], "created");
    assert_eq!(v["items"][0]["index"]["status"], 201);
    assert_eq!(
        v["items"][1]["index"]["error"]["type"],
        "mapper_parsing_exception"
    );
    assert_eq!(s.count(), 1);
}

// ---- property-style: fault schedules ----

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        prop::sample::select(vec![429u16, 500, 502, 503, 504]).prop_map(Fault::Status),
        (1usize..4).prop_map(|every| Fault::ItemStatus429 { every }),
        Just(Fault::DropBefore),
        Just(Fault::DropAfter),
        (0u64..30).prop_map(|ms| Fault::Delay(Duration::from_millis(ms))),
    ]
}

fn outcome_is_consistent(report: &SinkReport, s: &Standin, d: &[(String, Value)]) {
    // Nothing reported indexed that is not stored; every item accounted for.
    let failed: std::collections::HashSet<&str> = report.failed.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        report.indexed as usize + report.failed.len() + report.skipped as usize,
        d.len()
    );
    for (id, doc) in d {
        if !failed.contains(id.as_str()) {
            assert_eq!(
                s.doc(INDEX, id).as_ref(),
                Some(doc),
                "{id} reported indexed but not stored"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn faults_that_let_requests_through_lose_and_duplicate_nothing(
        faults in prop::collection::vec(fault(), 0..10),
        n in 1usize..120,
        max_bytes in 600usize..20_000,
        concurrency in 1usize..4,
    ) {
        let s = Standin::start();
        s.faults(faults);
        let mut set = settings(&s.url());
        set.set("BULK_MAX_BYTES", max_bytes.to_string());
        set.set("BULK_CONCURRENCY", concurrency.to_string());
        let d = docs("p", n);
        let report = rt().block_on(async { sink_with(&set, None).await.send(batch(INDEX, &d), None).await.unwrap() });
        prop_assert!(report.failed.is_empty(), "{:?}", report.failed.first());
        prop_assert_eq!(report.indexed as usize, n);
        assert_stored_once(&s, INDEX, &d);
        prop_assert_eq!(s.count(), n);
    }

    #[test]
    fn with_a_short_deadline_nothing_is_reported_indexed_that_was_not(
        faults in prop::collection::vec(fault(), 0..10),
        n in 1usize..80,
        deadline_ms in 0u64..40,
    ) {
        let s = Standin::start();
        s.faults(faults);
        let mut set = settings(&s.url());
        set.set("BULK_MAX_BYTES", "2000");
        let d = docs("q", n);
        let report = rt().block_on(async {
            let k = sink_with(&set, None).await;
            k.send(batch(INDEX, &d), Some(Instant::now() + Duration::from_millis(deadline_ms))).await.unwrap()
        });
        outcome_is_consistent(&report, &s, &d);
    }
}
