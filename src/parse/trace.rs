//! Trace and span ids: newtypes that only a parser can make (never zero,
//! written in lower case), X-Ray ⇄ 32-hex conversion, and the search order
//! of SCHEMA.md, "Trace ids".
//!
//! [`find`] tries, first match wins:
//!
//! 1. an `X-Amzn-Trace-Id` value, `Root=1-…;Parent=…;Sampled=…` (also as a
//!    header `X-Amzn-Trace-Id: Root=…`, quoted in an access line, or as the
//!    `record.tracing.value` of a Lambda `platform.*` JSON record). `Parent`
//!    gives the span; `Self` (added by load balancers) is not a span and is
//!    ignored. A `platform.*` record follows the same rule (its value's
//!    `Parent` is the span); its `record.tracing.spanId` is the span only
//!    when the value has no `Parent`.
//! 2. Lambda `REPORT … XRAY TraceId: 1-…\tSegmentId: …` (`SegmentId` gives
//!    the span; any `Sampled` value still states a trace).
//! 3. JSON members, in this order: `traceId`, `trace_id`, `xray_trace_id`,
//!    `xrayTraceId`, `AWS-XRAY-TRACE-ID`, `otelTraceID`, `trace.id` (dotted
//!    or nested), then `TraceId`, `traceID`; a value is X-Ray or 32 hex,
//!    optionally `…@<16 hex>` (the part after `@` is the span). The span
//!    members are `spanId`, `span_id`, `otelSpanID`, `span.id`, `SpanId`,
//!    `spanID`. Only string values count, so Datadog's decimal
//!    `dd.trace_id` never matches.
//! 4. W3C `traceparent` `00-<32 hex>-<16 hex>-<2 hex>`; then a labelled id in
//!    the text, `trace_id=<32 hex>` and its spellings (`traceId`, `trace.id`,
//!    `trace-id`, any case; `=` with no blank around it, or `:`; value
//!    optionally quoted; `X-B3-TraceId:` matches too, and so does
//!    OpenTelemetry's own `otel_trace_id=` / `otel.trace_id=`, Elixir's and
//!    Erlang's logger metadata) with
//!    `span_id=<16 hex>` likewise; then Spring Boot's correlation id
//!    `[<32 hex>-<16 hex>]`, and the Sleuth / Micrometer level pattern
//!    `[<app>,<32 hex>,<16 hex>]` (also with Sleuth 2's `,<exportable>]`).
//! 5. a bare X-Ray id `1-<8 hex>-<24 hex>` as a whole token.
//!
//! Every id is a whole token: no letter or digit right before or after it.
//! An all-zero trace id is skipped and the search goes on; an all-zero span
//! id only drops the span. Nothing here allocates.

use std::num::{NonZeroU64, NonZeroU128};
use std::sync::LazyLock;

use memchr::memmem::Finder;
use std::borrow::Cow;

use super::json::{Members, Raw};
use super::{Shared, bytes};

/// A 128-bit trace id, never zero. X-Ray `1-5759e988-bd862e3fe1be46a994272793`
/// and 32-hex `5759e988bd862e3fe1be46a994272793` are two spellings of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId(NonZeroU128);

/// A 64-bit span or segment id, never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId(NonZeroU64);

impl TraceId {
    /// From 32 hex digits (either case); `None` when malformed or all zero.
    pub fn from_hex(s: &str) -> Option<TraceId> {
        trace_hex(s.as_bytes())
    }

    /// From the X-Ray form `1-<8 hex>-<24 hex>`; `None` when malformed or all zero.
    pub fn from_xray(s: &str) -> Option<TraceId> {
        trace_xray(s.as_bytes())
    }

    /// Either form.
    pub fn parse(s: &str) -> Option<TraceId> {
        TraceId::from_xray(s).or_else(|| TraceId::from_hex(s))
    }

    /// The 32-hex form, lower case.
    pub fn hex(self) -> String {
        String::from_utf8_lossy(&self.hex_bytes()).into_owned()
    }

