//! The real `cwl-bridge-lambda` binary against a Lambda Runtime API written
//! here (127.0.0.1): `/invocation/next` hands out fixture deliveries with
//! the headers Lambda sends, `/response`, `/error` and `/init/error` are
//! recorded for the assertions.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::support::{SharedBuf, fixture, lambda_event, logs_json};

/// How long a test waits for the function before it gives up (a guard
/// against hanging, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(60);
const FUNCTION: &str = "cwl-bridge-test";

/// A request the function made to the Runtime API.
#[derive(Debug)]
pub(crate) struct Post {
    pub(crate) path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    at: Instant,
}

impl Post {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Queue {
    events: Mutex<VecDeque<(String, String)>>,
    ready: Condvar,
    stop: AtomicBool,
}

/// The Runtime API stand-in.
pub(crate) struct RuntimeApi {
    addr: String,
    queue: Arc<Queue>,
    posts: Receiver<Post>,
    /// When the first `/invocation/next` arrived.
    first_next: Arc<Mutex<Option<Instant>>>,
}

impl RuntimeApi {
    pub(crate) fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let queue = Arc::new(Queue::default());
        let (tx, posts) = channel();
        let first_next = Arc::new(Mutex::new(None));
        let (q, f) = (queue.clone(), first_next.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let (q, tx, f) = (q.clone(), tx.clone(), f.clone());
                std::thread::spawn(move || serve(conn, &q, &tx, &f));
            }
        });
        RuntimeApi {
            addr,
            queue,
            posts,
            first_next,
        }
    }

    /// Queues an invocation with request id `id`.
    pub(crate) fn push(&self, id: &str, payload: &str) {
        let mut events = self.queue.events.lock().unwrap();
        events.push_back((id.to_string(), payload.to_string()));
        self.queue.ready.notify_all();
    }

    /// The next request the function posted.
    pub(crate) fn next_post(&self) -> Post {
        self.posts
            .recv_timeout(PATIENCE)
            .expect("the function posted nothing to the Runtime API")
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.queue.stop.store(true, Ordering::SeqCst);
        self.queue.ready.notify_all();
    }
}

fn serve(conn: TcpStream, queue: &Queue, posts: &Sender<Post>, first_next: &Mutex<Option<Instant>>) {
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    while let Some((method, path, headers, body)) = read_request(&mut reader) {
        let at = Instant::now();
        if method == "GET" && path == "/2018-06-01/runtime/invocation/next" {
            first_next.lock().unwrap().get_or_insert(at);
            let Some((id, payload)) = wait_for_event(queue) else {
                return;
            };
            let deadline = SystemTime::now() + Duration::from_secs(30);
            let deadline = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {id}\r\n\
                 Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1\r\n\
                 Content-Length: {}\r\n\r\n",
                payload.len()
            );
            if out
                .write_all(head.as_bytes())
                .and_then(|()| out.write_all(payload.as_bytes()))
                .is_err()
            {
                return;
            }
        } else if method == "POST" {
            let reply = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}";
            let _ = posts.send(Post {
                path,
                headers,
                body,
                at,
            });
            if out.write_all(reply).is_err() {
                return;
            }
        } else {
            let _ = out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        }
    }
}

fn wait_for_event(queue: &Queue) -> Option<(String, String)> {
    let mut events = queue.events.lock().unwrap();
    loop {
        if queue.stop.load(Ordering::SeqCst) {
            return None;
        }
        if let Some(e) = events.pop_front() {
            return Some(e);
        }
        events = queue
            .ready
            .wait_timeout(events, Duration::from_millis(100))
            .unwrap()
            .0;
    }
}

type Request = (String, String, Vec<(String, String)>, Vec<u8>);

