//! The request id a line carries (SCHEMA.md, `@requestId`).
//!
//! A wrong request id joins a line to another request's trace, so only the
//! places where a runtime or a logging pattern puts the invocation's id
//! count; an id in the free text of a message never does. In order:
//!
//! 1. Lambda platform lines (`START`, `END`, `REPORT`, `INIT_REPORT`, … as
//!    [`super::lambda::text_kind`] recognises them) and the runtime's
//!    `RequestId: <id> Error: Runtime exited …` lines: the token after
//!    `RequestId: ` on the first line.
//! 2. The first UUID (`8-4-4-4-12` hex, starting in the first 160 bytes of
//!    the first line) when the text around it is one of these headers:
//!    - Python runtime `[LEVEL]\t<timestamp>\t<uuid>\t<msg>`;
//!    - Node and .NET runtimes `<timestamp>\t<uuid>\t<LEVEL>\t<msg>` (the
//!      Node runtime's `undefined` before the first request is no UUID);
//!    - blank-separated headers where the UUID comes after at most four
//!      header tokens (timestamps, `[bracketed]` tokens such as a thread) and
//!      right before a level word or `Task timed out`: log4j2 / logback
//!      `%d %X{AWSRequestId} %-5p …`, `aws-lambda-slf4j` `<uuid> INFO …`,
//!      the runtime's `<timestamp> <uuid> Task timed out after 3.00 seconds`;
//!      the UUID may be wrapped in `[]`, `<>` or `()`;
//!    - Ruby runtime `I, [<timestamp> #<pid>]  INFO <uuid> -- <progname>: <msg>`.
//!    - Rust `lambda_runtime`'s tracing span, which heads every line the
//!      handler logs during an invocation (`tracing-subscriber` fmt, with or
//!      without a timestamp): ` INFO Lambda runtime invoke{requestId="<uuid>"
//!      xrayTraceId="…"}: target: msg`.
//!
//!    ANSI colour codes around header tokens are ignored. An id is kept as
//!    written (an upper-case UUID stays upper case).
//! 3. JSON: `record.requestId` of a `platform.*` record, else the first
//!    (in this order) plausible string member of `requestId`, `request_id`, `aws_request_id`,
//!    `awsRequestId`, `AWSRequestId`, `function_request_id`.
//!
//! The text header wins over JSON members, as it is the runtime's own
//! statement of the invocation. Any id (from `RequestId:` or JSON) must
//! look like an id: 8 to 128 characters, no blank or control character, and
//! not `undefined`, `null`, `none` or `nil`. Short values such as `"42"` are
//! refused: the join is global, and a counter would join unrelated lines.

use std::borrow::Cow;

use super::json::{Members, Raw, trimmed};

use super::{Shared, bytes};

/// Level words that may follow a request id in a blank-separated header
/// (SCHEMA.md's spellings, without the ambiguous single letters).
pub(crate) const LEVEL_WORDS: [&str; 32] = [
    "trace",
    "trc",
    "trce",
    "vrb",
    "verbose",
    "finest",
    "finer",
    "debug",
    "dbg",
    "dbug",
    "fine",
    "info",
    "inf",
    "information",
    "notice",
    "warn",
    "warning",
    "wrn",
    "error",
    "err",
    "eror",
    "fail",
    "severe",
    "fatal",
    "ftl",
    "crit",
    "critical",
    "emerg",
    "emergency",
    "alert",
    "panic",
    "informational",
];

/// The request id of the line.
pub fn find<'a>(message: &'a str, json: Option<&Members<'a>>) -> Option<Cow<'a, str>> {
    find_in(message, &Shared::of(message, json))
}

/// [`find`] with what the parser found of the line once.
pub(crate) fn find_in<'a>(message: &'a str, line: &Shared<'_, 'a>) -> Option<Cow<'a, str>> {
    from_text(message, line.text_kind)
        .map(Cow::Borrowed)
        .or_else(|| line.json.and_then(|json| from_json(json, line.platform.as_ref())))
}

