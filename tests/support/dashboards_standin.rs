//! An OpenSearch Dashboards stand-in for the saved-objects import API: real
//! HTTP/1.1 on 127.0.0.1 (hyper), following Dashboards 2.x
//! (`src/core/server/saved_objects/routes/import.ts`, `…/import/*.ts`, the
//! xsrf handler, the security plugin's 401):
//!
//! - `POST <base>/api/saved_objects/_import` only; anything else 404.
//! - Basic auth (401 `Authentication required`) or a SigV4 check (403) when
//!   configured; the `osd-xsrf` header is required (400 `Request must contain
//!   a osd-xsrf header.`).
//! - Query `overwrite` and `createNewCopies`, booleans, not both.
//! - `multipart/form-data` (415 otherwise) with a `file` part whose file name
//!   ends in `.ndjson` (400 `Invalid file extension .x`), one JSON object a
//!   line.
//! - Import: objects of a type it does not know get `unsupported_type`;
//!   references to objects neither in the file nor stored get
//!   `missing_references`; an existing object without `overwrite` gets
//!   `conflict`; the rest are stored. The answer is 200 with `success`,
//!   `successCount`, `successResults`, and `errors` when there are any.
//! - A forced status (500 …) answers every request, in Dashboards' error
//!   form `{statusCode, error, message}`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// How the stand-in behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The base path Dashboards is served under (`""`, `/_dashboards`).
    pub base_path: String,
    /// Required basic-auth user and password.
    pub basic: Option<(String, String)>,
    /// Required SigV4 access key id, region and service.
    pub sigv4: Option<(String, String, String)>,
    /// The saved-object types it knows.
    pub types: Vec<String>,
    /// Answer every request with this status.
    pub status: Option<u16>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            base_path: String::new(),
            basic: None,
            sigv4: None,
            types: [
                "config",
                "index-pattern",
                "search",
                "visualization",
                "dashboard",
                "query",
            ]
            .map(String::from)
            .to_vec(),
            status: None,
        }
    }
}

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub struct Part {
    /// The form field name.
    pub name: String,
    /// The file name, for a file.
    pub filename: Option<String>,
    /// The part's content type.
    pub content_type: Option<String>,
    /// The content.
    pub content: Vec<u8>,
}

/// A request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string.
    pub query: String,
    /// Every header, names in lower case.
    pub headers: BTreeMap<String, String>,
    /// The multipart parts, when the body was multipart.
    pub parts: Vec<Part>,
    /// The status answered.
    pub status: u16,
}

#[derive(Default)]
struct State {
    objects: BTreeMap<(String, String), Value>,
    seen: Vec<Seen>,
}

