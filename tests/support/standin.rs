//! A faithful OpenSearch stand-in: real HTTP/1.1 on 127.0.0.1 (hyper), on
//! its own thread, following the OpenSearch 2.x documentation of `_bulk`
//! and `_index_template`:
//!
//! - `_bulk` NDJSON rules: the final newline is required, `Content-Type`
//!   must be `application/json` or `application/x-ndjson` (406 otherwise),
//!   action/metadata lines are validated (one of `index` `create` `update`
//!   `delete`; `_type` refused as 2.x does; `_index` required; `update`
//!   needs `_id`).
//! - Per-item `status`, `result`, `_index`, `_id`, `_version`, `error{type,
//!   reason}`, and `errors: true` when any item failed.
//! - Dynamic mapping: the first type seen for a field wins, a later
//!   conflicting value is a `mapper_parsing_exception`; `date_detection` for
//!   strings; object/concrete clashes; the total-fields limit (1000 by
//!   default) as an `illegal_argument_exception`; index templates apply at
//!   index creation; invalid index names are refused.
//! - `update` of a missing document: 404 `document_missing_exception`.
//! - 413 above a body limit, as Amazon OpenSearch Service words it.
//! - Basic auth (401) and a SigV4 check (403) when configured.
//! - `_search` (`/<expr>/_search`, GET or POST) for the subset the views use:
//!   comma-separated index expressions with wildcards, a missing concrete
//!   index a 404 `index_not_found_exception` unless `ignore_unavailable=true`,
//!   a wildcard matching nothing an empty answer with no shards unless
//!   `allow_no_indices=false`; queries `match_all`, `term`, `terms`, `range`
//!   (dates in ISO 8601 or `epoch_millis`), `exists`, `bool` (`must`,
//!   `filter`, `should`, `must_not`, `minimum_should_match`); `sort` (with
//!   `order`, `unmapped_type`; sorting on `_id` refused as 2.x does),
//!   `search_after`, `from`, `size` (the 10,000 result window), `_source`
//!   filtering, `track_total_hits` and `hits.total`.
//! - A fault schedule: each `_bulk` request takes the next fault (whole
//!   request 429/502/503/504, per-item 429, dropped connections before or
//!   after the request was applied, a reset while the request is still
//!   arriving, an answer cut off half-way, slow answers, the whole server
//!   going away and coming back on the same port).
//! - The mapping depth limit (`index.mapping.depth.limit`, 20).
//! - SigV4 refusals worded as AWS words them, echoing the canonical request
//!   with its signed headers (the session token among them).
//!
//! Documents are kept so tests can check that every id is stored exactly
//! once with the right content.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};

/// One entry of the fault schedule; each `_bulk` request takes the next.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer the whole request with this status (429, 500, 502, 503, 504…)
    /// and the body OpenSearch or its front end gives with it.
    Status(u16),
    /// Refuse every `every`-th item (1st, 1+every, …) with a 429
    /// `es_rejected_execution_exception`; the others are applied.
    ItemStatus429 { every: usize },
    /// Close the connection without an answer, before applying anything.
    DropBefore,
    /// Apply the request, then close the connection without an answer.
    DropAfter,
    /// Apply the request and answer after this long.
    Delay(Duration),
    /// Read the first part of the request body, then close the connection
    /// with the rest unread (the kernel answers with a reset), before
    /// applying anything.
    ResetMidRequest,
    /// Apply the request, then send half of a 200 answer (announced at its
    /// full length) and close the connection.
    CutAnswer,
    /// Close the connection without applying anything, stop listening for
    /// this long (connections are refused), then listen again on the same
    /// port, documents intact.
    GoAway(Duration),
}

/// How the stand-in behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Bodies above this many bytes get a 413.
    pub body_limit: usize,
    /// `index.mapping.total_fields.limit`.
    pub total_fields_limit: usize,
    /// Required basic-auth user and password.
    pub basic: Option<(String, String)>,
    /// Required SigV4 access key id, region and service.
    pub sigv4: Option<(String, String, String)>,
    /// `index.mapping.depth.limit`: objects nested deeper are refused.
    pub depth_limit: usize,
    /// Parse documents, apply dynamic mapping and keep them. Off, the
    /// stand-in only checks the NDJSON framing and action lines and counts
    /// items (for benchmarks).
    pub store: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            body_limit: 10 << 20,
            total_fields_limit: 1000,
            basic: None,
            sigv4: None,
            depth_limit: 20,
            store: true,
        }
    }
}

/// A request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `POST /_bulk`, `PUT /_index_template/x`, …
    pub method: String,
    /// The path.
    pub path: String,
    /// Body bytes.
    pub bytes: usize,
    /// The ids of the bulk items (`""` for none), in order.
    pub ids: Vec<String>,
    /// The status answered (0 for a dropped connection).
    pub status: u16,
    /// The raw action lines (to check that `_type` is never sent).
    pub body_has_type: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Text,
    Keyword,
    Long,
    Float,
    Double,
    Boolean,
    Date,
    Object,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Text => "text",
            Ty::Keyword => "keyword",
            Ty::Long => "long",
            Ty::Float => "float",
            Ty::Double => "double",
            Ty::Boolean => "boolean",
            Ty::Date => "date",
            Ty::Object => "object",
        }
    }
    fn from_name(s: &str) -> Ty {
        match s {
            "text" | "match_only_text" => Ty::Text,
            "long" | "integer" | "short" | "byte" => Ty::Long,
            "float" | "half_float" => Ty::Float,
            "double" | "scaled_float" => Ty::Double,
            "boolean" => Ty::Boolean,
            "date" | "date_nanos" => Ty::Date,
            "object" => Ty::Object,
            _ => Ty::Keyword,
        }
    }
    /// Mappers a dynamic field of this type adds (text has a keyword
    /// sub-field).
    fn weight(self) -> usize {
        if self == Ty::Text { 2 } else { 1 }
    }
}

#[derive(Debug, Default)]
struct Index {
    uuid: String,
    mapping: BTreeMap<String, Ty>,
    fields: usize,
    docs: HashMap<String, (Value, u64)>,
    seq_no: u64,
}

#[derive(Debug, Default)]
struct State {
    faults: VecDeque<Fault>,
    indices: BTreeMap<String, Index>,
    templates: BTreeMap<String, Value>,
    seen: Vec<Seen>,
    auto_id: u64,
    counted: u64,
}

