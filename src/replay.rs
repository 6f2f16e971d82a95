//! Replay inputs: files and directories turned into deliveries for the same
//! pipeline the Lambda runs.
//!
//! Per file, the shape is detected from the content (and `.gz`):
//!
//! | shape | what it is |
//! |---|---|
//! | `{"awslogs":{"data":…}}` | a Lambda event; several of them, one per line, also work |
//! | `{"messageType":…,"logEvents":[…]}` | decoded subscription JSON |
//! | gzip | a raw `awslogs.data` payload, or a Firehose S3 object (concatenated JSON) |
//! | `{"events":[…]}` | `aws logs filter-log-events` / `get-log-events` output |
//! | `{"Records":[{"kinesis":{"data":…}}]}`, `{"records":[{"data":…}]}` | Kinesis or Firehose records carrying subscription payloads |
//! | `{"requestPayload":{"awslogs":…}}`, `{"Messages":[{"Body":…}]}` | Lambda on-failure destination records, raw or as `aws sqs receive-message` prints them |
//! | `{"index":{"_index":…}}` then a document, line after line | a `_bulk` body (the offline output, a `--failed` file): sent as it is, not parsed again |
//! | anything else | plain text, one event per line |
//!
//! Reading a file yields [`Input`]s that are decoded one at a time, so a run
//! never holds more than one decoded delivery per file.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde_json::Value;

use crate::decode::{self, Limits, LogEvent, LogsData, MessageType};
use crate::stats::Stats;
use crate::timefmt::days_from_civil;

/// Events per delivery when a text file or CLI output is cut into deliveries.
pub const EVENTS_PER_DELIVERY: usize = 10_000;

/// Options for files that do not say where they come from.
#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    /// Log group for plain text and CLI output; default `replay/<file name>`.
    pub log_group: Option<String>,
    /// Log stream for plain text; default the file name.
    pub log_stream: Option<String>,
    /// Owner (account id) for plain text and CLI output.
    pub owner: Option<String>,
    /// Drop a leading `2018-11-29T01:59:49.000Z ` (the CloudWatch export
    /// format) from each text line's message, after reading the time from it.
    pub strip_timestamp: bool,
}

/// Something in a file that becomes one delivery.
#[derive(Debug)]
pub enum Unit {
    /// An `awslogs.data` value.
    Data(String),
    /// Raw gzip of subscription JSON.
    Gzip(Vec<u8>),
    /// A subscription JSON value, not yet checked.
    Json(Value),
    /// The text of one subscription JSON value, not yet checked.
    JsonText(Vec<u8>),
    /// A delivery built here (text lines, CLI output).
    Built(LogsData<'static>),
    /// Part of a `_bulk` body: documents already rendered, sent as they are.
    Bulk(crate::sink::Batch),
}

/// One delivery-to-be, with where it came from.
#[derive(Debug)]
pub struct Input {
    /// `file`, `file: line 3`, `file: record 2`, …
    pub label: String,
    /// The unit, or why the part of the file could not become one.
    pub unit: Result<Unit, String>,
}

impl Input {
    /// Decodes the unit into a delivery that owns its strings.
    pub fn decode(self, limits: Limits) -> Result<LogsData<'static>, String> {
        self.with_delivery(limits, |d| d.into_owned())
    }

    /// Decodes the unit and hands the delivery to `f`; decoded subscription
    /// JSON is parsed in place, the delivery borrowing from it.
    pub fn with_delivery<T>(self, limits: Limits, f: impl FnOnce(LogsData<'_>) -> T) -> Result<T, String> {
        self.inflate(limits)?.delivery().map(f)
    }

    /// Inflates the unit: what its delivery is read from.
    pub fn inflate(self, limits: Limits) -> Result<Inflated, String> {
        let json = match self.unit? {
            Unit::Data(d) => decode::inflate_data(&d, limits),
            Unit::Gzip(gz) => decode::gunzip(&gz, limits),
            Unit::JsonText(text) => Ok(text),
            Unit::Json(v) => {
                return decode::parse_value(v)
                    .map(Inflated::decoded)
                    .map_err(|e| e.to_string());
            }
            Unit::Built(d) => return Ok(Inflated::decoded(d)),
            Unit::Bulk(_) => return Err("a _bulk body holds documents, not a delivery".into()),
        };
        json.map(Inflated::json).map_err(|e| e.to_string())
    }
}

/// An input's subscription JSON, or its delivery when it was built or read
/// as a value ([`Input::inflate`]).
#[derive(Debug)]
pub struct Inflated {
    /// Subscription JSON text, decoded in place by [`Inflated::delivery`].
    json: Vec<u8>,
    /// A delivery that owns its strings, handed out once.
    decoded: Option<LogsData<'static>>,
}

impl Inflated {
    fn json(json: Vec<u8>) -> Inflated {
        Inflated { json, decoded: None }
    }

