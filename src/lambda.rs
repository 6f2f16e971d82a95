//! The Lambda function: one CloudWatch Logs subscription delivery per
//! invocation, through the [`Pipeline`] into the [`Sink`].
//!
//! [`State`] is built once per container (configuration, compiled markers
//! and the warm join memory in the pipeline, the HTTP client in the sink)
//! and borrowed by every invocation of [`handle`]. The handler alone decides
//! success or failure (SCHEMA.md, "Input"):
//!
//! | delivery | result | `errorType` |
//! |---|---|---|
//! | control message | success, nothing sent | |
//! | every document indexed | success | |
//! | documents left unindexed at the deadline, or OpenSearch down | error | `Undeliverable` |
//! | OpenSearch refused the credentials | error | `AuthRefused` |
//! | not a delivery, bad base64 or gzip, over the size limit | error | `InvalidDelivery` |
//! | some `logEvents` entries refused (the others indexed) | error | `RefusedEvents` |
//!
//! An error makes Lambda retry the asynchronous invocation (as often as the
//! template's `MaximumRetryAttempts` allows) and then hand the delivery to
//! the on-failure destination, from which `cwl-bridge replay` re-drives it.
//! Re-sending documents is harmless: their ids make indexing idempotent.
//!
//! Every invocation writes one JSON line to standard output: the delivery's
//! log group, counts and milliseconds, the error if any, and the same counts
//! as CloudWatch Embedded Metric Format metrics (`_aws`). Messages go
//! through a [`Redactor`] first: no password, URL credentials or
//! `Authorization` value reaches the log or the failure record.
//!
//! The payload is taken as a [`serde_json::Value`] and only `awslogs.data`
//! is moved out of it (no copy), then decoded with the bounded decoder: the
//! `aws_lambda_events` `LogsEvent` type would inflate with no cap. Any JSON
//! is accepted, so that a wrong payload gets a readable `InvalidDelivery`
//! and its invocation line like any other.

use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::config::{Auth, Config, ConfigError};
use crate::decode::{self, DecodeError, kind};
use crate::pipeline::{Pipeline, Prepared};
use crate::sink::{Failed, NdjsonSink, Sink, SinkError, SinkReport};
use crate::stats::Stats;

/// Reasons quoted in one error message; the rest are counted.
const REASONS_QUOTED: usize = 3;

/// The function's metrics, in Embedded Metric Format: the name (also the
/// invocation line's member) and the unit.
pub const METRICS: &[(&str, &str)] = &[
    ("events", "Count"),
    ("documents", "Count"),
    ("indexed", "Count"),
    ("retried", "Count"),
    ("failed", "Count"),
    ("refused", "Count"),
    ("updates", "Count"),
    ("controlMessages", "Count"),
    ("bytesDecoded", "Bytes"),
    ("tracesStated", "Count"),
    ("tracesJoined", "Count"),
    ("durationMs", "Milliseconds"),
];

/// What stops the function from starting; reported to the Runtime API's
/// `/init/error`.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A variable does not validate.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// Neither OpenSearch nor a dry run is configured.
    #[error(
        "OPENSEARCH_ENDPOINT is not set: set it to the OpenSearch URL, or set DRY_RUN=true to write the documents to the function's log"
    )]
    NoEndpoint,
    /// The OpenSearch sink could not be built.
    #[error("cannot set up OpenSearch: {0}")]
    Sink(String),
}

impl From<&InitError> for Diagnostic {
    fn from(e: &InitError) -> Diagnostic {
        let error_type = match e {
            InitError::Config(_) | InitError::NoEndpoint => "InvalidConfig",
            InitError::Sink(_) => "SinkInit",
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message: e.to_string(),
        }
    }
}