fn from_text<'a>(message: &'a str, text_kind: Option<&str>) -> Option<&'a str> {
    let first = *message.as_bytes().first()?;
    if text_kind.is_some() || message.starts_with("RequestId: ") {
        return after_request_id(message);
    }
    let rust = first == b' ' || first.is_ascii_alphanumeric();
    let header = first.is_ascii_alphanumeric() || matches!(first, b'[' | b'<' | b'(' | 0x1b);
    if !(rust || header) {
        return None;
    }
    // The Rust span and every header hold a UUID that starts in the first
    // HEADER_REACH bytes (the span's by [`rust_runtime`]'s reach): one
    // block pass over them rules out nearly every other line.
    let at = first_uuid(message.as_bytes())?;
    if rust && let Some(id) = rust_runtime(message) {
        return Some(id);
    }
    if !header {
        return None;
    }
    let line = first_line(message);
    // A header holds no UUID before the request id, so the first UUID of
    // the line is the only candidate. A UUID holds no line end: the
    // message's first is the line's when it starts there, and the line has
    // none otherwise.
    if at >= line.len() {
        return None;
    }
    let (before, id, after) = (&line[..at], &line[at..at + UUID_LEN], &line[at + UUID_LEN..]);
    let header = python_runtime(before, after)
        || tabbed_runtime(before, after)
        || ruby_runtime(before, after)
        || blank_header(before, after);
    header.then_some(id)
}

fn first_line(message: &str) -> &str {
    let end = memchr::memchr2(b'\n', b'\r', message.as_bytes()).unwrap_or(message.len());
    &message[..end]
}

/// How far into a line a header's UUID may start.
const HEADER_REACH: usize = 160;

/// The length of a UUID, `8-4-4-4-12`.
const UUID_LEN: usize = 36;

/// Candidate starts judged at once by [`dashes_in_block`].
const STARTS: usize = 16;

/// Where the first UUID that starts in the first [`HEADER_REACH`] bytes of
/// `b` starts.
///
/// Blocks of 16 candidate starts, each tested at once for the four dashes
/// of a UUID ([`dashes_in_block`], vectorised); only a block where some
/// start has all four is read start by start. The last block overlaps the
/// one before (a start judged twice fails twice).
fn first_uuid(b: &[u8]) -> Option<usize> {
    let limit = b.len().saturating_sub(UUID_LEN - 1).min(HEADER_REACH);
    let mut s = 0;
    while s + STARTS <= limit {
        if dashes_in_block(b, s)
            && let Some(at) = uuid_from(b, s, s + STARTS)
        {
            return Some(at);
        }
        s += STARTS;
    }
    if s == limit || (limit >= STARTS && !dashes_in_block(b, limit - STARTS)) {
        return None;
    }
    uuid_from(b, s, limit)
}

/// Whether one of the starts `s .. s + 16` of `b` has a UUID's first two
/// dashes (at 8 and 13); true when `b` is too short to tell (the caller
/// then reads start by start). Two dashes five apart are rare outside
/// UUIDs. Branch-free over fixed-size arrays, so that the compiler turns
/// it into two compares and one `pmovmskb` (a test of all four dashes,
/// overlapping reads of one window, defeats the vectoriser).
#[inline(always)]
fn dashes_in_block(b: &[u8], s: usize) -> bool {
    let Some(w) = b.get(s + 8..).and_then(<[u8]>::first_chunk::<{ STARTS + 5 }>) else {
        return true;
    };
    let (Some(first), Some(second)) = (w.first_chunk::<STARTS>(), w.last_chunk::<STARTS>()) else {
        return true;
    };
    first
        .iter()
        .zip(second)
        .fold(false, |any, (&p, &q)| any | ((p == b'-') & (q == b'-')))
}

/// The first start in `from .. to` where a UUID starts.
fn uuid_from(b: &[u8], from: usize, to: usize) -> Option<usize> {
    (from..to).find(|&s| b.get(s + 8) == Some(&b'-') && b.get(s..s + UUID_LEN).is_some_and(is_uuid_bytes))
}

/// The token after `RequestId: ` on the first line.
///
/// Read on the message rather than on its first line, which is found only
/// when the keyword is not where the platform lines put it: `RequestId: `
/// holds no line end, and a token ends at a blank or a line end.
fn after_request_id(message: &str) -> Option<&str> {
    // `START RequestId: …`: right after the keyword; elsewhere on the line
    // for the other platform lines.
    let k = token_end(message.as_bytes());
    let after_keyword = matches!(message.as_bytes().get(k), Some(b' ' | b'\t'))
        .then(|| message[k..].trim_start_matches([' ', '\t']))
        .filter(|rest| rest.starts_with("RequestId: "));
    let from = match after_keyword {
        Some(rest) => rest,
        None if message.starts_with("RequestId: ") => message,
        None => {
            let line = first_line(message);
            &line[memchr::memmem::find(line.as_bytes(), b"RequestId: ")?..]
        }
    };
    let value = &from["RequestId: ".len()..];
    let end = token_end(value.as_bytes());
    Some(&value[..end]).filter(|id| plausible(id))
}

