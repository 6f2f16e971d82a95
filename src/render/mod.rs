//! Render: one parsed event becomes one OpenSearch document, written
//! straight into the `_bulk` body (SCHEMA.md, "Index and id" and "Fields").
//!
//! The six fields of the console's "Stream to OpenSearch" function come
//! first, then the fields the bridge adds, then the message's JSON members
//! (or its `extractedFields`). A field the bridge cannot fill is left out; a
//! JSON member named like a bridge field is dropped so the bridge's value
//! wins and the document has no duplicate keys.

mod escape;

use serde_json::{Map, Value};

pub(crate) use escape::escape_mask;
pub use escape::write_json_str;

use crate::decode::LogEvent;
use crate::fields as f;
use crate::parse::{Line, MarkerSet};
use crate::timefmt::Utc;

/// What to do with a message's JSON members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonMode {
    /// At top level, as the console function does.
    #[default]
    Merge,
    /// Under one object field `@json`.
    Nest,
    /// Not at all (they stay in `@message`).
    Off,
}

impl std::str::FromStr for JsonMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "merge" => Ok(JsonMode::Merge),
            "nest" => Ok(JsonMode::Nest),
            "off" => Ok(JsonMode::Off),
            _ => Err("expected merge, nest or off".into()),
        }
    }
}

/// How documents are named and shaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// The index prefix, `cwl` by default.
    pub index_prefix: String,
    /// One index per log group: `<prefix>-<group>-YYYY.MM.DD`.
    pub index_per_group: bool,
    /// What to do with JSON members.
    pub json_mode: JsonMode,
    /// Send `_id` (off for OpenSearch Serverless time-series collections).
    pub send_ids: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            index_prefix: "cwl".into(),
            index_per_group: false,
            json_mode: JsonMode::Merge,
            send_ids: true,
        }
    }
}

/// The delivery-wide values every document of a delivery repeats, escaped
/// once per delivery.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `,"@owner":…,"@log_group":…,"@log_stream":…` as written in each document.
    fields: Vec<u8>,
}

impl Origin {
    /// The origin of a delivery.
    pub fn new(owner: &str, log_group: &str, log_stream: &str) -> Origin {
        let mut fields = Vec::with_capacity(owner.len() + log_group.len() + log_stream.len() + 48);
        str_field(&mut fields, f::OWNER, owner);
        str_field(&mut fields, f::LOG_GROUP, log_group);
        str_field(&mut fields, f::LOG_STREAM, log_stream);
        Origin { fields }
    }

    /// The bytes the origin fields take in each document.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there are no origin fields (never: they are always written).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// The log group as it stands in a per-group index name: lower case, every
/// character OpenSearch refuses in index names turned into `-`, leading
/// `-` trimmed (`/ecs/like-service` → `ecs-like-service`).
pub fn index_group_part(log_group: &str) -> String {
    let mut s: String = log_group
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '_' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    let trimmed = s.trim_start_matches(['-', '_', '.', '+']).len();
    s.drain(..s.len() - trimmed);
    s
}

/// Index names for one delivery, with the per-group part computed once.
#[derive(Debug, Clone)]
pub struct IndexNamer {
    stem: String,
}

impl IndexNamer {
    /// The namer for a delivery of `log_group`.
    pub fn new(opts: &RenderOptions, log_group: &str) -> IndexNamer {
        let mut stem = opts.index_prefix.clone();
        stem.push('-');
        if opts.index_per_group {
            let part = index_group_part(log_group);
            if !part.is_empty() {
                stem.push_str(&part);
                stem.push('-');
            }
        }
        IndexNamer { stem }
    }

    /// Writes the index name of an event at `timestamp` (ms).
    pub fn write(&self, timestamp: i64, out: &mut Vec<u8>) {
        out.extend_from_slice(self.stem.as_bytes());
        Utc::from_millis(timestamp).write_index_date(out);
    }