/// One HTTP/1.1 request: method, path, headers, body (by Content-Length or
/// chunked). `None` at the end of the connection.
fn read_request(r: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if let Some(n) = get("content-length") {
        body.resize(n.parse().ok()?, 0);
        r.read_exact(&mut body).ok()?;
    } else if get("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Some((method, path, headers, body))
}

/// The function process; killed on drop.
pub(crate) struct Function {
    child: Child,
    stdout: SharedBuf,
    stderr: SharedBuf,
    started: Instant,
}

impl Function {
    pub(crate) fn spawn(api: &RuntimeApi, env: &[(&str, &str)]) -> Function {
        let bin = std::env::var("CWL_BRIDGE_LAMBDA_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_cwl-bridge-lambda").to_string());
        let mut cmd = Command::new(bin);
        for (k, _) in cwl_trace_bridge::config::VARIABLES {
            cmd.env_remove(k);
        }
        cmd.env_remove("AWS_LAMBDA_LOG_LEVEL")
            .env_remove("RUST_LOG")
            .env("AWS_LAMBDA_RUNTIME_API", &api.addr)
            .env("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{FUNCTION}"))
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2024/11/25/[$LATEST]0123456789abcdef",
            )
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd.spawn().expect("start cwl-bridge-lambda");
        let (stdout, stderr) = (SharedBuf::default(), SharedBuf::default());
        let (mut o, mut e) = (stdout.clone(), stderr.clone());
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || std::io::copy(&mut out, &mut o));
        std::thread::spawn(move || std::io::copy(&mut err, &mut e));
        Function {
            child,
            stdout,
            stderr,
            started,
        }
    }

    /// Waits for the process to end by itself; its success.
    fn wait_exit(&mut self) -> bool {
        let until = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(Instant::now() < until, "the function did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the process and returns its standard output lines, parsed.
    fn stop(mut self) -> Vec<Value> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader threads end at the pipe's end; give them a moment.
        std::thread::sleep(Duration::from_millis(50));
        let out = String::from_utf8(self.stdout.take()).unwrap();
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }

    /// Stops the process and returns its standard output and error as they
    /// are.
    pub(crate) fn stop_raw(mut self) -> (String, String) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(50));
        (
            String::from_utf8_lossy(&self.stdout.take()).into_owned(),
            String::from_utf8_lossy(&self.stderr.take()).into_owned(),
        )
    }

    /// The peak resident memory so far (Linux `VmHWM`), in kB.
    pub(crate) fn peak_rss_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The invocation lines (those with `_aws`) among standard output lines.
fn invocation_lines(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|l| l.get("_aws").is_some()).collect()
}

fn fixture_event(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap()
}

#[test]
fn a_delivery_is_indexed_and_answered_on_response() {
    let api = RuntimeApi::start();
    api.push("req-1", &fixture_event("deliveries/like-service-chaos.json"));
    let f = Function::spawn(&api, &[("DRY_RUN", "true")]);
    let post = api.next_post();
    assert_eq!(post.path, "/2018-06-01/runtime/invocation/req-1/response");
    let summary = post.json();
    assert_eq!(summary["logGroup"], "/ecs/like-service");
    assert_eq!(summary["documents"], 50);
    assert_eq!(summary["indexed"], 50);
    let lines = f.stop();
    let actions = lines.iter().filter(|l| l.get("index").is_some()).count();
    assert_eq!(actions, 50);
    let inv = invocation_lines(&lines);
    assert_eq!(inv.len(), 1);
    assert_eq!(inv[0]["requestId"], "req-1");
    assert_eq!(inv[0]["functionName"], FUNCTION);
    assert_eq!(inv[0]["indexed"], 50);
}

#[test]
fn a_control_message_is_answered_with_nothing_sent() {
    let api = RuntimeApi::start();
    api.push("req-c", &fixture_event("deliveries/control-message.json"));
    let f = Function::spawn(&api, &[("DRY_RUN", "true")]);
    let post = api.next_post();
    assert_eq!(post.path, "/2018-06-01/runtime/invocation/req-c/response");
    assert_eq!(post.json()["controlMessages"], 1);
    let lines = f.stop();
    assert!(lines.iter().all(|l| l.get("index").is_none()));
    assert_eq!(invocation_lines(&lines)[0]["message"], "control message");
}