    /// The X-Ray form, lower case.
    pub fn xray(self) -> String {
        String::from_utf8_lossy(&self.xray_bytes()).into_owned()
    }

    /// The 32-hex form as ASCII bytes, for writers (no allocation).
    pub fn hex_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        hex_into(&mut out, self.0.get());
        out
    }

    /// The X-Ray form `1-<8 hex>-<24 hex>` as ASCII bytes.
    pub fn xray_bytes(self) -> [u8; 35] {
        let hex = self.hex_bytes();
        let mut out = [0u8; 35];
        out[..2].copy_from_slice(b"1-");
        // The eight digits of the epoch seconds, then the 24 of the id.
        out[2..10].copy_from_slice(&hex[..8]);
        out[10] = b'-';
        out[11..].copy_from_slice(&hex[8..]);
        out
    }

    /// The id as a number; `None` for zero.
    pub fn from_u128(v: u128) -> Option<TraceId> {
        NonZeroU128::new(v).map(TraceId)
    }

    /// The id as a number.
    pub fn as_u128(self) -> u128 {
        self.0.get()
    }
}

impl SpanId {
    /// From 16 hex digits (either case); `None` when malformed or all zero.
    pub fn from_hex(s: &str) -> Option<SpanId> {
        span_hex(s.as_bytes())
    }

    /// The 16-hex form, lower case.
    pub fn hex(self) -> String {
        String::from_utf8_lossy(&self.hex_bytes()).into_owned()
    }

    /// The 16-hex form as ASCII bytes, for writers (no allocation).
    pub fn hex_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        hex_into(&mut out, u128::from(self.0.get()));
        out
    }

    /// The id as a number; `None` for zero.
    pub fn from_u64(v: u64) -> Option<SpanId> {
        NonZeroU64::new(v).map(SpanId)
    }

    /// The id as a number.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

/// Writes `v` as hex into `out` (eight digits for each of its 32-bit
/// words, most significant first), lower case: every traced document
/// writes 64 digits, made here eight at a time in a register.
fn hex_into(out: &mut [u8], v: u128) {
    let words = out.chunks_exact_mut(8).rev().enumerate();
    for (i, digits) in words {
        digits.copy_from_slice(&hex_word((v >> (32 * i)) as u32));
    }
}

/// The eight hex digits of `x`, lower case. Each nibble is spread into a
/// byte of its own (nibble `i` from the low end into byte `i`), the bytes
/// turned around so that the high nibble comes first, and every byte made a
/// digit at once: `'0' + n`, and 39 more for `a`–`f` (a nibble above 9
/// carries into bit 4 once 6 is added).
fn hex_word(x: u32) -> [u8; 8] {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut v = u64::from(x);
    v = (v | v << 16) & 0x0000_ffff_0000_ffff;
    v = (v | v << 8) & 0x00ff_00ff_00ff_00ff;
    v = (v | v << 4) & 0x0f0f_0f0f_0f0f_0f0f;
    let v = v.swap_bytes();
    let letters = ((v + 6 * ONES) >> 4) & ONES;
    (v + u64::from(b'0') * ONES + letters * u64::from(b'a' - b'0' - 10)).to_le_bytes()
}

/// A trace found in a line, with the span when the line states one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The trace.
    pub trace: TraceId,
    /// The span or segment the line names.
    pub span: Option<SpanId>,
}

/// The first trace id the line states, in SCHEMA.md's order (see the module
/// documentation for the exact forms).
pub fn find(message: &str, json: Option<&Members<'_>>) -> Option<Found> {
    find_in(message, &Shared::of(message, json))
}

/// [`find`] with what the parser found of the line once.
pub(crate) fn find_in(message: &str, line: &Shared<'_, '_>) -> Option<Found> {
    let json = line.json;
    let msg = message.as_bytes();
    // Every form carries at least 24 hex digits in a row (the X-Ray id's
    // second part, or 32 hex), JSON values included: most lines stop here.
    if !has_hex_run(msg) {
        return None;
    }
    line.platform
        .as_ref()
        .and_then(|(_, record)| platform_tracing(record))
        .or_else(|| amzn_header(msg))
        .or_else(|| lambda_report(msg))
        .or_else(|| json.and_then(json_members))
        .or_else(|| traceparent(msg))
        .or_else(|| labelled(msg))
        .or_else(|| spring_correlation(msg))
        .or_else(|| bare_xray(msg))
}