    /// The index name of an event at `timestamp` (ms).
    pub fn name(&self, timestamp: i64) -> String {
        let mut v = Vec::with_capacity(self.stem.len() + 10);
        self.write(timestamp, &mut v);
        String::from_utf8_lossy(&v).into_owned()
    }
}

/// `,"name":` for the bridge's own field names, which need no escaping.
#[inline(always)]
fn key(out: &mut Vec<u8>, name: &str) {
    debug_assert!(!name.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\'));
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// `,"name":"value"` for values that need no escaping (levels, hex ids).
#[inline(always)]
fn raw_field(out: &mut Vec<u8>, name: &str, value: &str) {
    ascii_field(out, name, value.as_bytes());
}

/// [`raw_field`] for ASCII bytes that need no escaping.
#[inline(always)]
fn ascii_field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    debug_assert!(value.iter().all(|b| b.is_ascii_graphic()));
    key(out, name);
    out.push(b'"');
    out.extend_from_slice(value);
    out.push(b'"');
}

#[inline(always)]
fn str_field(out: &mut Vec<u8>, name: &str, value: &str) {
    key(out, name);
    write_json_str(out, value);
}

#[inline(always)]
fn f64_field(out: &mut Vec<u8>, name: &str, value: Option<f64>) {
    if let Some(v) = value.filter(|v| v.is_finite()) {
        key(out, name);
        let _ = serde_json::to_writer(&mut *out, &v);
    }
}

#[inline(always)]
fn u64_field(out: &mut Vec<u8>, name: &str, value: Option<u64>) {
    if let Some(v) = value {
        key(out, name);
        let _ = serde_json::to_writer(&mut *out, &v);
    }
}

/// About how many bytes [`write_document`] writes for `event` (merged ids
/// and `extractedFields` aside), so that a batch is sized once.
pub fn document_len_hint(event: &LogEvent<'_>, line: &Line<'_>) -> usize {
    let text = |s: &Option<std::borrow::Cow<'_, str>>| s.as_ref().map_or(0, |s| s.len() + 20);
    let message = event.message_json.map_or(event.message.len(), str::len);
    // JSON members are written a second time beside the message.
    let members = if line.json.is_some() { message } else { 0 };
    let mut n = 80 + event.id.len() + message + members;
    n += 24 + 16 * line.markers.len() + text(&line.request_id) + text(&line.service_name);
    n += text(&line.kind);
    if line.trace.is_some() {
        n += 160;
    }
    if line.report.is_some() {
        n += 160;
    }
    if line.http.method.is_some() {
        n += 48 + line.http.path.map_or(0, str::len);
    }
    n
}

/// Writes the document of `event` (no trailing newline).
pub fn write_document(
    out: &mut Vec<u8>,
    origin: &Origin,
    event: &LogEvent<'_>,
    line: &Line<'_>,
    merged_ids: &[String],
    markers: &MarkerSet,
    json_mode: JsonMode,
) {
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(f::ID.as_bytes());
    out.extend_from_slice(b"\":");
    write_json_str(out, &event.id);
    key(out, f::TIMESTAMP);
    out.push(b'"');
    Utc::write_iso_millis(event.timestamp, out);
    out.push(b'"');
    match event.message_json {
        // Valid JSON string content already: copied, not escaped again.
        Some(raw) => {
            key(out, f::MESSAGE);
            out.push(b'"');
            out.extend_from_slice(raw.as_bytes());
            out.push(b'"');
        }
        None => str_field(out, f::MESSAGE, &event.message),
    }
    out.extend_from_slice(&origin.fields);

    if let Some(level) = line.level {
        raw_field(out, f::LEVEL, level.as_str());
    }
    if !line.markers.is_empty() {
        key(out, f::MARKERS);
        out.push(b'[');
        for (i, m) in line.markers.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_json_str(out, markers.name(*m));
        }
        out.push(b']');
    }
    if let Some(r) = &line.request_id {
        str_field(out, f::REQUEST_ID, r);
    }
    if let Some(t) = line.trace {
        ascii_field(out, f::XRAY_TRACE_ID, &t.xray_bytes());
        ascii_field(out, f::TRACE_ID, &t.hex_bytes());
        if let Some(s) = line.span {
            ascii_field(out, f::SPAN_ID, &s.hex_bytes());
        }
        if let Some(src) = line.trace_source {
            raw_field(out, f::TRACE_SOURCE, src.as_str());
        }
    }
    if let Some(s) = &line.service_name {
        str_field(out, f::SERVICE_NAME, s);
    }
    if let Some(k) = &line.kind {
        str_field(out, f::TYPE, k);
    }
    if let Some(r) = &line.report {
        f64_field(out, f::DURATION, r.duration);
        f64_field(out, f::BILLED_DURATION, r.billed_duration);
        f64_field(out, f::INIT_DURATION, r.init_duration);
        u64_field(out, f::MEMORY_SIZE, r.memory_size);
        u64_field(out, f::MAX_MEMORY_USED, r.max_memory_used);
    }
    if let Some(m) = line.http.method {
        str_field(out, f::HTTP_METHOD, m);
    }
    u64_field(out, f::HTTP_STATUS, line.http.status.map(u64::from));
    if let Some(p) = line.http.path {
        str_field(out, f::URL_PATH, p);
    }
    if !merged_ids.is_empty() {
        key(out, f::MERGED_IDS);
        let _ = serde_json::to_writer(&mut *out, merged_ids);
    }

    match (&event.extracted_fields, json_mode) {
        (_, JsonMode::Off) => {}
        (Some(fields), mode) => write_members(out, extracted_members(fields), mode),
        (None, mode) => {
            if let Some(obj) = &line.json {
                write_members(out, obj.iter().map(|(k, v)| (k, Member::Raw(v))), mode);
            }
        }
    }
    out.push(b'}');
}

enum Member<'a> {
    /// A member of the message's own JSON, written as it stands there.
    Raw(crate::rawjson::Raw<'a>),
    Json(&'a Value),
    Number(f64),
    Integer(i64),
}

fn write_members<'a>(
    out: &mut Vec<u8>,
    members: impl Iterator<Item = (&'a str, Member<'a>)>,
    mode: JsonMode,
) {
    let nested = mode == JsonMode::Nest;
    let mut first = true;
    for (name, value) in members {
        if !nested && f::is_bridge_field(name) {
            continue;
        }
        if nested && first {
            key(out, f::JSON_NEST);
            out.push(b'{');
        } else if nested {
            out.push(b',');
        }
        // A member's name is the message's text: escaped, always. Written
        // raw, a name holding `"` and a newline would end the document line
        // and inject `_bulk` actions of its own (a `delete`, say).
        if !nested {
            out.push(b',');
        }
        write_json_str(out, name);
        out.push(b':');
        first = false;
        let _ = match value {
            Member::Raw(v) => {
                v.write(out);
                Ok(())
            }
            Member::Json(v) => serde_json::to_writer(&mut *out, v),
            Member::Number(n) => serde_json::to_writer(&mut *out, &n),
            Member::Integer(n) => serde_json::to_writer(&mut *out, &n),
        };
    }
    if nested && !first {
        out.push(b'}');
    }
}

/// `extractedFields` as the console function writes them: empty values
/// skipped, number-like strings as numbers.
fn extracted_members(fields: &Map<String, Value>) -> impl Iterator<Item = (&str, Member<'_>)> {
    fields.iter().filter_map(|(k, v)| {
        let member = match v {
            Value::String(s) if s.is_empty() => return None,
            Value::Null => return None,
            Value::String(s) => number_like(s).unwrap_or(Member::Json(v)),
            other => Member::Json(other),
        };
        Some((k.as_str(), member))
    })
}

/// A decimal number written as text (`42`, `-3.5`, `1e3`), as a number.
fn number_like(s: &str) -> Option<Member<'static>> {
    let t = s.trim();
    let b = t.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 || !b.iter().all(|c| c.is_ascii_digit() || b"+-.eE".contains(c)) {
        return None;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Member::Integer(i));
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Member::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{self, Rules};