/// Why an invocation failed. Each variant is the `errorType` Lambda shows
/// and writes into the on-failure record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlerError {
    /// The payload is not a decodable subscription delivery.
    #[error("undecodable delivery: {0}")]
    InvalidDelivery(String),
    /// Documents are not (known to be) indexed.
    #[error("{not_indexed} of {total} documents not indexed: {reason}")]
    Undeliverable {
        /// Documents not stored, or whose fate is unknown.
        not_indexed: u64,
        /// Documents (and updates) of the delivery.
        total: u64,
        /// Why, with the first reasons quoted.
        reason: String,
    },
    /// OpenSearch refused the credentials.
    #[error("OpenSearch refused authentication: {0}")]
    AuthRefused(String),
    /// Entries of `logEvents` could not become documents; the others were
    /// indexed.
    #[error("{refused} log events refused (the other events were indexed): {reasons}")]
    RefusedEvents {
        /// How many.
        refused: u64,
        /// The first reasons, naming position and id.
        reasons: String,
    },
}

impl HandlerError {
    /// The `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::InvalidDelivery(_) => "InvalidDelivery",
            HandlerError::Undeliverable { .. } => "Undeliverable",
            HandlerError::AuthRefused(_) => "AuthRefused",
            HandlerError::RefusedEvents { .. } => "RefusedEvents",
        }
    }

    fn redacted(self, r: &Redactor) -> HandlerError {
        match self {
            HandlerError::InvalidDelivery(m) => HandlerError::InvalidDelivery(r.redact(&m)),
            HandlerError::Undeliverable {
                not_indexed,
                total,
                reason,
            } => HandlerError::Undeliverable {
                not_indexed,
                total,
                reason: r.redact(&reason),
            },
            HandlerError::AuthRefused(m) => HandlerError::AuthRefused(r.redact(&m)),
            HandlerError::RefusedEvents { refused, reasons } => HandlerError::RefusedEvents {
                refused,
                reasons: r.redact(&reasons),
            },
        }
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Diagnostic {
        Diagnostic {
            error_type: e.error_type().into(),
            error_message: e.to_string(),
        }
    }
}

/// What one invocation did: the response body, and the counts of the
/// invocation line and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The delivery's log group.
    pub log_group: String,
    /// The delivery's log stream.
    pub log_stream: String,
    /// Log events in the delivery.
    pub events: u64,
    /// Documents rendered.
    pub documents: u64,
    /// Items (documents and updates) the sink stored.
    pub indexed: u64,
    /// Items that needed more than one attempt.
    pub retried: u64,
    /// Items not stored.
    pub failed: u64,
    /// Log events refused by decode.
    pub refused: u64,
    /// `update` actions for documents of earlier deliveries.
    pub updates: u64,
    /// 1 for a control message.
    pub control_messages: u64,
    /// Bytes the delivery inflated to.
    pub bytes_decoded: u64,
    /// Lines that stated a trace id.
    pub traces_stated: u64,
    /// Lines joined to a trace through their request.
    pub traces_joined: u64,
    /// Milliseconds the invocation took.
    pub duration_ms: u64,
    /// Why the delivery was skipped, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

impl Summary {
    fn add_stats(&mut self, s: &Stats) {
        self.events += s.events;
        self.documents += s.documents;
        self.refused += s.refused;
        self.updates += s.updates;
        self.control_messages += s.control;
        self.traces_stated += s.traces_stated;
        self.traces_joined += s.traces_joined;
    }
}

/// Removes secrets from messages before they are logged or returned.
#[derive(Debug)]
pub struct Redactor {
    secrets: Vec<String>,
    /// `(scheme://)user:pass@`, then `Authorization: …`,
    /// `"x-amz-security-token":"…"`, `password=…`. Compiled at the first
    /// message (errors are rare; start-up time is not). `None` only if a
    /// constant pattern failed to compile, which the unit tests would show.
    patterns: OnceLock<Option<(Regex, Regex)>>,
}

impl Redactor {
    /// A redactor for the secrets of `config` (the basic-auth password),
    /// URL credentials (`https://user:pass@`) and `Authorization`-like
    /// header values.
    pub fn new(config: &Config) -> Redactor {
        let mut secrets = Vec::new();
        if let Some(Auth::Basic { password, .. }) = config.opensearch.as_ref().map(|o| &o.auth)
            && !password.expose().is_empty()
        {
            secrets.push(password.expose().to_string());
        }
        Redactor {
            secrets,
            patterns: OnceLock::new(),
        }
    }