    fn decoded(d: LogsData<'static>) -> Inflated {
        Inflated {
            json: Vec::new(),
            decoded: Some(d),
        }
    }

    /// The delivery, borrowing from the JSON text (call once).
    pub fn delivery(&mut self) -> Result<LogsData<'_>, String> {
        match self.decoded.take() {
            Some(d) => Ok(d),
            None => decode::parse_json(&self.json).map_err(|e| e.to_string()),
        }
    }
}

/// File endings read when walking a directory; a file named on the command
/// line is read whatever its name.
pub const INPUT_EXTENSIONS: &[&str] = &["json", "ndjson", "jsonl", "gz", "log", "txt"];

/// The files under `paths`: files as given, directories recursively, each
/// directory's entries in sorted order. Inside directories, hidden entries
/// (`.name`) and files not ending in one of [`INPUT_EXTENSIONS`] are skipped.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        walk(p, true, &mut files, &mut errors);
    }
    (files, errors)
}

fn walk(p: &Path, top: bool, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !top && name.starts_with('.') {
        return;
    }
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => match std::fs::read_dir(p) {
            Ok(rd) => {
                let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                entries.sort();
                for e in entries {
                    walk(&e, false, files, errors);
                }
            }
            Err(e) => errors.push(format!("{}: cannot list directory: {e}", p.display())),
        },
        Ok(_) if top || has_input_extension(name) => files.push(p.to_path_buf()),
        Ok(_) => {}
        Err(e) => errors.push(format!("{}: {e}", p.display())),
    }
}

