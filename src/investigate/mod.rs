//! Investigating with the documents: the views behind `cwl-bridge trace`
//! (every line of one trace, in time order across log groups) and
//! `cwl-bridge report` (what an operator works out by hand: levels and
//! markers per log group, the top messages per marker, HTTP statuses per
//! route, the traces with warnings, chaos or errors).
//!
//! Both views work on [`Doc`]s, the documents of SCHEMA.md reduced to the
//! fields they read, so the two places documents come from share all the
//! logic:
//!
//! - [`collect`] runs the very pipeline of `cwl-bridge replay` over files and
//!   reads its `_bulk` body back as it is written, applying each `update`
//!   action (a late trace join) to the document it names, as OpenSearch
//!   would;
//! - [`search::Search`] reads `<prefix>-*/_search` of an OpenSearch cluster.
//!
//! [`trace`] and [`report`] then only see documents.

pub mod cmd;
pub mod report;
pub mod search;
pub mod trace;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};

use crate::fields;
use crate::parse::TraceId;
use crate::pipeline::Pipeline;
use crate::replay::{self, TextOptions};
use crate::sink::{NdjsonSink, Sink, SinkError};
use crate::stats::Stats;

/// One document, as the views read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc {
    /// Position in the input (offline) or in the answers (OpenSearch):
    /// breaks ties of equal timestamps.
    pub seq: u64,
    /// `_index`.
    pub index: String,
    /// `_id` (the event id).
    pub id: String,
    /// `@timestamp` in milliseconds since 1970 (0 when missing or unreadable).
    pub timestamp: i64,
    /// `@timestamp` as written.
    pub time: String,
    /// `@log_group`.
    pub log_group: String,
    /// `@level`.
    pub level: Option<String>,
    /// `@markers`.
    pub markers: Vec<String>,
    /// `serviceName`.
    pub service: Option<String>,
    /// The trace, from `traceId` (or `@xrayTraceId`).
    pub trace: Option<TraceId>,
    /// `@traceSource`: `message` or `request`.
    pub trace_source: Option<String>,
    /// `@requestId`.
    pub request_id: Option<String>,
    /// `@type` (Lambda platform lines).
    pub kind: Option<String>,
    /// `@duration` (Lambda `REPORT`), ms.
    pub duration: Option<f64>,
    /// `@httpMethod`.
    pub http_method: Option<String>,
    /// `@httpStatus`.
    pub http_status: Option<u16>,
    /// `@urlPath`.
    pub url_path: Option<String>,
    /// `@message`.
    pub message: String,
    /// The `message` (or `msg`) member of a JSON line, top level or under
    /// `@json`: what the line says, without its JSON framing.
    pub json_message: Option<String>,
}

/// The fields [`Doc::from_source`] reads: what a search asks for in `_source`.
pub const SOURCE_FIELDS: &[&str] = &[
    fields::ID,
    fields::TIMESTAMP,
    fields::LOG_GROUP,
    fields::LEVEL,
    fields::MARKERS,
    fields::SERVICE_NAME,
    fields::TRACE_ID,
    fields::XRAY_TRACE_ID,
    fields::TRACE_SOURCE,
    fields::REQUEST_ID,
    fields::TYPE,
    fields::DURATION,
    fields::HTTP_METHOD,
    fields::HTTP_STATUS,
    fields::URL_PATH,
    fields::MESSAGE,
    "message",
    "msg",
    fields::JSON_NEST,
];

