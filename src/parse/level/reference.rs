//! The level detection as it was before the one-pass lexer, for the
//! differential tests in `reference_tests.rs`: a verbatim copy of what the
//! lexer rewrite changed in the header lexer and the JSON path of
//! `level.rs` at that point (itself proven equal, by the same tests, to the
//! version before its fast paths). The functions the rewrite left as they
//! were, and whose callees it left too, are imported from `level.rs`.
//! Do not optimise it: it is the oracle.
#![allow(dead_code)]

// What the rewrite left as it was (and all it calls) is the live code's.
use super::{
    EscapeSeen, JSON_KEYS, Level, MAX_GROUP, MAX_ITEMS, MAX_UNKNOWN, WINDOW, channel_level, column_follows,
    error_header_follows, gutter, is_level_key, klog, leading_symbol, leading_tag, letter_level, line_end,
    logfmt_value, php_error_type, redis, ruby_logger, starts_json_object,
};
use crate::parse::json::{Members, Raw};

/// The level of a line: from its text header, else from its JSON members
/// (see the module docs).
pub fn detect(message: &str, json: Option<&Members<'_>>) -> Option<Level> {
    header_level(message.as_bytes()).or_else(|| json.and_then(json_level))
}

fn json_level(obj: &Members<'_>) -> Option<Level> {
    for key in JSON_KEYS {
        let value = if key == "log.level" {
            obj.get(key).or_else(|| obj.get("log")?.as_object()?.get("level"))
        } else {
            obj.get(key)
        };
        if let Some(level) = value.and_then(value_level) {
            return Some(level);
        }
    }
    // Serilog CLEF: "@l" is left out for Information.
    if obj.contains_key("@t")
        && (obj.contains_key("@mt") || obj.contains_key("@m"))
        && !obj.contains_key("@l")
    {
        return Some(Level::Info);
    }
    // Docker / FireLens: the container's own line.
    header_level(obj.get("log")?.as_str()?.as_bytes())
}

/// A level member's value: a spelling (colour codes and blanks ignored) or
/// a pino / bunyan number.
fn value_level(v: Raw<'_>) -> Option<Level> {
    match v {
        Raw::Str(s) => with_stripped(s.decode().as_bytes(), |b| spelling(b.trim_ascii())),
        Raw::Num(_) => v.as_u64().and_then(Level::from_number),
        _ => None,
    }
}