fn has_input_extension(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| INPUT_EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// Reads one file into its inputs. An unreadable file is an `Err`; a file
/// whose parts are bad yields inputs that carry the error.
pub fn read_file(path: &Path, opts: &TextOptions, limits: Limits) -> Result<Vec<Input>, String> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{label}: {e}"))?;
    if meta.len() as usize > limits.max_decoded_bytes.saturating_mul(4) {
        return Err(format!(
            "{label}: file of {} bytes is larger than 4x MAX_DECODED_BYTES ({})",
            meta.len(),
            limits.max_decoded_bytes
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{label}: {e}"))?;
    let mtime_ms = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64);
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("stdin");
    Ok(read_content(
        &label,
        file_name,
        Cow::Owned(bytes),
        mtime_ms,
        opts,
        limits,
    ))
}

/// Reads the content of a file (see [`read_file`]).
pub fn read_bytes(
    label: &str,
    file_name: &str,
    bytes: &[u8],
    mtime_ms: i64,
    opts: &TextOptions,
    limits: Limits,
) -> Vec<Input> {
    read_content(label, file_name, Cow::Borrowed(bytes), mtime_ms, opts, limits)
}

/// [`read_bytes`], keeping the buffer of a file that is one delivery
/// when it is the caller's to give.
fn read_content(
    label: &str,
    file_name: &str,
    bytes: Cow<'_, [u8]>,
    mtime_ms: i64,
    opts: &TextOptions,
    limits: Limits,
) -> Vec<Input> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let inflated = match decode::gunzip(&bytes, limits) {
            Ok(j) => j,
            Err(e) => {
                return vec![Input {
                    label: label.to_string(),
                    unit: Err(e.to_string()),
                }];
            }
        };
        let inflated = decode::repair_text(&inflated);
        // One payload is one delivery: keep it as gzip so decoding stays in
        // one place, unless it holds several JSON values (Firehose to S3).
        let mut values = serde_json::Deserializer::from_slice(&inflated).into_iter::<serde::de::IgnoredAny>();
        let first = values.next();
        if values.next().is_none() && matches!(first, Some(Ok(_))) {
            return vec![Input {
                label: label.to_string(),
                unit: Ok(Unit::Gzip(bytes.into_owned())),
            }];
        }
        return read_json_stream(label, file_name, &inflated, opts)
            .unwrap_or_else(|e| vec![text_error(label, &format!("gzip content is not JSON: {e}"))]);
    }
    if looks_like_bulk(&bytes) {
        return read_bulk(label, &bytes);
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[')) {
        // JSON with a lone surrogate escape or a byte that is not UTF-8 is
        // still JSON (decode::repair_text); text is read as it is.
        let text = decode::repair_text(&bytes);
        if is_one_delivery(&text) {
            let text = match text {
                // Nothing to repair: the file's own buffer will do.
                Cow::Borrowed(_) => bytes.into_owned(),
                Cow::Owned(repaired) => repaired,
            };
            return vec![Input {
                label: label.to_string(),
                unit: Ok(Unit::JsonText(text)),
            }];
        }
        match read_json_stream(label, file_name, &text, opts) {
            Ok(inputs) => return inputs,
            // A `.json` file that is not JSON (truncated, nested past
            // serde_json's depth limit of 128) is an error, not one text
            // event holding the broken JSON.
            Err(e) if has_json_extension(file_name) => {
                return vec![text_error(label, &format!("not valid JSON: {e}"))];
            }
            Err(_) => {}
        }
    }
    read_text(label, file_name, &bytes, mtime_ms, opts)
}

/// True when `json` is one subscription JSON value that decodes: read in
/// place later ([`Unit::JsonText`]) instead of as a tree of values three to
/// four times its size. Anything else (several values, a member named
/// twice, an `awslogs` event, an error) takes the general path.
fn is_one_delivery(json: &[u8]) -> bool {
    decode::parse_json(json).is_ok()
}

/// True when the first non-blank line is a `_bulk` action line:
/// `{"index":{"_index":…}}` (or `update`, `create`, `delete`).
fn looks_like_bulk(bytes: &[u8]) -> bool {
    let Some(line) = bytes
        .split(|b| *b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
    else {
        return false;
    };
    // The keys first: the first line of a one-line delivery is the whole
    // delivery, not worth building a tree for.
    use serde::de::IgnoredAny;
    let Ok(keys) = serde_json::from_slice::<std::collections::BTreeMap<String, IgnoredAny>>(line) else {
        return false;
    };
    let action = matches!(
        keys.keys().next().map(String::as_str),
        Some("index" | "create" | "update" | "delete")
    );
    keys.len() == 1
        && action
        && match serde_json::from_slice::<Value>(line) {
            Ok(Value::Object(m)) => m.values().next().is_some_and(|v| v.get("_index").is_some()),
            _ => false,
        }
}

/// A `_bulk` body: action line and document pairs, cut into batches of
/// [`EVENTS_PER_DELIVERY`] items. `index` and `update` actions are kept as
/// they are; a bad pair is reported with its line and the rest goes on.
fn read_bulk(label: &str, bytes: &[u8]) -> Vec<Input> {
    use crate::sink::{Action, Batch};
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(rename = "_index")]
        index: String,
        #[serde(rename = "_id")]
        id: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct DocId {
        #[serde(rename = "@id")]
        id: Option<String>,
    }
    let mut out = Vec::new();
    let mut batch = Batch::default();
    let mut first_line = 1;
    let mut lines = bytes.split(|b| *b == b'\n').enumerate();
    while let Some((n, line)) = lines.next() {
        let line_no = n + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let here = format!("{label}: line {line_no}");
        let parsed: Result<std::collections::BTreeMap<String, Meta>, _> = serde_json::from_slice(line);
        let Some((name, meta)) = parsed
            .ok()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.into_iter().next())
        else {
            out.push(text_error(
                &here,
                "expected a _bulk action line {\"index\":{\"_index\":…}}",
            ));
            continue;
        };
        let action = match name.as_str() {
            "index" => Action::Index,
            "update" => Action::Update,
            other => {
                out.push(text_error(
                    &here,
                    &format!("_bulk action {other:?} is not re-driven (only index and update)"),
                ));
                if other != "delete" {
                    // Its document line.
                    let _ = lines.next();
                }
                continue;
            }
        };
        let Some((_, doc)) = lines.next() else {
            out.push(text_error(&here, "action line without a document line"));
            break;
        };
        let doc = doc.strip_suffix(b"\r").unwrap_or(doc);
        let doc_id = match serde_json::from_slice::<DocId>(doc) {
            Ok(d) => d.id,
            Err(e) => {
                out.push(text_error(
                    &format!("{label}: line {}", line_no + 1),
                    &format!("document is not JSON: {e}"),
                ));
                continue;
            }
        };
        if batch.is_empty() {
            first_line = line_no;
        }
        let send_id = meta.id.is_some();
        let id = meta.id.or(doc_id).unwrap_or_else(|| format!("line {line_no}"));
        batch.push(action, &meta.index, &id, send_id, |o| o.extend_from_slice(doc));
        if batch.items.len() >= EVENTS_PER_DELIVERY {
            out.push(Input {
                label: format!("{label}: line {first_line}"),
                unit: Ok(Unit::Bulk(std::mem::take(&mut batch))),
            });
        }
    }
    if !batch.is_empty() {
        out.push(Input {
            label: format!("{label}: line {first_line}"),
            unit: Ok(Unit::Bulk(batch)),
        });
    }
    out
}

