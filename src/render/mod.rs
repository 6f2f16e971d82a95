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
pub(crate) use escape::write_json_str_content;

use crate::decode::LogEvent;
use crate::fields as f;
use crate::parse::{Line, MarkerSet};
use crate::timefmt::Utc;

/// `,"name":` (with `quote`, `,"name":"`) as one constant piece, made at
/// compile time from a bridge field name, which must need no escaping.
const fn key_piece<const N: usize>(name: &str, quote: bool) -> [u8; N] {
    let name = name.as_bytes();
    assert!(N == name.len() + 4 + quote as usize, "wrong piece length");
    let mut out = [b'"'; N];
    out[0] = b',';
    let mut i = 0;
    while i < name.len() {
        let c = name[i];
        assert!(
            c >= 0x20 && c != b'"' && c != b'\\',
            "a field name needs escaping"
        );
        out[2 + i] = c;
        i += 1;
    }
    out[2 + i + 1] = b':';
    out
}

/// `,"name":` for a bridge field name, one constant slice.
macro_rules! key {
    ($name:expr) => {{
        const PIECE: [u8; $name.len() + 4] = key_piece($name, false);
        &PIECE
    }};
}

/// `,"name":"` for a bridge field name: the key and the opening quote of
/// a string value, one constant slice.
macro_rules! key_quote {
    ($name:expr) => {{
        const PIECE: [u8; $name.len() + 5] = key_piece($name, true);
        &PIECE
    }};
}

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
    /// `","@owner":…,"@log_group":…,"@log_stream":…` as written in each
    /// document, after its message: the first byte closes the message
    /// string, the rest are the origin fields.
    fields: Vec<u8>,
}

impl Origin {
    /// The origin of a delivery.
    pub fn new(owner: &str, log_group: &str, log_stream: &str) -> Origin {
        let mut fields = Vec::with_capacity(owner.len() + log_group.len() + log_stream.len() + 48);
        fields.push(b'"');
        str_field(&mut fields, key_quote!(f::OWNER), owner);
        str_field(&mut fields, key_quote!(f::LOG_GROUP), log_group);
        str_field(&mut fields, key_quote!(f::LOG_STREAM), log_stream);
        Origin { fields }
    }

    /// The bytes the origin fields take in each document.
    pub fn len(&self) -> usize {
        self.fields.len() - 1
    }

    /// True when there are no origin fields (never: they are always written).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

/// `,"name":"value"` for values that need no escaping (levels, sources).
#[inline(always)]
fn raw_field(out: &mut Vec<u8>, key_quote: &[u8], value: &str) {
    debug_assert!(value.bytes().all(|b| b.is_ascii_graphic()));
    out.extend_from_slice(key_quote);
    out.extend_from_slice(value.as_bytes());
    out.push(b'"');
}

/// `,"name":"value"`, the value escaped.
#[inline(always)]
fn str_field(out: &mut Vec<u8>, key_quote: &[u8], value: &str) {
    out.extend_from_slice(key_quote);
    escape::write_json_str_content(out, value);
    out.push(b'"');
}

#[inline(always)]
fn f64_field(out: &mut Vec<u8>, key: &[u8], value: Option<f64>) {
    if let Some(v) = value.filter(|v| v.is_finite()) {
        out.extend_from_slice(key);
        let _ = serde_json::to_writer(&mut *out, &v);
    }
}

#[inline(always)]
fn u64_field(out: &mut Vec<u8>, key: &[u8], value: Option<u64>) {
    if let Some(v) = value {
        out.extend_from_slice(key);
        write_u64(out, v);
    }
}

/// `n` in decimal, as serde_json (itoa) writes an integer: the digits are
/// made two at a time by table from the end of a stack buffer, and
/// appended once.
fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    use crate::timefmt::PAIRS;
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    while n >= 100 {
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[(n % 100) as usize]);
        n /= 100;
    }
    if n >= 10 {
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[n as usize]);
    } else {
        at -= 1;
        buf[at] = b'0' + n as u8;
    }
    out.extend_from_slice(&buf[at..]);
}

/// Where the timestamp starts in [`TIME_PIECE`]: after `","@timestamp":"`.
const TIME_AT: usize = f::TIMESTAMP.len() + 6;

/// `{"@id":"`, the start of every document.
const DOC_START: &[u8] = b"{\"@id\":\"";

/// The close of the id, the timestamp, and the start of the message: one
/// piece of fixed length per document, `","@timestamp":"…","@message":"`.
const TIME_PIECE: &[u8; TIME_AT + 24 + 14] =
    b"\",\"@timestamp\":\"0000-00-00T00:00:00.000Z\",\"@message\":\"";

/// Where the X-Ray digits start in [`trace_piece`]: after `,"@xrayTraceId":"`.
const XRAY_AT: usize = f::XRAY_TRACE_ID.len() + 5;
/// Where the 32 hex digits start: after the X-Ray id, its `"` and `,"traceId":"`.
const HEX_AT: usize = XRAY_AT + 35 + 1 + f::TRACE_ID.len() + 5;
/// The length of [`trace_piece`].
const TRACE_PIECE_LEN: usize = HEX_AT + 32 + 1;