/// The spelling table of SCHEMA.md, any case.
pub fn spelling(word: &[u8]) -> Option<Level> {
    let mut buf = [0u8; 13];
    if word.len() < 3 || word.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(word) {
        *d = s.to_ascii_lowercase();
    }
    Some(match &buf[..word.len()] {
        b"trace" | b"trc" | b"trce" | b"vrb" | b"verbose" | b"finest" | b"finer" => Level::Trace,
        b"debug" | b"dbg" | b"dbug" | b"fine" => Level::Debug,
        b"info" | b"inf" | b"information" | b"informational" | b"notice" => Level::Info,
        b"warn" | b"warning" | b"wrn" => Level::Warn,
        b"error" | b"err" | b"eror" | b"fail" | b"severe" => Level::Error,
        b"fatal" | b"ftl" | b"crit" | b"critical" | b"emerg" | b"emergency" | b"alert" | b"panic" => {
            Level::Fatal
        }
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// The header lexer.

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
///
/// Most messages have no colour codes in the lines the lexer reads, so the
/// raw text is read first, with one search per line for both its end and an
/// ESC; only when an ESC shows up is the window copied without its escape
/// sequences and read again. Up to that ESC the two texts are the same, so
/// the result is too.
fn header_level(message: &[u8]) -> Option<Level> {
    let raw = &message[..message.len().min(WINDOW)];
    header_of(raw).unwrap_or_else(|EscapeSeen| with_stripped(raw, |text| header_of(text).ok().flatten()))
}

/// [`header_level`] on `text`, or [`EscapeSeen`].
fn header_of(text: &[u8]) -> Result<Option<Level>, EscapeSeen> {
    let mut start = 0;
    // Blank lines and rule lines (`-----`, Flask 0.x debug blocks) are
    // not headers: the header is on the first line with content.
    for _ in 0..3 {
        start = skip_blank(text, start);
        if text[start..].starts_with(b"\xEF\xBB\xBF") {
            start += 3;
        }
        if starts_json_object(&text[start..]) {
            return Ok(None);
        }
        let end = line_end(text, start)?;
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
        return Ok(line_level(text, start, end));
    }
    Ok(None)
}

fn skip_blank(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// The level of the header line `b[start..end]`.
fn line_level(b: &[u8], mut start: usize, end: usize) -> Option<Level> {
    // syslog <PRI>: the severity is its low three bits.
    let mut pri = None;
    if b.get(start) == Some(&b'<')
        && let Some(close) = b[start + 1..end.min(start + 5)].iter().position(|&c| c == b'>')
        && close > 0
        && b[start + 1..start + 1 + close].iter().all(u8::is_ascii_digit)
    {
        let v = b[start + 1..start + 1 + close]
            .iter()
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
        pri = match v % 8 {
            0..=2 => Some(Level::Fatal),
            3 => Some(Level::Error),
            4 => Some(Level::Warn),
            5 | 6 => Some(Level::Info),
            _ => Some(Level::Debug),
        };
        start += close + 2;
    }
    if let Some(level) = ruby_logger(&b[start..end]) {
        return level;
    }
    if let Some(level) = klog(&b[start..end]) {
        return Some(level);
    }
    if let Some(level) = redis(&b[start..end]) {
        return Some(level);
    }
    if let Some(level) = leading_symbol(&b[start..end]) {
        return Some(level);
    }
    start += gutter(&b[start..end]);
    if let Some((tag, after)) = leading_tag(b, start, end) {
        return scan(b, after, end, false).or(Some(tag));
    }
    scan(b, start, end, false).or(pri)
}

/// Reads header items of `b[i..end]` until a level, prose, or the item
/// budget. `in_group`: the content of a bracket group, where any case of a
/// whole-token spelling counts.
fn scan(b: &[u8], mut i: usize, end: usize, in_group: bool) -> Option<Level> {
    let mut unknown = 0u8;
    for _ in 0..MAX_ITEMS {
        i = skip_separators(b, i, end);
        if i >= end {
            return None;
        }
        match b[i] {
            open @ (b'[' | b'(' | b'<' | b'{') => {
                if in_group {
                    return None;
                }
                let close = match open {
                    b'[' => b']',
                    b'(' => b')',
                    b'<' => b'>',
                    _ => b'}',
                };
                let content = i + 1;
                let limit = end.min(content + MAX_GROUP);
                let j = content + memchr::memchr(close, &b[content..limit])?;
                if open == b'{' && matches!(b[content..j].trim_ascii_start().first(), None | Some(b'"')) {
                    // A JSON object: the header is over.
                    return None;
                }
                if let Some(level) = scan(b, content, j, true) {
                    return Some(level);
                }
                i = j + 1;
            }
            b'0'..=b'9' => i = numeric(b, i, end),
            b'+' if i + 1 < end && b[i + 1].is_ascii_digit() => i = numeric(b, i + 1, end),
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'@' => {
                let tok_end = ident_end(b, i, end);
                let tok = &b[i..tok_end];
                let next = (tok_end < end).then(|| b[tok_end]);
                if next == Some(b'=') {
                    let (value, after) = logfmt_value(b, tok_end + 1, end);
                    if is_level_key(tok)
                        && let Some(level) = spelling(value)
                    {
                        return Some(level);
                    }
                    i = after;
                    continue;
                }
                if tok.len() == 1
                    && let Some(level) = letter_level(b, tok[0], tok_end, end, in_group)
                {
                    return Some(level);
                }
                if tok.iter().all(u8::is_ascii_alphabetic) {
                    if let Some(level) = spelling(tok) {
                        let upper = tok.iter().all(u8::is_ascii_uppercase);
                        let strong = in_group
                            || upper
                            || matches!(next, Some(b':' | b'\t' | b'|'))
                            || column_follows(b, tok_end, end)
                            || error_header_follows(b, tok_end, end);
                        let bounded = match next {
                            None => true,
                            Some(b'[') => upper,
                            Some(c) => b" \t\r:])|,/>;!".contains(&c),
                        };
                        return (strong && bounded).then_some(level);
                    }
                    if skip_word(tok) {
                        i = tok_end;
                        continue;
                    }
                    if php_error_type(b, i, tok_end, end) {
                        return Some(Level::Error);
                    }
                    let lower = tok.iter().all(u8::is_ascii_lowercase);
                    let header_like = tok.len() == 1
                        || column_follows(b, tok_end, end)
                        || matches!(next, Some(b'[' | b'('))
                        || (next == Some(b':') && (in_group || lower));
                    if !header_like {
                        return None;
                    }
                } else if is_hex_id(tok) {
                    i = tok_end;
                    continue;
                } else if next == Some(b':')
                    && let Some(level) = channel_level(tok)
                {
                    return Some(level);
                }
                unknown += 1;
                if unknown > MAX_UNKNOWN {
                    return None;
                }
                i = tok_end;
            }
            _ => return None,
        }
    }
    None
}

/// Byte classes of the lexer, one table lookup per byte.
const SEP: u8 = 1;
const IDENT: u8 = 2;
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let seps = b" \t\r-|:,;>*#=~.";
    let mut k = 0;
    while k < seps.len() {
        t[seps[k] as usize] |= SEP;
        k += 1;
    }
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$' | b'@' | b'-') {
            t[c] |= IDENT;
        }
        c += 1;
    }
    t
};

/// Past blanks and the punctuation headers use between fields.
fn skip_separators(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && CLASS[usize::from(b[i])] & SEP != 0 {
        i += 1;
    }
    i
}

/// The end of an identifier-like token: letters, digits, `_ . $ @ -`.
fn ident_end(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && CLASS[usize::from(b[i])] & IDENT != 0 {
        i += 1;
    }
    i
}

/// Past a timestamp, date, time, number, IP address, pid (`7#7`) or an id
/// that starts with a digit. Stops before `:` followed by a letter, so
/// `10:01:02,123:WARNING:root` leaves `:WARNING:root`.
fn numeric(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end {
        let c = b[i];
        if c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let next = (i + 1 < end).then(|| b[i + 1]);
        match c {
            b'-' | b'/' | b':' | b'.' | b',' | b'+' | b'#' | b'_' => {
                if next.is_some_and(|n| n.is_ascii_digit()) {
                    i += 1;
                } else if matches!(c, b'-' | b'/') && month_at(b, i + 1, end) {
                    // 25-Nov-2024, 25/Nov/2024
                    i += 4;
                } else {
                    break;
                }
            }
            // 2024-11-25T10:01:02Z
            b'T' | b'Z' if b[i - 1].is_ascii_digit() => i += 1,
            // 10:01PM, 12ms, 4e53a6b0-… (an id that starts with a digit)
            c if c.is_ascii_alphabetic() && b[i - 1].is_ascii_digit() => return ident_end(b, i, end),
            _ => break,
        }
    }
    i
}

fn month_at(b: &[u8], i: usize, end: usize) -> bool {
    i + 3 <= end && is_month(&b[i..i + 3]) && (i + 3 == end || !b[i + 3].is_ascii_alphabetic())
}

fn is_month(w: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
    ];
    w.len() == 3 && MONTHS.iter().any(|m| m.eq_ignore_ascii_case(w))
}