/// A running stand-in; stops when dropped.
pub struct Standin {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    /// `true` while the server is away (not listening, connections closed).
    down: Arc<tokio::sync::watch::Sender<bool>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Standin {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Standin {
    /// Starts a stand-in with default options.
    pub fn start() -> Standin {
        Standin::with(Options::default())
    }

    /// Starts a stand-in on 127.0.0.1 with a free port.
    pub fn with(opts: Options) -> Standin {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let st = Arc::clone(&state);
        let opts = Arc::new(opts);
        let down = Arc::new(tokio::sync::watch::Sender::new(false));
        let ctl = Arc::clone(&down);
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut listener = Some(tokio::net::TcpListener::from_std(listener).unwrap());
                let mut down_rx = ctl.subscribe();
                loop {
                    if *down_rx.borrow_and_update() {
                        listener = None;
                    } else if listener.is_none() {
                        listener = Some(listen_again(addr).await);
                    }
                    let Some(l) = &listener else {
                        tokio::select! {
                            _ = &mut stop_rx => break,
                            _ = down_rx.changed() => continue,
                        }
                    };
                    tokio::select! {
                        _ = &mut stop_rx => break,
                        _ = down_rx.changed() => continue,
                        acc = l.accept() => {
                            let Ok((stream, _)) = acc else { continue };
                            let _ = stream.set_nodelay(true);
                            let st = Arc::clone(&st);
                            let opts = Arc::clone(&opts);
                            let ctl = Arc::clone(&ctl);
                            let mut gone = ctl.subscribe();
                            tokio::spawn(async move {
                                let svc = service_fn(move |req| {
                                    let st = Arc::clone(&st);
                                    let opts = Arc::clone(&opts);
                                    let ctl = Arc::clone(&ctl);
                                    async move { handle(&st, &opts, &ctl, req).await }
                                });
                                let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
                                // Going away closes every open connection too.
                                tokio::select! {
                                    _ = conn => {}
                                    _ = gone.wait_for(|d| *d) => {}
                                }
                            });
                        }
                    }
                }
            });
        });
        Standin {
            addr,
            state,
            down,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Stops listening and closes every connection: requests are refused
    /// until [`Standin::come_back`]. Documents are kept.
    pub fn go_away(&self) {
        self.down.send_replace(true);
    }

    /// Listens again on the same port.
    pub fn come_back(&self) {
        self.down.send_replace(false);
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends faults to the schedule.
    pub fn faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.lock().faults.extend(faults);
    }

    /// The stored document `id` of `index`.
    pub fn doc(&self, index: &str, id: &str) -> Option<Value> {
        self.lock()
            .indices
            .get(index)
            .and_then(|i| i.docs.get(id))
            .map(|(d, _)| d.clone())
    }

    /// Every stored document: index, id, source.
    pub fn docs(&self) -> Vec<(String, String, Value)> {
        let st = self.lock();
        let mut out = Vec::new();
        for (name, idx) in &st.indices {
            for (id, (d, _)) in &idx.docs {
                out.push((name.clone(), id.clone(), d.clone()));
            }
        }
        out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        out
    }

    /// Number of stored documents.
    pub fn count(&self) -> usize {
        self.lock().indices.values().map(|i| i.docs.len()).sum()
    }

    /// Items applied while `store` is off.
    pub fn counted(&self) -> u64 {
        self.lock().counted
    }

    /// Every request seen.
    pub fn seen(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// The `_bulk` requests seen.
    pub fn bulks(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == "/_bulk").collect()
    }

    /// The stored templates.
    pub fn templates(&self) -> BTreeMap<String, Value> {
        self.lock().templates.clone()
    }

    /// The mapped type of `field` in `index`.
    pub fn mapping(&self, index: &str, field: &str) -> Option<&'static str> {
        self.lock()
            .indices
            .get(index)
            .and_then(|i| i.mapping.get(field))
            .map(|t| t.name())
    }

    /// Forgets requests seen (documents stay).
    pub fn clear_seen(&self) {
        self.lock().seen.clear();
    }
}

/// Binds `addr` again after going away (the old socket is closed;
/// `SO_REUSEADDR`, which std sets, lets the port be taken at once).
async fn listen_again(addr: SocketAddr) -> tokio::net::TcpListener {
    for _ in 0..500 {
        if let Ok(l) = std::net::TcpListener::bind(addr) {
            l.set_nonblocking(true).unwrap();
            return tokio::net::TcpListener::from_std(l).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("stand-in: cannot listen on {addr} again");
}

/// A body that sends its first half, announced at its full length, then
/// fails: the connection is closed with the answer incomplete.
struct Cut {
    first: Option<Bytes>,
    len: u64,
    failed: bool,
}

impl Body for Cut {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(b) = self.first.take() {
            return std::task::Poll::Ready(Some(Ok(Frame::data(b))));
        }
        if !self.failed {
            self.failed = true;
            return std::task::Poll::Ready(Some(Err(std::io::Error::other("fault: answer cut"))));
        }
        std::task::Poll::Ready(None)
    }
    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.len)
    }
}

type Answer = Result<Response<Either<Full<Bytes>, Cut>>, std::io::Error>;

fn cut(answer: Answer) -> Answer {
    let r = answer?;
    let (parts, body) = r.into_parts();
    let Either::Left(full) = body else {
        return Ok(Response::from_parts(parts, body));
    };
    let bytes = futures_now(full);
    let half = bytes.slice(..bytes.len() / 2);
    Ok(Response::from_parts(
        parts,
        Either::Right(Cut {
            first: Some(half),
            len: bytes.len() as u64,
            failed: false,
        }),
    ))
}

/// The bytes of a `Full` body (ready at once).
fn futures_now(full: Full<Bytes>) -> Bytes {
    let mut full = std::pin::pin!(full);
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    match full.as_mut().poll_frame(&mut cx) {
        std::task::Poll::Ready(Some(Ok(f))) => f.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    }
}

fn reply(status: u16, body: impl Into<Bytes>) -> Answer {
    let mut r = Response::new(Either::Left(Full::new(body.into())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert("content-type", "application/json; charset=UTF-8".parse().unwrap());
    Ok(r)
}

/// An error answer as OpenSearch's REST layer renders an exception.
fn error_reply(status: u16, ty: &str, reason: &str) -> Answer {
    reply(
        status,
        json!({"error":{"root_cause":[{"type":ty,"reason":reason}],"type":ty,"reason":reason},"status":status})
            .to_string(),
    )
}

fn dropped() -> Answer {
    Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "fault: connection dropped",
    ))
}