impl Doc {
    /// Reads a document's source. Missing or mistyped fields are left empty:
    /// a view shows what is there.
    pub fn from_source(index: &str, id: &str, src: &Map<String, Value>) -> Doc {
        let text = |k: &str| src.get(k).and_then(Value::as_str).map(str::to_string);
        let time = text(fields::TIMESTAMP).unwrap_or_default();
        let timestamp = parse_time(&time).unwrap_or(0);
        let markers = match src.get(fields::MARKERS) {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        let json_message = json_message(src).or_else(|| {
            src.get(fields::JSON_NEST)
                .and_then(Value::as_object)
                .and_then(json_message)
        });
        let mut doc = Doc {
            seq: 0,
            index: index.to_string(),
            id: if id.is_empty() {
                text(fields::ID).unwrap_or_default()
            } else {
                id.to_string()
            },
            timestamp,
            time,
            log_group: text(fields::LOG_GROUP).unwrap_or_default(),
            level: text(fields::LEVEL),
            markers,
            service: text(fields::SERVICE_NAME),
            trace: None,
            trace_source: None,
            request_id: text(fields::REQUEST_ID),
            kind: text(fields::TYPE),
            duration: src.get(fields::DURATION).and_then(Value::as_f64),
            http_method: text(fields::HTTP_METHOD),
            http_status: src
                .get(fields::HTTP_STATUS)
                .and_then(Value::as_u64)
                .and_then(|n| u16::try_from(n).ok()),
            url_path: text(fields::URL_PATH),
            message: text(fields::MESSAGE).unwrap_or_default(),
            json_message,
        };
        doc.apply_trace(src);
        doc
    }

    /// Takes `traceId` / `@xrayTraceId` / `@traceSource` from `src` where
    /// present (a source, or the `doc` of an `update` action).
    fn apply_trace(&mut self, src: &Map<String, Value>) {
        let trace = src
            .get(fields::TRACE_ID)
            .and_then(Value::as_str)
            .and_then(TraceId::from_hex)
            .or_else(|| {
                src.get(fields::XRAY_TRACE_ID)
                    .and_then(Value::as_str)
                    .and_then(TraceId::from_xray)
            });
        if trace.is_some() {
            self.trace = trace;
        }
        if let Some(s) = src.get(fields::TRACE_SOURCE).and_then(Value::as_str) {
            self.trace_source = Some(s.to_string());
        }
    }

    /// What the line says, on one line: the JSON `message` member when the
    /// line is JSON, else the first non-blank line of `@message`.
    /// A Lambda runtime's text header (Python `[LEVEL]\tts\trequestId\t`,
    /// Node and .NET `ts\trequestId\tLEVEL\t`) is left out: the level, time
    /// and request are columns of their own, and messages group without them.
    pub fn text(&self) -> &str {
        match &self.json_message {
            Some(m) => crate::stats::first_line(m),
            None => after_runtime_header(
                crate::stats::first_line(&self.message),
                self.request_id.as_deref(),
            ),
        }
    }

    /// True for an `ERROR` or `FATAL` line, or one with the `exception` marker.
    pub fn is_error(&self) -> bool {
        matches!(self.level.as_deref(), Some("ERROR" | "FATAL")) || self.has_marker("exception")
    }

    /// True for a `WARN` line or one with the `warn` marker.
    pub fn is_warn(&self) -> bool {
        self.level.as_deref() == Some("WARN") || self.has_marker("warn")
    }

    /// True when the line matched marker `name`.
    pub fn has_marker(&self, name: &str) -> bool {
        self.markers.iter().any(|m| m == name)
    }
}

/// `line` after its Lambda runtime header: the tab-separated fields up to
/// and including the one that is the line's request id (within the first
/// three), and a level word right after it; `line` itself when it has none.
fn after_runtime_header<'a>(line: &'a str, request_id: Option<&str>) -> &'a str {
    let Some(id) = request_id else { return line };
    let mut rest = line;
    for _ in 0..3 {
        let Some((field, tail)) = rest.split_once('\t') else {
            return line;
        };
        rest = tail;
        if field == id {
            if let Some((word, tail)) = rest.split_once('\t')
                && !word.is_empty()
                && word.len() <= 8
                && word.bytes().all(|b| b.is_ascii_uppercase())
            {
                rest = tail;
            }
            return if rest.trim().is_empty() { line } else { rest };
        }
    }
    line
}

fn json_message(m: &Map<String, Value>) -> Option<String> {
    ["message", "msg"]
        .iter()
        .find_map(|k| m.get(*k).and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

/// `2018-11-29T01:59:49.000Z` (or with an offset, or without
/// milliseconds) in milliseconds; `None` when it is not such a time.
pub fn parse_time(s: &str) -> Option<i64> {
    match replay::leading_timestamp(s.trim()) {
        Some((ms, "")) => Some(ms),
        _ => None,
    }
}

/// A time given on the command line: RFC 3339 (`2024-11-25T10:00:00Z`,
/// with an offset, or a date `2024-11-25` for its midnight UTC), `now`, or
/// a time before `now_ms`: `90s`, `15m`, `1h`, `2d`, `1w`.
pub fn parse_when(s: &str, now_ms: i64) -> Result<i64, String> {
    let t = s.trim();
    if t == "now" {
        return Ok(now_ms);
    }
    if let Some(ms) = parse_time(t) {
        return Ok(ms);
    }
    if t.len() == 10
        && let Some(ms) = parse_time(&format!("{t}T00:00:00Z"))
    {
        return Ok(ms);
    }
    let unit = t.chars().last().unwrap_or(' ');
    let scale: i64 = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        _ => 0,
    };
    let n = t[..t.len() - unit.len_utf8().min(t.len())].parse::<i64>().ok();
    match n {
        Some(n) if scale > 0 && n >= 0 => Ok(now_ms.saturating_sub(n.saturating_mul(scale))),
        _ => Err(format!(
            "{s:?}: expected a time (2024-11-25T10:00:00Z, 2024-11-25, now) or a duration before now (30m, 1h, 2d)"
        )),
    }
}

/// The documents of a time window: `since` included, `until` excluded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Earliest `@timestamp`, ms.
    pub since: Option<i64>,
    /// `@timestamp` before this, ms.
    pub until: Option<i64>,
}