    fn render(message: &str, extracted: Option<Map<String, Value>>, mode: JsonMode) -> Value {
        let event = LogEvent {
            id: "36".into(),
            timestamp: 1_543_456_789_000,
            message: message.into(),
            message_json: None,
            extracted_fields: extracted.map(Box::new),
        };
        let rules = Rules::default();
        let line = parse::parse(&event.message, "/ecs/like-service", &rules);
        let origin = Origin::new("123456789012", "/ecs/like-service", "s");
        let mut out = Vec::new();
        write_document(&mut out, &origin, &event, &line, &[], &rules.markers, mode);
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn the_six_console_fields_are_always_there() {
        let doc = render("", None, JsonMode::Merge);
        assert_eq!(doc["@id"], "36");
        assert_eq!(doc["@timestamp"], "2018-11-29T01:59:49.000Z");
        assert_eq!(doc["@message"], "");
        assert_eq!(doc["@owner"], "123456789012");
        assert_eq!(doc["@log_group"], "/ecs/like-service");
        assert_eq!(doc["@log_stream"], "s");
    }

    #[test]
    fn json_members_merge_and_bridge_fields_win() {
        let doc = render(
            r#"INFO {"user":"x","n":2,"@message":"fake","@id":"evil"}"#,
            None,
            JsonMode::Merge,
        );
        assert_eq!(doc["user"], "x");
        assert_eq!(doc["n"], 2);
        assert_eq!(doc["@id"], "36");
        assert_eq!(
            doc["@message"],
            r#"INFO {"user":"x","n":2,"@message":"fake","@id":"evil"}"#
        );
    }

    #[test]
    fn member_names_are_escaped_in_every_mode() {
        let msg = r#"{"a\"b\\c\nd\u0001":1}"#;
        for mode in [JsonMode::Merge, JsonMode::Nest] {
            let doc = render(msg, None, mode);
            let members = if mode == JsonMode::Nest {
                &doc["@json"]
            } else {
                &doc
            };
            assert_eq!(members["a\"b\\c\nd\u{1}"], 1, "{mode:?}: {doc}");
        }
        let mut fields = Map::new();
        fields.insert("x\"\n".into(), Value::from("1"));
        let doc = render("x", Some(fields), JsonMode::Merge);
        assert_eq!(doc["x\"\n"], 1);
    }

    #[test]
    fn nest_puts_members_under_json_and_off_drops_them() {
        let doc = render(r#"{"user":"x"}"#, None, JsonMode::Nest);
        assert_eq!(doc["@json"]["user"], "x");
        assert!(doc.get("user").is_none());
        let doc = render(r#"{"user":"x"}"#, None, JsonMode::Off);
        assert!(doc.get("user").is_none() && doc.get("@json").is_none());
    }

    #[test]
    fn extracted_fields_replace_json_and_number_like_values_become_numbers() {
        let fields: Map<String, Value> = serde_json::from_str(
            r#"{"ip":"10.0.0.1","status":"404","bytes":"-","ms":"1.5","empty":"","user":"007x"}"#,
        )
        .unwrap();
        let doc = render(r#"10.0.0.1 404 {"ignored":true}"#, Some(fields), JsonMode::Merge);
        assert_eq!(doc["ip"], "10.0.0.1");
        assert_eq!(doc["status"], 404);
        assert_eq!(doc["bytes"], "-");
        assert_eq!(doc["ms"], 1.5);
        assert_eq!(doc["user"], "007x");
        assert!(doc.get("empty").is_none());
        assert!(doc.get("ignored").is_none());
    }

    #[test]
    fn index_names_follow_the_event_date_and_group() {
        let mut opts = RenderOptions::default();
        let namer = IndexNamer::new(&opts, "/ecs/like-service");
        assert_eq!(namer.name(1_732_579_199_999), "cwl-2024.11.25");
        assert_eq!(namer.name(1_732_579_200_000), "cwl-2024.11.26");
        opts.index_per_group = true;
        let namer = IndexNamer::new(&opts, "/ecs/like-service");
        assert_eq!(namer.name(0), "cwl-ecs-like-service-1970.01.01");
        assert_eq!(
            index_group_part("/aws/lambda/My Func:v1"),
            "aws-lambda-my-func-v1"
        );
    }
}
