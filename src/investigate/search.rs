//! Reading documents back from OpenSearch: `POST <prefix>-*/_search`,
//! paginated with `search_after` on `@timestamp` then `@id` (both mapped by
//! the index template; OpenSearch 2.x refuses to sort on `_id` by default),
//! pages of [`PAGE_SIZE`], at most a given number of documents.
//!
//! Errors name the request and what the cluster said: refused credentials
//! (401/403), no index under the pattern, an answer that is not JSON.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use super::{Doc, SOURCE_FIELDS, Window};
use crate::config::OpenSearchConfig;
use crate::fields;
use crate::parse::TraceId;
use crate::sink::transport::Transport;

/// Documents per page.
pub const PAGE_SIZE: usize = 1000;

/// Why a search failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// The HTTP client could not be built.
    #[error("cannot build the OpenSearch client: {0}")]
    Client(String),
    /// No answer (connection, timeout, signing).
    #[error("POST {path}: {reason}")]
    Transport {
        /// The request path.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// 401 or 403.
    #[error("OpenSearch refused the request with {status}: POST {path}: {reason}")]
    Auth {
        /// The request path.
        path: String,
        /// 401 or 403.
        status: u16,
        /// What the cluster said.
        reason: String,
    },
    /// No index matches the pattern.
    #[error("no {pattern} index at {endpoint} (nothing indexed yet, or another --index-prefix?)")]
    NoIndex {
        /// `cwl-*`.
        pattern: String,
        /// The cluster.
        endpoint: String,
    },
    /// Any other error status.
    #[error("POST {path} answered {status}: {reason}")]
    Status {
        /// The request path.
        path: String,
        /// The status.
        status: u16,
        /// The error type and reason, or the start of the body.
        reason: String,
    },
    /// An answer that is not the JSON of a search.
    #[error("POST {path} answered {status} with a body that is not a search result: {snippet}")]
    NotJson {
        /// The request path.
        path: String,
        /// The status.
        status: u16,
        /// The start of the body.
        snippet: String,
    },
}

/// Documents read by [`Search::fetch`].
#[derive(Debug, Default)]
pub struct Fetched {
    /// In `@timestamp`, `@id` order; `seq` is the position.
    pub docs: Vec<Doc>,
    /// Matching documents in the cluster (`hits.total`).
    pub total: u64,
    /// True when `total` is a lower bound (`hits.total.relation` `gte`).
    pub total_is_lower_bound: bool,
    /// True when there were more than the cap.
    pub capped: bool,
}

/// A search client for `<prefix>-*`.
pub struct Search {
    transport: Transport,
    pattern: String,
    timeout: Duration,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search")
            .field("transport", &self.transport)
            .field("pattern", &self.pattern)
            .finish()
    }
}

/// The query of one trace: `traceId` or `@xrayTraceId`, either form indexed.
pub fn trace_query(t: TraceId) -> Value {
    json!({"bool": {
        "should": [
            {"term": {(fields::TRACE_ID): t.hex()}},
            {"term": {(fields::XRAY_TRACE_ID): t.xray()}}
        ],
        "minimum_should_match": 1
    }})
}

/// The query of a time window (`match_all` for all time).
pub fn window_query(w: Window) -> Value {
    if w.is_all() {
        return json!({"match_all": {}});
    }
    let mut range = serde_json::Map::new();
    if let Some(s) = w.since {
        range.insert("gte".into(), json!(s));
    }
    if let Some(u) = w.until {
        range.insert("lt".into(), json!(u));
    }
    range.insert("format".into(), json!("epoch_millis"));
    json!({"bool": {"filter": [{"range": {(fields::TIMESTAMP): Value::Object(range)}}]}})
}

impl Search {
    /// A client for `<prefix>-*` of `cfg`'s cluster. Sends nothing yet.
    pub async fn new(cfg: &OpenSearchConfig, prefix: &str) -> Result<Search, SearchError> {
        let transport = Transport::new(cfg, None).await.map_err(SearchError::Client)?;
        Ok(Search {
            transport,
            pattern: format!("{prefix}-*"),
            timeout: cfg.request_timeout,
        })
    }

    /// `cwl-*`.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// `URL (auth)`, never with credentials.
    pub fn describe(&self) -> String {
        format!(
            "OpenSearch {} ({}) {}",
            self.transport.endpoint(),
            self.transport.auth_name(),
            self.pattern
        )
    }

    /// Documents matching `query`, oldest first, at most `max_docs`.
    pub async fn fetch(&self, query: &Value, max_docs: usize) -> Result<Fetched, SearchError> {
        let mut out = Fetched::default();
        let mut after: Option<Value> = None;
        loop {
            let size = PAGE_SIZE.min(max_docs.saturating_sub(out.docs.len()));
            let mut body = json!({
                "size": size,
                "query": query,
                "sort": [
                    {(fields::TIMESTAMP): {"order": "asc"}},
                    {(fields::ID): {"order": "asc", "unmapped_type": "keyword"}}
                ],
                "_source": SOURCE_FIELDS,
                "track_total_hits": after.is_none(),
            });
            if let Some(a) = after.take() {
                body["search_after"] = a;
            }
            let page = self.search(&body).await?;
            if out.docs.is_empty() && out.total == 0 {
                let (total, lower) = total_of(&page);
                out.total = total;
                out.total_is_lower_bound = lower;
            }
            let hits = page
                .pointer("/hits/hits")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let n = hits.len();
            for h in &hits {
                let src = h
                    .get("_source")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let index = h.get("_index").and_then(Value::as_str).unwrap_or("");
                let id = h.get("_id").and_then(Value::as_str).unwrap_or("");
                let mut d = Doc::from_source(index, id, &src);
                d.seq = out.docs.len() as u64;
                out.docs.push(d);
            }
            if out.docs.len() >= max_docs {
                out.capped = out.total_is_lower_bound || out.total > out.docs.len() as u64;
                return Ok(out);
            }
            if n < size || n == 0 {
                return Ok(out);
            }
            after = hits.last().and_then(|h| h.get("sort")).cloned();
            if after.is_none() {
                return Ok(out);
            }
        }
    }