fn text_error(label: &str, msg: &str) -> Input {
    Input {
        label: label.to_string(),
        unit: Err(msg.to_string()),
    }
}

fn has_json_extension(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| {
        ["json", "ndjson", "jsonl"]
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
    })
}

/// JSON values one after another (one, NDJSON, or concatenated). The error
/// of the first value when it is not JSON, so the file may be read as text
/// instead.
fn read_json_stream(
    label: &str,
    file_name: &str,
    bytes: &[u8],
    opts: &TextOptions,
) -> Result<Vec<Input>, serde_json::Error> {
    let mut out = Vec::new();
    let mut flat = Vec::new();
    // `base`: where the current stream starts in `bytes`, on line
    // `base_line`; newlines are counted once, up to `counted`.
    let (mut base, mut base_line) = (0usize, 1usize);
    let (mut counted, mut line) = (0usize, 1usize);
    let mut line_at = |pos: usize| {
        let pos = pos.min(bytes.len());
        if pos > counted {
            line += memchr::memchr_iter(b'\n', &bytes[counted..pos]).count();
            counted = pos;
        }
        line
    };
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let mut n = 0usize;
    let mut bad_in_a_row = 0usize;
    loop {
        let offset = base + stream.byte_offset();
        let rest = bytes.get(offset..).unwrap_or_default();
        let start = offset + rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        match stream.next() {
            None => break,
            Some(Ok(v)) => {
                n += 1;
                bad_in_a_row = 0;
                let line = line_at(start);
                let end = (base + stream.byte_offset()).min(bytes.len());
                let single = n == 1 && bytes[end..].iter().all(u8::is_ascii_whitespace);
                let here = if single {
                    label.to_string()
                } else {
                    format!("{label}: line {line}")
                };
                if is_flat_event(&v) {
                    flat.push(v);
                } else {
                    classify(&here, file_name, v, opts, &mut out);
                }
            }
            Some(Err(e)) if n == 0 => return Err(e),
            Some(Err(e)) => {
                // A bad line of NDJSON: report it, go on at the next line
                // after the one the bad value starts on.
                let line = line_at(start);
                let full = e.to_string();
                let why = full.rfind(" at line ").map_or(full.as_str(), |i| &full[..i]);
                let err_line = base_line + e.line().saturating_sub(1);
                out.push(text_error(
                    &format!("{label}: line {line}"),
                    &format!("not valid JSON: {why} at line {err_line} column {}", e.column()),
                ));
                bad_in_a_row += 1;
                match memchr::memchr(b'\n', &bytes[start.min(bytes.len())..]) {
                    Some(_) if bad_in_a_row >= MAX_BAD_LINES_IN_A_ROW => {
                        out.push(text_error(
                            label,
                            &format!("{MAX_BAD_LINES_IN_A_ROW} lines in a row are not JSON: the rest of the file is not read"),
                        ));
                        break;
                    }
                    Some(nl) => {
                        base = start + nl + 1;
                        base_line = line + 1;
                        stream = serde_json::Deserializer::from_slice(&bytes[base..]).into_iter::<Value>();
                    }
                    None => break,
                }
            }
        }
    }
    if !flat.is_empty() {
        cli_events(label, file_name, flat, opts, &mut out);
    }
    Ok(out)
}

/// Bad lines in a row after which a JSON file is not read further (it is
/// not NDJSON with a damaged line, but damaged through and through).
const MAX_BAD_LINES_IN_A_ROW: usize = 20;

/// One event per JSON value: `{"timestamp":…,"message":…}` with optional
/// `id`, `logGroup`, `logStream` (the shape of the labelled corpus and of
/// many log exports).
fn is_flat_event(v: &Value) -> bool {
    v.get("message").is_some_and(Value::is_string)
        && v.get("timestamp").is_some_and(Value::is_number)
        && v.get("awslogs").is_none()
        && v.get("messageType").is_none()
}

