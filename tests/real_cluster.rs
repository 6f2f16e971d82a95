//! The sink's cases that need no fault injection, run against the stand-in
//! always and against a real OpenSearch when `OPENSEARCH_URL` is set
//! (with `OPENSEARCH_USERNAME` / `OPENSEARCH_PASSWORD` for basic auth;
//! `OPENSEARCH_INSECURE=true` for the self-signed certificate of the
//! Docker image, assumed for https://localhost). Without `OPENSEARCH_URL`
//! the real-cluster test passes and says why.
//!
//! ```text
//! docker run -d -p 9200:9200 -e discovery.type=single-node \
//!   -e OPENSEARCH_INITIAL_ADMIN_PASSWORD='Cwl-bridge-2024!' opensearchproject/opensearch:2
//! OPENSEARCH_URL=https://localhost:9200 OPENSEARCH_USERNAME=admin \
//!   OPENSEARCH_PASSWORD='Cwl-bridge-2024!' cargo test --test integration real_cluster
//! ```

use cwl_trace_bridge::config::Settings;
use cwl_trace_bridge::sink::{Action, SinkError};
use serde_json::{Value, json};

use crate::sink::{batch, docs, sink_with};
use crate::support::standin::Standin;

/// What the cases need from a cluster besides the sink itself.
pub(crate) trait Cluster {
    /// Settings of a sink for indices `<prefix>-*`.
    fn settings(&self, prefix: &str) -> Settings;
    /// A stored document's source.
    async fn doc(&self, index: &str, id: &str) -> Option<Value>;
    /// Documents in `index` (after a refresh).
    async fn count(&self, index: &str) -> u64;
    /// True when the index template `name` exists.
    async fn has_template(&self, name: &str) -> bool;
    /// Removes the indices and template of `prefix`.
    async fn cleanup(&self, prefix: &str);
}

impl Cluster for Standin {
    fn settings(&self, prefix: &str) -> Settings {
        let mut s = crate::sink::settings(&self.url());
        s.set("INDEX_PREFIX", prefix);
        s
    }
    async fn doc(&self, index: &str, id: &str) -> Option<Value> {
        Standin::doc(self, index, id)
    }
    async fn count(&self, index: &str) -> u64 {
        self.docs().iter().filter(|(i, _, _)| i == index).count() as u64
    }
    async fn has_template(&self, name: &str) -> bool {
        self.templates().contains_key(name)
    }
    async fn cleanup(&self, _prefix: &str) {}
}

pub(crate) struct Real {
    pub(crate) url: String,
    pub(crate) user: Option<(String, String)>,
    pub(crate) insecure: bool,
    http: reqwest::Client,
}

impl Real {
    pub(crate) fn from_env() -> Option<Real> {
        let url = std::env::var("OPENSEARCH_URL")
            .ok()?
            .trim_end_matches('/')
            .to_string();
        let user = match (
            std::env::var("OPENSEARCH_USERNAME"),
            std::env::var("OPENSEARCH_PASSWORD"),
        ) {
            (Ok(u), Ok(p)) => Some((u, p)),
            _ => None,
        };
        let insecure = std::env::var("OPENSEARCH_INSECURE").map_or_else(
            |_| url.starts_with("https://localhost") || url.starts_with("https://127.0.0.1"),
            |v| v == "true",
        );
        let http = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(insecure)
            .build()
            .unwrap();
        Some(Real {
            url,
            user,
            insecure,
            http,
        })
    }

    pub(crate) async fn call(&self, method: reqwest::Method, path: &str) -> (u16, Value) {
        let mut r = self.http.request(method, format!("{}/{path}", self.url));
        if let Some((u, p)) = &self.user {
            r = r.basic_auth(u, Some(p));
        }
        let a = r.send().await.unwrap();
        let status = a.status().as_u16();
        (
            status,
            serde_json::from_slice(&a.bytes().await.unwrap()).unwrap_or(Value::Null),
        )
    }
}