    /// How many documents match `query` (`size: 0`).
    pub async fn count(&self, query: &Value) -> Result<u64, SearchError> {
        let page = self
            .search(&json!({"size": 0, "query": query, "track_total_hits": true}))
            .await?;
        Ok(total_of(&page).0)
    }

    async fn search(&self, body: &Value) -> Result<Value, SearchError> {
        let path = format!("/{}/_search", self.pattern);
        let answer = self
            .transport
            .send(
                reqwest::Method::POST,
                &path,
                "application/json",
                Bytes::from(body.to_string()),
                self.timeout,
            )
            .await
            .map_err(|e| SearchError::Transport {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        let status = answer.status;
        let parsed: Option<Value> = serde_json::from_slice(&answer.body).ok();
        let snippet = || {
            let s = String::from_utf8_lossy(&answer.body);
            let s = s.trim();
            match s.char_indices().nth(200) {
                Some((i, _)) => format!("{}…", &s[..i]),
                None if s.is_empty() => "(empty)".into(),
                None => s.to_string(),
            }
        };
        let reason = || match &parsed {
            Some(v) => error_reason(v).unwrap_or_else(snippet),
            None => snippet(),
        };
        match status {
            200..=299 => {}
            401 | 403 => {
                return Err(SearchError::Auth {
                    path,
                    status,
                    reason: reason(),
                });
            }
            404 if parsed
                .as_ref()
                .and_then(|v| v.pointer("/error/type"))
                .and_then(Value::as_str)
                == Some("index_not_found_exception") =>
            {
                return Err(self.no_index());
            }
            _ => {
                return Err(SearchError::Status {
                    path,
                    status,
                    reason: reason(),
                });
            }
        }
        let Some(v) = parsed.filter(|v| v.pointer("/hits/hits").is_some_and(Value::is_array)) else {
            return Err(SearchError::NotJson {
                path,
                status,
                snippet: snippet(),
            });
        };
        // A wildcard that matches no index is no error in OpenSearch
        // (`allow_no_indices` defaults to true): the answer has no shards
        // and no hits.
        if v.pointer("/_shards/total").and_then(Value::as_u64) == Some(0) && total_of(&v).0 == 0 {
            return Err(self.no_index());
        }
        Ok(v)
    }

    fn no_index(&self) -> SearchError {
        SearchError::NoIndex {
            pattern: self.pattern.clone(),
            endpoint: self.transport.endpoint().to_string(),
        }
    }
}

/// `hits.total`: `{"value": n, "relation": "eq"|"gte"}` (or a bare number,
/// as older versions answer).
fn total_of(v: &Value) -> (u64, bool) {
    match v.pointer("/hits/total") {
        Some(Value::Number(n)) => (n.as_u64().unwrap_or(0), false),
        Some(t) => (
            t.get("value").and_then(Value::as_u64).unwrap_or(0),
            t.get("relation").and_then(Value::as_str) == Some("gte"),
        ),
        None => (0, false),
    }
}

/// `type: reason` of an OpenSearch error body (or the `message` / `Message`
/// of a gateway's).
fn error_reason(v: &Value) -> Option<String> {
    if let Some(e) = v.get("error") {
        if let Some(s) = e.as_str() {
            return Some(s.to_string());
        }
        let ty = e.get("type").and_then(Value::as_str).unwrap_or("error");
        let reason = e
            .get("reason")
            .and_then(Value::as_str)
            .or_else(|| e.pointer("/root_cause/0/reason").and_then(Value::as_str))
            .unwrap_or("");
        return Some(format!("{ty}: {reason}"));
    }
    ["message", "Message"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_as_opensearch_reads_them() {
        let t = TraceId::from_hex("5759e988bd862e3fe1be46a994272793").unwrap();
        assert_eq!(
            trace_query(t),
            json!({"bool":{"should":[
                {"term":{"traceId":"5759e988bd862e3fe1be46a994272793"}},
                {"term":{"@xrayTraceId":"1-5759e988-bd862e3fe1be46a994272793"}}
            ],"minimum_should_match":1}})
        );
        assert_eq!(window_query(Window::default()), json!({"match_all":{}}));
        assert_eq!(
            window_query(Window {
                since: Some(5),
                until: None
            }),
            json!({"bool":{"filter":[{"range":{"@timestamp":{"gte":5,"format":"epoch_millis"}}}]}})
        );
    }

    #[test]
    fn totals_and_error_reasons() {
        assert_eq!(
            total_of(&json!({"hits":{"total":{"value":10000,"relation":"gte"}}})),
            (10000, true)
        );
        assert_eq!(total_of(&json!({"hits":{"total":7}})), (7, false));
        assert_eq!(
            error_reason(
                &json!({"error":{"type":"search_phase_execution_exception","reason":"all shards failed"}})
            ),
            Some("search_phase_execution_exception: all shards failed".into())
        );
        assert_eq!(
            error_reason(&json!({"Message":"User: anonymous is not authorized"})),
            Some("User: anonymous is not authorized".into())
        );
    }
}