/// Where the first blank (space, tab) or line end of `b` is, or its length.
/// Blocks of 16 bytes are first tested at once for any byte up to the
/// space (vectorised); only a block with one is read byte by byte.
fn token_end(b: &[u8]) -> usize {
    let ends = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let mut start = 0;
    while let Some(w) = b.get(start..start + 16).and_then(<[u8]>::first_chunk::<16>) {
        if w.iter().fold(false, |any, &c| any | (c <= b' '))
            && let Some(i) = w.iter().position(|&c| ends(c))
        {
            return start + i;
        }
        start += 16;
    }
    let rest = b.get(start..).unwrap_or_default();
    rest.iter().position(|&c| ends(c)).map_or(b.len(), |i| start + i)
}

/// A value that looks like a request id (see the module documentation).
pub fn plausible(id: &str) -> bool {
    if !(8..=128).contains(&id.len()) {
        return false;
    }
    // Only `undefined` is long enough to get here; the list says the rule.
    if id.len() <= 9
        && ["undefined", "null", "none", "nil"]
            .iter()
            .any(|w| id.eq_ignore_ascii_case(w))
    {
        return false;
    }
    // ASCII (the usual case): no whitespace or control character is above
    // the space, except DEL. A branch-free fold, which vectorises.
    if id.is_ascii() {
        id.bytes().fold(true, |ok, b| ok & (b > b' ') & (b != 0x7f))
    } else {
        !id.chars().any(|c| c.is_whitespace() || c.is_control())
    }
}

/// `8-4-4-4-12` hex digits, either case.
fn is_uuid_bytes(b: &[u8]) -> bool {
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && [&b[..8], &b[9..13], &b[14..18], &b[19..23], &b[24..]]
            .iter()
            .all(|part| part.iter().all(u8::is_ascii_hexdigit))
}

/// A timestamp-like token: starts with a digit, at least 8 characters of
/// digits and `- : . , T Z + /`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b[0].is_ascii_digit()
        && b.iter().all(|&c| {
            c.is_ascii_digit() || matches!(c, b'-' | b':' | b'.' | b',' | b'T' | b'Z' | b'+' | b'/')
        })
}

fn is_level_word(s: &str) -> bool {
    let s = s.trim_end_matches(':');
    let s = s.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(s);
    LEVEL_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// Python runtime: `[LEVEL]\t<timestamp>\t<uuid>` then a tab or the end.
fn python_runtime(before: &str, after: &str) -> bool {
    let Some(rest) = before.strip_prefix('[') else {
        return false;
    };
    let Some(close) = rest.find(']').filter(|&i| i <= 13) else {
        return false;
    };
    let Some(ts) = rest[close + 1..]
        .strip_prefix('\t')
        .and_then(|r| r.strip_suffix('\t'))
    else {
        return false;
    };
    is_level_word(&rest[..close]) && is_timestamp(ts) && (after.is_empty() || after.starts_with('\t'))
}

/// Node and .NET runtimes: `<timestamp>\t<uuid>\t…`.
fn tabbed_runtime(before: &str, after: &str) -> bool {
    before.strip_suffix('\t').is_some_and(is_timestamp) && after.starts_with('\t')
}

/// Ruby runtime: `I, [<ts> #<pid>]  INFO <uuid> -- <progname>: <msg>`.
fn ruby_runtime(before: &str, after: &str) -> bool {
    let b = before.as_bytes();
    if b.len() < 4 || !b[0].is_ascii_uppercase() || &b[1..4] != b", [" || !after.starts_with(" -- ") {
        return false;
    }
    let Some(close) = before.find("] ") else {
        return false;
    };
    before[close + 2..]
        .strip_suffix(' ')
        .is_some_and(|level| is_level_word(level.trim_start_matches(' ')))
}

/// The span the Rust runtime opens for each invocation, up to its request id.
const RUST_SPAN: &str = "Lambda runtime invoke{requestId=\"";

/// The longest header token (timestamp or level) looked at before the span.
const RUST_TOKEN: usize = 40;

/// Rust `lambda_runtime`: at most a timestamp and a level word, then
/// `Lambda runtime invoke{requestId="<uuid>"`. Reads at most two short
/// tokens of the line, so other lines cost a byte or a token.
fn rust_runtime(message: &str) -> Option<&str> {
    // The span's `{` comes within two tokens and the span's name: one
    // memchr rules out nearly every other line.
    let head = &message.as_bytes()[..message.len().min(2 * (RUST_TOKEN + 1) + RUST_SPAN.len() + 8)];
    memchr::memchr(b'{', head)?;
    let mut rest = message.trim_start_matches(' ');
    let mut skipped = 0;
    while !rest.starts_with(RUST_SPAN) {
        let head = &rest.as_bytes()[..rest.len().min(RUST_TOKEN)];
        let end = memchr::memchr(b' ', head)?;
        let token = &rest[..end];
        if skipped == 2 || !(is_timestamp(token) || is_level_word(token)) {
            return None;
        }
        skipped += 1;
        rest = rest[end..].trim_start_matches(' ');
    }
    let rest = &rest[RUST_SPAN.len()..];
    let id = rest.get(..36)?;
    (is_uuid_bytes(id.as_bytes()) && rest.as_bytes().get(36) == Some(&b'"')).then_some(id)
}

/// Removes ANSI colour codes at both ends of a token.
fn strip_ansi_edges(mut t: &str) -> &str {
    loop {
        let before = t.len();
        if let Some(rest) = t.strip_prefix("\x1b[") {
            let params = rest
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b';')
                .count();
            match rest.as_bytes().get(params) {
                Some(b) if b.is_ascii_alphabetic() => t = &rest[params + 1..],
                _ => return t,
            }
        }
        if let Some(esc) = t.rfind("\x1b[") {
            let tail = &t[esc + 2..];
            let params = tail
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b';')
                .count();
            if params + 1 == tail.len() && tail.as_bytes()[params].is_ascii_alphabetic() {
                t = &t[..esc];
            }
        }
        if t.len() == before {
            return t;
        }
    }
}

