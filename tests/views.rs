//! `cwl-bridge trace` and `cwl-bridge report` through the built binary:
//! offline over the fixtures, and with `--opensearch` against the stand-in
//! after `replay --opensearch` indexed the same fixtures (same answers).
//! Also the stand-in's `_search` itself, as the OpenSearch docs define it.

use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::support::standin::{Options, Standin};
use crate::support::{cli, fixture};

fn cli_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cwl-bridge"));
    cmd.args(args);
    for (k, _) in cwl_trace_bridge::config::VARIABLES {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn deliveries() -> String {
    fixture("deliveries").to_str().unwrap().to_string()
}

/// A Lambda invocation joined through its request: START, app lines and END
/// take the trace the REPORT line states.
const LAMBDA_TRACE: &str = "\
2024-11-25T10:03:51.330Z  /aws/lambda/mysfits-like  -      mysfits-like  request  START RequestId: e8e6c456-a192-4f77-bd98-67579e3928bc Version: $LATEST
2024-11-25T10:03:51.425Z  /aws/lambda/mysfits-like  INFO   mysfits-like  request  Processing like for mysfit b41ff031-141e-4a8d-bb56-158a22bea0b3
2024-11-25T10:03:51.520Z  /aws/lambda/mysfits-like  WARN   mysfits-like  request  WARN: simulated 404 activated
2024-11-25T10:03:51.615Z  /aws/lambda/mysfits-like  -      mysfits-like  request  END RequestId: e8e6c456-a192-4f77-bd98-67579e3928bc
2024-11-25T10:03:51.710Z  /aws/lambda/mysfits-like  -      mysfits-like  message  REPORT RequestId: e8e6c456-a192-4f77-bd98-67579e3928bc\tDuration: 613.03 ms\tBilled Duration: 614 ms\tMemory Size: 128 MB\tMax Memory Used: 76 MB
trace 1-9480aae1-57ce5471ae31060843e4ab8d: 5 lines in 1 log group (/aws/lambda/mysfits-like), 4 joined through their request
from 2024-11-25T10:03:51.330Z to 2024-11-25T10:03:51.710Z (380 ms); Lambda REPORT 613.03 ms
";

/// The instrumented like service: the chaos WARN and the app line state no
/// trace and are joined through `request_id` to the werkzeug line's.
const LIKE_TRACE: &str = "\
2024-11-25T10:13:20.120Z  /ecs/like-service  WARN   like  request  WARN: stress function activated
2024-11-25T10:13:20.240Z  /ecs/like-service  INFO   like  request  Like processed for mysfit 4e53920c-505a-4a90-a694-b9300791f0ae
2024-11-25T10:13:20.360Z  /ecs/like-service  INFO   like  message  \"POST /mysfits/4e53920c-505a-4a90-a694-b9300791f0ae/like HTTP/1.1\" 200 -
trace 1-ab932980-ba6a334a1782c964151fe20e: 3 lines in 1 log group (/ecs/like-service), 2 joined through their request
from 2024-11-25T10:13:20.120Z to 2024-11-25T10:13:20.360Z (240 ms)
";

#[test]
fn trace_prints_the_lines_of_a_joined_lambda_trace_in_time_order() {
    let out = cli(&["trace", "1-9480aae1-57ce5471ae31060843e4ab8d", &deliveries()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), LAMBDA_TRACE);
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn trace_shows_message_and_request_lines_of_the_like_service() {
    let out = cli(&["trace", "1-ab932980-ba6a334a1782c964151fe20e", &deliveries()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), LIKE_TRACE);
    // --full: the whole @message (here the JSON line as received).
    let out = cli(&[
        "trace",
        "1-ab932980-ba6a334a1782c964151fe20e",
        &deliveries(),
        "--full",
    ]);
    let text = stdout(&out);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with("request  {\"level\": \"WARNING\", \"logger\": \"mysfits_like\", \"request_id\": \"04588424-f1fc-44c4-9feb-13b0c72f78cf\", \"message\": \"WARN: stress function activated\", \"service\": \"like\"}"),
        "{text}"
    );
}

#[test]
fn every_form_of_a_trace_id_gives_the_same_lines() {
    for id in [
        "1-9480aae1-57ce5471ae31060843e4ab8d",
        "1-9480AAE1-57CE5471AE31060843E4AB8D",
        "9480aae157ce5471ae31060843e4ab8d",
        "9480AAE157CE5471AE31060843E4AB8D",
        "Root=1-9480aae1-57ce5471ae31060843e4ab8d",
        "Root=1-9480aae1-57ce5471ae31060843e4ab8d;Parent=6b2a1fb6d8a8b8c0;Sampled=1",
    ] {
        let out = cli(&["trace", id, &deliveries()]);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        assert_eq!(stdout(&out), LAMBDA_TRACE, "{id}");
    }
}

#[test]
fn something_that_is_no_trace_id_exits_2_and_an_unknown_trace_1() {
    let out = cli(&["trace", "1-9480aae1-57ce5471ae3106", &deliveries()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\"1-9480aae1-57ce5471ae3106\" is not a trace id: expected 1-<8 hex>-<24 hex>"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    let out = cli(&["trace", "11111111111111111111111111111111", &deliveries()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "cwl-bridge: no line of trace 1-11111111-111111111111111111111111 in 196 documents of 6 files (196 events)\n"
    );

    let out = cli(&["trace", "11111111111111111111111111111111"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nothing to read: give files (PATH…) or --opensearch URL"));
}

#[test]
fn report_text_over_the_mysfits_fixtures() {
    let out = cli(&["report", &deliveries()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "report: 196 documents from 6 files (196 events)\n",
        "time: 2024-11-25T10:03:20.450Z to 2024-11-25T10:13:23.840Z\n",
        "  /ecs/like-service            133 docs  INFO 24  WARN 33  (no level) 76\n      markers: chaos 28, warn 29\n",
        "  /aws/lambda/mysfits-like      35 docs  INFO 8  WARN 1  ERROR 1  (no level) 25\n",
        "  chaos (29 lines)\n        14x  WARN: stress function activated\n        11x  WARN: simulated <n> activated\n         4x  WARN: This thing should NOT be left on..\n",
        "HTTP, user traffic: 52 requests (method, route, requests, statuses)\n  POST    /mysfits/<id>/like      45   200: 35  404: 10\n  GET     /                        7   200: 7\n",
        "HTTP, health checks: 0 lines with the healthcheck marker, 0 of them access lines\n",
        "traces: 20 (65 lines); 9 with WARN, chaos or error lines:\n",
        "  1-9480aae1-57ce5471ae31060843e4ab8d  1 chaos, 1 WARN; 5 lines, 380 ms, REPORT 613.03 ms\n      /aws/lambda/mysfits-like\n",
        "  1-ab932980-ba6a334a1782c964151fe20e  1 chaos, 1 WARN; 3 lines, 240 ms\n      /ecs/like-service\n      WARN: stress function activated\n",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "wider than 100 columns: {line}");
    }
}

#[test]
fn report_separates_health_checks_from_user_traffic() {
    let nginx = fixture("corpus/nginx-ecs.jsonl");
    let out = cli(&["report", nginx.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["http"]["userRequests"], 156);
    assert_eq!(j["http"]["healthcheckLines"], 40);
    assert_eq!(
        j["http"]["healthchecks"],
        json!([{"method": "GET", "route": "/health", "total": 40, "statuses": {"200": 40}}])
    );
    assert!(
        j["http"]["user"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["route"] != "/health")
    );
    assert_eq!(j["http"]["user"][0]["route"], "/static/js/app.<id>.js");
}

#[test]
fn report_json_is_one_stable_object() {
    let out = cli(&[
        "report",
        &deliveries(),
        "--json",
        "--top",
        "2",
        "--top-messages",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "source",
            "documents",
            "capped",
            "first",
            "last",
            "logGroups",
            "topMessages",
            "http",
            "traces"
        ]
    );
    assert_eq!(j["documents"], 196);
    let like = j["logGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["logGroup"] == "/ecs/like-service")
        .unwrap();
    assert_eq!(
        like,
        &json!({"logGroup": "/ecs/like-service", "documents": 133,
            "levels": {"INFO": 24, "WARN": 33, "none": 76}, "markers": {"chaos": 28, "warn": 29}})
    );
    assert_eq!(
        j["topMessages"]["chaos"],
        json!([{"message": "WARN: stress function activated", "count": 14}])
    );
    assert_eq!(
        j["http"]["user"][0],
        json!({"method": "POST", "route": "/mysfits/<id>/like", "total": 45, "statuses": {"200": 35, "404": 10}})
    );
    assert_eq!(j["traces"]["total"], 20);
    assert_eq!(j["traces"]["ofInterest"], 9);
    assert_eq!(j["traces"]["top"].as_array().unwrap().len(), 2);
    assert_eq!(
        j["traces"]["top"][0],
        json!({"xrayTraceId": "1-9480aae1-57ce5471ae31060843e4ab8d", "traceId": "9480aae157ce5471ae31060843e4ab8d",
            "lines": 5, "logGroups": ["/aws/lambda/mysfits-like"], "first": "2024-11-25T10:03:51.330Z",
            "last": "2024-11-25T10:03:51.710Z", "spanMs": 380, "reportDurationMs": 613.03, "errors": 0,
            "chaos": 1, "warn": 1,
            "example": "WARN: simulated 404 activated"})
    );
}

#[test]
fn report_window_since_and_until() {
    let out = cli(&[
        "report",
        &deliveries(),
        "--json",
        "--since",
        "2024-11-25T10:13:20.120Z",
        "--until",
        "2024-11-25T10:13:21Z",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["since"], "2024-11-25T10:13:20.120Z");
    assert_eq!(j["until"], "2024-11-25T10:13:21.000Z");
    assert_eq!(j["documents"], 8);
    assert_eq!(j["first"], "2024-11-25T10:13:20.120Z");
    assert_eq!(j["last"], "2024-11-25T10:13:20.960Z");
    let out = cli(&["report", &deliveries(), "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--since \"yesterday\": expected a time"),
        "{}",
        stderr(&out)
    );
}

/// The stand-in with every fixture delivery indexed by `replay --opensearch`.
fn indexed(s: &Standin) {
    let out = cli_env(&["replay", &deliveries(), "--opensearch", &s.url(), "-q"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.count(), 196);
}

#[test]
fn trace_and_report_against_opensearch_answer_as_offline() {
    let s = Standin::start();
    indexed(&s);
    let url = s.url();
    for (id, want) in [
        ("1-9480aae1-57ce5471ae31060843e4ab8d", LAMBDA_TRACE),
        ("AB932980BA6A334A1782C964151FE20E", LIKE_TRACE),
    ] {
        let out = cli_env(&["trace", id, "--opensearch", &url], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out), want);
    }
    // The environment works too, as for replay.
    let out = cli_env(
        &["trace", "1-9480aae1-57ce5471ae31060843e4ab8d"],
        &[("OPENSEARCH_ENDPOINT", &url)],
    );
    assert_eq!(stdout(&out), LAMBDA_TRACE, "{}", stderr(&out));

    let out = cli_env(
        &["trace", "11111111111111111111111111111111", "--opensearch", &url],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "cwl-bridge: no line of trace 1-11111111-111111111111111111111111 in 196 documents of OpenSearch {url} (no auth) cwl-*\n"
        )
    );

    let offline: Value = serde_json::from_slice(&cli(&["report", &deliveries(), "--json"]).stdout).unwrap();
    let out = cli_env(&["report", "--opensearch", &url, "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut online: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(online["source"], format!("OpenSearch {url} (no auth) cwl-*"));
    assert_eq!(online["matched"], 196);
    let o = online.as_object_mut().unwrap();
    o.remove("matched");
    o.insert("source".into(), offline["source"].clone());
    assert_eq!(online, offline);

    // The text report differs in its first line only.
    let off = stdout(&cli(&["report", &deliveries()]));
    let on = stdout(&cli_env(&["report", "--opensearch", &url], &[]));
    assert_eq!(
        on.lines().next().unwrap(),
        format!("report: 196 documents from OpenSearch {url} (no auth) cwl-*")
    );
    assert_eq!(
        on.lines().skip(1).collect::<Vec<_>>(),
        off.lines().skip(1).collect::<Vec<_>>()
    );

    // A window is a range query, with the same answer as offline.
    let args = [
        "--json",
        "--since",
        "2024-11-25T10:13:20.120Z",
        "--until",
        "2024-11-25T10:13:21Z",
    ];
    let mut a = vec!["report", "--opensearch", url.as_str()];
    a.extend(args);
    let mut online: Value = serde_json::from_slice(&cli_env(&a, &[]).stdout).unwrap();
    let d = deliveries();
    let mut b = vec!["report", d.as_str()];
    b.extend(args);
    let offline: Value = serde_json::from_slice(&cli(&b).stdout).unwrap();
    assert_eq!(online["matched"], 8);
    let o = online.as_object_mut().unwrap();
    o.remove("matched");
    o.insert("source".into(), offline["source"].clone());
    assert_eq!(online, offline);

    // Paginated: pages of 1000 with search_after, every request a _search of cwl-*.
    let searches: Vec<_> = s
        .seen()
        .into_iter()
        .filter(|r| r.path.ends_with("/_search"))
        .collect();
    assert!(
        searches
            .iter()
            .all(|r| r.path == "/cwl-*/_search" && r.status == 200)
    );
}

#[test]
fn max_docs_caps_what_is_read_and_says_so() {
    let s = Standin::start();
    indexed(&s);
    let out = cli_env(
        &["report", "--opensearch", &s.url(), "--max-docs", "50", "--json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (j["documents"].clone(), j["matched"].clone(), j["capped"].clone()),
        (json!(50), json!(196), json!(true))
    );
    assert_eq!(j["first"], "2024-11-25T10:03:20.450Z");
    assert!(
        stderr(&out).contains("read the first 50 of 196 matching documents (--max-docs 50)"),
        "{}",
        stderr(&out)
    );
    let out = cli_env(&["report", "--opensearch", &s.url(), "--max-docs", "50"], &[]);
    assert!(
        stdout(&out).starts_with(&format!(
            "report: 50 documents from OpenSearch {} (no auth) cwl-* (the first 50 of 196 matching: see --max-docs, --since)\n",
            s.url()
        )),
        "{}",
        stdout(&out)
    );
}

#[test]
fn opensearch_errors_name_what_went_wrong() {
    // Nothing indexed yet: the wildcard matches no index.
    let s = Standin::start();
    let out = cli_env(&["report", "--opensearch", &s.url()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "cwl-bridge: no cwl-* index at {} (nothing indexed yet, or another --index-prefix?)\n",
            s.url()
        )
    );
    // Another prefix.
    indexed(&s);
    let out = cli_env(
        &["report", "--opensearch", &s.url(), "--index-prefix", "logs"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no logs-* index at"), "{}", stderr(&out));

    // Refused credentials.
    let s = Standin::with(Options {
        basic: Some(("admin".into(), "right".into())),
        ..Options::default()
    });
    let out = cli_env(
        &[
            "trace",
            "1-9480aae1-57ce5471ae31060843e4ab8d",
            "--opensearch",
            &s.url(),
            "--auth",
            "basic",
        ],
        &[
            ("OPENSEARCH_USERNAME", "admin"),
            ("OPENSEARCH_PASSWORD", "Wr0ng-Secret"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("OpenSearch refused the request with 401: POST /cwl-*/_search: Unauthorized"),
        "{err}"
    );
    assert!(!err.contains("Wr0ng"));

    // Something that is not OpenSearch.
    let out = cli_env(&["report", "--opensearch", "http://127.0.0.1:9"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("POST /cwl-*/_search: connection: cannot connect"),
        "{}",
        stderr(&out)
    );

    // Files and --opensearch at once.
    let out = cli_env(&["report", &deliveries(), "--opensearch", &s.url()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("give files (PATH…) or --opensearch URL, not both"));
}

/// `POST url` with a JSON body; status and answer.
fn post(url: &str, body: &Value) -> (u16, Value) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, serde_json::from_slice(&r.bytes().await.unwrap()).unwrap())
    })
}

#[test]
fn standin_search_follows_the_opensearch_rules() {
    let s = Standin::start();
    let u = s.url();
    // Nothing indexed: a wildcard is no error, a concrete name is.
    let (st, v) = post(&format!("{u}/cwl-*/_search"), &json!({}));
    assert_eq!(
        (
            st,
            v["_shards"]["total"].clone(),
            v["hits"]["total"]["value"].clone()
        ),
        (200, json!(0), json!(0))
    );
    let (st, v) = post(&format!("{u}/cwl-*/_search?allow_no_indices=false"), &json!({}));
    assert_eq!(
        (st, v["error"]["type"].clone()),
        (404, json!("index_not_found_exception"))
    );
    let (st, v) = post(&format!("{u}/cwl-2024.11.25/_search"), &json!({}));
    assert_eq!(
        (st, v["error"]["reason"].clone()),
        (404, json!("no such index [cwl-2024.11.25]"))
    );
    let (st, _) = post(
        &format!("{u}/cwl-2024.11.25/_search?ignore_unavailable=true"),
        &json!({}),
    );
    assert_eq!(st, 200);

    indexed(&s);
    // Default size 10, hits.total exact below 10,000.
    let (st, v) = post(
        &format!("{u}/cwl-*,other/_search?ignore_unavailable=true"),
        &json!({}),
    );
    assert_eq!(st, 200);
    assert_eq!(v["hits"]["total"], json!({"value": 196, "relation": "eq"}));
    assert_eq!(v["hits"]["hits"].as_array().unwrap().len(), 10);
    // Sorting on _id is refused (2.x); on an unmapped field without unmapped_type too.
    let (st, v) = post(&format!("{u}/cwl-*/_search"), &json!({"sort": ["_id"]}));
    assert_eq!(
        (st, v["error"]["type"].clone()),
        (400, json!("illegal_argument_exception"))
    );
    let (st, v) = post(&format!("{u}/cwl-*/_search"), &json!({"sort": [{"nope": "asc"}]}));
    assert_eq!(
        (st, v["error"]["type"].clone()),
        (400, json!("query_shard_exception"))
    );
    let (st, _) = post(
        &format!("{u}/cwl-*/_search"),
        &json!({"sort": [{"nope": {"order": "asc", "unmapped_type": "keyword"}}]}),
    );
    assert_eq!(st, 200);
    // search_after walks every document once, in order.
    let mut after: Option<Value> = None;
    let mut seen = Vec::new();
    loop {
        let mut body = json!({"size": 70, "sort": [{"@timestamp": "asc"}, {"@id": "asc"}], "_source": ["@timestamp"],
            "query": {"bool": {"filter": [{"range": {"@timestamp": {"gte": "2024-11-25T10:03:00Z"}}}]}}});
        if let Some(a) = after.take() {
            body["search_after"] = a;
        }
        let (st, v) = post(&format!("{u}/cwl-*/_search"), &body);
        assert_eq!(st, 200, "{v}");
        let hits = v["hits"]["hits"].as_array().unwrap().clone();
        if hits.is_empty() {
            break;
        }
        for h in &hits {
            assert_eq!(h["_source"].as_object().unwrap().len(), 1);
            seen.push((
                h["sort"][0].as_i64().unwrap(),
                h["_id"].as_str().unwrap().to_string(),
            ));
        }
        after = Some(hits.last().unwrap()["sort"].clone());
    }
    assert_eq!(seen.len(), 196);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    // term and bool.should with minimum_should_match.
    let (_, v) = post(
        &format!("{u}/cwl-*/_search"),
        &json!({"size": 0, "query": {"bool": {"should": [
            {"term": {"traceId": "9480aae157ce5471ae31060843e4ab8d"}},
            {"term": {"@xrayTraceId": "1-ab932980-ba6a334a1782c964151fe20e"}}
        ], "minimum_should_match": 1}}}),
    );
    assert_eq!(v["hits"]["total"]["value"], 8);
    let (st, _) = post(&format!("{u}/cwl-*/_search"), &json!({"size": 10_001}));
    assert_eq!(st, 400);
    let (st, v) = post(
        &format!("{u}/cwl-*/_search"),
        &json!({"query": {"wildcard": {"a": "b"}}}),
    );
    assert_eq!(
        (st, v["error"]["type"].clone()),
        (400, json!("parsing_exception"))
    );
}

/// The same comparison against a real OpenSearch, opt-in as in
/// `real_cluster` (`OPENSEARCH_URL`, `OPENSEARCH_USERNAME`, `OPENSEARCH_PASSWORD`).
#[test]
fn views_against_a_real_cluster_answer_as_offline() {
    use crate::real_cluster::{Cluster, Real, rt};
    let Some(real) = Real::from_env() else {
        println!("skipped: set OPENSEARCH_URL to run the views against a real cluster");
        return;
    };
    let prefix = format!("cwlbridgeviews-{}", std::process::id());
    let rt = rt();
    rt.block_on(real.cleanup(&prefix));
    let mut env: Vec<(&str, &str)> = Vec::new();
    if let Some((u, p)) = &real.user {
        env.extend([
            ("OPENSEARCH_AUTH", "basic"),
            ("OPENSEARCH_USERNAME", u.as_str()),
            ("OPENSEARCH_PASSWORD", p.as_str()),
        ]);
    }
    if real.insecure {
        env.push(("OPENSEARCH_INSECURE", "true"));
    }
    let os = [
        "--opensearch",
        real.url.as_str(),
        "--index-prefix",
        prefix.as_str(),
    ];
    let d = deliveries();
    let mut a = vec!["replay", d.as_str(), "-q"];
    a.extend(os);
    let out = cli_env(&a, &env);
    assert!(out.status.success(), "{}", stderr(&out));
    rt.block_on(real.call(reqwest::Method::POST, &format!("{prefix}-*/_refresh")));

    let mut a = vec!["trace", "1-9480aae1-57ce5471ae31060843e4ab8d"];
    a.extend(os);
    let out = cli_env(&a, &env);
    assert_eq!(stdout(&out), LAMBDA_TRACE, "{}", stderr(&out));

    let offline: Value = serde_json::from_slice(&cli(&["report", &d, "--json"]).stdout).unwrap();
    let mut a = vec!["report", "--json", "--max-docs", "150"];
    a.extend(os);
    let out = cli_env(&a, &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let capped: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (capped["documents"].clone(), capped["capped"].clone()),
        (json!(150), json!(true))
    );
    let mut a = vec!["report", "--json"];
    a.extend(os);
    let mut online: Value = serde_json::from_slice(&cli_env(&a, &env).stdout).unwrap();
    let o = online.as_object_mut().unwrap();
    o.remove("matched");
    o.insert("source".into(), offline["source"].clone());
    rt.block_on(real.cleanup(&prefix));
    assert_eq!(online, offline);
}