// ---------------------------------------------------------------- hex helpers

/// Each byte's value as a hex digit, [`NOT_HEX`] when it is none: one load
/// per digit where a `match` takes several compares (ids are read digit by
/// digit on every traced line).
static HEX: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// [`HEX`] of a byte that is not a hex digit: its high bits set.
const NOT_HEX: u8 = 0xF0;

fn is_hex(b: u8) -> bool {
    HEX[usize::from(b)] != NOT_HEX
}

/// The shortest run of hex digits any trace form contains.
const MIN_HEX_RUN: usize = 24;

/// Whether `msg` holds [`MIN_HEX_RUN`] hex digits in a row. Any such run
/// covers one of the positions `MIN_HEX_RUN - 1`, `2 * MIN_HEX_RUN - 1`, …,
/// so only those are probed, and the run is measured around a probe that
/// lands on a hex digit.
fn has_hex_run(msg: &[u8]) -> bool {
    let mut probe = MIN_HEX_RUN - 1;
    while probe < msg.len() {
        if is_hex(msg[probe]) {
            let left = msg[..probe].iter().rev().take_while(|&&b| is_hex(b)).count();
            let right = msg[probe + 1..].iter().take_while(|&&b| is_hex(b)).count();
            if left + 1 + right >= MIN_HEX_RUN {
                return true;
            }
        }
        probe += MIN_HEX_RUN;
    }
    false
}

/// `b` as a number when it is 1 to 16 hex digits.
fn hex_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let mut bad = 0;
    let v = b.iter().fold(0u64, |acc, &c| {
        let d = HEX[usize::from(c)];
        bad |= d;
        acc << 4 | u64::from(d & 0xF)
    });
    (bad & NOT_HEX == 0).then_some(v)
}

/// `b` as a number when it is all hex digits (at most 32 of them): the
/// last 16 and the ones before them, each in a `u64`.
fn hex_value(b: &[u8]) -> Option<u128> {
    match b.len() {
        0..=16 => hex_u64(b).map(u128::from),
        17..=32 => {
            let (high, low) = b.split_at(b.len() - 16);
            Some(u128::from(hex_u64(high)?) << 64 | u128::from(hex_u64(low)?))
        }
        _ => None,
    }
}

fn trace_hex(b: &[u8]) -> Option<TraceId> {
    if b.len() != 32 {
        return None;
    }
    hex_value(b).and_then(TraceId::from_u128)
}

fn trace_xray(b: &[u8]) -> Option<TraceId> {
    if b.len() != 35 || &b[..2] != b"1-" || b[10] != b'-' {
        return None;
    }
    let high = hex_value(&b[2..10])?;
    let low = hex_value(&b[11..])?;
    TraceId::from_u128((high << 96) | low)
}

fn span_hex(b: &[u8]) -> Option<SpanId> {
    if b.len() != 16 {
        return None;
    }
    hex_value(b).and_then(|v| SpanId::from_u64(u64::try_from(v).ok()?))
}

/// A letter or digit: what may not touch an id on either side.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Nothing word-like right before `pos`; an ANSI colour code (`ESC[…m`)
/// right before counts as a separator.
fn starts_token(msg: &[u8], pos: usize) -> bool {
    pos == 0 || msg.get(pos - 1).is_none_or(|&b| !is_word(b)) || ends_ansi(msg, pos)
}

/// An ANSI CSI sequence `ESC [ <digits and ;> <letter>` ends right before `pos`.
fn ends_ansi(msg: &[u8], pos: usize) -> bool {
    let Some(head) = msg.get(..pos) else {
        return false;
    };
    let Some((&last, rest)) = head.split_last() else {
        return false;
    };
    if !last.is_ascii_alphabetic() {
        return false;
    }
    let params = rest
        .iter()
        .rev()
        .take_while(|&&b| b.is_ascii_digit() || b == b';')
        .count();
    let rest = &rest[..rest.len() - params];
    rest.ends_with(b"\x1b[")
}

