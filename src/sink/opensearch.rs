//! The OpenSearch sink: a [`Batch`] into a cluster with `_bulk`, losing and
//! duplicating nothing.
//!
//! - The batch's body is cut at item boundaries into requests of at most
//!   `bulk_max_bytes` (zero-copy slices of the body); `concurrency` of them
//!   are in flight at once.
//! - Each answer goes through [`retry::classify`]: items stored are done;
//!   items throttled or hit by a server error are sent again, alone, after
//!   an exponential backoff with full jitter; a whole request throttled,
//!   failed at the gateway or cut off is sent again; a 413 (or a 400 of the
//!   whole request) splits the request in halves down to single items.
//! - A document refused for its mapping is sent again without its merged
//!   JSON members and with `@indexError` (SCHEMA.md, "Fields").
//! - Everything stops at the deadline: what is not known to be stored is
//!   reported in [`SinkReport::failed`] with its bytes, so the caller can
//!   fail the Lambda invocation or write a `--failed` file. Nothing is
//!   reported indexed that OpenSearch did not confirm.
//!
//! Ids make every re-send an overwrite, so retries never duplicate (except
//! with `OPENSEARCH_SEND_IDS=false`, where OpenSearch picks the ids).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aws_credential_types::provider::SharedCredentialsProvider;
use bytes::{Bytes, BytesMut};
use tokio::task::JoinSet;

use super::retry::{self, Answer, Backoff, ItemOutcome, Jitter};
use super::template;
use super::transport::{Transport, TransportError};
use super::{Action, Batch, Failed, SinkError, SinkReport};
use crate::config::OpenSearchConfig;
use crate::fields;

/// What a failure reason says when the item may have been stored all the
/// same (with ids, re-sending it overwrites; without, it may duplicate).
const MAYBE_STORED: &str = "it may be stored";
/// `Content-Type` of `_bulk` requests.
const NDJSON: &str = "application/x-ndjson";
/// Attempts at installing the index template per send.
const TEMPLATE_ATTEMPTS: u32 = 3;

/// How requests are cut, spread and retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Most bytes of one `_bulk` request.
    pub bulk_max_bytes: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// Backoff between attempts.
    pub backoff: Backoff,
    /// Attempts after the first, per item.
    pub max_retries: u32,
}

impl Policy {
    /// The policy of a configuration.
    pub fn from_config(cfg: &OpenSearchConfig) -> Policy {
        Policy {
            bulk_max_bytes: cfg.bulk_max_bytes.max(1),
            concurrency: cfg.concurrency.max(1),
            request_timeout: cfg.request_timeout,
            backoff: Backoff {
                base: cfg.retry_base,
                cap: cfg.retry_max_delay,
            },
            max_retries: cfg.max_retries,
        }
    }
}

/// Sends batches to OpenSearch. Build one per process and keep it: the
/// HTTP client, its pooled connections and the credentials live here.
pub struct OpenSearchSink {
    transport: Arc<Transport>,
    policy: Policy,
    prefix: String,
    install_template: bool,
    template_done: AtomicBool,
    template_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for OpenSearchSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenSearchSink")
            .field("transport", &self.transport)
            .field("policy", &self.policy)
            .field("prefix", &self.prefix)
            .field("install_template", &self.install_template)
            .finish()
    }
}

