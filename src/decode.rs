//! Decode: a CloudWatch Logs subscription delivery, from the Lambda event
//! `{"awslogs":{"data":"…"}}` through base64 and gzip to a typed [`LogsData`].
//!
//! Every step is bounded by [`Limits`]: the base64 text may not decode to
//! more bytes than the limit, and gunzip stops before its output would pass
//! it (growing it never past it), so a gzip bomb costs one clear
//! [`DecodeError::TooLarge`] and at most the limit in memory. `aws_lambda_events`' own `LogsEvent` deserializer inflates with
//! no cap, which is why the payload is decoded here.
//!
//! The delivery's structure (message type, owner, group, stream, the
//! `logEvents` array) must be right or the whole delivery is an error. Each
//! entry of `logEvents` is then checked on its own: an entry that cannot
//! become a document is a [`Refusal`] naming its position and id, and the
//! others go on (SCHEMA.md, "Input").

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::rawjson::{Raw, RawStr, Reader};
use crate::timefmt::{MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS};

/// Default cap on the decoded (inflated) JSON of one delivery: 64 MiB.
pub const DEFAULT_MAX_DECODED_BYTES: usize = 64 << 20;

/// Bounds on what one delivery may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes one delivery may inflate to; also the most its base64
    /// text may decode to.
    pub max_decoded_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decoded_bytes: DEFAULT_MAX_DECODED_BYTES,
        }
    }
}

/// What went wrong decoding a delivery. The caller adds where it came from
/// (file, line, Lambda request).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The event is not `{"awslogs":{"data":"…"}}`.
    #[error("not a CloudWatch Logs subscription event: {0}")]
    Envelope(String),
    /// `awslogs.data` is not base64.
    #[error("awslogs.data is not valid base64: {0}")]
    Base64(String),
    /// A size limit was exceeded.
    #[error("{what} exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Which part was too large.
        what: &'static str,
        /// The limit in force.
        limit: usize,
    },
    /// The payload is not gzip, or the gzip stream is damaged.
    #[error("payload is not valid gzip after {inflated} inflated bytes: {source}")]
    Gzip {
        /// Bytes inflated before the failure.
        inflated: usize,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The inflated payload is not subscription JSON.
    #[error("payload is not CloudWatch Logs subscription JSON{}: {message}", position(*.line, *.column))]
    Json {
        /// 1-based line of the error in the inflated JSON; 0 when the JSON
        /// was parsed already and only its shape is wrong.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// `messageType` is neither `DATA_MESSAGE` nor `CONTROL_MESSAGE`.
    #[error("unknown messageType {0:?} (expected DATA_MESSAGE or CONTROL_MESSAGE)")]
    MessageType(String),
}

/// ` at line L column C`, or nothing for an error with no position.
fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" at line {line} column {column}")
    }
}

impl From<serde_json::Error> for DecodeError {
    fn from(e: serde_json::Error) -> Self {
        // serde_json appends " at line L column C" to its Display; keep the
        // bare message and report the position in our own words.
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        DecodeError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

/// `DATA_MESSAGE` or `CONTROL_MESSAGE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// Log events to index.
    Data,
    /// CloudWatch Logs checking that the destination is reachable; no documents.
    Control,
}

/// One decoded delivery. Its ids and messages borrow from the inflated JSON
/// when they hold no escapes ([`parse_json`]); [`LogsData::into_owned`]
/// frees it from that buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsData<'a> {
    /// Data or control.
    pub message_type: MessageType,
    /// The AWS account id that owns the log group.
    pub owner: String,
    /// The log group.
    pub log_group: String,
    /// The log stream.
    pub log_stream: String,
    /// The subscription filters that matched.
    pub subscription_filters: Vec<String>,
    /// The entries that can become documents, in delivery order, one per id
    /// (the later of two entries with the same id).
    pub events: Vec<LogEvent<'a>>,
    /// The entries that cannot, with the reason.
    pub refused: Vec<Refusal>,
    /// How many entries were dropped because a later one had the same id.
    pub duplicates: usize,
}

impl LogsData<'_> {
    /// The same delivery, owning its strings.
    pub fn into_owned(self) -> LogsData<'static> {
        LogsData {
            message_type: self.message_type,
            owner: self.owner,
            log_group: self.log_group,
            log_stream: self.log_stream,
            subscription_filters: self.subscription_filters,
            events: self.events.into_iter().map(LogEvent::into_owned).collect(),
            refused: self.refused,
            duplicates: self.duplicates,
        }
    }
}

/// One log event of a delivery.
#[derive(Debug, Clone)]
pub struct LogEvent<'a> {
    /// The event id (the document `_id`).
    pub id: Cow<'a, str>,
    /// Milliseconds since the epoch, within years 1970..=9999.
    pub timestamp: i64,
    /// The message, exactly as received.
    pub message: Cow<'a, str>,
    /// The same message as it stands in the delivery JSON, between its
    /// quotes, escapes as written (valid JSON string content, no lone
    /// surrogate), when it is known: the renderer copies it instead of
    /// escaping `message` again. Whoever changes `message` sets it to `None`.
    pub message_json: Option<&'a str>,
    /// The fields a space-delimited filter pattern extracted, if any.
    /// Boxed: rare, and a delivery's events are all in memory at once.
    pub extracted_fields: Option<Box<Map<String, Value>>>,
}