/// Nothing word-like at `end`.
fn ends_token(msg: &[u8], end: usize) -> bool {
    msg.get(end).is_none_or(|&b| !is_word(b))
}

/// The `len` bytes at `pos` when they end a token there.
fn token_at(msg: &[u8], pos: usize, len: usize) -> Option<&[u8]> {
    let end = pos.checked_add(len)?;
    if end > msg.len() || !ends_token(msg, end) {
        return None;
    }
    msg.get(pos..end)
}

fn xray_at(msg: &[u8], pos: usize) -> Option<TraceId> {
    token_at(msg, pos, 35).and_then(trace_xray)
}

fn hex32_at(msg: &[u8], pos: usize) -> Option<TraceId> {
    token_at(msg, pos, 32).and_then(trace_hex)
}

fn hex16_at(msg: &[u8], pos: usize) -> Option<SpanId> {
    token_at(msg, pos, 16).and_then(span_hex)
}

/// A trace in X-Ray or 32-hex form at `pos`.
fn any_trace_at(msg: &[u8], pos: usize) -> Option<TraceId> {
    xray_at(msg, pos).or_else(|| hex32_at(msg, pos))
}

fn strip_prefix_ci<'b>(b: &'b [u8], prefix: &[u8]) -> Option<&'b [u8]> {
    (b.len() >= prefix.len() && b[..prefix.len()].eq_ignore_ascii_case(prefix)).then(|| &b[prefix.len()..])
}

static ROOT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("oot="));
static TRACE_ID_COLON: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("TraceId: "));
static SEGMENT_ID: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("SegmentId: "));
static TRACEPARENT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("00-"));
static RACE_LOWER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("race"));
static RACE_UPPER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("RACE"));
static PAN_LOWER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("pan"));
static PAN_UPPER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("PAN"));
static XRAY_START: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("1-"));

// --------------------------------------------------------- 1. X-Amzn-Trace-Id

/// A byte that may belong to an `X-Amzn-Trace-Id` value
/// (`Root=…;Parent=…;Sampled=1;Lineage=…:0`).
fn is_header_byte(b: u8) -> bool {
    HEADER_BYTE[usize::from(b)]
}

/// [`is_header_byte`] of every byte, looked up: header values are walked
/// byte by byte.
static HEADER_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] =
            b.is_ascii_alphanumeric() || matches!(b, b'=' | b';' | b'-' | b'_' | b'.' | b'?' | b':' | b'|');
        i += 1;
    }
    t
};

/// The trace of the `Root=` field that starts at `key` (the `R`), and the
/// `Parent=` field of the same header value.
fn header_value_at(msg: &[u8], key: usize) -> Option<Found> {
    if !starts_token(msg, key) {
        return None;
    }
    let value = key + 5;
    let trace = xray_at(msg, value)?;
    let mut start = key;
    while start > 0 && is_header_byte(msg[start - 1]) {
        start -= 1;
    }
    let mut end = value + 35;
    while end < msg.len() && is_header_byte(msg[end]) {
        end += 1;
    }
    let span = msg[start..end]
        .split(|&b| b == b';')
        .find_map(|field| strip_prefix_ci(field, b"Parent="))
        .and_then(span_hex);
    Some(Found { trace, span })
}

/// The first valid `Root=` (or `root=`) field of `msg`.
fn amzn_header(msg: &[u8]) -> Option<Found> {
    ROOT.find_iter(msg).find_map(|p| {
        let key = p.checked_sub(1)?;
        if !matches!(msg[key], b'R' | b'r') {
            return None;
        }
        header_value_at(msg, key)
    })
}

