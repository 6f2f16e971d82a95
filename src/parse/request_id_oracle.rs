//! The request id finder as it was before the rewrite that rules out lines
//! without a UUID-shaped run in one block pass and reads platform lines
//! once: kept for the tests only, as the oracle the finder is compared with.
#![allow(dead_code)]

use std::borrow::Cow;

use crate::parse::json::{Members, Raw, trimmed};

use crate::parse::Shared;

/// Level words that may follow a request id in a blank-separated header
/// (SCHEMA.md's spellings, without the ambiguous single letters).
const LEVEL_WORDS: [&str; 32] = [
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
pub(super) fn find_in<'a>(message: &'a str, line: &Shared<'_, 'a>) -> Option<Cow<'a, str>> {
    from_text(message, line.text_kind)
        .map(Cow::Borrowed)
        .or_else(|| line.json.and_then(|json| from_json(json, line.platform.as_ref())))
}

fn from_text<'a>(message: &'a str, text_kind: Option<&str>) -> Option<&'a str> {
    let first = message.as_bytes().first()?;
    if text_kind.is_some() || message.starts_with("RequestId: ") {
        return after_request_id(message);
    }
    if (*first == b' ' || first.is_ascii_alphanumeric())
        && let Some(id) = rust_runtime(message)
    {
        return Some(id);
    }
    if !(first.is_ascii_alphanumeric() || matches!(first, b'[' | b'<' | b'(' | 0x1b)) {
        return None;
    }
    let line = first_line(message);
    // A header holds no UUID before the request id, so the first UUID of
    // the line is the only candidate.
    let at = first_uuid(line)?;
    let (before, id, after) = (&line[..at], &line[at..at + 36], &line[at + 36..]);
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

/// Where the first UUID that starts in the first [`HEADER_REACH`] bytes of
/// the line starts.
fn first_uuid(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let head = &b[..b.len().min(HEADER_REACH + 8)];
    memchr::memchr_iter(b'-', head)
        .filter_map(|p| p.checked_sub(8))
        .find(|&start| b.get(start..start + 36).is_some_and(is_uuid_bytes))
}

/// The token after `RequestId: ` on the first line.
fn after_request_id(message: &str) -> Option<&str> {
    let line = first_line(message);
    // `START RequestId: …`: right after the keyword; elsewhere on the line
    // for the other platform lines.
    let after_keyword = blank_at(line)
        .map(|i| line[i..].trim_start_matches([' ', '\t']))
        .filter(|rest| rest.starts_with("RequestId: "));
    let from = match after_keyword {
        Some(rest) => rest,
        None if line.starts_with("RequestId: ") => line,
        None => &line[memchr::memmem::find(line.as_bytes(), b"RequestId: ")?..],
    };
    let value = &from["RequestId: ".len()..];
    let end = blank_at(value).unwrap_or(value.len());
    Some(&value[..end]).filter(|id| plausible(id))
}

/// Where the first space or tab of `s` is (a byte loop: cheaper than a
/// `char` pattern over these short strings).
fn blank_at(s: &str) -> Option<usize> {
    s.bytes().position(|b| b == b' ' || b == b'\t')
}

/// A value that looks like a request id (see the module documentation).
fn plausible(id: &str) -> bool {
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
        if let Some(id) = value.as_str().filter(|id| plausible(id.trim())) {
            best = Some((rank, trimmed(id)));
        }
    }
    best.map(|(_, id)| id)
}