/// Equal when id, timestamp, message and fields are: `message_json` is the
/// message in another spelling.
impl PartialEq for LogEvent<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.timestamp == other.timestamp
            && self.message == other.message
            && self.extracted_fields == other.extracted_fields
    }
}

impl LogEvent<'_> {
    /// The same event, owning its strings (and without `message_json`).
    pub fn into_owned(self) -> LogEvent<'static> {
        LogEvent {
            id: Cow::Owned(self.id.into_owned()),
            timestamp: self.timestamp,
            message: Cow::Owned(self.message.into_owned()),
            message_json: None,
            extracted_fields: self.extracted_fields,
        }
    }
}

/// A `logEvents` entry that cannot become a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 0-based position in `logEvents`.
    pub position: usize,
    /// The entry's id, when it has a usable one.
    pub id: Option<String>,
    /// What is wrong with it.
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "event {} (id {id}): {}", self.position, self.reason),
            None => write!(f, "event {}: {}", self.position, self.reason),
        }
    }
}

mod b64;

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    awslogs: AwsLogs<'a>,
}

#[derive(Deserialize)]
struct AwsLogs<'a> {
    #[serde(borrow)]
    data: std::borrow::Cow<'a, str>,
}

/// Decodes a Lambda event `{"awslogs":{"data":"…"}}` given as JSON bytes,
/// into a delivery that owns its strings. [`inflate_event`] then
/// [`parse_json`] gives one that borrows them from the inflated JSON.
pub fn decode_event(event: &[u8], limits: Limits) -> Result<LogsData<'static>, DecodeError> {
    parse_json(&inflate_event(event, limits)?).map(LogsData::into_owned)
}

/// Decodes the value of `awslogs.data`: base64 of gzip of JSON (owned, as
/// [`decode_event`]).
pub fn decode_data(data: &str, limits: Limits) -> Result<LogsData<'static>, DecodeError> {
    parse_json(&inflate_data(data, limits)?).map(LogsData::into_owned)
}

/// The subscription JSON of a Lambda event `{"awslogs":{"data":"…"}}`:
/// base64-decoded and inflated, not parsed yet ([`parse_json`]).
pub fn inflate_event(event: &[u8], limits: Limits) -> Result<Vec<u8>, DecodeError> {
    if let Some(data) = compact_envelope_data(event) {
        let gz = base64_bytes(data, limits)?;
        return gunzip(&gz, limits);
    }
    let env: Envelope<'_> =
        serde_json::from_slice(event).map_err(|e| DecodeError::Envelope(e.to_string()))?;
    inflate_data(&env.awslogs.data, limits)
}

/// The text of `awslogs.data` when the event is exactly
/// `{"awslogs":{"data":"…"}}` (blanks around it allowed) and the string
/// holds no escape, as the Lambda service writes it; `None` for any other
/// spelling, which serde then reads to the same value. Found with one
/// `memchr2` rather than a byte loop over a megabyte of base64.
fn compact_envelope_data(event: &[u8]) -> Option<&[u8]> {
    const HEAD: &[u8] = br#"{"awslogs":{"data":""#;
    let rest = event.trim_ascii().strip_prefix(HEAD)?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    let data = &rest[..end];
    // What serde would refuse in a string (a control byte) or read as
    // something else than base64 can hold (non-ASCII) goes to serde, so
    // that such an event fails with the same error either way. A
    // branch-free fold: it vectorises.
    let plain = data.iter().fold(true, |ok, &c| ok & (0x20..0x80).contains(&c));
    (plain && rest.get(end..)? == br#""}}"#).then_some(data)
}

/// The subscription JSON of an `awslogs.data` value (base64, then gzip).
pub fn inflate_data(data: &str, limits: Limits) -> Result<Vec<u8>, DecodeError> {
    let gz = decode_base64(data, limits)?;
    gunzip(&gz, limits)
}

/// Decodes base64 (padded or not), refusing text that would decode to more
/// than the limit before allocating for it.
pub fn decode_base64(data: &str, limits: Limits) -> Result<Vec<u8>, DecodeError> {
    base64_bytes(data.as_bytes(), limits)
}

/// [`decode_base64`] of bytes (base64 is ASCII: anything else is an error).
fn base64_bytes(data: &[u8], limits: Limits) -> Result<Vec<u8>, DecodeError> {
    let data = data.trim_ascii();
    if data.len() / 4 * 3 > limits.max_decoded_bytes {
        return Err(DecodeError::TooLarge {
            what: "awslogs.data",
            limit: limits.max_decoded_bytes,
        });
    }
    // The crate gives the error, from the whole text.
    b64::decode(data).map_or_else(
        || {
            BASE64
                .decode(data)
                .map_err(|e| DecodeError::Base64(e.to_string()))
        },
        Ok,
    )
}

/// Inflates gzip (one or more members), stopping with
/// [`DecodeError::TooLarge`] as soon as the output would pass the limit.
/// The output grows by doubling but never past the limit, so a delivery
/// holds at most the limit in memory (a gzip bomb included).
pub fn gunzip(gz: &[u8], limits: Limits) -> Result<Vec<u8>, DecodeError> {
    let cap = limits.max_decoded_bytes;
    // Deliveries inflate about ten-fold; reserve for that, within the cap.
    let mut out = Vec::with_capacity(gz.len().saturating_mul(10).max(64).min(cap));
    #[allow(clippy::disallowed_types)] // the one capped use of the decoder
    let mut decoder = flate2::read::MultiGzDecoder::new(gz);
    let mut chunk = [0u8; 32 * 1024];
    loop {
        let n = match decoder.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(DecodeError::Gzip {
                    inflated: out.len(),
                    source,
                });
            }
        };
        if n > cap - out.len() {
            return Err(DecodeError::TooLarge {
                what: "inflated payload",
                limit: cap,
            });
        }
        if out.capacity() - out.len() < n {
            // Vec's own growth would double past the cap (up to twice it).
            let want = out.capacity().saturating_mul(2).clamp(out.len() + n, cap);
            out.reserve_exact(want - out.len());
        }
        out.extend_from_slice(&chunk[..n]);
    }
    Ok(out)
}