#[test]
fn a_bad_delivery_is_an_invocation_error_and_the_function_goes_on() {
    let api = RuntimeApi::start();
    api.push("req-bad", r#"{"awslogs":{"data":"!!not base64"}}"#);
    api.push(
        "req-ok",
        &lambda_event(&logs_json("/ecs/like-service", "s", &[("1", 5, "ok")])),
    );
    let f = Function::spawn(&api, &[("DRY_RUN", "true")]);
    let post = api.next_post();
    assert_eq!(post.path, "/2018-06-01/runtime/invocation/req-bad/error");
    let d = post.json();
    assert_eq!(d["errorType"], "InvalidDelivery");
    assert!(
        d["errorMessage"]
            .as_str()
            .unwrap()
            .contains("awslogs.data is not valid base64"),
        "{d}"
    );
    let post = api.next_post();
    assert_eq!(post.path, "/2018-06-01/runtime/invocation/req-ok/response");
    let lines = f.stop();
    let inv = invocation_lines(&lines);
    assert_eq!(inv[0]["errorType"], "InvalidDelivery");
    assert_eq!(inv[1]["indexed"], 1);
}

#[test]
fn a_bad_configuration_is_reported_to_init_error_naming_variable_and_value() {
    let api = RuntimeApi::start();
    let mut f = Function::spawn(&api, &[("DRY_RUN", "true"), ("JSON_MODE", "flat")]);
    let post = api.next_post();
    assert_eq!(post.path, "/2018-06-01/runtime/init/error");
    assert_eq!(
        post.header("Lambda-Runtime-Function-Error-Type"),
        Some("InvalidConfig")
    );
    let d = post.json();
    assert_eq!(d["errorType"], "InvalidConfig");
    assert_eq!(
        d["errorMessage"],
        "invalid configuration: JSON_MODE=\"flat\": expected merge, nest or off"
    );
    assert!(!f.wait_exit(), "an init error ends the process with a failure");
    let err = String::from_utf8(f.stderr.take()).unwrap();
    let out = String::from_utf8(f.stdout.take()).unwrap();
    assert!(format!("{out}{err}").contains("JSON_MODE"), "{out}{err}");
}

#[test]
fn no_opensearch_endpoint_is_an_init_error() {
    let api = RuntimeApi::start();
    let mut f = Function::spawn(&api, &[]);
    let d = api.next_post().json();
    assert_eq!(d["errorType"], "InvalidConfig");
    assert!(
        d["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("OPENSEARCH_ENDPOINT is not set")
    );
    assert!(!f.wait_exit());
}

#[test]
fn the_warm_join_memory_is_carried_between_invocations() {
    let api = RuntimeApi::start();
    let (first, second) = crate::support::warm_join_deliveries();
    api.push("req-1", &first);
    api.push("req-2", &second);
    let f = Function::spawn(&api, &[("DRY_RUN", "true")]);
    assert_eq!(api.next_post().json()["updates"], 0);
    let second = api.next_post().json();
    assert_eq!(
        (second["documents"].as_u64(), second["updates"].as_u64()),
        (Some(1), Some(2))
    );
    let lines = f.stop();
    let updates: Vec<&Value> = lines.iter().filter(|l| l.get("update").is_some()).collect();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[1]["update"]["_id"], "2");
    assert_eq!(invocation_lines(&lines)[1]["updates"], 2);
}

/// A port where nothing listens: the OpenSearch stand-in is down.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn opensearch_down_is_undeliverable_and_nothing_is_claimed_indexed() {
    let api = RuntimeApi::start();
    api.push("req-1", &fixture_event("deliveries/like-service-chaos.json"));
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let f = Function::spawn(
        &api,
        &[
            ("OPENSEARCH_ENDPOINT", &endpoint),
            ("OPENSEARCH_INDEX_TEMPLATE", "false"),
            ("CONNECT_TIMEOUT_MS", "200"),
            ("REQUEST_TIMEOUT_MS", "1000"),
        ],
    );
    let post = api.next_post();
    assert_eq!(post.path, "/2018-06-01/runtime/invocation/req-1/error");
    assert_eq!(post.json()["errorType"], "Undeliverable");
    let lines = f.stop();
    let inv = invocation_lines(&lines);
    assert_eq!(
        (inv[0]["indexed"].as_u64(), inv[0]["failed"].as_u64()),
        (Some(0), Some(50))
    );
}

