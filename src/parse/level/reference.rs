//! The level detection as it was before its fast paths, for the
//! differential tests in `reference_tests.rs`: the old versions of the
//! functions the fast paths rewrote (the header line's search for its end
//! and for ESC, and `skip_word`), verbatim, over the module's unchanged
//! lexer. Do not optimise them.

use super::{Level, is_month, json_level, line_level, skip_blank};
use crate::parse::json::Members;

/// [`super::detect`] with the old header path.
pub fn detect(message: &str, json: Option<&Members<'_>>) -> Option<Level> {
    header_level(message.as_bytes()).or_else(|| json.and_then(json_level))
}

/// Raw bytes of the message looked at (colour codes included).
const WINDOW: usize = 1024;
/// Bytes of the header line looked at.
const LINE: usize = 512;

/// Runs `f` over `raw` without its ANSI escape sequences; copies to a stack
/// buffer only when `raw` holds an ESC.
fn with_stripped<R>(raw: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    let raw = &raw[..raw.len().min(WINDOW)];
    if memchr::memchr(0x1b, raw).is_none() {
        return f(raw);
    }
    let mut buf = [0u8; WINDOW];
    let mut n = 0;
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == 0x1b {
            i += crate::parse::markers::ansi_len(&raw[i..]);
        } else {
            buf[n] = raw[i];
            n += 1;
            i += 1;
        }
    }
    f(&buf[..n])
}

/// The level the header of `message`'s first line states.
fn header_level(message: &[u8]) -> Option<Level> {
    with_stripped(message, |text| {
        let mut start = 0;
        // Blank lines and rule lines (`-----`, Flask 0.x debug blocks) are
        // not headers: the header is on the first line with content.
        for _ in 0..3 {
            start = skip_blank(text, start);
            if text[start..].starts_with(b"\xEF\xBB\xBF") {
                start += 3;
            }
            let end = line_end(text, start);
            let rule = |c: &u8| {
                matches!(
                    c,
                    b'-' | b'=' | b'*' | b'_' | b'~' | b'#' | b'+' | b' ' | b'\t' | b'\r'
                )
            };
            if end > start && text[start..end].iter().all(rule) {
                start = end;
                continue;
            }
            return line_level(text, start, end);
        }
        None
    })
}

fn line_end(b: &[u8], start: usize) -> usize {
    let limit = b.len().min(start + LINE);
    memchr::memchr(b'\n', &b[start..limit]).map_or(limit, |k| start + k)
}

/// Words headers hold that are neither levels nor prose: month and day
/// names, AM/PM, time zones, the CRI stream, the Node Lambda runtime's
/// `undefined` request id, PHP's `PHP Warning:`, `npm WARN` / `npm ERR!`.
pub fn skip_word(w: &[u8]) -> bool {
    const WORDS: [&[u8]; 29] = [
        b"sept",
        b"mon",
        b"tue",
        b"wed",
        b"thu",
        b"fri",
        b"sat",
        b"sun",
        b"am",
        b"pm",
        b"utc",
        b"gmt",
        b"z",
        b"est",
        b"edt",
        b"cst",
        b"cdt",
        b"mst",
        b"mdt",
        b"pst",
        b"pdt",
        b"cet",
        b"cest",
        b"bst",
        b"stdout",
        b"stderr",
        b"undefined",
        b"php",
        b"npm",
    ];
    is_month(w) || WORDS.iter().any(|k| k.eq_ignore_ascii_case(w))
}