/// Makes decoded subscription JSON readable when a message holds what no
/// Rust string (and no JSON document sent on to OpenSearch) can carry:
/// bytes that are not UTF-8, and lone UTF-16 surrogate escapes (`\ud800`
/// without its pair, as a Java or JavaScript program can log). Each becomes
/// U+FFFD, as CloudWatch Logs does for invalid UTF-8; everything else stays
/// byte for byte. Without this one such message would fail its whole
/// delivery, on every retry and re-drive. Borrows when nothing needed
/// replacing (the usual case).
pub fn repair_text(json: &[u8]) -> Cow<'_, [u8]> {
    let mut text: Cow<'_, [u8]> = match std::str::from_utf8(json) {
        Ok(_) => Cow::Borrowed(json),
        Err(_) => Cow::Owned(String::from_utf8_lossy(json).into_owned().into_bytes()),
    };
    let lone = lone_surrogates(&text);
    if !lone.is_empty() {
        let bytes = text.to_mut();
        for at in lone {
            // `\uD800` and `\uFFFD` are both six bytes: offsets stay put.
            bytes[at..at + 6].copy_from_slice(b"\\uFFFD");
        }
    }
    text
}

/// Offsets of the `\uXXXX` escapes of `json` that are lone surrogates. A
/// backslash outside a string is a JSON error anyway, so escapes are
/// found without tracking strings.
fn lone_surrogates(json: &[u8]) -> Vec<usize> {
    let unit = |at: usize| -> Option<u16> {
        if json.get(at..at + 2)? != b"\\u" {
            return None;
        }
        let hex = std::str::from_utf8(json.get(at + 2..at + 6)?).ok()?;
        u16::from_str_radix(hex, 16).ok()
    };
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'\\', &json[i..]) {
        let at = i + off;
        match unit(at) {
            Some(0xD800..=0xDBFF) if matches!(unit(at + 6), Some(0xDC00..=0xDFFF)) => i = at + 12,
            Some(0xD800..=0xDFFF) => {
                out.push(at);
                i = at + 6;
            }
            Some(_) => i = at + 6,
            // `\\`, `\"`, `\n`…: the escaped character is never a backslash
            // that starts an escape.
            None => i = at + 2,
        }
        if i >= json.len() {
            break;
        }
    }
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireData {
    message_type: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    log_group: String,
    #[serde(default)]
    log_stream: String,
    #[serde(default)]
    subscription_filters: Vec<String>,
    log_events: Vec<WireEvent>,
}

#[derive(Deserialize)]
struct WireEvent {
    #[serde(default)]
    id: Value,
    #[serde(default)]
    timestamp: Value,
    #[serde(default)]
    message: Value,
    #[serde(default, rename = "extractedFields")]
    extracted_fields: Value,
}

/// Parses decoded subscription JSON (what `awslogs.data` inflates to).
/// Invalid UTF-8 and lone surrogate escapes become U+FFFD ([`repair_text`]).
///
/// A well-formed delivery is read in one pass that builds nothing but the
/// events, whose ids and messages borrow from `json` (when they hold no
/// escapes) and keep the message's JSON text ([`LogEvent::message_json`]).
/// Anything else (a refused entry, a repair, a duplicate member, an
/// error) is parsed again by `serde_json`, which gives the errors, the
/// refusals and the repairs.
pub fn parse_json(json: &[u8]) -> Result<LogsData<'_>, DecodeError> {
    match parse_well_formed(json) {
        Some(data) => Ok(data),
        None => parse_json_serde(json),
    }
}

/// [`parse_json`] by `serde_json` alone: every string owned.
fn parse_json_serde(json: &[u8]) -> Result<LogsData<'static>, DecodeError> {
    from_wire(serde_json::from_slice(&repair_text(json))?)
}

/// Checks an already parsed subscription JSON value.
pub fn parse_value(value: Value) -> Result<LogsData<'static>, DecodeError> {
    from_wire(serde_json::from_value(value)?)
}

/// Sets `slot` once: a second member of the same name is `None` (serde's
/// "duplicate field" error, left to serde to report).
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