#[test]
fn refused_credentials_are_auth_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let mut out = conn.try_clone().unwrap();
            let mut r = BufReader::new(conn);
            while read_request(&mut r).is_some() {
                let body = r#"{"error":{"type":"security_exception","reason":"unable to authenticate user"},"status":401}"#;
                let head = format!(
                    "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = out
                    .write_all(head.as_bytes())
                    .and_then(|()| out.write_all(body.as_bytes()));
            }
        }
    });
    let api = RuntimeApi::start();
    api.push(
        "req-1",
        &lambda_event(&logs_json("/ecs/like-service", "s", &[("1", 5, "x")])),
    );
    let f = Function::spawn(
        &api,
        &[
            ("OPENSEARCH_ENDPOINT", &endpoint),
            ("OPENSEARCH_AUTH", "basic"),
            ("OPENSEARCH_USERNAME", "admin"),
            ("OPENSEARCH_PASSWORD", "hunter2"),
            ("OPENSEARCH_INDEX_TEMPLATE", "false"),
        ],
    );
    let post = api.next_post();
    assert_eq!(post.path, "/2018-06-01/runtime/invocation/req-1/error");
    assert_eq!(post.json()["errorType"], "AuthRefused");
    let lines = f.stop();
    assert!(!serde_json::to_string(&lines).unwrap().contains("hunter2"));
}

/// A delivery of `n` like-service lines, about 120 bytes each, with the
/// variety (ids, trace ids, numbers) that keeps gzip honest.
fn large_delivery(n: usize) -> String {
    let mut events = Vec::with_capacity(n);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let msg = match i % 4 {
            0 => format!(
                "10.0.{}.{} - - [29/Nov/2018 01:59:49] \"GET /mysfits/{:08x}/like HTTP/1.1\" 200 -",
                x % 255,
                (x >> 8) % 255,
                x >> 32
            ),
            1 => format!("WARN: stress function activated, request {x:016x}"),
            2 => format!(
                "{{\"level\":\"info\",\"traceId\":\"1-5759e988-{:024x}\",\"msg\":\"liked\",\"mysfit\":{}}}",
                u128::from(x) << 32 | 1,
                x % 100
            ),
            _ => format!("INFO: like processed in {} ms for {:x}", x % 900, x),
        };
        events.push((
            format!("{:056}", u128::from(x) * 1_000 + i as u128),
            1_543_456_789_000 + i as i64,
            msg,
        ));
    }
    let refs: Vec<(&str, i64, &str)> = events
        .iter()
        .map(|(a, b, c)| (a.as_str(), *b, c.as_str()))
        .collect();
    lambda_event(&logs_json("/ecs/like-service", "like/1", &refs))
}