    /// `s` without secrets.
    pub fn redact(&self, s: &str) -> String {
        let patterns = self.patterns.get_or_init(|| {
            let userinfo = Regex::new(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@]+@").ok()?;
            let header = Regex::new(
                r#"(?i)\b(authorization|proxy-authorization|x-amz-security-token|x-amz-credential|password)("?\s*[:=]\s*"?)[^"\r\n,}]+"#,
            )
            .ok()?;
            Some((userinfo, header))
        });
        let mut out = s.to_string();
        if let Some((userinfo, header)) = patterns {
            out = userinfo.replace_all(&out, "${1}***@").into_owned();
            out = header.replace_all(&out, "${1}${2}***").into_owned();
        }
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out
    }
}

/// Everything an invocation borrows: built once per container.
pub struct State {
    pipeline: Pipeline,
    sink: Sink,
    redactor: Redactor,
    log: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("pipeline", &self.pipeline)
            .field("sink", &self.sink.describe())
            .finish_non_exhaustive()
    }
}

impl State {
    /// Reads and validates the configuration, then builds the sink
    /// ([`sink_for`]) and the state.
    pub async fn init() -> Result<State, InitError> {
        let config = Config::from_env()?;
        let sink = sink_for(&config).await?;
        Ok(State::from_config(config, sink))
    }

    /// The state of a container with `config` and `sink`; invocation lines
    /// go to standard output.
    pub fn from_config(config: Config, sink: Sink) -> State {
        State {
            redactor: Redactor::new(&config),
            pipeline: Pipeline::new(config),
            sink,
            log: Mutex::new(Box::new(std::io::stdout())),
        }
    }

    /// Sends the invocation lines to `w` instead (tests).
    pub fn with_log(mut self, w: impl Write + Send + 'static) -> State {
        self.log = Mutex::new(Box::new(w));
        self
    }

    /// The pipeline (configuration and warm join memory).
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    fn write_line(&self, line: &[u8]) {
        let mut out = self.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // A log line that cannot be written changes nothing about the delivery.
        let _ = out.write_all(line).and_then(|()| out.flush());
    }
}

/// The sink of the Lambda: OpenSearch when `OPENSEARCH_ENDPOINT` is set,
/// the function's own log with `DRY_RUN=true` (which wins), and an
/// [`InitError::NoEndpoint`] otherwise: a subscription target that indexes
/// nowhere is a misconfiguration.
pub async fn sink_for(config: &Config) -> Result<Sink, InitError> {
    if config.dry_run {
        return Ok(Sink::Ndjson(NdjsonSink::stdout()));
    }
    match &config.opensearch {
        None => Err(InitError::NoEndpoint),
        Some(_) => Sink::from_config(config)
            .await
            .map_err(|e| InitError::Sink(e.to_string())),
    }
}

/// True when a sink error means OpenSearch refused the credentials.
fn is_auth_refusal(e: &SinkError) -> bool {
    matches!(e, SinkError::Auth { .. })
}

/// The instant by which the sink must be done: the invocation's deadline
/// less the margin kept for reporting. `None` when the context has no
/// deadline (handler tests).
pub fn send_deadline(ctx: &Context, margin: Duration) -> Option<Instant> {
    if ctx.deadline == 0 {
        return None;
    }
    let left = ctx
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Some(Instant::now() + left.saturating_sub(margin))
}

/// Handles one invocation: decode, prepare, send, decide, and write the
/// invocation line.
pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Summary, HandlerError> {
    let started = Instant::now();
    let (payload, ctx) = event.into_parts();
    let mut summary = Summary::default();
    let result = process(state, payload, &ctx, &mut summary)
        .await
        .map_err(|e| e.redacted(&state.redactor));
    summary.duration_ms = started.elapsed().as_millis() as u64;
    let line = invocation_line(
        &state.pipeline.config().metrics_namespace,
        &ctx,
        &summary,
        result.as_ref().err(),
        SystemTime::now(),
    );
    state.write_line(&line);
    result.map(|()| summary)
}