impl Window {
    /// True when `ms` is inside.
    pub fn contains(&self, ms: i64) -> bool {
        self.since.is_none_or(|s| ms >= s) && self.until.is_none_or(|u| ms < u)
    }

    /// True when the window is the whole time.
    pub fn is_all(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }
}

/// A trace id as a person pastes it: X-Ray `1-5759e988-bd862e3fe1be46a994272793`,
/// 32 hex digits, either case, with or without `Root=` (a whole
/// `X-Amzn-Trace-Id` header value `Root=…;Parent=…;Sampled=1` works too).
pub fn parse_trace_arg(s: &str) -> Result<TraceId, String> {
    let t = s.trim().trim_matches('"');
    let t = t
        .strip_prefix("X-Amzn-Trace-Id:")
        .or_else(|| t.strip_prefix("x-amzn-trace-id:"))
        .map_or(t, str::trim);
    let root = t
        .split(';')
        .map(str::trim)
        .find_map(|part| {
            part.split_once('=')
                .filter(|(k, _)| k.trim().eq_ignore_ascii_case("root"))
                .map(|(_, v)| v.trim())
        })
        .unwrap_or(t);
    TraceId::parse(root).ok_or_else(|| {
        format!("{s:?} is not a trace id: expected 1-<8 hex>-<24 hex> (X-Ray), 32 hex digits, or Root=1-…")
    })
}

/// Documents read back from a `_bulk` body as it is written.
#[derive(Debug, Default)]
pub struct Collector {
    docs: Vec<Doc>,
    by_id: HashMap<(String, String), usize>,
    partial: Vec<u8>,
    /// The action line waiting for its document line.
    pending: Option<(String, String, String)>,
    /// Lines that were not what a `_bulk` body holds there.
    pub bad_lines: u64,
    /// `update` actions for a document this run did not write (it was
    /// written by an earlier run, or in a `_bulk` input).
    pub updates_missing: u64,
    /// `update` actions applied.
    pub updates_applied: u64,
}

impl Collector {
    /// Reads more of the body.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            let (line, tail) = rest.split_at(nl);
            rest = &tail[1..];
            if self.partial.is_empty() {
                self.line(line);
            } else {
                let mut l = std::mem::take(&mut self.partial);
                l.extend_from_slice(line);
                self.line(&l);
            }
        }
        self.partial.extend_from_slice(rest);
    }

    /// The documents, in the order they were first written.
    pub fn finish(mut self) -> Collector {
        if !self.partial.is_empty() {
            let l = std::mem::take(&mut self.partial);
            self.line(&l);
        }
        self
    }

    /// The documents collected.
    pub fn docs(&self) -> &[Doc] {
        &self.docs
    }

    /// Takes the documents.
    pub fn into_docs(self) -> Vec<Doc> {
        self.docs
    }

    fn line(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(line) else {
            self.bad_lines += 1;
            self.pending = None;
            return;
        };
        match self.pending.take() {
            None => {
                let action =
                    (obj.len() == 1)
                        .then(|| obj.iter().next())
                        .flatten()
                        .and_then(|(name, meta)| {
                            let index = meta.get("_index")?.as_str()?.to_string();
                            let id = meta.get("_id").and_then(Value::as_str).unwrap_or("").to_string();
                            Some((name.clone(), index, id))
                        });
                match action {
                    Some(a) if a.0 != "delete" => self.pending = Some(a),
                    Some(_) => {}
                    None => self.bad_lines += 1,
                }
            }
            Some((action, index, id)) => {
                if action == "update" {
                    let slot = self.by_id.get(&(index, id)).copied();
                    match (slot, obj.remove("doc")) {
                        (Some(i), Some(Value::Object(partial))) => {
                            self.docs[i].apply_trace(&partial);
                            self.updates_applied += 1;
                        }
                        _ => self.updates_missing += 1,
                    }
                    return;
                }
                let mut doc = Doc::from_source(&index, &id, &obj);
                let key = (index, doc.id.clone());
                match self.by_id.get(&key) {
                    // Same index and id: OpenSearch overwrites.
                    Some(&i) => {
                        doc.seq = self.docs[i].seq;
                        self.docs[i] = doc;
                    }
                    None => {
                        doc.seq = self.docs.len() as u64;
                        self.by_id.insert(key, self.docs.len());
                        self.docs.push(doc);
                    }
                }
            }
        }
    }
}