/// Prints cold start (process start to first answer) and peak memory.
/// Figures, not assertions: run through `scripts/measure-lambda.sh`, which
/// points `CWL_BRIDGE_LAMBDA_BIN` at the release build.
#[test]
#[ignore = "measurement: scripts/measure-lambda.sh"]
fn cold_start_and_peak_memory_are_printed() {
    let largest = [
        "deliveries/lambda-python-traced.json",
        "deliveries/like-service-chaos.json",
    ]
    .iter()
    .max_by_key(|f| std::fs::metadata(fixture(f)).unwrap().len())
    .unwrap();
    let mut runs = Vec::new();
    for _ in 0..5 {
        let api = RuntimeApi::start();
        api.push("cold", &fixture_event(largest));
        let f = Function::spawn(&api, &[("DRY_RUN", "true")]);
        let post = api.next_post();
        let init = api.first_next.lock().unwrap().unwrap() - f.started;
        runs.push((init, post.at - f.started, f.peak_rss_kb()));
        drop(f.stop());
    }
    for (init, answer, rss) in &runs {
        println!(
            "cold start: init {:.1} ms, first answer {:.1} ms, peak RSS {} kB ({largest})",
            init.as_secs_f64() * 1e3,
            answer.as_secs_f64() * 1e3,
            rss.unwrap_or(0)
        );
    }
    for n in [10_000usize, 50_000] {
        let payload = large_delivery(n);
        let api = RuntimeApi::start();
        api.push("big", &payload);
        let f = Function::spawn(&api, &[("DRY_RUN", "true")]);
        let post = api.next_post();
        let summary = post.json();
        let rss = f.peak_rss_kb().unwrap_or(0);
        let answer = post.at - f.started;
        let bulk: usize = f
            .stop()
            .iter()
            .filter(|l| l.get("_aws").is_none())
            .map(|l| l.to_string().len() + 1)
            .sum();
        println!(
            "delivery of {n} events: payload {} kB, inflated {} kB, bulk body {} kB, {} documents, {:.1} ms from start, peak RSS {rss} kB",
            payload.len() / 1024,
            summary["bytesDecoded"].as_u64().unwrap_or(0) / 1024,
            bulk / 1024,
            summary["documents"],
            answer.as_secs_f64() * 1e3,
        );
    }
}

#[test]
fn a_failed_delivery_is_re_driven_from_the_saved_failure_queue_messages() {
    // The function fails a delivery (one entry has no id) …
    let json = serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/ecs/like-service",
        "logStream": "like/1", "subscriptionFilters": ["cwl-trace-bridge"],
        "logEvents": [
            {"id": "36001", "timestamp": 1_543_456_789_000_i64, "message": "WARN: simulated 404 activated"},
            {"timestamp": 1_543_456_789_001_i64, "message": "no id"},
        ]
    });
    let event = lambda_event(json.to_string().as_bytes());
    let api = RuntimeApi::start();
    api.push("req-1", &event);
    let f = Function::spawn(&api, &[("DRY_RUN", "true")]);
    let post = api.next_post();
    assert_eq!(post.path, "/2018-06-01/runtime/invocation/req-1/error");
    let diagnostic = post.json();
    assert_eq!(diagnostic["errorType"], "RefusedEvents");
    drop(f.stop());
    // … Lambda writes its on-failure record to SQS, a person saves it with
    // `aws sqs receive-message … > failed.json` …
    let record = serde_json::json!({
        "version": "1.0",
        "timestamp": "2018-11-29T02:10:00.000Z",
        "requestContext": {"requestId": "req-1", "condition": "RetriesExhausted", "approximateInvokeCount": 3,
            "functionArn": format!("arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}:$LATEST")},
        "requestPayload": serde_json::from_str::<Value>(&event).unwrap(),
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": diagnostic,
    });
    let saved = serde_json::json!({"Messages": [{
        "MessageId": "0f2c", "ReceiptHandle": "AQEB", "MD5OfBody": "d41d8cd98f00b204e9800998ecf8427e",
        "Body": record.to_string(),
    }]});
    let dir = crate::support::TempDir::new("redrive-e2e");
    std::fs::write(dir.path("failed.json"), saved.to_string()).unwrap();
    // … and replays it once the cause is fixed: the good entry is indexed,
    // the refusal is reported again.
    let out = crate::support::cli(&["replay", dir.path("failed.json").to_str().unwrap()]);
    let body = String::from_utf8(out.stdout).unwrap();
    assert!(
        body.starts_with(r#"{"index":{"_index":"cwl-2018.11.29","_id":"36001"}}"#),
        "{body}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("1 events refused"), "{err}");
}