fn classify(label: &str, file_name: &str, v: Value, opts: &TextOptions, out: &mut Vec<Input>) {
    let push =
        |out: &mut Vec<Input>, label: String, unit: Result<Unit, String>| out.push(Input { label, unit });
    match v {
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                classify(&format!("{label}[{i}]"), file_name, item, opts, out);
            }
        }
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(inner @ Value::Object(_)) => classify(label, file_name, inner, opts, out),
            _ => push(
                out,
                label.to_string(),
                Err("a JSON string that holds no JSON object".into()),
            ),
        },
        Value::Object(mut m) => {
            if let Some(data) = m.get("awslogs").and_then(|a| a.get("data")) {
                let unit = data
                    .as_str()
                    .map(|s| Unit::Data(s.to_string()))
                    .ok_or("awslogs.data is not a string".to_string());
                push(out, label.to_string(), unit);
            } else if m.contains_key("messageType") {
                push(out, label.to_string(), Ok(Unit::Json(Value::Object(m))));
            } else if let Some(p) = m.remove("requestPayload") {
                // Lambda on-failure destination record.
                classify(&format!("{label} requestPayload"), file_name, p, opts, out);
            } else if let Some(Value::Array(msgs)) = m.remove("Messages") {
                // `aws sqs receive-message` output: each Body is a record.
                for (i, msg) in msgs.into_iter().enumerate() {
                    let body = msg.get("Body").cloned().unwrap_or(Value::Null);
                    classify(&format!("{label} message {i}"), file_name, body, opts, out);
                }
            } else if let Some(Value::Array(recs)) = m.remove("Records").or_else(|| m.remove("records")) {
                for (i, r) in recs.into_iter().enumerate() {
                    let data = r
                        .get("kinesis")
                        .and_then(|k| k.get("data"))
                        .or_else(|| r.get("data"));
                    let here = format!("{label} record {i}");
                    match data.and_then(Value::as_str) {
                        Some(d) => push(out, here, Ok(Unit::Data(d.to_string()))),
                        None => push(out, here, Err("record has no data".into())),
                    }
                }
            } else if let Some(Value::Array(events)) = m.remove("events") {
                cli_events(label, file_name, events, opts, out);
            } else {
                let keys: Vec<&str> = m.keys().map(String::as_str).take(5).collect();
                push(
                    out,
                    label.to_string(),
                    Err(format!(
                        "JSON object of an unknown shape (members: {})",
                        keys.join(", ")
                    )),
                );
            }
        }
        other => push(
            out,
            label.to_string(),
            Err(format!("unexpected JSON value {other}")),
        ),
    }
}

