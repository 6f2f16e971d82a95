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
//! 2. A UUID (`8-4-4-4-12` hex) in the line's header:
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
//! 3. JSON: `record.requestId` of a `platform.*` record, else the first
//!    string member of `requestId`, `request_id`, `aws_request_id`,
//!    `awsRequestId`, `AWSRequestId`, `function_request_id`.
//!
//! The text header wins over JSON members, as it is the runtime's own
//! statement of the invocation. Any id (from `RequestId:` or JSON) must
//! look like an id: 8 to 128 characters, no blank or control character, and
//! not `undefined`, `null`, `none` or `nil`. Short values such as `"42"` are
//! refused: the join is global, and a counter would join unrelated lines.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::lambda;

/// JSON members that hold a request id, in the order they are tried.
const JSON_KEYS: [&str; 6] = [
    "requestId",
    "request_id",
    "aws_request_id",
    "awsRequestId",
    "AWSRequestId",
    "function_request_id",
];

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
pub fn find<'a>(message: &'a str, json: Option<&Map<String, Value>>) -> Option<Cow<'a, str>> {
    from_text(message)
        .map(Cow::Borrowed)
        .or_else(|| json.and_then(from_json).map(|s| Cow::Owned(s.to_owned())))
}

fn from_text(message: &str) -> Option<&str> {
    let first = message.as_bytes().first()?;
    if lambda::text_kind(message).is_some() || message.starts_with("RequestId: ") {
        return after_request_id(message);
    }
    if !(first.is_ascii_alphanumeric() || matches!(first, b'[' | b'<' | b'(' | 0x1b)) {
        return None;
    }
    let line = first_line(message);
    python_runtime(line)
        .or_else(|| tabbed_runtime(line))
        .or_else(|| ruby_runtime(line))
        .or_else(|| blank_header(line))
}

fn first_line(message: &str) -> &str {
    let end = message.find(['\n', '\r']).unwrap_or(message.len());
    &message[..end]
}

/// The token after `RequestId: ` on the first line.
fn after_request_id(message: &str) -> Option<&str> {
    let line = first_line(message);
    let at = line.find("RequestId: ")?;
    let value = &line[at + "RequestId: ".len()..];
    let end = value.find([' ', '\t']).unwrap_or(value.len());
    Some(&value[..end]).filter(|id| plausible(id))
}

/// A value that looks like a request id (see the module documentation).
pub fn plausible(id: &str) -> bool {
    (8..=128).contains(&id.len())
        && !id.chars().any(|c| c.is_whitespace() || c.is_control())
        && !["undefined", "null", "none", "nil"]
            .iter()
            .any(|w| id.eq_ignore_ascii_case(w))
}

/// `8-4-4-4-12` hex digits, either case.
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
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
fn python_runtime(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find(']').filter(|&i| i <= 13)?;
    if !is_level_word(&rest[..close]) {
        return None;
    }
    let mut fields = rest[close + 1..].strip_prefix('\t')?.splitn(3, '\t');
    let ts = fields.next()?;
    let id = fields.next()?;
    (is_timestamp(ts) && is_uuid(id)).then_some(id)
}

/// Node and .NET runtimes: `<timestamp>\t<uuid>\t…`.
fn tabbed_runtime(line: &str) -> Option<&str> {
    let mut fields = line.splitn(3, '\t');
    let ts = fields.next()?;
    let id = fields.next()?;
    fields.next()?;
    (is_timestamp(ts) && is_uuid(id)).then_some(id)
}

/// Ruby runtime: `I, [<ts> #<pid>]  INFO <uuid> -- <progname>: <msg>`.
fn ruby_runtime(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    if b.len() < 4 || !b[0].is_ascii_uppercase() || &b[1..4] != b", [" {
        return None;
    }
    let close = line.find("] ")?;
    let mut tokens = line[close + 2..].split(' ').filter(|t| !t.is_empty());
    let level = tokens.next()?;
    let id = tokens.next()?;
    (is_level_word(level) && is_uuid(id) && tokens.next() == Some("--")).then_some(id)
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

/// The UUID of a token, bare or wrapped in `[]`, `<>`, `()`.
fn wrapped_uuid(t: &str) -> Option<&str> {
    let inner = [('[', ']'), ('<', '>'), ('(', ')')]
        .iter()
        .find_map(|&(o, c)| t.strip_prefix(o)?.strip_suffix(c))
        .unwrap_or(t);
    is_uuid(inner).then_some(inner)
}

/// Blank-separated headers: up to four header tokens, the UUID, then a level
/// word or `Task timed out`.
fn blank_header(line: &str) -> Option<&str> {
    let mut tokens = line
        .split([' ', '\t'])
        .map(strip_ansi_edges)
        .filter(|t| !t.is_empty());
    for _ in 0..5 {
        let t = tokens.next()?;
        if let Some(id) = wrapped_uuid(t) {
            let next = tokens.next()?;
            let timed_out = next == "Task" && tokens.next() == Some("timed") && tokens.next() == Some("out");
            return (timed_out || is_level_word(next)).then_some(id);
        }
        let header = is_timestamp(t.trim_start_matches('[').trim_end_matches(']'))
            || (t.starts_with('[') && t.ends_with(']'));
        if !header {
            return None;
        }
    }
    None
}

/// `record.requestId` of a platform record, else the first app member.
fn from_json(json: &Map<String, Value>) -> Option<&str> {
    if let Some((_, record)) = lambda::platform_record(json) {
        return record
            .get("requestId")
            .and_then(Value::as_str)
            .filter(|id| plausible(id));
    }
    JSON_KEYS.iter().find_map(|k| {
        json.get(*k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|id| plausible(id))
    })
}

#[cfg(test)]
#[path = "request_id_tests.rs"]
mod tests;