/// `record.tracing` of a Lambda `platform.*` record: the trace of its
/// `value` (an `X-Amzn-Trace-Id` value) and its `Parent` as the span, as
/// rule 1 reads any such value (SCHEMA.md: "Parent gives spanId"); the
/// record's own `spanId` only when the value has no `Parent`.
fn platform_tracing(record: &Members<'_>) -> Option<Found> {
    let tracing = record.get("tracing")?.as_object()?;
    let found = amzn_header(tracing.get("value")?.as_str()?.as_bytes())?;
    let own = tracing
        .get("spanId")
        .and_then(Raw::as_str)
        .and_then(|s| span_hex(s.as_bytes()));
    Some(Found {
        trace: found.trace,
        span: found.span.or(own),
    })
}

// --------------------------------------------------------- 2. Lambda REPORT

fn lambda_report(msg: &[u8]) -> Option<Found> {
    TRACE_ID_COLON.find_iter(msg).find_map(|p| {
        if !starts_token(msg, p) {
            return None;
        }
        let value = p + 9;
        let trace = xray_at(msg, value)?;
        let rest = &msg[value + 35..];
        let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
        let span = SEGMENT_ID
            .find_iter(line)
            .filter(|&q| starts_token(line, q))
            .find_map(|q| hex16_at(line, q + 11));
        Some(Found { trace, span })
    })
}

// --------------------------------------------------------- 3. JSON members

/// A JSON trace value: X-Ray or 32 hex, optionally `…@<16 hex span>`.
fn json_trace_value(s: &str) -> Option<Found> {
    let s = bytes::trim(s).as_bytes();
    let (trace, span) = match memchr::memchr(b'@', s) {
        Some(at) => (&s[..at], span_hex(&s[at + 1..])),
        None => (s, None),
    };
    let trace = trace_xray(trace).or_else(|| trace_hex(trace))?;
    Some(Found { trace, span })
}

/// The rank of a trace member (lower is tried first): SCHEMA.md's order,
/// then the extra spellings; a nested `{"trace":{"id":…}}` ranks right
/// after the dotted `trace.id`.
fn trace_rank<'m>(key: &str, value: Raw<'m>) -> Option<(u8, Cow<'m, str>)> {
    let rank = match key {
        "traceId" => 0,
        "trace_id" => 2,
        "xray_trace_id" => 4,
        "xrayTraceId" => 6,
        "AWS-XRAY-TRACE-ID" => 8,
        "otelTraceID" => 10,
        "trace.id" => 12,
        "trace" => return Some((13, value.as_object()?.get("id")?.as_str()?)),
        "TraceId" => 14,
        "traceID" => 16,
        _ => return None,
    };
    Some((rank, value.as_str()?))
}

/// The rank of a span member, as [`trace_rank`].
fn span_rank<'m>(key: &str, value: Raw<'m>) -> Option<(u8, Cow<'m, str>)> {
    let rank = match key {
        "spanId" => 0,
        "span_id" => 2,
        "otelSpanID" => 4,
        "span.id" => 6,
        "span" => return Some((7, value.as_object()?.get("id")?.as_str()?)),
        "SpanId" => 8,
        "spanID" => 10,
        _ => return None,
    };
    Some((rank, value.as_str()?))
}

/// One pass over the members (a hash lookup per candidate key would cost
/// more than comparing a dozen short names).
fn json_members(json: &Members<'_>) -> Option<Found> {
    let mut trace: Option<(u8, Found)> = None;
    let mut span: Option<(u8, SpanId)> = None;
    for (key, value) in json.iter() {
        if let Some((r, s)) = trace_rank(key, value) {
            if trace.is_none_or(|(best, _)| r < best)
                && let Some(f) = json_trace_value(&s)
            {
                trace = Some((r, f));
            }
        } else if let Some((r, s)) = span_rank(key, value)
            && span.is_none_or(|(best, _)| r < best)
            && let Some(id) = span_hex(bytes::trim(&s).as_bytes())
        {
            span = Some((r, id));
        }
    }
    let (_, found) = trace?;
    Some(Found {
        trace: found.trace,
        span: found.span.or(span.map(|(_, id)| id)),
    })
}

// --------------------------------------------------------- 4. W3C / OTel text