async fn handle(
    state: &Mutex<State>,
    opts: &Options,
    down: &Arc<tokio::sync::watch::Sender<bool>>,
    req: Request<Incoming>,
) -> Answer {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query_string = req.uri().query().unwrap_or("").to_string();
    let headers = req.headers().clone();
    let reset = path == "/_bulk" && {
        let mut st = lock(state);
        let reset = st.faults.front() == Some(&Fault::ResetMidRequest);
        if reset {
            st.faults.pop_front();
            st.seen.push(Seen {
                method: method.clone(),
                path: path.clone(),
                bytes: 0,
                ids: Vec::new(),
                status: 0,
                body_has_type: false,
            });
        }
        reset
    };
    if reset {
        let mut body = req.into_body();
        let _ = body.frame().await;
        return dropped();
    }
    let log = |st: &mut State, bytes: usize, ids: Vec<String>, status: u16, body_has_type: bool| {
        st.seen.push(Seen {
            method: method.clone(),
            path: path.clone(),
            bytes,
            ids,
            status,
            body_has_type,
        })
    };
    // The front end refuses large bodies before reading them.
    let declared: usize = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if declared > opts.body_limit {
        log(&mut lock(state), declared, Vec::new(), 413, false);
        return reply(
            413,
            json!({"Message": format!("Request size exceeded {} bytes", opts.body_limit)}).to_string(),
        );
    }
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return dropped(),
    };
    if body.len() > opts.body_limit {
        log(&mut lock(state), body.len(), Vec::new(), 413, false);
        return reply(
            413,
            json!({"Message": format!("Request size exceeded {} bytes", opts.body_limit)}).to_string(),
        );
    }
    if let Some((user, pass)) = &opts.basic {
        let want = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("{user}:{pass}")
            )
        );
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(want.as_str()) {
            log(&mut lock(state), body.len(), Vec::new(), 401, false);
            let mut r = reply(401, "Unauthorized")?;
            r.headers_mut().insert(
                "www-authenticate",
                "Basic realm=\"OpenSearch Security\"".parse().unwrap(),
            );
            return Ok(r);
        }
    }
    if let Some((akid, region, service)) = &opts.sigv4
        && let Err(why) = check_sigv4(&headers, &body, akid, region, service)
    {
        log(&mut lock(state), body.len(), Vec::new(), 403, false);
        return reply(403, json!({ "message": why }).to_string());
    }
    if method == "PUT" && path.starts_with("/_index_template/") {
        let name = path.trim_start_matches("/_index_template/").to_string();
        let mut st = lock(state);
        let Ok(v) = serde_json::from_slice::<Value>(&body) else {
            log(&mut st, body.len(), Vec::new(), 400, false);
            return error_reply(400, "parse_exception", "request body is required");
        };
        if !v["index_patterns"].is_array() {
            log(&mut st, body.len(), Vec::new(), 400, false);
            return error_reply(
                400,
                "action_request_validation_exception",
                "Validation Failed: 1: index patterns are missing;",
            );
        }
        st.templates.insert(name, v);
        log(&mut st, body.len(), Vec::new(), 200, false);
        return reply(200, r#"{"acknowledged":true}"#);
    }
    if path.ends_with("/_search") && (method == "POST" || method == "GET") {
        let mut st = lock(state);
        let (status, out) = search(&st, &path, &query_string, &body);
        log(&mut st, body.len(), Vec::new(), status, false);
        return reply(status, out.to_string());
    }
    if !(path == "/_bulk" && (method == "POST" || method == "PUT")) {
        let mut st = lock(state);
        log(&mut st, body.len(), Vec::new(), 400, false);
        let reason = format!("no handler found for uri [{path}] and method [{method}]");
        return reply(400, json!({"error": reason, "status": 400}).to_string());
    }
    let fault = lock(state).faults.pop_front();
    match fault {
        Some(Fault::Status(s)) => {
            log(&mut lock(state), body.len(), Vec::new(), s, false);
            return match s {
                429 => error_reply(
                    429,
                    "rejected_execution_exception",
                    "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1, max_coordinating_and_primary_bytes=0]",
                ),
                503 => error_reply(
                    503,
                    "cluster_block_exception",
                    "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];",
                ),
                502 | 504 => reply(s, json!({"message": "Request Timeout"}).to_string()),
                _ => error_reply(s, "exception", "fault"),
            };
        }
        Some(Fault::DropBefore) => {
            log(&mut lock(state), body.len(), Vec::new(), 0, false);
            return dropped();
        }
        Some(Fault::GoAway(d)) => {
            log(&mut lock(state), body.len(), Vec::new(), 0, false);
            down.send_replace(true);
            let down = Arc::clone(down);
            tokio::spawn(async move {
                tokio::time::sleep(d).await;
                down.send_replace(false);
            });
            return dropped();
        }
        _ => {}
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let answer = if media != "application/json" && media != "application/x-ndjson" {
        let shown = if content_type.is_empty() {
            "(none)"
        } else {
            &content_type
        };
        let mut st = lock(state);
        log(&mut st, body.len(), Vec::new(), 406, false);
        reply(
            406,
            json!({"error": format!("Content-Type header [{shown}] is not supported"), "status": 406})
                .to_string(),
        )
    } else {
        let mut st = lock(state);
        let every = match fault {
            Some(Fault::ItemStatus429 { every }) => Some(every.max(1)),
            _ => None,
        };
        let (status, out, ids, has_type) = bulk(&mut st, opts, &body, every);
        log(&mut st, body.len(), ids, status, has_type);
        reply(status, out)
    };
    match fault {
        Some(Fault::DropAfter) => {
            if let Some(s) = lock(state).seen.last_mut() {
                s.status = 0;
            }
            dropped()
        }
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            answer
        }
        Some(Fault::CutAnswer) => {
            if let Some(s) = lock(state).seen.last_mut() {
                s.status = 0;
            }
            cut(answer)
        }
        _ => answer,
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Checks a SigV4 `Authorization` header (also used by `dashboards_standin`): algorithm, credential scope,
/// signed headers, and that `x-amz-content-sha256` is the body's hash.
pub fn check_sigv4(
    headers: &hyper::HeaderMap,
    body: &[u8],
    akid: &str,
    region: &str,
    service: &str,
) -> Result<(), String> {
    use sha2::Digest;
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("Authorization header requires 'Credential' parameter.")?;
    let rest = auth
        .strip_prefix("AWS4-HMAC-SHA256 Credential=")
        .ok_or("Authorization header requires 'Credential' parameter.")?;
    let cred = rest.split(',').next().unwrap_or("");
    let parts: Vec<&str> = cred.split('/').collect();
    let signed = auth
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap_or("");
    if parts.len() == 5 && parts[0] != akid {
        // As AWS answers a key it does not know the secret of: the canonical
        // request it expected, signed headers and their values included
        // (the session token among them).
        let mut canonical = String::new();
        for h in signed.split(';') {
            let v = headers.get(h).and_then(|v| v.to_str().ok()).unwrap_or("");
            canonical.push_str(&format!("{h}:{v}\n"));
        }
        return Err(format!(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'POST\n/_bulk\n\n{canonical}\n{signed}'\n"
        ));
    }
    if parts.len() != 5
        || parts[0] != akid
        || parts[2] != region
        || parts[3] != service
        || parts[4] != "aws4_request"
    {
        return Err(format!(
            "Credential should be scoped to a valid region and service: {cred}"
        ));
    }
    for h in ["host", "x-amz-content-sha256", "x-amz-date"] {
        if !signed.split(';').any(|s| s == h) {
            return Err(format!("SignedHeaders must include {h}"));
        }
    }
    let want: String = sha2::Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let got = headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if got != want {
        return Err("The request signature we calculated does not match the signature you provided.".into());
    }
    if headers.get("x-amz-date").is_none() {
        return Err(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into(),
        );
    }
    Ok(())
}

/// Runs a `_bulk` body. Returns status, answer body, item ids, and whether
/// an action line carried `_type`.
fn bulk(
    st: &mut State,
    opts: &Options,
    body: &[u8],
    every: Option<usize>,
) -> (u16, Vec<u8>, Vec<String>, bool) {
    let bad = |ty: &str, reason: &str| -> (u16, Vec<u8>, Vec<String>, bool) {
        let v = json!({"error":{"root_cause":[{"type":ty,"reason":reason}],"type":ty,"reason":reason},"status":400});
        (400, v.to_string().into_bytes(), Vec::new(), false)
    };
    if body.is_empty() {
        return bad("parse_exception", "request body is required");
    }
    if body.last() != Some(&b'\n') {
        return bad(
            "illegal_argument_exception",
            "The bulk request must be terminated by a newline [\\n]",
        );
    }
    // First pass: the whole request is validated before anything is applied.
    struct Op<'a> {
        action: &'static str,
        index: String,
        id: Option<String>,
        doc: Option<&'a [u8]>,
    }
    let mut ops: Vec<Op<'_>> = Vec::new();
    let mut lines = body[..body.len() - 1]
        .split(|b| *b == b'\n')
        .enumerate()
        .peekable();
    while let Some((n, line)) = lines.next() {
        let n = n + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ok(Value::Object(meta)) = serde_json::from_slice::<Value>(line) else {
            return bad(
                "illegal_argument_exception",
                &format!(
                    "Malformed action/metadata line [{n}], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]"
                ),
            );
        };
        let Some((name, params)) = meta.iter().next().filter(|_| meta.len() == 1) else {
            return bad(
                "illegal_argument_exception",
                &format!(
                    "Malformed action/metadata line [{n}], expected a simple value for field [] but found [START_OBJECT]"
                ),
            );
        };
        let action = match name.as_str() {
            "index" => "index",
            "create" => "create",
            "update" => "update",
            "delete" => "delete",
            other => {
                return bad(
                    "illegal_argument_exception",
                    &format!(
                        "Malformed action/metadata line [{n}], expected field [create], [delete], [index] or [update] but found [{other}]"
                    ),
                );
            }
        };
        let Some(params) = params.as_object() else {
            return bad(
                "illegal_argument_exception",
                &format!(
                    "Malformed action/metadata line [{n}], expected START_OBJECT but found [VALUE_STRING]"
                ),
            );
        };
        let mut index = None;
        let mut id = None;
        for (k, v) in params {
            match k.as_str() {
                "_index" => index = v.as_str().map(str::to_string),
                "_id" => id = v.as_str().map(str::to_string),
                "routing" | "pipeline" | "require_alias" | "retry_on_conflict" | "if_seq_no"
                | "if_primary_term" | "version" | "version_type" | "_source" => {}
                other => {
                    let has_type = other == "_type";
                    let mut r = bad(
                        "illegal_argument_exception",
                        &format!("Action/metadata line [{n}] contains an unknown parameter [{other}]"),
                    );
                    r.3 = has_type;
                    return r;
                }
            }
        }
        let Some(index) = index else {
            return bad(
                "action_request_validation_exception",
                "Validation Failed: 1: index is missing;",
            );
        };
        if action == "update" && id.is_none() {
            return bad(
                "action_request_validation_exception",
                "Validation Failed: 1: id is missing;",
            );
        }
        let doc = if action == "delete" {
            None
        } else {
            match lines.next() {
                Some((_, d)) => Some(d),
                None => {
                    return bad(
                        "illegal_argument_exception",
                        "The bulk request must be terminated by a newline [\\n]",
                    );
                }
            }
        };
        ops.push(Op {
            action,
            index,
            id,
            doc,
        });
    }
    if ops.is_empty() {
        return bad(
            "action_request_validation_exception",
            "Validation Failed: 1: no requests added;",
        );
    }
    let mut out = Vec::with_capacity(ops.len() * 160);
    out.extend_from_slice(b"{\"took\":1,\"errors\":false,\"items\":[");
    let mut errors = false;
    let mut ids = Vec::with_capacity(ops.len());
    for (pos, op) in ops.into_iter().enumerate() {
        if pos > 0 {
            out.push(b',');
        }
        ids.push(op.id.clone().unwrap_or_default());
        let result = if every.is_some_and(|e| pos % e == 0) {
            Err((
                429,
                "es_rejected_execution_exception",
                "rejected execution of processing of [1][indices:data/write/bulk[s][p]]: request: BulkShardRequest; queue capacity = 200".to_string(),
            ))
        } else if !opts.store {
            st.counted += 1;
            Ok((
                op.id.clone().unwrap_or_else(|| "x".into()),
                "created",
                201u16,
                1u64,
            ))
        } else {
            apply(
                st,
                opts,
                op.action,
                &op.index,
                op.id.clone(),
                op.doc.unwrap_or_default(),
            )
        };
        match result {
            Ok((id, res, status, version)) => {
                write_ok(&mut out, op.action, &op.index, &id, res, status, version);
            }
            Err((status, ty, reason)) => {
                errors = true;
                let mut item = json!({"_index": op.index, "status": status,
                    "error": {"type": ty, "reason": reason, "index": op.index, "index_uuid": "aBcDeFgHiJkLmNoPqRsTuV"}});
                if let Some(id) = &op.id {
                    item["_id"] = json!(id);
                }
                if ty == "document_missing_exception" {
                    item["error"]["shard"] = json!("0");
                }
                out.extend_from_slice(json!({ op.action: item }).to_string().as_bytes());
            }
        }
    }
    out.extend_from_slice(b"]}");
    if errors {
        // `"errors":false` → `"errors":true ` (same length keeps it cheap).
        out.splice(19..24, b"true ".iter().copied());
    }
    (200, out, ids, false)
}

fn write_ok(out: &mut Vec<u8>, action: &str, index: &str, id: &str, result: &str, status: u16, version: u64) {
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(action.as_bytes());
    out.extend_from_slice(b"\":{\"_index\":");
    serde_json::to_writer(&mut *out, index).unwrap();
    out.extend_from_slice(b",\"_id\":");
    serde_json::to_writer(&mut *out, id).unwrap();
    out.extend_from_slice(
        format!(
            ",\"_version\":{version},\"result\":\"{result}\",\"_shards\":{{\"total\":2,\"successful\":1,\"failed\":0}},\"_seq_no\":{},\"_primary_term\":1,\"status\":{status}}}}}",
            version.saturating_sub(1)
        )
        .as_bytes(),
    );
}

type ItemResult = Result<(String, &'static str, u16, u64), (u16, &'static str, String)>;

fn valid_index_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(format!("Invalid index name [{name}], must not be '.' or '..'"));
    }
    if name.chars().any(|c| c.is_uppercase()) {
        return Err(format!("Invalid index name [{name}], must be lowercase"));
    }
    if name.starts_with(['-', '_', '+']) {
        return Err(format!(
            "Invalid index name [{name}], must not start with '_', '-', or '+'"
        ));
    }
    if name.contains(['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':']) {
        return Err(format!(
            "Invalid index name [{name}], must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]"
        ));
    }
    Ok(())
}