/// The fast path of [`parse_json`]: the delivery when it is valid UTF-8
/// JSON that `serde_json` would read into exactly this (every member of the
/// delivery once, no unknown `messageType`) and every entry of `logEvents`
/// can become a document. `None` for anything else.
fn parse_well_formed(json: &[u8]) -> Option<LogsData<'_>> {
    // simdutf8 (already in the build through the HTTP stack): a megabyte
    // is checked at a fraction of std's cost; an error goes to serde.
    let text = simdutf8::basic::from_utf8(json).ok()?;
    let mut r = Reader::new(text);
    let mut message_type = None;
    let mut owner = None;
    let mut log_group = None;
    let mut log_stream = None;
    let mut filters = None;
    let mut events = None;
    // Whether the ids grow, checked while each is fresh in the cache.
    let mut growing = true;
    let mut prev_digits = false;
    let owned = |s: RawStr<'_>| s.decode().into_owned();
    r.object(|name, r| match &*name.decode() {
        "messageType" => {
            let t = match &*r.string()?.decode() {
                "DATA_MESSAGE" => MessageType::Data,
                "CONTROL_MESSAGE" => MessageType::Control,
                _ => return None,
            };
            once(&mut message_type, t)
        }
        "owner" => once(&mut owner, owned(r.string()?)),
        "logGroup" => once(&mut log_group, owned(r.string()?)),
        "logStream" => once(&mut log_stream, owned(r.string()?)),
        "subscriptionFilters" => {
            let mut v = Vec::new();
            r.array(|r| {
                v.push(owned(r.string()?));
                Some(())
            })?;
            once(&mut filters, v)
        }
        "logEvents" => {
            let mut v: Vec<LogEvent<'_>> = Vec::with_capacity(SAMPLE_EVENTS);
            let from = r.offset();
            r.array(|r| {
                if v.len() == SAMPLE_EVENTS {
                    // Room for the rest at the size of the first ones (and a
                    // quarter more), instead of doubling and copying.
                    let per_event = (r.offset() - from) / SAMPLE_EVENTS + 1;
                    v.reserve(r.rest().len() / per_event * 5 / 4);
                }
                let (event, digits) = well_formed_event(r)?;
                if growing && let Some(prev) = v.last() {
                    growing = id_key_of(&prev.id, prev_digits) < id_key_of(&event.id, digits);
                }
                prev_digits = digits;
                v.push(event);
                Some(())
            })?;
            if v.capacity() - v.len() > v.len() / 8 {
                // The estimate was high: give back what a large delivery
                // would otherwise hold until it is rendered.
                v.shrink_to_fit();
            }
            once(&mut events, v)
        }
        _ => r.value().map(drop),
    })?;
    if !r.at_end() {
        return None;
    }
    let message_type = message_type?;
    let mut events = events?;
    if message_type == MessageType::Control {
        events.clear();
    }
    let mut data = LogsData {
        message_type,
        owner: owner.unwrap_or_default(),
        log_group: log_group.unwrap_or_default(),
        log_stream: log_stream.unwrap_or_default(),
        subscription_filters: filters.unwrap_or_default(),
        events,
        refused: Vec::new(),
        duplicates: 0,
    };
    if !growing {
        data.duplicates = keep_last_of_each_id(&mut data.events);
    }
    Some(data)
}

/// Entries read before the `logEvents` vector is sized from them.
const SAMPLE_EVENTS: usize = 64;

/// One `logEvents` entry that can become a document, as [`check_event`]
/// would give it, and whether its id is all digits; `None` for anything
/// else.
fn well_formed_event<'a>(r: &mut Reader<'a>) -> Option<(LogEvent<'a>, bool)> {
    if let Some(event) = compact_event(r) {
        return Some(event);
    }
    let mut id = None;
    let mut timestamp = None;
    let mut message: Option<(RawStr<'a>, Cow<'a, str>)> = None;
    let mut extracted = None;
    r.object(|name, r| match &*name.decode() {
        "id" => once(&mut id, r.string_value().filter(|(s, _)| !s.raw().is_empty())?),
        "timestamp" => {
            r.peek()?;
            let t = match short_digits(r.rest().as_bytes()) {
                Some((t, n)) => {
                    r.skip(n);
                    t
                }
                // Plain digits: a whole number serde reads as an integer.
                None => match r.value()? {
                    Raw::Num(n) if n.bytes().all(|c| c.is_ascii_digit()) => n.parse::<i64>().ok()?,
                    _ => return None,
                },
            };
            once(&mut timestamp, t)
        }
        "message" => once(&mut message, r.string_value()?),
        "extractedFields" => {
            let fields = match r.value()? {
                Raw::Null => None,
                Raw::Object(t) => Some(serde_json::from_str(t).ok()?),
                _ => return None,
            };
            once(&mut extracted, fields)
        }
        _ => r.value().map(drop),
    })?;
    let timestamp = timestamp.filter(|t| (MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(t))?;
    let (message_json, message) = message?;
    let id = id?.1;
    let digits = all_digits(id.as_bytes());
    let event = LogEvent {
        id,
        timestamp,
        message,
        message_json: Some(message_json.raw()),
        extracted_fields: extracted.flatten().map(Box::new),
    };
    Some((event, digits))
}

/// An entry exactly as CloudWatch Logs writes it,
/// `{"id":"…","timestamp":…,"message":"…"}` with no blanks, read without
/// looking up member names; `None` (the reader untouched) for any other
/// spelling, which [`well_formed_event`] then reads member by member to
/// the same event.
#[inline]
fn compact_event<'a>(r: &mut Reader<'a>) -> Option<(LogEvent<'a>, bool)> {
    let from = r.offset();
    let event = compact_event_at(r);
    if event.is_none() {
        r.rewind(from);
    }
    event
}