/// `,"@xrayTraceId":"1-…-…","traceId":"…"`: both spellings of a trace in
/// one piece of fixed length, the hex digits made once.
fn trace_piece(t: crate::parse::TraceId) -> [u8; TRACE_PIECE_LEN] {
    let hex = t.hex_bytes();
    let mut p = [b'"'; TRACE_PIECE_LEN];
    p[..XRAY_AT].copy_from_slice(key_quote!(f::XRAY_TRACE_ID));
    p[XRAY_AT..XRAY_AT + 2].copy_from_slice(b"1-");
    p[XRAY_AT + 2..XRAY_AT + 10].copy_from_slice(&hex[..8]);
    p[XRAY_AT + 10] = b'-';
    p[XRAY_AT + 11..XRAY_AT + 35].copy_from_slice(&hex[8..]);
    p[XRAY_AT + 36..HEX_AT].copy_from_slice(key_quote!(f::TRACE_ID));
    p[HEX_AT..HEX_AT + 32].copy_from_slice(&hex);
    p
}

/// Where the span's digits start in [`span_piece`]: after `,"spanId":"`.
const SPAN_AT: usize = f::SPAN_ID.len() + 5;

/// `,"spanId":"…"`.
fn span_piece(s: crate::parse::SpanId) -> [u8; SPAN_AT + 17] {
    let mut p = [b'"'; SPAN_AT + 17];
    p[..SPAN_AT].copy_from_slice(key_quote!(f::SPAN_ID));
    p[SPAN_AT..SPAN_AT + 16].copy_from_slice(&s.hex_bytes());
    p
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
    let doc = Doc {
        origin,
        event,
        line,
        merged_ids,
        markers,
        json_mode,
    };
    write_doc(out, None, &doc);
}

/// What [`write_document`] writes from.
pub(crate) struct Doc<'a> {
    pub(crate) origin: &'a Origin,
    pub(crate) event: &'a LogEvent<'a>,
    pub(crate) line: &'a Line<'a>,
    pub(crate) merged_ids: &'a [String],
    pub(crate) markers: &'a MarkerSet,
    pub(crate) json_mode: JsonMode,
}