fn apply(
    st: &mut State,
    opts: &Options,
    action: &'static str,
    index: &str,
    id: Option<String>,
    doc: &[u8],
) -> ItemResult {
    if let Err(r) = valid_index_name(index) {
        return Err((400, "invalid_index_name_exception", r));
    }
    if !st.indices.contains_key(index) {
        let idx = new_index(&st.templates, index);
        st.indices.insert(index.to_string(), idx);
    }
    let auto = if id.is_none() {
        st.auto_id += 1;
        Some(format!("auto-{:08}", st.auto_id))
    } else {
        None
    };
    let Some(idx) = st.indices.get_mut(index) else {
        return Err((500, "exception", "index vanished".into()));
    };
    let id = id.or(auto).unwrap_or_default();
    let shown_id = id.clone();
    let parsed = || -> Result<Map<String, Value>, (u16, &'static str, String)> {
        match serde_json::from_slice::<Value>(doc) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err((400, "mapper_parsing_exception", "failed to parse".to_string())),
        }
    };
    match action {
        "index" | "create" => {
            let source = parsed()?;
            if action == "create"
                && let Some((_, v)) = idx.docs.get(&id)
            {
                return Err((
                    409,
                    "version_conflict_engine_exception",
                    format!("[{id}]: version conflict, document already exists (current version [{v}])"),
                ));
            }
            map_document(idx, opts, &source, &shown_id)?;
            idx.seq_no += 1;
            let version = idx.docs.get(&id).map_or(1, |(_, v)| v + 1);
            idx.docs.insert(id.clone(), (Value::Object(source), version));
            let (res, status) = if version == 1 {
                ("created", 201)
            } else {
                ("updated", 200)
            };
            Ok((id, res, status, version))
        }
        "update" => {
            let req = parsed()?;
            let Some(Value::Object(partial)) = req.get("doc").cloned() else {
                return Err((
                    400,
                    "action_request_validation_exception",
                    "Validation Failed: 1: script or doc is missing;".into(),
                ));
            };
            let Some((current, version)) = idx.docs.get(&id).cloned() else {
                return Err((
                    404,
                    "document_missing_exception",
                    format!("[{id}]: document missing"),
                ));
            };
            let mut merged = current.as_object().cloned().unwrap_or_default();
            merge(&mut merged, partial);
            if Value::Object(merged.clone()) == current {
                return Ok((id, "noop", 200, version));
            }
            map_document(idx, opts, &merged, &shown_id)?;
            idx.docs.insert(id.clone(), (Value::Object(merged), version + 1));
            Ok((id, "updated", 200, version + 1))
        }
        _ => match idx.docs.remove(&id) {
            Some((_, v)) => Ok((id, "deleted", 200, v + 1)),
            None => Ok((id, "not_found", 404, 1)),
        },
    }
}

fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// A new index: mappings from the matching template of highest priority.
fn new_index(templates: &BTreeMap<String, Value>, name: &str) -> Index {
    let mut idx = Index {
        uuid: format!("uuid-{name}"),
        ..Index::default()
    };
    let best = templates
        .values()
        .filter(|t| {
            t["index_patterns"]
                .as_array()
                .is_some_and(|ps| ps.iter().filter_map(Value::as_str).any(|p| glob(p, name)))
        })
        .max_by_key(|t| t["priority"].as_u64().unwrap_or(0));
    if let Some(t) = best
        && let Some(props) = t["template"]["mappings"]["properties"].as_object()
    {
        add_template_props(&mut idx, "", props);
    }
    idx
}

fn add_template_props(idx: &mut Index, prefix: &str, props: &Map<String, Value>) {
    for (k, v) in props {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if let Some(sub) = v["properties"].as_object() {
            idx.mapping.insert(path.clone(), Ty::Object);
            idx.fields += 1;
            add_template_props(idx, &path, sub);
        } else {
            let ty = Ty::from_name(v["type"].as_str().unwrap_or("object"));
            idx.mapping.insert(path, ty);
            idx.fields += 1;
        }
    }
}

fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post)
        }
    }
}

/// Dynamic mapping of one document: checks every value against the
/// mapping, then adds the new fields (all or nothing).
fn map_document(
    idx: &mut Index,
    opts: &Options,
    doc: &Map<String, Value>,
    id: &str,
) -> Result<(), (u16, &'static str, String)> {
    let mut new: BTreeMap<String, Ty> = BTreeMap::new();
    walk(idx, opts.depth_limit, doc, "", id, &mut new)?;
    let added: usize = new.values().map(|t| t.weight()).sum();
    if added > 0 && idx.fields + added > opts.total_fields_limit {
        return Err((
            400,
            "illegal_argument_exception",
            format!(
                "Limit of total fields [{}] has been exceeded",
                opts.total_fields_limit
            ),
        ));
    }
    idx.fields += added;
    idx.mapping.extend(new);
    Ok(())
}