#[inline]
fn compact_event_at<'a>(c: &mut Reader<'a>) -> Option<(LogEvent<'a>, bool)> {
    c.peek()?;
    c.literal(b"{\"id\":")?;
    // CloudWatch Logs' ids are digits: found by the digit test itself,
    // which the order check needs anyway, rather than by a string scan.
    let (id, digits) = match quoted_digits(c.rest().as_bytes()) {
        Some(n) => {
            let id = c.rest().get(1..1 + n)?;
            c.skip(n + 2);
            (Cow::Borrowed(id), true)
        }
        None => {
            let (id_json, id) = c.string_value()?;
            if id_json.raw().is_empty() {
                return None;
            }
            let digits = all_digits(id.as_bytes());
            (id, digits)
        }
    };
    c.literal(b",\"timestamp\":")?;
    let (timestamp, n) = short_digits(c.rest().as_bytes())?;
    c.skip(n);
    if !(MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(&timestamp) {
        return None;
    }
    c.literal(b",\"message\":")?;
    let (message_json, message) = c.string_value()?;
    c.literal(b"}")?;
    let event = LogEvent {
        id,
        timestamp,
        message,
        message_json: Some(message_json.raw()),
        extracted_fields: None,
    };
    Some((event, digits))
}

fn from_wire(wire: WireData) -> Result<LogsData<'static>, DecodeError> {
    let message_type = match wire.message_type.as_str() {
        "DATA_MESSAGE" => MessageType::Data,
        "CONTROL_MESSAGE" => MessageType::Control,
        other => return Err(DecodeError::MessageType(other.to_string())),
    };
    let mut data = LogsData {
        message_type,
        owner: wire.owner,
        log_group: wire.log_group,
        log_stream: wire.log_stream,
        subscription_filters: wire.subscription_filters,
        events: Vec::with_capacity(wire.log_events.len()),
        refused: Vec::new(),
        duplicates: 0,
    };
    if message_type == MessageType::Control {
        return Ok(data);
    }
    for (position, raw) in wire.log_events.into_iter().enumerate() {
        match check_event(raw) {
            Ok(event) => data.events.push(event),
            Err((id, reason)) => data.refused.push(Refusal { position, id, reason }),
        }
    }
    data.duplicates = keep_last_of_each_id(&mut data.events);
    Ok(data)
}

fn check_event(raw: WireEvent) -> Result<LogEvent<'static>, (Option<String>, String)> {
    let id = match raw.id {
        Value::String(s) if !s.is_empty() => s,
        Value::String(_) => return Err((None, "empty id".into())),
        Value::Null => return Err((None, "no id".into())),
        other => return Err((None, format!("id is {}, not a string", kind(&other)))),
    };
    let timestamp = match &raw.timestamp {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(t), _) => t,
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e17 => f as i64,
            // Past i64 (a u64, 1e300): whole, but no date.
            (None, Some(f)) if f.fract() == 0.0 => {
                return Err((Some(id), format!("timestamp {n} is outside the years 1970-9999")));
            }
            _ => return Err((Some(id), format!("timestamp {n} is not a whole number"))),
        },
        Value::Null => return Err((Some(id), "no timestamp".into())),
        other => {
            let k = kind(other);
            return Err((Some(id), format!("timestamp is {k}, not a number")));
        }
    };
    if !(MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(&timestamp) {
        return Err((
            Some(id),
            format!("timestamp {timestamp} is outside the years 1970-9999"),
        ));
    }
    let message = match raw.message {
        Value::String(s) => s,
        Value::Null => return Err((Some(id), "no message".into())),
        other => {
            let k = kind(&other);
            return Err((Some(id), format!("message is {k}, not a string")));
        }
    };
    let extracted_fields = match raw.extracted_fields {
        Value::Object(m) => Some(Box::new(m)),
        Value::Null => None,
        other => {
            let k = kind(&other);
            return Err((Some(id), format!("extractedFields is {k}, not an object")));
        }
    };
    Ok(LogEvent {
        id: Cow::Owned(id),
        timestamp,
        message: Cow::Owned(message),
        message_json: None,
        extracted_fields,
    })
}

/// How a JSON value's type reads in an error message: `a string`, `null`, …
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Keeps, for each id, only its last entry (in the position of that last
/// entry). Returns how many were dropped.
fn keep_last_of_each_id(events: &mut Vec<LogEvent<'_>>) -> usize {
    // CloudWatch Logs ids grow within a delivery: then no id can repeat and
    // nothing needs hashing.
    // Each id's key once (not twice, as pairs would): long ids made this a
    // tenth of parsing a delivery.
    let mut prev = None;
    let growing = events.iter().all(|e| {
        let k = id_key(&e.id);
        let grows = prev < Some(k);
        prev = Some(k);
        grows
    });
    if growing {
        return 0;
    }
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        last.insert(e.id.as_ref(), i);
    }
    if last.len() == events.len() {
        return 0;
    }
    let keep: Vec<bool> = events
        .iter()
        .enumerate()
        .map(|(i, e)| last.get(e.id.as_ref()) == Some(&i))
        .collect();
    let before = events.len();
    let mut i = 0;
    events.retain(|_| {
        let k = keep[i];
        i += 1;
        k
    });
    before - events.len()
}