async fn process(
    state: &State,
    payload: Value,
    ctx: &Context,
    summary: &mut Summary,
) -> Result<(), HandlerError> {
    let config = state.pipeline.config();
    let limits = config.limits;
    let data = awslogs_data(payload)?;
    let invalid = |e: DecodeError| HandlerError::InvalidDelivery(e.to_string());
    // Each stage's input is dropped as soon as the next one has its output,
    // so a delivery never holds its base64, gzip and JSON at once.
    let gz = decode::decode_base64(&data, limits).map_err(invalid)?;
    drop(data);
    let json = decode::gunzip(&gz, limits).map_err(invalid)?;
    drop(gz);
    summary.bytes_decoded = json.len() as u64;
    // The delivery borrows its ids and messages from `json`.
    let logs = decode::parse_json(&json).map_err(invalid)?;
    summary.log_group.clone_from(&logs.log_group);
    summary.log_stream.clone_from(&logs.log_stream);

    let own = &ctx.env_config.log_group;
    if !own.is_empty() && *own == logs.log_group {
        // Indexing our own log would feed the next delivery: skip it, loudly.
        summary.skipped = Some(format!(
            "{own} is the function's own log group: remove its subscription filter"
        ));
        return Ok(());
    }

    let Prepared { batch, stats } = state.pipeline.prepare(logs);
    summary.add_stats(&stats);
    let total = batch.items.len() as u64;
    let mut report = SinkReport::default();
    if !batch.is_empty() {
        let deadline = send_deadline(ctx, config.deadline_margin);
        report = send(&state.sink, batch, deadline, config.deadline_margin, total)
            .await
            .inspect_err(|_| summary.failed = total)?;
    }
    summary.indexed = report.indexed;
    summary.retried = report.retried;
    verdict(summary, total, &report.failed, &stats.errors)
}

/// Sends the batch, giving up a little after the sink's own deadline in case
/// the sink does not keep it.
async fn send(
    sink: &Sink,
    batch: crate::sink::Batch,
    deadline: Option<Instant>,
    margin: Duration,
    total: u64,
) -> Result<SinkReport, HandlerError> {
    let failure = |e: SinkError| {
        if is_auth_refusal(&e) {
            HandlerError::AuthRefused(e.to_string())
        } else {
            HandlerError::Undeliverable {
                not_indexed: total,
                total,
                reason: e.to_string(),
            }
        }
    };
    let sent = async {
        let report = sink.send(batch, deadline).await?;
        sink.flush().await?;
        Ok::<_, SinkError>(report)
    };
    match deadline {
        None => sent.await.map_err(failure),
        Some(d) => match tokio::time::timeout_at((d + margin / 2).into(), sent).await {
            Ok(r) => r.map_err(failure),
            Err(_) => Err(HandlerError::Undeliverable {
                not_indexed: total,
                total,
                reason: "OpenSearch did not finish before the invocation's deadline".into(),
            }),
        },
    }
}

/// Success, or the error that makes Lambda keep the delivery. An `update`
/// refused because its document does not exist is not a failure: that
/// document's own delivery failed and will carry the trace when re-driven.
pub fn verdict(
    summary: &mut Summary,
    total: u64,
    failed: &[Failed],
    refusals: &[String],
) -> Result<(), HandlerError> {
    let failed: Vec<&Failed> = failed.iter().filter(|f| !is_missing_update(f)).collect();
    summary.failed = failed.len() as u64;
    if !failed.is_empty() {
        let reasons: Vec<String> = failed
            .iter()
            .map(|f| format!("{} in {}: {}", f.id, f.index, f.reason))
            .collect();
        return Err(HandlerError::Undeliverable {
            not_indexed: failed.len() as u64,
            total,
            reason: quote(&reasons),
        });
    }
    if summary.refused > 0 {
        return Err(HandlerError::RefusedEvents {
            refused: summary.refused,
            reasons: quote(refusals),
        });
    }
    Ok(())
}

fn is_missing_update(f: &Failed) -> bool {
    f.bytes.starts_with(b"{\"update\"") && f.reason.contains("document_missing_exception")
}