fn traceparent(msg: &[u8]) -> Option<Found> {
    TRACEPARENT.find_iter(msg).find_map(|p| {
        if !starts_token(msg, p) {
            return None;
        }
        let b = msg.get(p..p + 55)?;
        if b[35] != b'-' || b[52] != b'-' || !ends_token(msg, p + 55) {
            return None;
        }
        hex_value(&b[53..55])?;
        let trace = trace_hex(&b[3..35])?;
        hex_value(&b[36..52])?;
        Some(Found {
            trace,
            span: span_hex(&b[36..52]),
        })
    })
}

/// Where the value of a labelled id starts, given the end of its key:
/// an optional closing quote, `=` or `:` with optional blanks around it, an
/// optional opening quote.
/// ANSI colour codes around the `=` are skipped (structlog's console
/// renderer colours keys and values).
fn value_after_key(msg: &[u8], i: usize) -> Option<usize> {
    let mut i = skip_ansi(msg, i);
    if matches!(msg.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    let key_end = i;
    while matches!(msg.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let blank_before = i > key_end;
    i = skip_ansi(msg, i);
    let equals = match msg.get(i) {
        Some(b'=') => true,
        Some(b':') => false,
        _ => return None,
    };
    i = skip_ansi(msg, i + 1);
    let value_at = i;
    while matches!(msg.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    // `key=value` pairs have no blanks around `=`: `trace_id = '…'` is an
    // expression (a SQL predicate, code), not the line's own id. After `:`
    // blanks are usual (`X-B3-TraceId: …`, `{ traceId: '…' }`).
    if equals && (blank_before || i > value_at) {
        return None;
    }
    i = skip_ansi(msg, i);
    if matches!(msg.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    Some(skip_ansi(msg, i))
}

/// Past the ANSI CSI sequences (`ESC [ <digits and ;> <letter>`) at `i`.
fn skip_ansi(msg: &[u8], mut i: usize) -> usize {
    while msg.get(i) == Some(&0x1b) && msg.get(i + 1) == Some(&b'[') {
        let params = msg
            .get(i + 2..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b.is_ascii_digit() || b == b';')
            .count();
        match msg.get(i + 2 + params) {
            Some(b) if b.is_ascii_alphabetic() => i += 3 + params,
            _ => break,
        }
    }
    i
}

/// For a key `<first letter><rest>` (`trace`, `span`) found at `p` (the
/// position of `rest`): where its value starts, for the spellings
/// `trace_id`, `traceId`, `trace.id`, `trace-id` (any case).
fn labelled_value(msg: &[u8], p: usize, first: u8) -> Option<usize> {
    let key = p.checked_sub(1)?;
    if !msg[key].eq_ignore_ascii_case(&first) {
        return None;
    }
    // Whole key: not `dd.trace_id`, `parent_span_id`, `xtrace_id`; but
    // OpenTelemetry's own `otel_trace_id`.
    if !starts_token(msg, key) || (key > 0 && matches!(msg[key - 1], b'_' | b'.') && !otel_prefixed(msg, key))
    {
        return None;
    }
    let rest = if first == b't' { 4 } else { 3 };
    let mut i = p + rest;
    if matches!(msg.get(i), Some(b'_' | b'.' | b'-')) {
        i += 1;
    }
    if !msg.get(i..i + 2)?.eq_ignore_ascii_case(b"id") {
        return None;
    }
    value_after_key(msg, i + 2)
}

/// `otel_` or `otel.` (any case, a whole token) right before `key`.
fn otel_prefixed(msg: &[u8], key: usize) -> bool {
    key >= 5
        && msg[key - 5..key - 1].eq_ignore_ascii_case(b"otel")
        && starts_token(msg, key - 5)
        && (key == 5 || !matches!(msg[key - 6], b'_' | b'.'))
}

fn labelled(msg: &[u8]) -> Option<Found> {
    let (trace, at) = RACE_LOWER
        .find_iter(msg)
        .chain(RACE_UPPER.find_iter(msg))
        .find_map(|p| {
            let v = labelled_value(msg, p, b't')?;
            any_trace_at(msg, v).map(|t| (t, v))
        })?;
    let span = PAN_LOWER
        .find_iter(msg)
        .chain(PAN_UPPER.find_iter(msg))
        .find_map(|p| {
            let key = p.checked_sub(1)?;
            if !matches!(msg[key], b's' | b'S') {
                return None;
            }
            let v = labelled_value(msg, p, b's')?;
            hex16_at(msg, v)
        });
    let span = span.or_else(|| segment_after_xray(msg, at));
    Some(Found { trace, span })
}

/// Spring Boot 3.2+ `[<32 hex>-<16 hex>] ` (padded with blanks when the
/// span is missing), or the Sleuth / Micrometer `[<app>,<32 hex>,<16 hex>]`,
/// at some `[` of the line.
fn spring_correlation(msg: &[u8]) -> Option<Found> {
    memchr::memchr_iter(b'[', msg)
        .find_map(|p| boot_correlation(msg, p).or_else(|| sleuth_correlation(msg, p)))
}

/// `[<32 hex>-<16 hex>]` at `p`.
fn boot_correlation(msg: &[u8], p: usize) -> Option<Found> {
    let trace = trace_hex(msg.get(p + 1..p + 33)?)?;
    if msg.get(p + 33) != Some(&b'-') {
        return None;
    }
    let tail = &msg[p + 34..];
    if tail.get(16) == Some(&b']') && hex_value(&tail[..16]).is_some() {
        return Some(Found {
            trace,
            span: span_hex(&tail[..16]),
        });
    }
    let blanks = tail.iter().take_while(|&&b| b == b' ').count();
    (tail.get(blanks) == Some(&b']')).then_some(Found { trace, span: None })
}

/// The longest application name of a Sleuth group looked at.
const SLEUTH_NAME: usize = 64;

/// Sleuth / Micrometer `%5p [${spring.application.name},%X{traceId},%X{spanId}]`
/// at `p`: `[orders,<32 hex>,<16 hex>]`, `[orders,<32 hex>,<16 hex>,true]`
/// (Sleuth 2), `[,<32 hex>,]` (no name, no span). 64-bit Sleuth trace ids
/// are no 128-bit trace and do not match.
fn sleuth_correlation(msg: &[u8], p: usize) -> Option<Found> {
    let name = msg.get(p + 1..)?;
    let comma = name
        .iter()
        .take(SLEUTH_NAME + 1)
        .position(|&b| matches!(b, b',' | b']' | b'[' | b' ' | b'\n'))?;
    if name[comma] != b',' {
        return None;
    }
    let t = p + 1 + comma + 1;
    let trace = trace_hex(msg.get(t..t + 32)?)?;
    if msg.get(t + 32) != Some(&b',') {
        return None;
    }
    let s = t + 33;
    if matches!(msg.get(s), Some(b']' | b',')) {
        return Some(Found { trace, span: None });
    }
    if !matches!(msg.get(s + 16), Some(b']' | b',')) {
        return None;
    }
    let span = msg.get(s..s + 16)?;
    hex_value(span)?;
    Some(Found {
        trace,
        span: span_hex(span),
    })
}

// --------------------------------------------------------- 5. bare X-Ray id

fn bare_xray(msg: &[u8]) -> Option<Found> {
    XRAY_START.find_iter(msg).find_map(|p| {
        if !starts_token(msg, p) {
            return None;
        }
        let trace = xray_at(msg, p)?;
        Some(Found {
            trace,
            span: segment_after_xray(msg, p),
        })
    })
}

/// The segment of the X-Ray SDK's MDC form `1-…@<segment>` (log4j2 /
/// logback `AWS-XRAY-TRACE-ID`), for an X-Ray id at `p`.
fn segment_after_xray(msg: &[u8], p: usize) -> Option<SpanId> {
    if msg.get(p + 35) != Some(&b'@') || msg.get(p + 52).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    msg.get(p + 36..p + 52).and_then(span_hex)
}

#[cfg(test)]
#[path = "trace_tests.rs"]
mod tests;