/// `a < b` for ids in a strict total order: digit strings first, by length
/// then text (numerically, for equal-length ids such as CloudWatch Logs'),
/// then the other ids by text. It must be one order over all ids, or growing
/// pairs would not prove the ids distinct: mixing "numeric when both are
/// digits" with "by text otherwise" made `1a < 9 < 10 < 1a` all hold, and a
/// repeated id passed the fast path (found by the decode fuzz target).
#[cfg(test)]
fn id_less(a: &str, b: &str) -> bool {
    id_key(a) < id_key(b)
}

/// The key of that order, computed once per id.
fn id_key(s: &str) -> (bool, usize, &str) {
    id_key_of(s, all_digits(s.as_bytes()))
}

/// [`id_key`] of `s` when whether it is all digits is known.
#[inline]
fn id_key_of(s: &str, digits: bool) -> (bool, usize, &str) {
    (!digits, if digits { s.len() } else { 0 }, s)
}

/// The high bit of each byte of the little-endian word `w` that is not an
/// ASCII digit, and possibly of bytes above such a byte. A byte is a digit
/// when it is ASCII, not below `0` and not above `9` (adding 0x46 takes it
/// to 0x80). The lowest byte that is not a digit shows in its own high
/// bit: the bytes below it, digits, carry and borrow nothing into it.
#[inline]
fn non_digits(w: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    (w.wrapping_sub(LO * 0x30) | w.wrapping_add(LO * 0x46) | w) & HI
}

/// Whether every byte is an ASCII digit, eight at a time.
fn all_digits(b: &[u8]) -> bool {
    let mut words = b.chunks_exact(8);
    let bad = words.by_ref().fold(0, |acc, w| {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        acc | non_digits(u64::from_le_bytes(a))
    });
    bad == 0 && words.remainder().iter().all(u8::is_ascii_digit)
}

/// How many digits stand between the quotes that start `b`
/// (`"0123…"`), when there are some and only digits; eight at a time.
fn quoted_digits(b: &[u8]) -> Option<usize> {
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut at = 1;
    loop {
        let mut a = [0u8; 8];
        a.copy_from_slice(b.get(at..at + 8)?);
        // Exact for the lowest byte that is no digit, all that is used.
        let bad = non_digits(u64::from_le_bytes(a));
        if bad != 0 {
            let end = at + (bad.trailing_zeros() / 8) as usize;
            return (end > 1 && b.get(end) == Some(&b'"')).then_some(end - 1);
        }
        at += 8;
    }
}

/// A whole number of at most 16 digits at the start of `b`, with no sign,
/// fraction or exponent, and the bytes it takes: what the reader would read
/// as such a number and `str::parse::<i64>` would give. `None` for anything
/// else (the reader then judges it). Eight digits at a time.
#[inline]
fn short_digits(b: &[u8]) -> Option<(i64, usize)> {
    let (hi, n_hi) = digit_word(b, 0)?;
    if n_hi == 0 {
        return None;
    }
    let (v, n) = if n_hi < 8 {
        (hi, n_hi)
    } else {
        match digit_word(b, 8) {
            Some((lo, n_lo)) => (hi * POW10[n_lo] + lo, 8 + n_lo),
            None => (hi, 8),
        }
    };
    let leading_zero = n > 1 && b.first() == Some(&b'0');
    match b.get(n) {
        _ if leading_zero => None,
        Some(b'0'..=b'9' | b'.' | b'e' | b'E') => None,
        _ => Some((i64::try_from(v).ok()?, n)),
    }
}