/// The first reasons, then how many more.
fn quote(reasons: &[String]) -> String {
    let mut s = reasons
        .iter()
        .take(REASONS_QUOTED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if reasons.len() > REASONS_QUOTED {
        s.push_str(&format!("; and {} more", reasons.len() - REASONS_QUOTED));
    }
    s
}

/// Moves `awslogs.data` out of the payload.
fn awslogs_data(mut payload: Value) -> Result<String, HandlerError> {
    let shape = |what: &str| {
        HandlerError::InvalidDelivery(format!(
            "not a CloudWatch Logs subscription event {{\"awslogs\":{{\"data\":\"...\"}}}}: {what}"
        ))
    };
    let Value::Object(top) = &mut payload else {
        return Err(shape(&format!("the event is {}", kind(&payload))));
    };
    let Some(awslogs) = top.get_mut("awslogs") else {
        let keys: Vec<&str> = top.keys().map(String::as_str).take(5).collect();
        return Err(shape(&format!(
            "no awslogs member (members: {})",
            keys.join(", ")
        )));
    };
    match awslogs.get_mut("data").map(Value::take) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(shape(&format!("awslogs.data is {}", kind(&other)))),
        None => Err(shape("no awslogs.data")),
    }
}

/// The invocation line: one JSON object that is both the structured log of
/// the invocation and its metrics in CloudWatch Embedded Metric Format,
/// with the function name as the one dimension. Ends with `\n`.
pub fn invocation_line(
    namespace: &str,
    ctx: &Context,
    summary: &Summary,
    error: Option<&HandlerError>,
    now: SystemTime,
) -> Vec<u8> {
    let function = if ctx.env_config.function_name.is_empty() {
        "unknown"
    } else {
        ctx.env_config.function_name.as_str()
    };
    let (level, message) = match (error, &summary.skipped) {
        (Some(_), _) => ("ERROR", "delivery failed"),
        (None, Some(_)) => ("WARN", "delivery skipped"),
        (None, None) if summary.control_messages > 0 => ("INFO", "control message"),
        (None, None) => ("INFO", "delivery indexed"),
    };
    let mut line = Map::new();
    line.insert("level".into(), level.into());
    line.insert("message".into(), message.into());
    line.insert("requestId".into(), ctx.request_id.as_str().into());
    line.insert("functionName".into(), function.into());
    if let Ok(Value::Object(counts)) = serde_json::to_value(summary) {
        line.extend(counts);
    }
    if let Some(e) = error {
        line.insert("errorType".into(), e.error_type().into());
        line.insert("error".into(), e.to_string().into());
    }
    let metrics: Vec<Value> = METRICS
        .iter()
        .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
        .collect();
    let timestamp = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    line.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["functionName"]],
                "Metrics": metrics,
            }],
        }),
    );
    let mut out = serde_json::to_vec(&Value::Object(line)).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Reports an init error to the Runtime API at `runtime_api`