/// Blank-separated headers: at most four header tokens (timestamps,
/// `[bracketed]` tokens), the UUID (bare or in `[]`, `<>`, `()`), then a
/// level word or `Task timed out`.
fn blank_header(before: &str, after: &str) -> bool {
    let (before, after) = [('[', ']'), ('<', '>'), ('(', ')')]
        .iter()
        .find_map(|&(open, close)| Some((before.strip_suffix(open)?, after.strip_prefix(close)?)))
        .unwrap_or((before, after));
    if !(before.is_empty() || before.ends_with([' ', '\t', 'm'])) || !after.starts_with([' ', '\t', '\x1b']) {
        return false;
    }
    let mut head = tokens(before);
    let mut count = 0;
    let all_header = head.all(|t| {
        count += 1;
        is_timestamp(t.trim_start_matches('[').trim_end_matches(']'))
            || (t.starts_with('[') && t.ends_with(']'))
    });
    if !all_header || count > 4 {
        return false;
    }
    let mut next = tokens(after);
    match next.next() {
        Some("Task") => next.next() == Some("timed") && next.next() == Some("out"),
        Some(t) => is_level_word(t),
        None => false,
    }
}

/// Blank-separated tokens with ANSI colour codes at their ends removed.
fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split([' ', '\t'])
        .map(strip_ansi_edges)
        .filter(|t| !t.is_empty())
}

/// `record.requestId` of a platform record, else the first app member of
/// `requestId`, `request_id`, `aws_request_id`, `awsRequestId`,
/// `AWSRequestId`, `function_request_id` (in that order) that looks like an
/// id. One pass over the members: cheaper than a hash lookup per name.
fn from_json<'a>(json: &Members<'a>, platform: Option<&(Cow<'a, str>, Members<'a>)>) -> Option<Cow<'a, str>> {
    if let Some((_, record)) = platform {
        return record
            .get("requestId")
            .and_then(Raw::as_str)
            .filter(|id| plausible(id));
    }
    let mut best: Option<(u8, Cow<'a, str>)> = None;
    for (key, value) in json.iter() {
        let rank = match key {
            "requestId" => 0,
            "request_id" => 1,
            "aws_request_id" => 2,
            "awsRequestId" => 3,
            "AWSRequestId" => 4,
            "function_request_id" => 5,
            _ => continue,
        };
        if best.as_ref().is_some_and(|(b, _)| *b < rank) {
            continue;
        }
        if let Some(id) = value.as_str() {
            let t = bytes::trim(&id);
            if plausible(t) {
                // Trimming nothing (the usual case) keeps the value as it is,
                // as `trimmed` would.
                let id = if t.len() == id.len() { id } else { trimmed(id) };
                best = Some((rank, id));
            }
        }
    }
    best.map(|(_, id)| id)
}

#[cfg(test)]
#[path = "request_id_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "request_id_oracle.rs"]
mod oracle;