const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The value of the digits that start the eight bytes at `b[at]` and how
/// many there are (8 when all are, 0 when none is); `None` past the end.
#[inline]
fn digit_word(b: &[u8], at: usize) -> Option<(u64, usize)> {
    const LO: u64 = 0x0101_0101_0101_0101;
    let w = match b.get(at..at + 8) {
        Some(s) => {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            u64::from_le_bytes(a)
        }
        None => {
            // A short text: its digits, then a byte that is none.
            let rest = b.get(at..)?;
            let mut a = [b' '; 8];
            a[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(a)
        }
    };
    // Exact for the lowest byte that is no digit, all that is used.
    let bad = non_digits(w);
    let n = (bad.trailing_zeros() / 8) as usize;
    if n == 0 {
        return Some((0, 0));
    }
    // The n digits as the low bytes of a word of digit values, moved up so
    // that the bytes above them read as leading zeros.
    let d = (w.wrapping_sub(LO * 0x30)) << (64 - 8 * n);
    // Pairs, then fours, then eight (the usual SWAR parse).
    let d = (d & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(10 << 8 | 1) >> 8;
    let d = (d & 0x00FF_00FF_00FF_00FF).wrapping_mul(100 << 16 | 1) >> 16;
    let d = (d & 0x0000_FFFF_0000_FFFF).wrapping_mul(10000 << 32 | 1) >> 32;
    Some((d, n))
}

/// Encodes decoded subscription JSON as `awslogs.data` (gzip, then padded
/// base64), as CloudWatch Logs does. For tests, fixtures and tools.
pub fn encode_data(json: &[u8]) -> String {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(json);
    let bytes = gz.finish().unwrap_or_default();
    BASE64.encode(bytes)
}

/// Wraps decoded subscription JSON into a Lambda event
/// `{"awslogs":{"data":"…"}}`.
pub fn encode_event(json: &[u8]) -> String {
    format!("{{\"awslogs\":{{\"data\":\"{}\"}}}}", encode_data(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(events: &str) -> Vec<u8> {
        format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/ecs/like-service","logStream":"ecs/like/1","subscriptionFilters":["f"],"logEvents":[{events}]}}"#
        )
        .into_bytes()
    }

    #[test]
    fn round_trips_through_gzip_and_base64() {
        let j = json(r#"{"id":"1","timestamp":1543456789000,"message":"hi"}"#);
        let d = decode_event(encode_event(&j).as_bytes(), Limits::default()).unwrap();
        assert_eq!(d.message_type, MessageType::Data);
        assert_eq!(d.events.len(), 1);
        assert_eq!(d.events[0].message, "hi");
        assert_eq!(d.log_group, "/ecs/like-service");
    }

    #[test]
    fn unpadded_base64_is_accepted() {
        let j = json(r#"{"id":"1","timestamp":1,"message":"x"}"#);
        let data = encode_data(&j);
        let d = decode_data(data.trim_end_matches('='), Limits::default()).unwrap();
        assert_eq!(d.events.len(), 1);
    }

    #[test]
    fn inflating_past_the_limit_is_too_large() {
        let big = vec![b' '; 10_000];
        let data = encode_data(&big);
        let err = decode_data(
            &data,
            Limits {
                max_decoded_bytes: 1000,
            },
        )
        .unwrap_err();
        assert!(matches!(
            err,
            DecodeError::TooLarge {
                what: "inflated payload",
                limit: 1000
            }
        ));
    }

    #[test]
    fn bad_entries_are_refused_and_the_rest_go_on() {
        let j = json(concat!(
            r#"{"id":"a","timestamp":1,"message":"ok"},"#,
            r#"{"timestamp":1,"message":"no id"},"#,
            r#"{"id":"c","timestamp":-5,"message":"negative"},"#,
            r#"{"id":"d","timestamp":253402300800000,"message":"year 10000"},"#,
            r#"{"id":"e","timestamp":"1","message":"string ts"},"#,
            r#"{"id":"f","timestamp":1,"message":7},"#,
            r#"{"id":"g","timestamp":2,"message":""}"#
        ));
        let d = parse_json(&j).unwrap();
        let ids: Vec<_> = d.events.iter().map(|e| &*e.id).collect();
        assert_eq!(ids, ["a", "g"]);
        let reasons: Vec<_> = d.refused.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            reasons,
            [
                "event 1: no id",
                "event 2 (id c): timestamp -5 is outside the years 1970-9999",
                "event 3 (id d): timestamp 253402300800000 is outside the years 1970-9999",
                "event 4 (id e): timestamp is a string, not a number",
                "event 5 (id f): message is a number, not a string",
            ]
        );
    }

    #[test]
    fn the_later_of_two_entries_with_one_id_wins() {
        let j = json(concat!(
            r#"{"id":"a","timestamp":1,"message":"first"},"#,
            r#"{"id":"b","timestamp":1,"message":"other"},"#,
            r#"{"id":"a","timestamp":2,"message":"second"}"#
        ));
        let d = parse_json(&j).unwrap();
        let got: Vec<_> = d.events.iter().map(|e| (&*e.id, &*e.message)).collect();
        assert_eq!(got, [("b", "other"), ("a", "second")]);
        assert_eq!(d.duplicates, 1);
    }

    #[test]
    fn a_repeated_id_is_found_whatever_the_order_of_mixed_ids() {
        // Found by fuzzing (decode): each pair grew under the old id order,
        // so the repeated "1a" was kept twice.
        let j = json(concat!(
            r#"{"id":"1a","timestamp":1,"message":"first"},"#,
            r#"{"id":"9","timestamp":2,"message":"x"},"#,
            r#"{"id":"10","timestamp":3,"message":"y"},"#,
            r#"{"id":"1a","timestamp":4,"message":"second"}"#
        ));
        let d = parse_json(&j).unwrap();
        let got: Vec<_> = d.events.iter().map(|e| (&*e.id, &*e.message)).collect();
        assert_eq!(got, [("9", "x"), ("10", "y"), ("1a", "second")]);
        assert_eq!(d.duplicates, 1);
        assert!(id_less("9", "10") && id_less("10", "1a") && !id_less("1a", "9"));
        assert!(!id_less("1", "1"));
    }

    #[test]
    fn control_messages_have_no_events() {
        let j = br#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}"#;
        let d = parse_json(j).unwrap();
        assert_eq!(d.message_type, MessageType::Control);
        assert!(d.events.is_empty() && d.refused.is_empty());
    }

    #[test]
    fn structural_errors_name_the_position() {
        let err = parse_json(br#"{"messageType":"DATA_MESSAGE","logEvents":5}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "payload is not CloudWatch Logs subscription JSON at line 1 column 43: invalid type: integer `5`, expected a sequence"
        );
        let err = parse_json(br#"{"messageType":"NOPE","logEvents":[]}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown messageType \"NOPE\" (expected DATA_MESSAGE or CONTROL_MESSAGE)"
        );
    }

    #[test]
    fn not_gzip_is_a_gzip_error() {
        let data = BASE64.encode(b"plain text, not gzip");
        assert!(matches!(
            decode_data(&data, Limits::default()),
            Err(DecodeError::Gzip { .. })
        ));
    }

    #[test]
    fn the_output_never_grows_past_the_limit() {
        // 100,000 bytes of JSON-ish text, inflated with limits around it.
        let body = vec![b'x'; 100_000];
        let gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(&body).unwrap();
            e.finish().unwrap()
        };
        let at = |cap| {
            gunzip(
                &gz,
                Limits {
                    max_decoded_bytes: cap,
                },
            )
        };
        let exact = at(100_000).unwrap();
        assert_eq!(exact.len(), 100_000);
        assert!(exact.capacity() <= 100_000, "capacity {}", exact.capacity());
        let roomy = at(150_000).unwrap();
        assert!(roomy.capacity() <= 150_000, "capacity {}", roomy.capacity());
        assert!(matches!(
            at(99_999),
            Err(DecodeError::TooLarge {
                what: "inflated payload",
                limit: 99_999
            })
        ));
    }

    #[test]
    fn truncated_gzip_is_a_gzip_error() {
        let data = encode_data(&json(r#"{"id":"1","timestamp":1,"message":"hello"}"#));
        let gz = decode_base64(&data, Limits::default()).unwrap();
        for cut in [gz.len() - 4, gz.len() / 2, 11] {
            let err = gunzip(&gz[..cut], Limits::default()).unwrap_err();
            assert!(matches!(err, DecodeError::Gzip { .. }), "cut at {cut}: {err}");
        }
    }

    #[test]
    fn lone_surrogates_and_invalid_utf8_become_replacement_characters() {
        let cases: [(&[u8], &str); 7] = [
            (br#""a\ud800b""#, "a\u{fffd}b"),
            (br#""\udc00""#, "\u{fffd}"),
            (br#""\ud83d\ude00""#, "\u{1f600}"),
            (br#""\ud83d\u0041""#, "\u{fffd}A"),
            (br#""\\ud800""#, "\\ud800"),
            (br#""end \ud800""#, "end \u{fffd}"),
            (b"\"bad \xff byte\"", "bad \u{fffd} byte"),
        ];
        for (raw, want) in cases {
            let fixed = repair_text(raw);
            let got: String = serde_json::from_slice(&fixed)
                .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(raw)));
            assert_eq!(got, want, "{}", String::from_utf8_lossy(raw));
        }
        assert!(matches!(
            repair_text(br#""fine \u00e9""#),
            std::borrow::Cow::Borrowed(_)
        ));
        let j =
            json(r#"{"id":"1","timestamp":1,"message":"x\ud800y"},{"id":"2","timestamp":2,"message":"ok"}"#);
        let d = parse_json(&j).unwrap();
        assert_eq!(d.events.len(), 2);
        assert_eq!(d.events[0].message, "x\u{fffd}y");
    }

    /// The digit-run reader of ids, against the obvious byte loop.
    #[test]
    fn quoted_digits_is_the_byte_loop() {
        let reference = |b: &[u8]| -> Option<usize> {
            let rest = b.strip_prefix(b"\"")?;
            let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            // The reader looks at whole words: it needs the run's word.
            (n > 0 && rest.get(n) == Some(&b'"') && b.len() > (n / 8 + 1) * 8).then_some(n)
        };
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for n in 0..70 {
            for tail in [&b"\",\"t"[..], b"x\"", b"\"", b"", b"5\"\\u0000\"........"] {
                let mut v = b"\"".to_vec();
                v.extend((0..n).map(|i| b'0' + (i % 10) as u8));
                v.extend_from_slice(tail);
                v.extend_from_slice(b"........");
                cases.push(v);
            }
        }
        cases.push(b"0123\"".to_vec());
        cases.push(b"\"12/4567\"........".to_vec());
        cases.push(b"\":23456789\"".to_vec());
        for c in &cases {
            assert_eq!(quoted_digits(c), reference(c), "{}", String::from_utf8_lossy(c));
        }
    }

    #[test]
    fn huge_whole_timestamps_are_out_of_range_not_fractional() {
        let j = json(concat!(
            r#"{"id":"a","timestamp":1e300,"message":"x"},"#,
            r#"{"id":"b","timestamp":18446744073709551615,"message":"x"},"#,
            r#"{"id":"c","timestamp":1.5,"message":"x"}"#
        ));
        let reasons: Vec<_> = parse_json(&j)
            .unwrap()
            .refused
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(
            reasons,
            [
                "event 0 (id a): timestamp 1e+300 is outside the years 1970-9999",
                "event 1 (id b): timestamp 18446744073709551615 is outside the years 1970-9999",
                "event 2 (id c): timestamp 1.5 is not a whole number",
            ]
        );
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod differential;