/// Words headers hold that are neither levels nor prose: month and day
/// names, AM/PM, time zones, the CRI stream, the Node Lambda runtime's
/// `undefined` request id, PHP's `PHP Warning:`, `npm WARN` / `npm ERR!`.
/// One lower-casing copy and one `match`, rather than a case-insensitive
/// compare per word: most tokens it sees are none of these.
pub fn skip_word(w: &[u8]) -> bool {
    let mut buf = [0u8; 9];
    let Some(lower) = lowered(w, &mut buf) else {
        return false;
    };
    matches!(
        lower,
        b"jan"
            | b"feb"
            | b"mar"
            | b"apr"
            | b"may"
            | b"jun"
            | b"jul"
            | b"aug"
            | b"sep"
            | b"oct"
            | b"nov"
            | b"dec"
            | b"sept"
            | b"mon"
            | b"tue"
            | b"wed"
            | b"thu"
            | b"fri"
            | b"sat"
            | b"sun"
            | b"am"
            | b"pm"
            | b"utc"
            | b"gmt"
            | b"z"
            | b"est"
            | b"edt"
            | b"cst"
            | b"cdt"
            | b"mst"
            | b"mdt"
            | b"pst"
            | b"pdt"
            | b"cet"
            | b"cest"
            | b"bst"
            | b"stdout"
            | b"stderr"
            | b"undefined"
            | b"php"
            | b"npm"
    )
}

/// `w` in ASCII lower case, copied into `buf`; `None` when it is longer.
fn lowered<'b>(w: &[u8], buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let out = buf.get_mut(..w.len())?;
    for (d, s) in out.iter_mut().zip(w) {
        *d = s.to_ascii_lowercase();
    }
    Some(out)
}

/// A request id, uuid or hex id: hex digits and dashes, 8 or more.
fn is_hex_id(t: &[u8]) -> bool {
    t.len() >= 8 && t.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-')
}
