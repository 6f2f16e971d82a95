//! The access-log parser as it was before the rewrite that dropped its
//! separate prefilter and `memmem` search and its character-pattern
//! searches: kept for the tests only, as the oracle the parser is compared
//! with.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::parse::Http;

// What the rewrite left as it was is the parser's own code, not a copy.
use super::{load_balancer_status, skip_ansi_backward, skip_ansi_forward, status_after};

/// The cheap prefilter: every accepted line holds ` HTTP/`.
static HTTP_VERSION: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b" HTTP/"));

/// The longest method token accepted (`VERSION-CONTROL` is 15).
const MAX_METHOD: usize = 24;

/// Method, status and path of an access-log line; all `None` when the
/// message is not one.
pub fn parse(message: &str) -> Http<'_> {
    let b = message.as_bytes();
    // Most lines hold no `P/` at all: they are ruled out before the search.
    if !has_pair(b, b'P', b'/') {
        return Http::default();
    }
    for at in HTTP_VERSION.find_iter(b) {
        if let Some(http) = request_at(message, at) {
            return http;
        }
    }
    Http::default()
}

/// How the request line is delimited.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// `"…"`
    Plain,
    /// `\"…\"` inside a JSON string.
    Escaped,
    /// No quotes (morgan `short`).
    None,
}

/// The access fields when the ` HTTP/` at byte `at` ends a request line.
fn request_at(message: &str, at: usize) -> Option<Http<'_>> {
    let b = message.as_bytes();

    // HTTP/1.1, HTTP/2, HTTP/2.0
    let mut i = at + 6;
    if !b.get(i)?.is_ascii_digit() {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 2;
    }
    i = skip_ansi_forward(b, i);

    // TARGET: the run of visible bytes before the space.
    let t_start = b[..at]
        .iter()
        .rposition(|&c| matches!(c, b' ' | b'\t' | b'"' | 0..=0x1f))
        .map_or(0, |k| k + 1);
    if t_start == at || t_start == 0 || b[t_start - 1] != b' ' {
        return None;
    }
    let target = &message[t_start..at];

    // METHOD: an upper-case token.
    let m_end = t_start - 1;
    let mut m_start = m_end;
    while m_start > 0 && matches!(b[m_start - 1], b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-') {
        m_start -= 1;
    }
    let method = &message[m_start..m_end];
    if method.is_empty() || method.len() > MAX_METHOD || !b[m_start].is_ascii_uppercase() {
        return None;
    }

    // What opens the request, and does the same close it?
    let before = skip_ansi_backward(b, m_start);
    let open = match before.checked_sub(1).map(|k| b[k]) {
        Some(b'"') if before >= 2 && b[before - 2] == b'\\' => Quote::Escaped,
        Some(b'"') => Quote::Plain,
        None | Some(b' ' | b'\t') => Quote::None,
        Some(_) => return None,
    };
    let after_close = match open {
        Quote::Plain if b.get(i) == Some(&b'"') => i + 1,
        Quote::Escaped if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'"') => i + 2,
        Quote::None => i,
        _ => return None,
    };
    if open == Quote::None && !(target.starts_with('/') || scheme_len(target).is_some()) {
        return None;
    }

    let status = status_after(b, after_close).or_else(|| match open {
        Quote::None => None,
        Quote::Plain | Quote::Escaped => {
            let open_at = if open == Quote::Plain {
                before - 1
            } else {
                before - 2
            };
            load_balancer_status(&message[..open_at])
        }
    })?;

    Some(Http {
        method: Some(method),
        status: Some(status),
        path: path_of(target),
    })
}

/// The path of a request target, without query or fragment.
fn path_of(target: &str) -> Option<&str> {
    let rest = match scheme_len(target) {
        Some(n) => {
            let after = &target[n..];
            match after.find(['/', '?', '#']) {
                Some(k) if after.as_bytes()[k] == b'/' => &after[k..],
                _ => return Some("/"),
            }
        }
        None => target,
    };
    if rest.starts_with('/') {
        let end = rest.find(['?', '#']).unwrap_or(rest.len());
        Some(&rest[..end])
    } else if rest == "*" {
        Some("*")
    } else {
        None
    }
}

/// The length of `http://`, `https://`, `ws://` or `wss://` at the start
/// of `target` (any case).
fn scheme_len(target: &str) -> Option<usize> {
    // `://` within the first 8 bytes: the longest scheme has 5 letters.
    let head = &target.as_bytes()[..target.len().min(8)];
    let colon = head.windows(3).position(|w| w == b"://")?;
    let scheme = &target[..colon];
    ["http", "https", "ws", "wss"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
        .then_some(colon + 3)
}

/// Bytes judged per chunk (one early exit per chunk).
const CHUNK: usize = 64;

/// True when `b` holds the byte `x` followed by the byte `y` (the test the
/// access-log parser's old version ran first; its oracle still does).
#[inline]
pub fn has_pair(b: &[u8], x: u8, y: u8) -> bool {
    // Chunks overlap by one byte, so that no pair is cut in two; the last
    // one is padded with zeros (no pair of two zero bytes is ever asked).
    let mut start = 0;
    while let Some(chunk) = b.get(start..start + CHUNK + 1) {
        if chunk_has_pair(chunk, x, y) {
            return true;
        }
        start += CHUNK;
    }
    let rest = b.get(start..).unwrap_or_default();
    let mut pad = [0u8; CHUNK + 1];
    pad[..rest.len()].copy_from_slice(rest);
    chunk_has_pair(&pad, x, y)
}

#[inline(always)]
fn chunk_has_pair(chunk: &[u8], x: u8, y: u8) -> bool {
    let (Some(first), Some(second)) = (
        chunk.first_chunk::<CHUNK>(),
        chunk.get(1..).and_then(<[u8]>::first_chunk::<CHUNK>),
    ) else {
        return false;
    };
    first
        .iter()
        .zip(second)
        .fold(false, |a, (&p, &q)| a | ((p == x) & (q == y)))
}