/// (`AWS_LAMBDA_RUNTIME_API`, `host:port`), as `lambda_runtime` 1.x does
/// only for SnapStart hooks: `POST /2018-06-01/runtime/init/error`.
pub async fn report_init_error(runtime_api: &str, diagnostic: &Diagnostic) -> Result<(), String> {
    use lambda_runtime_api_client::{PooledClient, body::Body, build_request};
    let uri = format!("http://{runtime_api}")
        .parse()
        .map_err(|e| format!("AWS_LAMBDA_RUNTIME_API={runtime_api:?}: {e}"))?;
    let client = PooledClient::builder().with_endpoint(uri).build();
    let body = serde_json::to_vec(diagnostic).map_err(|e| e.to_string())?;
    let req = build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header(
            "Lambda-Runtime-Function-Error-Type",
            diagnostic.error_type.as_str(),
        )
        .body(Body::from(body))
        .map_err(|e| e.to_string())?;
    let resp = client.call(req).await.map_err(|e| e.to_string())?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("/runtime/init/error answered {}", resp.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let mut s = Settings::default();
        for (k, v) in pairs {
            s.set(k, *v);
        }
        Config::from_settings(&s).unwrap()
    }

    #[test]
    fn redactor_hides_passwords_url_credentials_and_auth_headers() {
        let r = Redactor::new(&config(&[
            ("OPENSEARCH_ENDPOINT", "https://search.example.com"),
            ("OPENSEARCH_AUTH", "basic"),
            ("OPENSEARCH_USERNAME", "admin"),
            ("OPENSEARCH_PASSWORD", "hunter2"),
        ]));
        let out = r.redact(
            "POST https://admin:s3cret@search.example.com/_bulk failed; Authorization: Basic YWRtaW46aHVudGVyMg== body hunter2",
        );
        assert!(!out.contains("s3cret"), "{out}");
        assert!(!out.contains("YWRtaW46"), "{out}");
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("https://***@search.example.com/_bulk"), "{out}");
        let out = r.redact(r#"{"x-amz-security-token":"IQoJb3JpZ2luX2VjE","a":1}"#);
        assert_eq!(out, r#"{"x-amz-security-token":"***","a":1}"#);
        assert!(
            r.patterns.get().is_some_and(Option::is_some),
            "the patterns compile"
        );
    }

    #[test]
    fn missing_document_updates_are_not_failures() {
        let update = Failed {
            id: "1".into(),
            index: "cwl-2024.01.01".into(),
            reason: "document_missing_exception: [1]: document missing".into(),
            bytes: b"{\"update\":{\"_index\":\"cwl-2024.01.01\",\"_id\":\"1\"}}\n{}\n".to_vec(),
        };
        let mut s = Summary::default();
        assert_eq!(verdict(&mut s, 1, std::slice::from_ref(&update), &[]), Ok(()));
        let index = Failed {
            bytes: b"{\"index\":{}}\n{}\n".to_vec(),
            reason: "es_rejected_execution_exception".into(),
            ..update
        };
        let e = verdict(&mut s, 2, &[index], &[]).unwrap_err();
        assert_eq!(e.error_type(), "Undeliverable");
        assert_eq!(
            e.to_string(),
            "1 of 2 documents not indexed: 1 in cwl-2024.01.01: es_rejected_execution_exception"
        );
        assert_eq!(s.failed, 1);
    }

    #[test]
    fn refusals_are_an_error_quoting_the_first_reasons() {
        let mut s = Summary {
            refused: 5,
            ..Summary::default()
        };
        let reasons: Vec<String> = (0..5).map(|i| format!("event {i}: no id")).collect();
        let e = verdict(&mut s, 3, &[], &reasons).unwrap_err();
        assert_eq!(e.error_type(), "RefusedEvents");
        assert_eq!(
            e.to_string(),
            "5 log events refused (the other events were indexed): event 0: no id; event 1: no id; event 2: no id; and 2 more"
        );
    }

    #[test]
    fn unindexed_documents_win_over_refusals() {
        let mut s = Summary {
            refused: 1,
            ..Summary::default()
        };
        let failed = Failed {
            id: "7".into(),
            index: "cwl-2024.01.01".into(),
            reason: "deadline".into(),
            bytes: Vec::new(),
        };
        let e = verdict(&mut s, 4, &[failed], &["event 0: no id".into()]).unwrap_err();
        assert_eq!(e.error_type(), "Undeliverable");
    }

    #[test]
    fn a_context_deadline_keeps_the_margin_back() {
        let mut ctx = Context::default();
        assert_eq!(send_deadline(&ctx, Duration::from_secs(2)), None);
        let in_ten = SystemTime::now() + Duration::from_secs(10);
        ctx.deadline = in_ten.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let d = send_deadline(&ctx, Duration::from_secs(2)).unwrap();
        let left = d.saturating_duration_since(Instant::now());
        assert!(
            left <= Duration::from_secs(8) && left > Duration::from_secs(6),
            "{left:?}"
        );
        ctx.deadline = 1;
        let past = send_deadline(&ctx, Duration::from_secs(2)).unwrap();
        assert!(past <= Instant::now());
    }

    #[test]
    fn the_invocation_line_is_emf_with_every_metric_at_top_level() {
        let summary = Summary {
            log_group: "/ecs/like".into(),
            events: 3,
            ..Summary::default()
        };
        let line = invocation_line("Ns", &Context::default(), &summary, None, UNIX_EPOCH);
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        let v: Value = serde_json::from_slice(&line).unwrap();
        let cwm = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(cwm["Namespace"], "Ns");
        assert_eq!(cwm["Dimensions"], json!([["functionName"]]));
        assert_eq!(v["functionName"], "unknown");
        for m in cwm["Metrics"].as_array().unwrap() {
            let name = m["Name"].as_str().unwrap();
            assert!(v[name].is_u64(), "{name} missing at top level");
        }
        assert_eq!(v["events"], 3);
        assert_eq!(v["message"], "delivery indexed");
    }
}