/// `aws logs filter-log-events` / `get-log-events` output, and flat
/// events: grouped into deliveries by log group and stream, in order of
/// first appearance.
fn cli_events(label: &str, file_name: &str, events: Vec<Value>, opts: &TextOptions, out: &mut Vec<Input>) {
    let default_group = opts
        .log_group
        .clone()
        .unwrap_or_else(|| format!("replay/{file_name}"));
    let default_stream = opts.log_stream.clone().unwrap_or_else(|| file_name.to_string());
    let mut streams: Vec<((String, String), Vec<LogEvent<'static>>)> = Vec::new();
    // Where each stream is in `streams` (a file may hold thousands).
    let mut slots: std::collections::HashMap<(String, String), usize> = std::collections::HashMap::new();
    let text = |e: &Value, keys: &[&str]| {
        keys.iter()
            .find_map(|k| e.get(*k).and_then(Value::as_str))
            .map(str::to_string)
    };
    for (i, e) in events.into_iter().enumerate() {
        let group = text(&e, &["logGroup", "logGroupName"]).unwrap_or_else(|| default_group.clone());
        let stream = text(&e, &["logStream", "logStreamName"]).unwrap_or_else(|| default_stream.clone());
        let (Some(ts), Some(msg)) = (
            e.get("timestamp").and_then(Value::as_i64),
            e.get("message").and_then(Value::as_str),
        ) else {
            out.push(text_error(
                label,
                &format!("event {i}: needs a numeric timestamp and a string message"),
            ));
            continue;
        };
        let id = text(&e, &["eventId", "id"]).unwrap_or_else(|| synthetic_id(&stream, ts, msg, i));
        let event = LogEvent {
            id: id.into(),
            timestamp: ts,
            message: msg.to_string().into(),
            message_json: None,
            extracted_fields: None,
        };
        let key = (group, stream);
        match slots.get(&key) {
            Some(&slot) => streams[slot].1.push(event),
            None => {
                slots.insert(key.clone(), streams.len());
                streams.push((key, vec![event]));
            }
        }
    }
    for ((group, stream), events) in streams {
        for chunk in chunks(events) {
            out.push(Input {
                label: format!("{label} stream {stream}"),
                unit: Ok(Unit::Built(built(opts, &group, &stream, chunk))),
            });
        }
    }
}

fn built(opts: &TextOptions, group: &str, stream: &str, events: Vec<LogEvent<'static>>) -> LogsData<'static> {
    LogsData {
        message_type: MessageType::Data,
        owner: opts.owner.clone().unwrap_or_else(|| "000000000000".into()),
        log_group: group.to_string(),
        log_stream: stream.to_string(),
        subscription_filters: Vec::new(),
        events,
        refused: Vec::new(),
        duplicates: 0,
    }
}

fn chunks(mut events: Vec<LogEvent<'static>>) -> Vec<Vec<LogEvent<'static>>> {
    let mut out = Vec::new();
    while events.len() > EVENTS_PER_DELIVERY {
        let rest = events.split_off(EVENTS_PER_DELIVERY);
        out.push(events);
        events = rest;
    }
    out.push(events);
    out
}

/// A stable id for an event that has none: the same line of the same
/// stream replayed twice gets the same id, so re-runs overwrite.
fn synthetic_id(stream: &str, ts: i64, message: &str, position: usize) -> String {
    // FNV-1a, 64 bit: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in stream
        .bytes()
        .chain(ts.to_le_bytes())
        .chain(message.bytes())
        .chain(position.to_le_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{ts}-{h:016x}")
}

/// Plain text: one event per non-empty line.
fn read_text(label: &str, file_name: &str, bytes: &[u8], mtime_ms: i64, opts: &TextOptions) -> Vec<Input> {
    let text = String::from_utf8_lossy(bytes);
    let group = opts
        .log_group
        .clone()
        .unwrap_or_else(|| format!("replay/{file_name}"));
    let stream = opts.log_stream.clone().unwrap_or_else(|| file_name.to_string());
    let mut events = Vec::new();
    let mut last_ts = mtime_ms;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let (ts, rest) = match leading_timestamp(line) {
            Some((ts, rest)) => (ts, rest),
            None => (last_ts, line),
        };
        last_ts = ts;
        let message = if opts.strip_timestamp { rest } else { line };
        events.push(LogEvent {
            id: synthetic_id(&stream, ts, message, i).into(),
            timestamp: ts,
            message: message.to_string().into(),
            message_json: None,
            extracted_fields: None,
        });
    }
    chunks(events)
        .into_iter()
        .map(|chunk| Input {
            label: label.to_string(),
            unit: Ok(Unit::Built(built(opts, &group, &stream, chunk))),
        })
        .collect()
}

/// A timestamp at the very start of a line, in UTC unless it names an
/// offset: `2018-11-29T01:59:49.000Z`, `2018-11-29 01:59:49,123`,
/// `[2024-11-25 10:01:02,123]`, `2024-11-25T10:01:02+01:00`. Returns the
/// milliseconds and the text after it (one separating space or tab dropped).
pub fn leading_timestamp(line: &str) -> Option<(i64, &str)> {
    let s = line.strip_prefix('[').unwrap_or(line);
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0')))
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if matches!(b.get(i), Some(b'.' | b',')) {
        let start = i + 1;
        let mut j = start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let frac = &s[start..j];
        let digits = frac.get(..3.min(frac.len())).unwrap_or("");
        ms = format!("{digits:0<3}").parse().unwrap_or(0);
        i = j;
    }
    let mut offset_min = 0i64;
    match b.get(i) {
        Some(b'Z') => i += 1,
        Some(c @ (b'+' | b'-')) if b.len() >= i + 6 && b[i + 3] == b':' => {
            let sign = if *c == b'-' { -1 } else { 1 };
            offset_min = sign * (num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?);
            i += 6;
        }
        _ => {}
    }
    if b.get(i) == Some(&b']') {
        i += 1;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    let ts = ((days * 86_400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + ms;
    let rest = &s[i..];
    let rest = rest.strip_prefix([' ', '\t']).unwrap_or(rest);
    Some((ts, rest))
}

/// Runs every input of `paths` through `pipeline` into `sink`, in order, as
/// one warm process would. Calls `progress` after each file. Errors are
/// counted in the returned [`Stats`] and the run goes on.
pub async fn run(
    pipeline: &crate::pipeline::Pipeline,
    sink: &crate::sink::Sink,
    paths: &[PathBuf],
    opts: &TextOptions,
    progress: impl FnMut(usize, usize, &Stats),
) -> Result<Stats, crate::sink::SinkError> {
    run_with(pipeline, sink, paths, opts, None, |_, _| {}, progress).await
}

/// The most `_bulk` body one delivery is rendered into before it is sent
/// (its documents, in order, in as many batches as it takes).
pub const MAX_BATCH_BYTES: usize = 4 << 20;

/// Sends one batch and counts what the sink says of it.
async fn send(
    sink: &crate::sink::Sink,
    batch: crate::sink::Batch,
    deadline: Option<std::time::Instant>,
    label: &str,
    stats: &mut Stats,
    on_report: &mut impl FnMut(&str, &crate::sink::SinkReport),
) -> Result<(), crate::sink::SinkError> {
    let report = sink.send(batch, deadline).await?;
    on_report(label, &report);
    stats.indexed += report.indexed;
    stats.retried += report.retried;
    stats.failed += report.failed.len() as u64;
    for f in report.failed {
        stats
            .errors
            .push(format!("{label}: event {} not indexed: {}", f.id, f.reason));
    }
    Ok(())
}

/// [`run`] with a deadline for the whole run (what is not stored by then
/// is reported failed, and later batches are not sent at all) and
/// `on_report`, called with each input's label and sink report (to write
/// the failed items' bytes to a re-drivable file, or show warnings).
/// A `_bulk` body among the inputs is sent as it is.
pub async fn run_with(
    pipeline: &crate::pipeline::Pipeline,
    sink: &crate::sink::Sink,
    paths: &[PathBuf],
    opts: &TextOptions,
    deadline: Option<std::time::Instant>,
    mut on_report: impl FnMut(&str, &crate::sink::SinkReport),
    mut progress: impl FnMut(usize, usize, &Stats),
) -> Result<Stats, crate::sink::SinkError> {
    let limits = pipeline.config().limits;
    let (files, errors) = collect_files(paths);
    let mut total = Stats {
        errors,
        ..Stats::default()
    };
    for (done, file) in files.iter().enumerate() {
        total.files += 1;
        match read_file(file, opts, limits) {
            Err(e) => total.errors.push(e),
            Ok(inputs) => {
                for input in inputs {
                    let label = input.label.clone();
                    if let Ok(Unit::Bulk(batch)) = input.unit {
                        let updates = batch
                            .items
                            .iter()
                            .filter(|i| i.action == crate::sink::Action::Update)
                            .count() as u64;
                        let mut stats = Stats {
                            documents: batch.items.len() as u64 - updates,
                            updates,
                            ..Stats::default()
                        };
                        send(sink, batch, deadline, &label, &mut stats, &mut on_report).await?;
                        total.add(stats);
                        continue;
                    }
                    // The delivery borrows from `inflated`, its text.
                    let mut inflated = input.inflate(limits);
                    let data = match &mut inflated {
                        Ok(inflated) => inflated.delivery(),
                        Err(e) => Err(std::mem::take(e)),
                    };
                    let delivery = match data {
                        Ok(data) => pipeline.merge(data),
                        Err(e) => {
                            total.errors.push(format!("{label}: {e}"));
                            continue;
                        }
                    };
                    let mut joined = pipeline.join(&delivery);
                    let mut stats = std::mem::take(&mut joined.stats);
                    for e in &mut stats.errors {
                        *e = format!("{label}: {e}");
                    }
                    // A large delivery goes out in parts, so that its whole
                    // body is never in memory at once.
                    while let Some(batch) = joined.next_batch(MAX_BATCH_BYTES) {
                        send(sink, batch, deadline, &label, &mut stats, &mut on_report).await?;
                    }
                    total.add(stats);
                }
            }
        }
        progress(done + 1, files.len(), &total);
    }
    sink.flush().await?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_timestamps_in_common_forms() {
        assert_eq!(
            leading_timestamp("2018-11-29T01:59:49.000Z hi"),
            Some((1_543_456_789_000, "hi"))
        );
        assert_eq!(
            leading_timestamp("[2018-11-29 01:59:49,250] WARNING in app"),
            Some((1_543_456_789_250, "WARNING in app"))
        );
        assert_eq!(
            leading_timestamp("2018-11-29T02:59:49+01:00 x"),
            Some((1_543_456_789_000, "x"))
        );
        assert_eq!(
            leading_timestamp("2018-11-29T01:59:49.123456Z"),
            Some((1_543_456_789_123, ""))
        );
        assert_eq!(leading_timestamp("INFO 2018-11-29"), None);
        assert_eq!(leading_timestamp("2018-13-29T01:59:49Z"), None);
    }

    #[test]
    fn text_lines_become_one_event_each_with_stable_ids() {
        let opts = TextOptions::default();
        let a = read_text(
            "f",
            "f.log",
            b"2018-11-29T01:59:49.000Z one\r\n\nno time\n",
            5,
            &opts,
        );
        let b = read_text(
            "f",
            "f.log",
            b"2018-11-29T01:59:49.000Z one\r\n\nno time\n",
            5,
            &opts,
        );
        let (Ok(Unit::Built(a)), Ok(Unit::Built(b))) = (&a[0].unit, &b[0].unit) else {
            panic!()
        };
        assert_eq!(a.events.len(), 2);
        assert_eq!(a.events[0].message, "2018-11-29T01:59:49.000Z one");
        assert_eq!(
            a.events[1].timestamp, 1_543_456_789_000,
            "a line without a time takes the previous one"
        );
        assert_eq!(a.log_group, "replay/f.log");
        assert_eq!(a.events[0].id, b.events[0].id);
        assert_ne!(a.events[0].id, a.events[1].id);
    }

    #[test]
    fn a_bulk_body_is_read_back_as_it_was_written() {
        let body = concat!(
            "{\"index\":{\"_index\":\"cwl-2018.11.29\",\"_id\":\"1\"}}\n{\"@id\":\"1\",\"@message\":\"hi\"}\n",
            "{\"index\":{\"_index\":\"cwl-2018.11.29\"}}\n{\"@id\":\"2\",\"@message\":\"no _id\"}\n",
            "{\"update\":{\"_index\":\"cwl-2018.11.28\",\"_id\":\"0\"}}\n{\"doc\":{\"traceId\":\"ab\"}}\n",
        );
        let inputs = read_bytes(
            "f",
            "failed.ndjson",
            body.as_bytes(),
            0,
            &TextOptions::default(),
            Limits::default(),
        );
        assert_eq!(inputs.len(), 1);
        let Ok(Unit::Bulk(b)) = &inputs[0].unit else {
            panic!("{:?}", inputs[0].unit)
        };
        assert_eq!(b.body, body.as_bytes());
        assert_eq!(b.items.len(), 3);
        assert_eq!(b.id(1), "2");
        assert_eq!(b.items[2].action, crate::sink::Action::Update);
    }

    #[test]
    fn a_bad_line_of_ndjson_is_reported_and_the_next_lines_read() {
        let good = |id: &str| {
            format!(
                r#"{{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{{"id":"{id}","timestamp":1,"message":"m"}}]}}"#
            )
        };
        let body = format!("{}\n{{\"cut\": \n{}\n\n{}\n", good("1"), good("3"), good("5"));
        let inputs = read_bytes(
            "f",
            "f.ndjson",
            body.as_bytes(),
            0,
            &TextOptions::default(),
            Limits::default(),
        );
        let got: Vec<(String, Result<String, String>)> = inputs
            .into_iter()
            .map(|i| {
                let label = i.label.clone();
                (
                    label,
                    i.decode(Limits::default()).map(|d| d.events[0].id.to_string()),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("f: line 1".to_string(), Ok("1".to_string())),
                (
                    "f: line 2".to_string(),
                    Err("not valid JSON: expected `,` or `}` at line 5 column 1".to_string())
                ),
                ("f: line 3".to_string(), Ok("3".to_string())),
                ("f: line 5".to_string(), Ok("5".to_string())),
            ]
        );
    }

    #[test]
    fn a_file_damaged_through_and_through_is_given_up_on() {
        let mut body = String::from("{\"a\":1}\n");
        for _ in 0..30 {
            body.push_str("nope\n");
        }
        let inputs = read_bytes(
            "f",
            "f.json",
            body.as_bytes(),
            0,
            &TextOptions::default(),
            Limits::default(),
        );
        let errors: Vec<String> = inputs
            .iter()
            .filter_map(|i| i.unit.as_ref().err().cloned())
            .collect();
        assert_eq!(errors.len(), 1 + MAX_BAD_LINES_IN_A_ROW + 1, "{errors:?}");
        assert_eq!(
            errors.last().unwrap(),
            "20 lines in a row are not JSON: the rest of the file is not read"
        );
    }

    #[test]
    fn a_bad_pair_in_a_bulk_body_is_reported_and_the_rest_kept() {
        let body = concat!(
            "{\"index\":{\"_index\":\"cwl-x\",\"_id\":\"1\"}}\nnot json\n",
            "{\"delete\":{\"_index\":\"cwl-x\",\"_id\":\"9\"}}\n",
            "{\"index\":{\"_index\":\"cwl-x\",\"_id\":\"2\"}}\n{}\n",
        );
        let inputs = read_bytes(
            "f",
            "f",
            body.as_bytes(),
            0,
            &TextOptions::default(),
            Limits::default(),
        );
        let errors: Vec<String> = inputs
            .iter()
            .filter_map(|i| i.unit.as_ref().err().cloned())
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            inputs
                .iter()
                .any(|i| matches!(&i.unit, Ok(Unit::Bulk(b)) if b.items.len() == 1))
        );
    }
}