fn walk(
    idx: &Index,
    depth_limit: usize,
    obj: &Map<String, Value>,
    prefix: &str,
    id: &str,
    new: &mut BTreeMap<String, Ty>,
) -> Result<(), (u16, &'static str, String)> {
    if !prefix.is_empty() && prefix.split('.').count() > depth_limit {
        return Err((
            400,
            "illegal_argument_exception",
            format!(
                "Limit of mapping depth [{depth_limit}] has been exceeded due to object field [{prefix}]"
            ),
        ));
    }
    for (k, v) in obj {
        // A dotted name is an object path, as OpenSearch expands it.
        let mut path = prefix.to_string();
        let segments: Vec<&str> = k.split('.').collect();
        for (n, seg) in segments.iter().enumerate() {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(seg);
            if n + 1 < segments.len() {
                let known = idx.mapping.get(&path).or_else(|| new.get(&path)).copied();
                match known {
                    None => {
                        new.insert(path.clone(), Ty::Object);
                    }
                    Some(Ty::Object) => {}
                    Some(t) => {
                        return Err((
                            400,
                            "mapper_parsing_exception",
                            format!(
                                "Could not dynamically add mapping for field [{k}]. Existing mapping for [{path}] must be of type object but found [{}].",
                                t.name()
                            ),
                        ));
                    }
                }
            }
        }
        value(idx, depth_limit, &path, v, id, new)?;
    }
    Ok(())
}

fn preview(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => {
            let inner: Vec<String> = m.iter().map(|(k, v)| format!("{k}={}", preview(v))).collect();
            format!("{{{}}}", inner.join(", "))
        }
        other => other.to_string(),
    }
}

fn looks_like_date(s: &str) -> bool {
    // strict_date_optional_time: yyyy-MM-dd, optionally 'T' and a time.
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || (b[10] == b'T' && b.len() >= 13 && b[11..13].iter().all(u8::is_ascii_digit)))
}

fn value(
    idx: &Index,
    depth_limit: usize,
    path: &str,
    v: &Value,
    id: &str,
    new: &mut BTreeMap<String, Ty>,
) -> Result<(), (u16, &'static str, String)> {
    if let Value::Array(items) = v {
        for item in items {
            value(idx, depth_limit, path, item, id, new)?;
        }
        return Ok(());
    }
    if v.is_null() {
        return Ok(());
    }
    let known = idx.mapping.get(path).or_else(|| new.get(path)).copied();
    let Some(ty) = known else {
        let ty = match v {
            Value::Object(_) => Ty::Object,
            Value::Bool(_) => Ty::Boolean,
            Value::Number(n) if n.is_f64() => Ty::Float,
            Value::Number(_) => Ty::Long,
            Value::String(s) if looks_like_date(s) => Ty::Date,
            _ => Ty::Text,
        };
        new.insert(path.to_string(), ty);
        if let Value::Object(m) = v {
            walk(idx, depth_limit, m, path, id, new)?;
        }
        return Ok(());
    };
    let fail = |ty: Ty| {
        Err((
            400,
            "mapper_parsing_exception",
            format!(
                "failed to parse field [{path}] of type [{}] in document with id '{id}'. Preview of field's value: '{}'",
                ty.name(),
                preview(v)
            ),
        ))
    };
    match (ty, v) {
        (Ty::Object, Value::Object(m)) => walk(idx, depth_limit, m, path, id, new),
        (Ty::Object, _) => Err((
            400,
            "mapper_parsing_exception",
            format!(
                "object mapping for [{path}] tried to parse field [{path}] as object, but found a concrete value"
            ),
        )),
        (_, Value::Object(_)) => fail(ty),
        (Ty::Text | Ty::Keyword, _) => Ok(()),
        (Ty::Long | Ty::Float | Ty::Double, Value::Number(_)) => Ok(()),
        (Ty::Long | Ty::Float | Ty::Double, Value::String(s)) if s.trim().parse::<f64>().is_ok() => Ok(()),
        (Ty::Boolean, Value::Bool(_)) => Ok(()),
        (Ty::Boolean, Value::String(s)) if s == "true" || s == "false" => Ok(()),
        (Ty::Date, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
        (Ty::Date, Value::String(s)) if looks_like_date(s) => Ok(()),
        _ => fail(ty),
    }
}

/// Index names matched by a wildcard expression (`*` anywhere, any number).
fn wild(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            let Some(at) = rest.find(p) else { return false };
            rest = &rest[at + p.len()..];
        }
    }
    true
}

fn search_error(status: u16, ty: &str, reason: &str) -> (u16, Value) {
    (
        status,
        json!({"error":{"root_cause":[{"type":ty,"reason":reason}],"type":ty,"reason":reason},"status":status}),
    )
}

/// A field's values in a source: a top-level member of that name, else the
/// dotted path through objects; arrays give each element.
fn field_values<'a>(src: &'a Value, field: &str) -> Vec<&'a Value> {
    let direct = src.get(field).or_else(|| {
        let mut cur = src;
        for seg in field.split('.') {
            cur = cur.get(seg)?;
        }
        Some(cur)
    });
    match direct {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(v) => vec![v],
    }
}

fn as_millis(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => match cwl_trace_bridge::replay::leading_timestamp(s) {
            Some((ms, "")) => Some(ms),
            _ => s.parse().ok(),
        },
        _ => None,
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::Number(y)) | (Value::Number(y), Value::String(x)) => {
            x.parse::<f64>().ok() == y.as_f64()
        }
        (Value::Bool(x), Value::String(y)) | (Value::String(y), Value::Bool(x)) => y == &x.to_string(),
        _ => a == b,
    }
}