/// A `Write` that feeds a shared [`Collector`]: the sink of an offline view.
#[derive(Debug, Clone, Default)]
pub struct CollectorWriter(pub Arc<Mutex<Collector>>);

impl Write for CollectorWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).feed(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What [`collect`] read.
#[derive(Debug)]
pub struct Collected {
    /// The documents, in the order the pipeline wrote them, late trace joins applied.
    pub docs: Vec<Doc>,
    /// The run's counters (files, events, errors…).
    pub stats: Stats,
    /// `update` actions whose document this run did not write.
    pub updates_missing: u64,
}

/// Runs `paths` through `pipeline` as `cwl-bridge replay` does and reads the
/// documents back.
pub async fn collect(
    pipeline: &Pipeline,
    paths: &[PathBuf],
    opts: &TextOptions,
) -> Result<Collected, SinkError> {
    let writer = CollectorWriter::default();
    let sink = Sink::Ndjson(NdjsonSink::to_writer(writer.clone()));
    let stats = replay::run(pipeline, &sink, paths, opts, |_, _, _| {}).await?;
    drop(sink);
    let collector = std::mem::take(&mut *writer.0.lock().unwrap_or_else(PoisonError::into_inner)).finish();
    Ok(Collected {
        updates_missing: collector.updates_missing,
        docs: collector.into_docs(),
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_in_every_form_a_person_pastes() {
        let want = TraceId::from_hex("5759e988bd862e3fe1be46a994272793").unwrap();
        for s in [
            "1-5759e988-bd862e3fe1be46a994272793",
            "1-5759E988-BD862E3FE1BE46A994272793",
            "5759e988bd862e3fe1be46a994272793",
            "5759E988BD862E3FE1BE46A994272793",
            "Root=1-5759e988-bd862e3fe1be46a994272793",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "Self=1-67891233-abcdef012345678912345678;Root=1-5759e988-bd862e3fe1be46a994272793",
            "X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793",
            " \"1-5759e988-bd862e3fe1be46a994272793\" ",
        ] {
            assert_eq!(parse_trace_arg(s), Ok(want), "{s}");
        }
        for bad in [
            "",
            "hello",
            "1-5759e988-bd862e3fe1be46a99427279",
            "00000000000000000000000000000000",
            "Root=",
            "5759e988bd862e3fe1be46a994272793ff",
        ] {
            let e = parse_trace_arg(bad).unwrap_err();
            assert!(e.contains("is not a trace id"), "{e}");
        }
    }

    #[test]
    fn lambda_runtime_headers_are_left_out_of_the_text() {
        let id = Some("e8e6c456-a192-4f77-bd98-67579e3928bc");
        let py = "[WARNING]\t2024-11-25T10:04:19.412Z\te8e6c456-a192-4f77-bd98-67579e3928bc\tWARN: simulated 404 activated";
        assert_eq!(after_runtime_header(py, id), "WARN: simulated 404 activated");
        let node = "2024-11-25T10:04:19.412Z\te8e6c456-a192-4f77-bd98-67579e3928bc\tINFO\tlike processed";
        assert_eq!(after_runtime_header(node, id), "like processed");
        // No request id, another id, no tabs, or nothing after the header: as it is.
        assert_eq!(after_runtime_header(py, None), py);
        assert_eq!(after_runtime_header(py, Some("other")), py);
        assert_eq!(
            after_runtime_header("START RequestId: x", id),
            "START RequestId: x"
        );
        let bare = "[INFO]\t2024-11-25T10:04:19.412Z\te8e6c456-a192-4f77-bd98-67579e3928bc\t";
        assert_eq!(after_runtime_header(bare, id), bare);
    }

    #[test]
    fn times_absolute_and_relative() {
        let now = 1_732_530_000_000;
        assert_eq!(parse_when("now", now), Ok(now));
        assert_eq!(parse_when("1h", now), Ok(now - 3_600_000));
        assert_eq!(parse_when("30m", now), Ok(now - 1_800_000));
        assert_eq!(parse_when("2d", now), Ok(now - 172_800_000));
        assert_eq!(parse_when("2024-11-25T10:03:00Z", now), Ok(1_732_528_980_000));
        assert_eq!(
            parse_when("2024-11-25T11:03:00+01:00", now),
            Ok(1_732_528_980_000)
        );
        assert_eq!(parse_when("2024-11-25", now), Ok(1_732_492_800_000));
        for bad in ["", "h", "1y", "-1h", "yesterday", "2024-13-01"] {
            assert!(parse_when(bad, now).is_err(), "{bad}");
        }
        let w = Window {
            since: Some(10),
            until: Some(20),
        };
        assert!(w.contains(10) && w.contains(19) && !w.contains(20) && !w.contains(9));
        assert!(Window::default().is_all());
    }

    #[test]
    fn a_bulk_body_becomes_documents_with_late_joins_applied() {
        let body = concat!(
            "{\"index\":{\"_index\":\"cwl-2024.11.25\",\"_id\":\"1\"}}\n",
            "{\"@id\":\"1\",\"@timestamp\":\"2024-11-25T10:00:00.000Z\",\"@message\":\"{\\\"message\\\": \\\"hi\\\"}\",\"@log_group\":\"/aws/lambda/f\",\"@requestId\":\"r\",\"message\":\"hi\"}\n",
            "{\"index\":{\"_index\":\"cwl-2024.11.25\",\"_id\":\"2\"}}\n",
            "{\"@id\":\"2\",\"@timestamp\":\"2024-11-25T10:00:01.000Z\",\"@message\":\"REPORT\",\"@level\":\"WARN\",\"@markers\":[\"chaos\"],",
            "\"traceId\":\"5759e988bd862e3fe1be46a994272793\",\"@traceSource\":\"message\",\"@duration\":2.5,\"@httpStatus\":404}\n",
            "{\"update\":{\"_index\":\"cwl-2024.11.25\",\"_id\":\"1\"}}\n",
            "{\"doc\":{\"@xrayTraceId\":\"1-5759e988-bd862e3fe1be46a994272793\",\"traceId\":\"5759e988bd862e3fe1be46a994272793\",\"@traceSource\":\"request\"}}\n",
            "{\"update\":{\"_index\":\"cwl-2024.11.25\",\"_id\":\"gone\"}}\n",
            "{\"doc\":{\"traceId\":\"5759e988bd862e3fe1be46a994272793\"}}\n",
            "not json\n",
        );
        let mut c = Collector::default();
        // Fed in pieces that cut lines anywhere.
        for chunk in body.as_bytes().chunks(7) {
            c.feed(chunk);
        }
        let c = c.finish();
        assert_eq!(c.updates_applied, 1);
        assert_eq!(c.updates_missing, 1);
        assert_eq!(c.bad_lines, 1);
        let d = c.docs();
        assert_eq!(d.len(), 2);
        let t = TraceId::from_hex("5759e988bd862e3fe1be46a994272793");
        assert_eq!(d[0].trace, t);
        assert_eq!(d[0].trace_source.as_deref(), Some("request"));
        assert_eq!(d[0].text(), "hi");
        assert_eq!(d[0].timestamp, 1_732_528_800_000);
        assert_eq!(
            (d[1].seq, d[1].duration, d[1].http_status),
            (1, Some(2.5), Some(404))
        );
        assert!(d[1].is_warn() && !d[1].is_error() && d[1].has_marker("chaos"));
        assert_eq!(d[1].text(), "REPORT");
    }

    #[test]
    fn a_re_delivered_event_overwrites_its_document_in_place() {
        let body = concat!(
            "{\"index\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{\"@message\":\"old\"}\n",
            "{\"index\":{\"_index\":\"i\",\"_id\":\"2\"}}\n{\"@message\":\"two\"}\n",
            "{\"index\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{\"@message\":\"new\"}\n",
        );
        let mut c = Collector::default();
        c.feed(body.as_bytes());
        let d = c.finish().into_docs();
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].message.as_str(), d[0].seq), ("new", 0));
    }
}