/// [`write_document`], and when `escaped_id` is given, the id is copied
/// from there in `out` (the bulk action line just before it holds it
/// escaped) rather than escaped a second time.
pub(crate) fn write_doc(out: &mut Vec<u8>, escaped_id: Option<std::ops::Range<usize>>, doc: &Doc<'_>) {
    let Doc {
        origin,
        event,
        line,
        merged_ids,
        markers,
        json_mode,
    } = *doc;
    out.extend_from_slice(DOC_START);
    match escaped_id {
        Some(at) => out.extend_from_within(at),
        None => escape::write_json_str_content(out, &event.id),
    }
    let mut time = *TIME_PIECE;
    time[TIME_AT..TIME_AT + 24].copy_from_slice(&Utc::iso_millis(event.timestamp));
    out.extend_from_slice(&time);
    match event.message_json {
        // Valid JSON string content already: copied, not escaped again.
        Some(raw) => out.extend_from_slice(raw.as_bytes()),
        None => escape::write_json_str_content(out, &event.message),
    }
    // The message's closing quote, then the origin fields.
    out.extend_from_slice(&origin.fields);

    if let Some(level) = line.level {
        raw_field(out, key_quote!(f::LEVEL), level.as_str());
    }
    if let Some((first, rest)) = line.markers.split_first() {
        out.extend_from_slice(key!(f::MARKERS));
        out.push(b'[');
        write_json_str(out, markers.name(*first));
        for m in rest {
            out.push(b',');
            write_json_str(out, markers.name(*m));
        }
        out.push(b']');
    }
    if let Some(r) = &line.request_id {
        str_field(out, key_quote!(f::REQUEST_ID), r);
    }
    if let Some(t) = line.trace {
        out.extend_from_slice(&trace_piece(t));
        if let Some(s) = line.span {
            out.extend_from_slice(&span_piece(s));
        }
        if let Some(src) = line.trace_source {
            raw_field(out, key_quote!(f::TRACE_SOURCE), src.as_str());
        }
    }
    if let Some(s) = &line.service_name {
        str_field(out, key_quote!(f::SERVICE_NAME), s);
    }
    if let Some(k) = &line.kind {
        str_field(out, key_quote!(f::TYPE), k);
    }
    if let Some(r) = &line.report {
        f64_field(out, key!(f::DURATION), r.duration);
        f64_field(out, key!(f::BILLED_DURATION), r.billed_duration);
        f64_field(out, key!(f::INIT_DURATION), r.init_duration);
        u64_field(out, key!(f::MEMORY_SIZE), r.memory_size);
        u64_field(out, key!(f::MAX_MEMORY_USED), r.max_memory_used);
    }
    if let Some(m) = line.http.method {
        str_field(out, key_quote!(f::HTTP_METHOD), m);
    }
    u64_field(out, key!(f::HTTP_STATUS), line.http.status.map(u64::from));
    if let Some(p) = line.http.path {
        str_field(out, key_quote!(f::URL_PATH), p);
    }
    if !merged_ids.is_empty() {
        out.extend_from_slice(key!(f::MERGED_IDS));
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
            out.extend_from_slice(key!(f::JSON_NEST));
            out.extend_from_slice(b"{\"");
        } else {
            out.extend_from_slice(b",\"");
        }
        // A member's name is the message's text: escaped, always. Written
        // raw, a name holding `"` and a newline would end the document line
        // and inject `_bulk` actions of its own (a `delete`, say).
        escape::write_json_str_content(out, name);
        out.extend_from_slice(b"\":");
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

    /// The old writers the constant pieces replaced: `,"name":` and a
    /// serde_json string, field by field.
    fn old_field(name: &str, value: &str) -> Vec<u8> {
        let mut v = format!(",{}:", serde_json::to_string(name).unwrap()).into_bytes();
        serde_json::to_writer(&mut v, value).unwrap();
        v
    }

    #[test]
    fn constant_pieces_are_the_key_and_quote() {
        assert_eq!(key!(f::LEVEL), b",\"@level\":");
        assert_eq!(key_quote!(f::REQUEST_ID), b",\"@requestId\":\"");
        // The literal pieces follow the contract's names (a rename fails here).
        assert_eq!(DOC_START, format!("{{\"{}\":\"", f::ID).as_bytes());
        let time = format!("\",\"{}\":\"", f::TIMESTAMP);
        assert_eq!(&TIME_PIECE[..TIME_AT], time.as_bytes());
        let message = format!("\",\"{}\":\"", f::MESSAGE);
        assert_eq!(&TIME_PIECE[TIME_AT + 24..], message.as_bytes());
        let mut v = Vec::new();
        str_field(&mut v, key_quote!(f::SERVICE_NAME), "a\"b\n");
        assert_eq!(v, old_field(f::SERVICE_NAME, "a\"b\n"));
    }

    /// A document whose id needs escaping, through the batch's shared id and
    /// through [`write_document`] alone: the same bytes.
    #[test]
    fn a_shared_escaped_id_is_the_id_escaped_again() {
        for id in [
            "36",
            "",
            "a\"b\\c\n\u{1}",
            "0123456789012345678901234567890123456789012345678901234567",
        ] {
            let event = LogEvent {
                id: id.into(),
                timestamp: 1_732_541_400_123,
                message: "x".into(),
                message_json: None,
                extracted_fields: None,
            };
            let rules = Rules::default();
            let line = parse::parse(&event.message, "/g", &rules);
            let origin = Origin::new("1", "/g", "s");
            let mut alone = Vec::new();
            write_document(
                &mut alone,
                &origin,
                &event,
                &line,
                &[],
                &rules.markers,
                JsonMode::Merge,
            );
            let doc = Doc {
                origin: &origin,
                event: &event,
                line: &line,
                merged_ids: &[],
                markers: &rules.markers,
                json_mode: JsonMode::Merge,
            };
            for send_ids in [true, false] {
                let mut batch = crate::sink::Batch::default();
                batch.push_with_id(crate::sink::Action::Index, "i", id, send_ids, |out, at| {
                    write_doc(out, at, &doc)
                });
                assert_eq!(batch.doc_bytes(0), alone.as_slice(), "{id:?}");
                let parsed: Value = serde_json::from_slice(&alone).unwrap();
                assert_eq!(parsed["@id"], id);
            }
        }
    }

    proptest::proptest! {
        /// Integers are written as serde_json writes them.
        #[test]
        fn integers_are_written_like_serde_json(n in proptest::prelude::any::<u64>(), small in 0u64..1000) {
            for n in [n, small, 0, u64::MAX] {
                let mut v = Vec::new();
                write_u64(&mut v, n);
                proptest::prop_assert_eq!(v, serde_json::to_vec(&n).unwrap());
            }
        }

        /// Both spellings of a trace and the span, in their fixed pieces,
        /// are the old field by field writing.
        #[test]
        fn trace_and_span_pieces_are_the_old_fields(t in 1u128.., s in 1u64..) {
            let trace = crate::parse::TraceId::from_u128(t).unwrap();
            let span = crate::parse::SpanId::from_u64(s).unwrap();
            let mut want = old_field(f::XRAY_TRACE_ID, &trace.xray());
            want.extend(old_field(f::TRACE_ID, &format!("{t:032x}")));
            proptest::prop_assert_eq!(trace_piece(trace).to_vec(), want);
            proptest::prop_assert_eq!(span_piece(span).to_vec(), old_field(f::SPAN_ID, &format!("{s:016x}")));
            proptest::prop_assert_eq!(trace.hex(), format!("{t:032x}"));
            proptest::prop_assert_eq!(span.hex(), format!("{s:016x}"));
        }
    }
}