/// Whether `src` matches `q`; `Err` for a query the stand-in (or OpenSearch) refuses.
fn matches(q: &Value, src: &Value, ty: &dyn Fn(&str) -> Option<Ty>) -> Result<bool, String> {
    let Some((kind, body)) = q
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
    else {
        return Err("query malformed, expected one query type".into());
    };
    match kind.as_str() {
        "match_all" => Ok(true),
        "match_none" => Ok(false),
        "term" | "terms" => {
            let Some((field, want)) = body
                .as_object()
                .and_then(|o| o.iter().find(|(k, _)| *k != "boost"))
            else {
                return Err(format!("[{kind}] query malformed, no field"));
            };
            let wants: Vec<&Value> = match (kind.as_str(), want) {
                ("terms", Value::Array(a)) => a.iter().collect(),
                ("terms", _) => return Err("[terms] query requires an array of values".into()),
                (_, Value::Object(o)) => o.get("value").into_iter().collect(),
                (_, v) => vec![v],
            };
            Ok(field_values(src, field)
                .iter()
                .any(|have| wants.iter().any(|w| same_value(have, w))))
        }
        "exists" => {
            let field = body.get("field").and_then(Value::as_str).unwrap_or("");
            Ok(!field_values(src, field).is_empty())
        }
        "range" => {
            let Some((field, r)) = body.as_object().and_then(|o| o.iter().next()) else {
                return Err("[range] query malformed, no field".into());
            };
            let is_date = ty(field) == Some(Ty::Date);
            let num = |v: &Value| -> Option<f64> {
                if is_date {
                    as_millis(v).map(|m| m as f64)
                } else {
                    v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                }
            };
            let bound = |k: &str| {
                r.get(k)
                    .map(|v| num(v).ok_or(format!("failed to parse [{v}] for [{field}]")))
            };
            let (gte, gt, lte, lt) = (bound("gte"), bound("gt"), bound("lte"), bound("lt"));
            let (gte, gt, lte, lt) = (
                gte.transpose()?,
                gt.transpose()?,
                lte.transpose()?,
                lt.transpose()?,
            );
            Ok(field_values(src, field).iter().filter_map(|v| num(v)).any(|x| {
                gte.is_none_or(|b| x >= b)
                    && gt.is_none_or(|b| x > b)
                    && lte.is_none_or(|b| x <= b)
                    && lt.is_none_or(|b| x < b)
            }))
        }
        "bool" => {
            let list = |k: &str| -> Vec<&Value> {
                match body.get(k) {
                    Some(Value::Array(a)) => a.iter().collect(),
                    Some(v @ Value::Object(_)) => vec![v],
                    _ => Vec::new(),
                }
            };
            for q in list("must").into_iter().chain(list("filter")) {
                if !matches(q, src, ty)? {
                    return Ok(false);
                }
            }
            for q in list("must_not") {
                if matches(q, src, ty)? {
                    return Ok(false);
                }
            }
            let should = list("should");
            if should.is_empty() {
                return Ok(true);
            }
            // With no must/filter, at least one should clause must match.
            let default_min = if list("must").is_empty() && list("filter").is_empty() {
                1
            } else {
                0
            };
            let min = match body.get("minimum_should_match") {
                Some(Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
                Some(Value::String(s)) => s.parse().unwrap_or(default_min),
                _ => default_min,
            };
            let mut hit = 0;
            for q in should {
                if matches(q, src, ty)? {
                    hit += 1;
                }
            }
            Ok(hit >= min)
        }
        other => Err(format!("unknown query [{other}]")),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Missing,
    Num(f64),
    Str(String),
}

fn key_cmp(a: &Key, b: &Key, desc: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    // Missing values sort last whatever the order (`missing: _last`).
    match (a, b) {
        (Key::Missing, Key::Missing) => Ordering::Equal,
        (Key::Missing, _) => Ordering::Greater,
        (_, Key::Missing) => Ordering::Less,
        (Key::Num(x), Key::Num(y)) => {
            let o = x.partial_cmp(y).unwrap_or(Ordering::Equal);
            if desc { o.reverse() } else { o }
        }
        (Key::Str(x), Key::Str(y)) => {
            let o = x.cmp(y);
            if desc { o.reverse() } else { o }
        }
        (Key::Num(_), Key::Str(_)) => Ordering::Less,
        (Key::Str(_), Key::Num(_)) => Ordering::Greater,
    }
}

fn key_json(k: &Key, date: bool) -> Value {
    match k {
        Key::Missing => Value::Null,
        Key::Num(n) if date || n.fract() == 0.0 => json!(*n as i64),
        Key::Num(n) => json!(n),
        Key::Str(s) => json!(s),
    }
}

fn filter_source(src: &Value, spec: Option<&Value>) -> Option<Value> {
    let (includes, excludes): (Vec<String>, Vec<String>) = match spec {
        None | Some(Value::Bool(true)) => return Some(src.clone()),
        Some(Value::Bool(false)) => return None,
        Some(Value::String(s)) => (vec![s.clone()], Vec::new()),
        Some(Value::Array(a)) => (
            a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            Vec::new(),
        ),
        Some(Value::Object(o)) => {
            let l = |k: &str| -> Vec<String> {
                match o.get(k) {
                    Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                    Some(Value::String(s)) => vec![s.clone()],
                    _ => Vec::new(),
                }
            };
            (l("includes"), l("excludes"))
        }
        Some(_) => return Some(src.clone()),
    };
    let obj = src.as_object()?;
    let mut out = Map::new();
    for (k, v) in obj {
        let inc = includes.is_empty()
            || includes
                .iter()
                .any(|p| wild(p, k) || p.starts_with(&format!("{k}.")));
        let exc = excludes.iter().any(|p| wild(p, k));
        if inc && !exc {
            out.insert(k.clone(), v.clone());
        }
    }
    Some(Value::Object(out))
}

/// `GET|POST /<expr>/_search`.
fn search(st: &State, path: &str, query_string: &str, body: &[u8]) -> (u16, Value) {
    let param = |name: &str| {
        query_string
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let ignore_unavailable = param("ignore_unavailable").as_deref() == Some("true");
    let allow_no_indices = param("allow_no_indices").as_deref() != Some("false");
    let expr = path
        .trim_start_matches('/')
        .trim_end_matches("_search")
        .trim_end_matches('/');
    let expr = expr.replace("%2A", "*").replace("%2a", "*").replace("%2C", ",");
    let mut names: Vec<String> = Vec::new();
    let exprs: Vec<&str> = if expr.is_empty() || expr == "_all" {
        vec!["*"]
    } else {
        expr.split(',').collect()
    };
    for e in exprs {
        if let Some(ex) = e.strip_prefix('-') {
            names.retain(|n| !wild(ex, n));
            continue;
        }
        if e.contains('*') {
            let found: Vec<&String> = st.indices.keys().filter(|n| wild(e, n)).collect();
            if found.is_empty() && !allow_no_indices {
                return search_error(404, "index_not_found_exception", &format!("no such index [{e}]"));
            }
            for n in found {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        } else if st.indices.contains_key(e) {
            if !names.iter().any(|n| n == e) {
                names.push(e.to_string());
            }
        } else if !ignore_unavailable {
            return search_error(404, "index_not_found_exception", &format!("no such index [{e}]"));
        }
    }
    let req: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                return search_error(
                    400,
                    "parse_exception",
                    "request body or source parameter is required",
                );
            }
        }
    };
    for k in req
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if ![
            "query",
            "size",
            "from",
            "sort",
            "search_after",
            "_source",
            "track_total_hits",
        ]
        .contains(&k.as_str())
        {
            return search_error(
                400,
                "parsing_exception",
                &format!("Unknown key for a START_OBJECT in [{k}]."),
            );
        }
    }
    let size = req.get("size").and_then(Value::as_u64).unwrap_or(10) as usize;
    let from = req.get("from").and_then(Value::as_u64).unwrap_or(0) as usize;
    if from + size > 10_000 {
        return search_error(
            400,
            "illegal_argument_exception",
            &format!(
                "Result window is too large, from + size must be less than or equal to: [10000] but was [{}].",
                from + size
            ),
        );
    }
    let query = req.get("query").cloned().unwrap_or(json!({"match_all": {}}));
    // Field types across the matched indices.
    let ty = |f: &str| -> Option<Ty> {
        names
            .iter()
            .find_map(|n| st.indices.get(n)?.mapping.get(f).copied())
    };
    // Sort specs: (field, desc).
    let mut sorts: Vec<(String, bool)> = Vec::new();
    let specs: Vec<Value> = match req.get("sort") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(v) => vec![v.clone()],
    };
    for spec in specs {
        let (field, order, unmapped) = match &spec {
            Value::String(f) => (f.clone(), "asc".to_string(), None),
            Value::Object(o) if o.len() == 1 => {
                let (f, v) = o
                    .iter()
                    .next()
                    .map(|(a, b)| (a.clone(), b.clone()))
                    .unwrap_or_default();
                match v {
                    Value::String(ord) => (f, ord, None),
                    Value::Object(p) => (
                        f,
                        p.get("order")
                            .and_then(Value::as_str)
                            .unwrap_or("asc")
                            .to_string(),
                        p.get("unmapped_type").and_then(Value::as_str).map(str::to_string),
                    ),
                    _ => return search_error(400, "parsing_exception", "malformed sort"),
                }
            }
            _ => return search_error(400, "parsing_exception", "malformed sort"),
        };
        if field == "_id" {
            return search_error(
                400,
                "illegal_argument_exception",
                "Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: indices.id_field_data.enabled",
            );
        }
        if field != "_score"
            && field != "_doc"
            && ty(&field).is_none()
            && unmapped.is_none()
            && !names.is_empty()
        {
            return search_error(
                400,
                "query_shard_exception",
                &format!("No mapping found for [{field}] in order to sort on"),
            );
        }
        if ty(&field) == Some(Ty::Text) {
            return search_error(
                400,
                "illegal_argument_exception",
                &format!(
                    "Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [{field}] in order to load field data by uninverting the inverted index."
                ),
            );
        }
        sorts.push((field, order == "desc"));
    }
    let keys_of = |src: &Value| -> Vec<Key> {
        sorts
            .iter()
            .map(|(f, _)| {
                let vals = field_values(src, f);
                match vals.first() {
                    None => Key::Missing,
                    Some(v) if ty(f) == Some(Ty::Date) => {
                        as_millis(v).map_or(Key::Missing, |m| Key::Num(m as f64))
                    }
                    Some(Value::Number(n)) => Key::Num(n.as_f64().unwrap_or(0.0)),
                    Some(Value::String(s)) => Key::Str(s.clone()),
                    Some(v) => Key::Str(v.to_string()),
                }
            })
            .collect()
    };
    let mut hits: Vec<(Vec<Key>, &str, &str, &Value)> = Vec::new();
    for n in &names {
        let Some(idx) = st.indices.get(n) else { continue };
        let mut ids: Vec<&String> = idx.docs.keys().collect();
        ids.sort();
        for id in ids {
            let (src, _) = &idx.docs[id];
            match matches(&query, src, &ty) {
                Ok(true) => hits.push((keys_of(src), n.as_str(), id.as_str(), src)),
                Ok(false) => {}
                Err(e) => return search_error(400, "parsing_exception", &e),
            }
        }
    }
    let cmp = |a: &(Vec<Key>, &str, &str, &Value), b: &(Vec<Key>, &str, &str, &Value)| {
        for (i, (_, desc)) in sorts.iter().enumerate() {
            let o = key_cmp(&a.0[i], &b.0[i], *desc);
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        (a.1, a.2).cmp(&(b.1, b.2))
    };
    hits.sort_by(cmp);
    let total = hits.len();
    if let Some(after) = req.get("search_after") {
        let Some(after) = after
            .as_array()
            .filter(|a| a.len() == sorts.len() && !sorts.is_empty())
        else {
            return search_error(
                400,
                "illegal_argument_exception",
                "search_after has to have the same number of values as the sort",
            );
        };
        let after_keys: Vec<Key> = after
            .iter()
            .zip(&sorts)
            .map(|(v, (f, _))| match v {
                Value::Null => Key::Missing,
                v if ty(f) == Some(Ty::Date) => as_millis(v).map_or(Key::Missing, |m| Key::Num(m as f64)),
                Value::Number(n) => Key::Num(n.as_f64().unwrap_or(0.0)),
                Value::String(s) => Key::Str(s.clone()),
                v => Key::Str(v.to_string()),
            })
            .collect();
        hits.retain(|h| {
            for (i, (_, desc)) in sorts.iter().enumerate() {
                match key_cmp(&h.0[i], &after_keys[i], *desc) {
                    std::cmp::Ordering::Greater => return true,
                    std::cmp::Ordering::Less => return false,
                    std::cmp::Ordering::Equal => {}
                }
            }
            false
        });
    }
    let page: Vec<Value> = hits
        .iter()
        .skip(from)
        .take(size)
        .map(|(keys, index, id, src)| {
            let mut h = json!({"_index": index, "_id": id, "_score": if sorts.is_empty() { json!(1.0) } else { Value::Null }});
            if let Some(s) = filter_source(src, req.get("_source")) {
                h["_source"] = s;
            }
            if !sorts.is_empty() {
                h["sort"] = Value::Array(
                    keys.iter()
                        .zip(&sorts)
                        .map(|(k, (f, _))| key_json(k, ty(f) == Some(Ty::Date)))
                        .collect(),
                );
            }
            h
        })
        .collect();
    let shards = names.len();
    let mut out = json!({
        "took": 1,
        "timed_out": false,
        "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0},
        "hits": {"max_score": if sorts.is_empty() && total > 0 { json!(1.0) } else { Value::Null }, "hits": page}
    });
    match req.get("track_total_hits") {
        Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => out["hits"]["total"] = json!({"value": total, "relation": "eq"}),
        Some(Value::Number(n)) => {
            let cap = n.as_u64().unwrap_or(10_000) as usize;
            out["hits"]["total"] = if total > cap {
                json!({"value": cap, "relation": "gte"})
            } else {
                json!({"value": total, "relation": "eq"})
            };
        }
        _ => {
            out["hits"]["total"] = if total > 10_000 {
                json!({"value": 10_000, "relation": "gte"})
            } else {
                json!({"value": total, "relation": "eq"})
            };
        }
    }
    (200, out)
}