impl OpenSearchSink {
    /// Builds the client for `cfg`, for indices `<prefix>-*`. With SigV4,
    /// `credentials` replaces the default AWS chain (environment, profile,
    /// web identity, ECS container, EC2 instance; Lambda's role arrives
    /// through the environment). Sends nothing: there is no `GET /` probe,
    /// which OpenSearch Serverless would refuse.
    pub async fn new(
        cfg: &OpenSearchConfig,
        prefix: &str,
        credentials: Option<SharedCredentialsProvider>,
    ) -> Result<OpenSearchSink, SinkError> {
        let transport = Transport::new(cfg, credentials)
            .await
            .map_err(SinkError::Client)?;
        Ok(OpenSearchSink {
            transport: Arc::new(transport),
            policy: Policy::from_config(cfg),
            prefix: prefix.to_string(),
            install_template: cfg.install_template,
            template_done: AtomicBool::new(false),
            template_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Replaces the policy (tests and benchmarks use short backoffs).
    pub fn with_policy(mut self, policy: Policy) -> OpenSearchSink {
        self.policy = policy;
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// `OpenSearch URL (auth)`, never with credentials.
    pub fn describe(&self) -> String {
        format!(
            "OpenSearch {} ({})",
            self.transport.endpoint(),
            self.transport.auth_name()
        )
    }

    /// Installs the index template unless it is installed already, switched
    /// off, or refused for good. Idempotent (`PUT` of the same body). Never
    /// fails the sink: returns a warning when the template is not in place.
    pub async fn ensure_template(&self, deadline: Option<Instant>) -> Option<String> {
        if !self.install_template || self.template_done.load(Ordering::Acquire) {
            return None;
        }
        let _one_at_a_time = self.template_lock.lock().await;
        if self.template_done.load(Ordering::Acquire) {
            return None;
        }
        let name = template::name(&self.prefix);
        let body = Bytes::from(template::body(&self.prefix).to_string());
        let path = format!("_index_template/{name}");
        let mut jitter = Jitter::from_clock();
        let mut last = "deadline reached".to_string();
        for attempt in 0..TEMPLATE_ATTEMPTS {
            let Some(timeout) = self.time_left(deadline) else {
                break;
            };
            let answer = self
                .transport
                .send(
                    reqwest::Method::PUT,
                    &path,
                    "application/json",
                    body.clone(),
                    timeout,
                )
                .await;
            match answer {
                Ok(a) if (200..300).contains(&a.status) => {
                    self.template_done.store(true, Ordering::Release);
                    return None;
                }
                Ok(a) if matches!(a.status, 408 | 429 | 500 | 502 | 503 | 504) => {
                    last = format!("{} {}", a.status, scrub(&retry::error_reason(&a.body)));
                }
                Ok(a) => {
                    // Refused for a reason another try will not change
                    // (permissions, a conflicting template): say it once.
                    self.template_done.store(true, Ordering::Release);
                    return Some(format!(
                        "index template {name} not installed: {} {}; documents are indexed with dynamic mappings \
                         (set OPENSEARCH_INDEX_TEMPLATE=false when you manage your own)",
                        a.status,
                        scrub(&retry::error_reason(&a.body))
                    ));
                }
                Err(e) => last = e.to_string(),
            }
            if attempt + 1 < TEMPLATE_ATTEMPTS {
                tokio::time::sleep(self.policy.backoff.delay(attempt, jitter.unit())).await;
            }
        }
        Some(format!(
            "index template {name} not installed yet ({last}); trying again with the next batch"
        ))
    }

    /// Time left before `deadline`, capped at the request timeout; `None`
    /// when the deadline has passed.
    fn time_left(&self, deadline: Option<Instant>) -> Option<Duration> {
        match deadline {
            None => Some(self.policy.request_timeout),
            Some(d) => {
                let left = d.checked_duration_since(Instant::now())?;
                (!left.is_zero()).then(|| left.min(self.policy.request_timeout))
            }
        }
    }

    /// Sends `batch`, retrying what can be retried until `deadline`.
    pub async fn send(&self, batch: Batch, deadline: Option<Instant>) -> Result<SinkReport, SinkError> {
        let mut report = SinkReport::default();
        if batch.is_empty() {
            return Ok(report);
        }
        if let Some(w) = self.ensure_template(deadline).await {
            report.warnings.push(w);
        }
        let mut run = Run::new(batch, self.policy);
        run.drive(&self.transport, deadline, self.policy).await?;
        run.finish(&mut report);
        Ok(report)
    }
}

/// A group of items sent in one request.
#[derive(Debug)]
struct Job {
    /// Item positions in the batch, in order.
    items: Vec<usize>,
    /// 0 for the first send; retries count up.
    attempt: u32,
    /// Not to be sent before.
    not_before: Option<Instant>,
}

/// Where one item stands.
#[derive(Debug, Default)]
struct ItemState {
    /// The fallback document line (action line + document), once built.
    fallback: Option<Bytes>,
    /// Requests that carried it.
    sends: u32,
    /// The last reason it was not stored.
    last_error: Option<String>,
    /// A request carrying it got no answer (a timeout, a connection broken
    /// after sending): it may be stored whatever happens next.
    fate_unknown: bool,
    /// Final: stored, skipped or failed.
    settled: bool,
}

/// One `send`: the batch and the state of each item.
struct Run {
    body: Bytes,
    batch: Batch,
    items: Vec<ItemState>,
    queue: VecDeque<Job>,
    indexed: u64,
    skipped: u64,
    fallbacks: u64,
    failed: Vec<(usize, String)>,
    jitter: Jitter,
}

impl Run {
    fn new(mut batch: Batch, policy: Policy) -> Run {
        let body = Bytes::from(std::mem::take(&mut batch.body));
        let n = batch.items.len();
        let mut queue = VecDeque::new();
        let mut current: Vec<usize> = Vec::new();
        let mut size = 0usize;
        for (i, it) in batch.items.iter().enumerate() {
            let len = it.span.len();
            if !current.is_empty() && size + len > policy.bulk_max_bytes {
                queue.push_back(Job {
                    items: std::mem::take(&mut current),
                    attempt: 0,
                    not_before: None,
                });
                size = 0;
            }
            current.push(i);
            size += len;
        }
        if !current.is_empty() {
            queue.push_back(Job {
                items: current,
                attempt: 0,
                not_before: None,
            });
        }
        Run {
            body,
            batch,
            items: (0..n).map(|_| ItemState::default()).collect(),
            queue,
            indexed: 0,
            skipped: 0,
            fallbacks: 0,
            failed: Vec::new(),
            jitter: Jitter::from_clock(),
        }
    }

    /// The bytes of item `i`: its fallback when it has one.
    fn item_bytes(&self, i: usize) -> Bytes {
        if let Some(f) = &self.items[i].fallback {
            return f.clone();
        }
        let span = self.batch.items[i].span.clone();
        self.body.slice(span)
    }

    /// The request body of a job: a slice of the batch body when the items
    /// are consecutive and unchanged, else their bytes joined.
    fn job_body(&self, job: &Job) -> Bytes {
        let (Some(&first), Some(&last)) = (job.items.first(), job.items.last()) else {
            return Bytes::new();
        };
        let consecutive = last - first + 1 == job.items.len()
            && job.items.iter().all(|&i| self.items[i].fallback.is_none());
        if consecutive {
            let span = self.batch.items[first].span.start..self.batch.items[last].span.end;
            return self.body.slice(span);
        }
        let len = job.items.iter().map(|&i| self.item_bytes(i).len()).sum();
        let mut out = BytesMut::with_capacity(len);
        for &i in &job.items {
            out.extend_from_slice(&self.item_bytes(i));
        }
        out.freeze()
    }

    fn fail(&mut self, i: usize, reason: String) {
        if !self.items[i].settled {
            self.items[i].settled = true;
            let reason = if self.items[i].fate_unknown && !reason.contains(MAYBE_STORED) {
                format!("{reason}; an attempt got no answer, {MAYBE_STORED}")
            } else {
                reason
            };
            self.failed.push((i, reason));
        }
    }

    /// Queues `items` for another attempt after a backoff, or fails them
    /// when they have had all their attempts.
    fn retry(&mut self, items: Vec<usize>, attempt: u32, reason: &str, policy: Policy) {
        if items.is_empty() {
            return;
        }
        if attempt >= policy.max_retries {
            for i in items {
                self.fail(i, format!("gave up after {} attempts: {reason}", attempt + 1));
            }
            return;
        }
        for &i in &items {
            self.items[i].last_error = Some(reason.to_string());
        }
        let wait = policy.backoff.delay(attempt, self.jitter.unit());
        self.queue.push_back(Job {
            items,
            attempt: attempt + 1,
            not_before: Some(Instant::now() + wait),
        });
    }

    /// Splits a job in halves, sent again at once (a 413 or a 400 of the
    /// whole request); a single item is refused with `reason`.
    fn split(&mut self, job: Job, reason: &str, single: impl FnOnce(usize) -> String) {
        if job.items.len() == 1 {
            let i = job.items[0];
            let r = single(self.item_bytes(i).len());
            self.fail(i, format!("{r} ({reason})"));
            return;
        }
        let mut first = job.items;
        let second = first.split_off(first.len() / 2);
        for items in [second, first] {
            for &i in &items {
                self.items[i].last_error = Some(reason.to_string());
            }
            self.queue.push_front(Job {
                items,
                attempt: job.attempt,
                not_before: None,
            });
        }
    }

    /// Carries out the decision for one answered job.
    fn settle(
        &mut self,
        job: Job,
        answer: Result<Answer, TransportError>,
        policy: Policy,
    ) -> Result<(), SinkError> {
        let answer = match answer {
            Err(TransportError::Signing(e)) => return Err(SinkError::Credentials(e)),
            Err(e) => {
                if !matches!(e, TransportError::Connect(_)) {
                    for &i in &job.items {
                        self.items[i].fate_unknown = true;
                    }
                }
                self.retry(job.items, job.attempt, &e.to_string(), policy);
                return Ok(());
            }
            Ok(a) => a,
        };
        match answer {
            Answer::Auth { status, reason } => {
                return Err(SinkError::Auth {
                    status,
                    reason: scrub(&reason),
                });
            }
            Answer::Retry(r) => self.retry(job.items, job.attempt, &r, policy),
            Answer::TooLarge(r) => self.split(job, &r, |n| {
                format!("a single document of {n} bytes is larger than the cluster accepts in one request")
            }),
            Answer::BadRequest(r) => self.split(job, &r, |_| "refused".to_string()),
            Answer::Refused(r) => {
                for i in job.items {
                    self.fail(i, r.clone());
                }
            }
            Answer::Items(outcomes) if outcomes.len() != job.items.len() => {
                let r = format!(
                    "the answer has {} items for {} sent",
                    outcomes.len(),
                    job.items.len()
                );
                self.retry(job.items, job.attempt, &r, policy);
            }
            Answer::Items(outcomes) => {
                let mut again = Vec::new();
                let mut again_reason = String::new();
                let mut fallback = Vec::new();
                for (&i, outcome) in job.items.iter().zip(outcomes) {
                    match outcome {
                        ItemOutcome::Stored => {
                            self.items[i].settled = true;
                            self.indexed += 1;
                        }
                        ItemOutcome::Missing => {
                            self.items[i].settled = true;
                            self.skipped += 1;
                        }
                        ItemOutcome::Refused(r) => self.fail(i, r),
                        ItemOutcome::Retry(r) => {
                            again.push(i);
                            again_reason = r;
                        }
                        ItemOutcome::Mapping(r) => {
                            let can = self.batch.items[i].action == Action::Index
                                && self.items[i].fallback.is_none();
                            match can.then(|| self.fallback_bytes(i, &r)).flatten() {
                                Some(bytes) => {
                                    self.items[i].fallback = Some(bytes);
                                    self.items[i].last_error = Some(r);
                                    self.fallbacks += 1;
                                    fallback.push(i);
                                }
                                None => self.fail(i, format!("400 {r}")),
                            }
                        }
                    }
                }
                self.retry(again, job.attempt, &again_reason, policy);
                if !fallback.is_empty() {
                    self.queue.push_front(Job {
                        items: fallback,
                        attempt: job.attempt,
                        not_before: None,
                    });
                }
            }
        }
        Ok(())
    }

    /// The action line and the document without its merged JSON members,
    /// with `@indexError`; `None` when the document is not a JSON object.
    fn fallback_bytes(&self, i: usize, error: &str) -> Option<Bytes> {
        let it = &self.batch.items[i];
        let doc = self.body.get(it.doc_start..it.span.end.saturating_sub(1))?;
        let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(doc).ok()?;
        map.retain(|k, _| fields::is_bridge_field(k) && k != fields::JSON_NEST);
        map.insert(fields::INDEX_ERROR.to_string(), error.into());
        let mut out = Vec::with_capacity(doc.len());
        out.extend_from_slice(self.body.get(it.span.start..it.doc_start)?);
        serde_json::to_writer(&mut out, &map).ok()?;
        out.push(b'\n');
        Some(Bytes::from(out))
    }

    /// Sends jobs until every item is settled or the deadline passes.
    async fn drive(
        &mut self,
        transport: &Arc<Transport>,
        deadline: Option<Instant>,
        policy: Policy,
    ) -> Result<(), SinkError> {
        let mut in_flight: JoinSet<Result<Answer, TransportError>> = JoinSet::new();
        let mut jobs: HashMap<tokio::task::Id, Job> = HashMap::new();
        loop {
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                break;
            }
            while in_flight.len() < policy.concurrency {
                let Some(pos) = self
                    .queue
                    .iter()
                    .position(|j| j.not_before.is_none_or(|t| t <= now))
                else {
                    break;
                };
                let Some(job) = self.queue.remove(pos) else {
                    break;
                };
                let body = self.job_body(&job);
                for &i in &job.items {
                    self.items[i].sends += 1;
                }
                let timeout = match deadline {
                    Some(d) => policy.request_timeout.min(d.saturating_duration_since(now)),
                    None => policy.request_timeout,
                };
                let t = Arc::clone(transport);
                let handle = in_flight.spawn(async move {
                    let a = t
                        .send(reqwest::Method::POST, "_bulk", NDJSON, body, timeout)
                        .await?;
                    Ok(retry::classify(a.status, &a.body))
                });
                jobs.insert(handle.id(), job);
            }
            if in_flight.is_empty() && self.queue.is_empty() {
                break;
            }
            let wake = self.queue.iter().filter_map(|j| j.not_before).min();
            let wake = match (wake, deadline) {
                (Some(w), Some(d)) => Some(w.min(d)),
                (w, d) => w.or(d),
            };
            tokio::select! {
                Some(done) = in_flight.join_next_with_id(), if !in_flight.is_empty() => {
                    let (id, answer) = match done {
                        Ok((id, a)) => (id, a),
                        Err(e) => (e.id(), Err(TransportError::Connection(format!("request task ended: {e}")))),
                    };
                    if let Some(job) = jobs.remove(&id) {
                        self.settle(job, answer, policy)?;
                    }
                }
                () = sleep_until(wake), if wake.is_some() => {}
            }
        }
        // Deadline: nothing still queued or in flight is known to be stored.
        in_flight.abort_all();
        let pending: Vec<(usize, bool)> = jobs
            .into_values()
            .flat_map(|j| j.items.into_iter().map(|i| (i, true)))
            .chain(
                self.queue
                    .drain(..)
                    .flat_map(|j| j.items.into_iter().map(|i| (i, false))),
            )
            .collect();
        for (i, in_flight) in pending {
            let last = self.items[i]
                .last_error
                .clone()
                .map(|e| format!(" (last: {e})"))
                .unwrap_or_default();
            let what = if in_flight {
                "deadline reached while OpenSearch had not answered; it may be stored"
            } else {
                "deadline reached before it could be sent again"
            };
            self.fail(i, format!("{what}{last}"));
        }
        Ok(())
    }

    fn finish(mut self, report: &mut SinkReport) {
        // Items never settled cannot remain, but account for them anyway.
        for i in 0..self.items.len() {
            if !self.items[i].settled {
                self.fail(i, "not sent".into());
            }
        }
        report.indexed = self.indexed;
        report.skipped = self.skipped;
        report.fallbacks = self.fallbacks;
        report.retried = self.items.iter().filter(|s| s.sends > 1).count() as u64;
        self.failed.sort_by_key(|(i, _)| *i);
        report.failed = self
            .failed
            .iter()
            .map(|(i, reason)| {
                let it = &self.batch.items[*i];
                Failed {
                    id: self.batch.id(*i).to_string(),
                    index: self.batch.index_name(*i).to_string(),
                    reason: reason.clone(),
                    bytes: self.body.get(it.span.clone()).unwrap_or_default().to_vec(),
                }
            })
            .collect();
    }
}

async fn sleep_until(t: Option<Instant>) {
    if let Some(t) = t {
        tokio::time::sleep_until(t.into()).await;
    }
}

/// Cuts what an error answer may echo of a signed request (AWS's "canonical
/// string" repeats the signed headers, among them a session token).
pub(crate) fn scrub(reason: &str) -> String {
    let mut s = reason;
    for cut in ["The Canonical String", "x-amz-security-token", "Authorization"] {
        if let Some(i) = s.find(cut) {
            s = &s[..i];
        }
    }
    let s = s.trim_end();
    match s.char_indices().nth(500) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