/// A running stand-in; stops when dropped.
pub struct DashboardsStandin {
    addr: SocketAddr,
    base_path: String,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for DashboardsStandin {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl DashboardsStandin {
    /// Starts a stand-in with default options.
    pub fn start() -> DashboardsStandin {
        DashboardsStandin::with(Options::default())
    }

    /// Starts a stand-in on 127.0.0.1 with a free port.
    pub fn with(opts: Options) -> DashboardsStandin {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let st = Arc::clone(&state);
        let base_path = opts.base_path.clone();
        let opts = Arc::new(opts);
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => break,
                        acc = listener.accept() => {
                            let Ok((stream, _)) = acc else { continue };
                            let st = Arc::clone(&st);
                            let opts = Arc::clone(&opts);
                            tokio::spawn(async move {
                                let svc = service_fn(move |req| {
                                    let st = Arc::clone(&st);
                                    let opts = Arc::clone(&opts);
                                    async move { handle(&st, &opts, req).await }
                                });
                                let _ = http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), svc)
                                    .await;
                            });
                        }
                    }
                }
            });
        });
        DashboardsStandin {
            addr,
            base_path,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT<base path>`: the URL to give `--install`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.base_path)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Every request seen.
    pub fn seen(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// The stored objects by (type, id).
    pub fn objects(&self) -> BTreeMap<(String, String), Value> {
        self.lock().objects.clone()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

type Answer = Result<Response<Full<Bytes>>, std::io::Error>;

/// Dashboards' (hapi's) error form.
fn boom(status: u16, message: &str) -> (u16, Value) {
    let error = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    (
        status,
        json!({"statusCode": status, "error": error, "message": message}),
    )
}

async fn handle(state: &Mutex<State>, opts: &Options, req: Request<Incoming>) -> Answer {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let raw_headers = req.headers().clone();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return Err(std::io::Error::other(e.to_string())),
    };
    let mut parts = Vec::new();
    let (status, answer) = answer(
        state,
        opts,
        &method,
        &path,
        &query,
        &headers,
        &raw_headers,
        &body,
        &mut parts,
    );
    lock(state).seen.push(Seen {
        method,
        path,
        query,
        headers,
        parts,
        status,
    });
    let mut r = Response::new(Full::new(Bytes::from(answer.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert("content-type", "application/json; charset=utf-8".parse().unwrap());
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
fn answer(
    state: &Mutex<State>,
    opts: &Options,
    method: &str,
    path: &str,
    query: &str,
    headers: &BTreeMap<String, String>,
    raw_headers: &hyper::HeaderMap,
    body: &[u8],
    parts_out: &mut Vec<Part>,
) -> (u16, Value) {
    if let Some(s) = opts.status {
        return boom(
            s,
            if s >= 500 {
                "An internal server error occurred."
            } else {
                "forced"
            },
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
        if headers.get("authorization") != Some(&want) {
            return boom(401, "Authentication required");
        }
    }
    if let Some((akid, region, service)) = &opts.sigv4
        && let Err(why) = super::standin::check_sigv4(raw_headers, body, akid, region, service)
    {
        return (403, json!({ "message": why }));
    }
    if method != "POST" || path != format!("{}/api/saved_objects/_import", opts.base_path) {
        return boom(404, "Not Found");
    }
    if !headers.contains_key("osd-xsrf") {
        return boom(400, "Request must contain a osd-xsrf header.");
    }
    let mut overwrite = false;
    let mut new_copies = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match k {
            "overwrite" => &mut overwrite,
            "createNewCopies" => &mut new_copies,
            _ => {
                return boom(
                    400,
                    &format!("[request query.{k}]: definition for this key is missing"),
                );
            }
        };
        *slot = match v {
            "true" => true,
            "false" => false,
            _ => {
                return boom(
                    400,
                    &format!("[request query.{k}]: expected value of type [boolean] but got [string]"),
                );
            }
        };
    }
    if overwrite && new_copies {
        return boom(
            400,
            "[request query]: cannot use [overwrite] with [createNewCopies]",
        );
    }
    let Some(boundary) = headers
        .get("content-type")
        .and_then(|ct| ct.strip_prefix("multipart/form-data; boundary="))
        .map(|b| b.trim_matches('"').to_string())
    else {
        return boom(415, "Unsupported Media Type");
    };
    let parts = match parse_multipart(body, &boundary) {
        Ok(p) => p,
        Err(e) => return boom(400, &format!("Invalid multipart payload format: {e}")),
    };
    *parts_out = parts.clone();
    let Some(file) = parts.iter().find(|p| p.name == "file") else {
        return boom(
            400,
            "[request body.file]: expected value of type [Stream] but got [undefined]",
        );
    };
    let ext = file
        .filename
        .as_deref()
        .and_then(|f| f.rfind('.').map(|i| f[i..].to_ascii_lowercase()))
        .unwrap_or_default();
    if ext != ".ndjson" {
        return boom(400, &format!("Invalid file extension {ext}"));
    }
    let Ok(text) = std::str::from_utf8(&file.content) else {
        return boom(400, "file is not UTF-8");
    };
    let mut objects = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Value>(line) {
            Ok(v) if v.is_object() => objects.push(v),
            _ => return boom(400, &format!("Unexpected token in JSON: {line:.40}")),
        }
    }
    import(&mut lock(state), opts, objects, overwrite)
}

fn import(st: &mut State, opts: &Options, objects: Vec<Value>, overwrite: bool) -> (u16, Value) {
    let key = |o: &Value| {
        (
            o["type"].as_str().unwrap_or("").to_string(),
            o["id"].as_str().unwrap_or("").to_string(),
        )
    };
    let meta = |o: &Value| json!({"title": o["attributes"]["title"], "icon": o["type"]});
    let mut errors = Vec::new();
    let mut supported = Vec::new();
    for o in objects {
        if opts.types.iter().any(|t| o["type"] == t.as_str()) {
            supported.push(o);
        } else {
            errors.push(
                json!({"id": o["id"], "type": o["type"], "title": o["attributes"]["title"],
                               "meta": meta(&o), "error": {"type": "unsupported_type"}}),
            );
        }
    }
    let in_file: Vec<(String, String)> = supported.iter().map(key).collect();
    let mut results = Vec::new();
    for o in supported {
        let missing: Vec<Value> = o["references"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                let k = (
                    r["type"].as_str().unwrap_or("").to_string(),
                    r["id"].as_str().unwrap_or("").to_string(),
                );
                !in_file.contains(&k) && !st.objects.contains_key(&k)
            })
            .map(|r| json!({"type": r["type"], "id": r["id"]}))
            .collect();
        if !missing.is_empty() {
            errors.push(json!({"id": o["id"], "type": o["type"], "title": o["attributes"]["title"],
                               "meta": meta(&o), "error": {"type": "missing_references", "references": missing}}));
            continue;
        }
        let k = key(&o);
        let exists = st.objects.contains_key(&k);
        if exists && !overwrite {
            errors.push(
                json!({"id": o["id"], "type": o["type"], "title": o["attributes"]["title"],
                               "meta": meta(&o), "error": {"type": "conflict"}}),
            );
            continue;
        }
        let mut r = json!({"id": o["id"], "type": o["type"], "meta": meta(&o)});
        if exists {
            r["overwrite"] = json!(true);
        }
        results.push(r);
        st.objects.insert(k, o);
    }
    let mut answer = json!({"success": errors.is_empty(), "successCount": results.len()});
    if !results.is_empty() {
        answer["successResults"] = Value::Array(results);
    }
    if !errors.is_empty() {
        answer["errors"] = Value::Array(errors);
    }
    (200, answer)
}

/// Splits a `multipart/form-data` body (RFC 7578): `--boundary CRLF`,
/// headers, a blank line, content, `CRLF --boundary`, …, `--boundary--`.
pub fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }
    let first = format!("--{boundary}");
    let delim = format!("\r\n--{boundary}");
    let mut rest = body
        .strip_prefix(first.as_bytes())
        .ok_or("the body does not start with the boundary")?;
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            let tail = &rest[2..];
            if !tail.is_empty() && tail != b"\r\n" {
                return Err("bytes after the closing boundary".into());
            }
            return Ok(parts);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or("no CRLF after a boundary")?;
        let end = find(rest, b"\r\n\r\n").ok_or("a part without a blank line after its headers")?;
        let head = std::str::from_utf8(&rest[..end]).map_err(|_| "part headers are not UTF-8")?;
        rest = &rest[end + 4..];
        let stop = find(rest, delim.as_bytes()).ok_or("a part without a closing boundary")?;
        let content = rest[..stop].to_vec();
        rest = &rest[stop + delim.len()..];
        let mut part = Part {
            name: String::new(),
            filename: None,
            content_type: None,
            content,
        };
        for line in head.split("\r\n") {
            let (k, v) = line.split_once(':').ok_or("a part header without ':'")?;
            match k.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    let mut params = v.split(';').map(str::trim);
                    if params.next() != Some("form-data") {
                        return Err("Content-Disposition is not form-data".into());
                    }
                    for p in params {
                        if let Some((pk, pv)) = p.split_once('=') {
                            let pv = pv.trim_matches('"').to_string();
                            match pk {
                                "name" => part.name = pv,
                                "filename" => part.filename = Some(pv),
                                _ => {}
                            }
                        }
                    }
                }
                "content-type" => part.content_type = Some(v.trim().to_string()),
                _ => {}
            }
        }
        if part.name.is_empty() {
            return Err("a part without a name".into());
        }
        parts.push(part);
    }
}