impl Cluster for Real {
    fn settings(&self, prefix: &str) -> Settings {
        let mut s = crate::sink::settings(&self.url);
        s.set("INDEX_PREFIX", prefix);
        s.set("RETRY_BASE_MS", "50");
        s.set("RETRY_MAX_DELAY_MS", "1000");
        if let Some((u, p)) = &self.user {
            s.set("OPENSEARCH_AUTH", "basic");
            s.set("OPENSEARCH_USERNAME", u.as_str());
            s.set("OPENSEARCH_PASSWORD", p.as_str());
        }
        if self.insecure {
            s.set("OPENSEARCH_INSECURE", "true");
        }
        s
    }
    async fn doc(&self, index: &str, id: &str) -> Option<Value> {
        let (status, v) = self
            .call(reqwest::Method::GET, &format!("{index}/_doc/{id}"))
            .await;
        (status == 200).then(|| v["_source"].clone())
    }
    async fn count(&self, index: &str) -> u64 {
        self.call(reqwest::Method::POST, &format!("{index}/_refresh"))
            .await;
        let (_, v) = self.call(reqwest::Method::GET, &format!("{index}/_count")).await;
        v["count"].as_u64().unwrap_or(0)
    }
    async fn has_template(&self, name: &str) -> bool {
        self.call(reqwest::Method::GET, &format!("_index_template/{name}"))
            .await
            .0
            == 200
    }
    async fn cleanup(&self, prefix: &str) {
        self.call(reqwest::Method::DELETE, &format!("{prefix}-*")).await;
        self.call(
            reqwest::Method::DELETE,
            &format!("_index_template/cwl-trace-bridge-{prefix}"),
        )
        .await;
    }
}

/// The shared cases; each uses its own prefix and cleans up after itself.
async fn run_cases(c: &impl Cluster) {
    let prefix = format!("cwlbridgetest-{}", std::process::id());
    c.cleanup(&prefix).await;
    let index = format!("{prefix}-2018.11.29");

    // Every document stored once with its content; a re-send overwrites.
    let k = sink_with(&c.settings(&prefix), None).await;
    let d = docs("r", 120);
    let r = k.send(batch(&index, &d), None).await.unwrap();
    assert_eq!((r.indexed, r.failed.len()), (120, 0), "{:?}", r.failed.first());
    assert!(c.has_template(&format!("cwl-trace-bridge-{prefix}")).await);
    let r = k.send(batch(&index, &d), None).await.unwrap();
    assert_eq!(r.indexed, 120);
    assert_eq!(c.count(&index).await, 120);
    for (id, doc) in d.iter().step_by(17) {
        assert_eq!(c.doc(&index, id).await.as_ref(), Some(doc), "{id}");
    }

    // A mapping conflict keeps the document, without its JSON members.
    let a = (
        "m1".to_string(),
        json!({"@id": "m1", "@message": "{\"status\": 200}", "status": 200}),
    );
    let b = (
        "m2".to_string(),
        json!({"@id": "m2", "@message": "{\"status\": \"ok\"}", "status": "ok"}),
    );
    k.send(batch(&index, &[a]), None).await.unwrap();
    let r = k.send(batch(&index, &[b]), None).await.unwrap();
    assert_eq!((r.indexed, r.fallbacks), (1, 1), "{r:?}");
    let m2 = c.doc(&index, "m2").await.unwrap();
    assert!(m2.get("status").is_none());
    assert!(
        m2["@indexError"]
            .as_str()
            .unwrap()
            .starts_with("mapper_parsing_exception: "),
        "{m2}"
    );

    // A late trace join for a document never stored is skipped; one for a
    // stored document applies.
    let mut u = cwl_trace_bridge::sink::Batch::default();
    let upd = |o: &mut Vec<u8>| o.extend_from_slice(br#"{"doc":{"@traceSource":"request"}}"#);
    u.push(Action::Update, &index, "never-stored", true, upd);
    u.push(Action::Update, &index, "r-00001", true, upd);
    let r = k.send(u, None).await.unwrap();
    assert_eq!((r.indexed, r.skipped, r.failed.len()), (1, 1, 0), "{r:?}");
    assert_eq!(c.doc(&index, "r-00001").await.unwrap()["@traceSource"], "request");

    // Bad credentials fail the sink (when the cluster checks them).
    let mut bad = c.settings(&prefix);
    if bad.get("OPENSEARCH_AUTH") == Some("basic") {
        bad.set("OPENSEARCH_PASSWORD", "definitely-Wrong-1");
        bad.set("OPENSEARCH_INDEX_TEMPLATE", "false");
        let e = sink_with(&bad, None)
            .await
            .send(batch(&index, &docs("x", 1)), None)
            .await
            .unwrap_err();
        assert!(matches!(e, SinkError::Auth { status: 401, .. }), "{e}");
        assert!(!e.to_string().contains("definitely-Wrong"));
    }
    c.cleanup(&prefix).await;
}

pub(crate) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn shared_cases_pass_against_the_standin() {
    let s = Standin::start();
    rt().block_on(run_cases(&s));
}

#[test]
fn shared_cases_pass_against_a_real_cluster() {
    let Some(real) = Real::from_env() else {
        println!(
            "skipped: set OPENSEARCH_URL (and OPENSEARCH_USERNAME / OPENSEARCH_PASSWORD) to run against a real cluster"
        );
        return;
    };
    rt().block_on(run_cases(&real));
}
