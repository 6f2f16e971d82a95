//! The request id finder as it was before the rewrite that rules out lines
//! without a UUID-shaped run in one block pass and reads platform lines
//! once: kept for the tests only, as the oracle the finder is compared with.
#![allow(dead_code)]

use std::borrow::Cow;

use crate::parse::json::{Members, Raw, trimmed};

use crate::parse::Shared;

// What the rewrite left as it was is the finder's own code, not a copy.
use super::{
    blank_header, is_uuid_bytes, plausible, python_runtime, ruby_runtime, rust_runtime, tabbed_runtime,
};

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
