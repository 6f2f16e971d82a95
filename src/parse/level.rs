//! The level a line's own header states (SCHEMA.md, "Levels").
//!
//! Not a word met inside the text: `INFO: 3 errors found` is `INFO`, `User
//! error page viewed` has no level. Rather than one pattern per logging
//! library, a small lexer reads the *header* of the first line: it skips
//! what headers are made of (timestamps, dates, pids, ids, bracketed groups,
//! `key=value` pairs, separators) and looks for a level spelling as a whole
//! token in a place where headers put one. It stops at the first plain word
//! of prose, at a quote, at a JSON object, and after a few items, so the
//! free text of the message is never scanned.
//!
//! A level spelling (SCHEMA.md's table, any case) counts when it is
//! - inside a bracket group of the header: `[INFO]`, `[warn]`, `[Info]`,
//!   `[15:25:41 INF]`, `[ts WARN  target]`, `[core:error]`, `[ts: WARNING/Main]`;
//! - followed by `:` (`WARNING:root:x`, `info: msg`, `warn: Category[0]`),
//!   a tab, `|`, or a padded column / ` - ` / ` | ` separator;
//! - written in capitals (`2024-… INFO 1 --- [main]`, `WARNING in app:`,
//!   logrus' `WARN[0000]`);
//! - the value of a `level=` / `lvl=` / `severity=` logfmt key.
//!
//! A lower-case or title-case spelling followed by a plain space (`Error
//! processing request`, `2024/… error connecting`) is prose, not a header.
//! Before the level, the lexer lets through at most two words it does not
//! know, and only when they look like header fields (a logger name or host
//! with `.`/`_`/`-`/digits, a word followed by a column separator, a single
//! letter such as Ruby's `W,`); a plain word followed by a space ends the
//! header. Formats with their own letters: Ruby `Logger` (`W, [ts #1]  WARN
//! -- :`) and glog / klog (`W1125 10:01:02.123456`). A syslog `<PRI>`
//! prefix gives the level when the rest of the header gives none.
//!
//! JSON: the header of the text before the object wins (`2024-… INFO
//! {"level":"debug"}` is INFO: the line's own header states it; the object
//! is a payload). When the header states nothing, the object's first member
//! of `level`, `levelname`, `severity`, `log.level` (dotted or nested),
//! `Level`, `LogLevel`, `@l`, `log_level`, `lvl` whose value is a spelling
//! or a pino / bunyan number (10…60) gives it. Two additions: a Serilog
//! compact (CLEF) record with `@t` and `@mt`/`@m` and no `@l` is INFO, as
//! CLEF defines; and a Docker / FireLens record's `log` string (the raw
//! container line) is read as a header.
//!
//! Judgement calls: `Error: ENOENT` at line start (Node's uncaught error),
//! `panic: …` (Go), `Trace: …` (Node's `console.trace`) count as ERROR,
//! FATAL and TRACE: a level word with a colon at line start is a header.
//! ANSI colour codes are ignored; CRLF endings are fine. The lexer reads
//! bytes only (no allocation); a coloured header is copied to a stack
//! buffer without its escape sequences.

use super::bytes;
use super::json::{Members, Raw};

/// The normalised levels of `@level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// `TRACE`
    Trace,
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARN`
    Warn,
    /// `ERROR`
    Error,
    /// `FATAL`
    Fatal,
}

impl Level {
    /// All levels, lowest first.
    pub const ALL: [Level; 6] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// The value written into `@level`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// A spelling of SCHEMA.md's table, any case, surrounding blanks
    /// ignored: `warning`, `WRN`, `crit`, `Information`.
    pub fn from_name(name: &str) -> Option<Level> {
        spelling(bytes::trim(name).as_bytes())
    }

    /// A pino / bunyan numeric level: 10 TRACE … 60 FATAL.
    pub fn from_number(n: u64) -> Option<Level> {
        match n {
            10 => Some(Level::Trace),
            20 => Some(Level::Debug),
            30 => Some(Level::Info),
            40 => Some(Level::Warn),
            50 => Some(Level::Error),
            60 => Some(Level::Fatal),
            _ => None,
        }
    }
}

/// The level of a line: from its text header, else from its JSON members
/// (see the module docs).
pub fn detect(message: &str, json: Option<&Members<'_>>) -> Option<Level> {
    header_level(message.as_bytes()).or_else(|| json.and_then(json_level))
}

/// The JSON members that may hold the level, in SCHEMA.md's order.
const JSON_KEYS: [&str; 9] = [
    "level",
    "levelname",
    "severity",
    "log.level",
    "Level",
    "LogLevel",
    "@l",
    "log_level",
    "lvl",
];

fn json_level(obj: &Members<'_>) -> Option<Level> {
    for &key in &JSON_KEYS {
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
        Raw::Str(s) => {
            let s = s.decode();
            let b = s.as_bytes();
            // The longest spelling is 13 bytes: a longer value is one only
            // with blanks or colour codes around it.
            if b.len() <= 16 && !b.contains(&0x1b) {
                return spelling(b.trim_ascii());
            }
            with_stripped(b, |b| spelling(b.trim_ascii()))
        }
        Raw::Num(_) => v.as_u64().and_then(Level::from_number),
        _ => None,
    }
}

/// A spelling of SCHEMA.md's table, any case.
fn spelling(word: &[u8]) -> Option<Level> {
    match lookup(word) {
        Word::Level(level) => Some(level),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The word table: level spellings and the words headers hold that are
// skipped, found by one hash lookup instead of a compare per spelling.

/// What a word of the header is to the lexer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    /// None of the tables' words.
    Other,
    /// A word headers hold that is neither a level nor prose: month and
    /// day names, AM/PM, time zones, the CRI stream, the Node Lambda
    /// runtime's `undefined` request id, PHP's `PHP Warning:`, `npm WARN` /
    /// `npm ERR!`.
    Skip,
    /// A spelling of SCHEMA.md's level table.
    Level(Level),
}

/// SCHEMA.md's level table.
const SPELLINGS: [(&str, Level); 32] = [
    ("trace", Level::Trace),
    ("trc", Level::Trace),
    ("trce", Level::Trace),
    ("vrb", Level::Trace),
    ("verbose", Level::Trace),
    ("finest", Level::Trace),
    ("finer", Level::Trace),
    ("debug", Level::Debug),
    ("dbg", Level::Debug),
    ("dbug", Level::Debug),
    ("fine", Level::Debug),
    ("info", Level::Info),
    ("inf", Level::Info),
    ("information", Level::Info),
    ("informational", Level::Info),
    ("notice", Level::Info),
    ("warn", Level::Warn),
    ("warning", Level::Warn),
    ("wrn", Level::Warn),
    ("error", Level::Error),
    ("err", Level::Error),
    ("eror", Level::Error),
    ("fail", Level::Error),
    ("severe", Level::Error),
    ("fatal", Level::Fatal),
    ("ftl", Level::Fatal),
    ("crit", Level::Fatal),
    ("critical", Level::Fatal),
    ("emerg", Level::Fatal),
    ("emergency", Level::Fatal),
    ("alert", Level::Fatal),
    ("panic", Level::Fatal),
];

/// The words [`Word::Skip`] stands for.
const SKIP_WORDS: [&str; 41] = [
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "sept",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "am",
    "pm",
    "utc",
    "gmt",
    "z",
    "est",
    "edt",
    "cst",
    "cdt",
    "mst",
    "mdt",
    "pst",
    "pdt",
    "cet",
    "cest",
    "bst",
    "stdout",
    "stderr",
    "undefined",
    "php",
    "npm",
];

/// Bytes of a word that its key holds; longer words are none of the tables'.
const KEY_LEN: usize = 16;

/// A word of at most [`KEY_LEN`] bytes in ASCII lower case, as one
/// little-endian number: what the table compares.
const fn key(w: &[u8]) -> u128 {
    let mut k = 0u128;
    let mut i = 0;
    while i < w.len() {
        k |= (w[i].to_ascii_lowercase() as u128) << (8 * i);
        i += 1;
    }
    k
}

/// log2 of the number of slots of [`SLOTS`].
const SLOT_BITS: u32 = 9;

/// A key's slot: a multiplicative hash whose multiplier was picked (by a
/// search over random odd numbers) so that the 73 words fall in distinct
/// slots; [`SLOTS`] is built at compile time and fails to build if two
/// collide.
const fn slot(key: u128) -> usize {
    let lo = key as u64;
    let hi = (key >> 64) as u64;
    let x = lo ^ hi.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x.wrapping_mul(0x7DC7_C39E_64B6_53C5) >> (64 - SLOT_BITS)) as usize
}

/// A word of the table: its key, its length (a key alone does not tell
/// `inf` from `inf\0`), and what it is.
#[derive(Clone, Copy)]
struct Entry {
    key: u128,
    len: u8,
    word: Word,
}

/// The table's words; entry 0 is the empty slot, which no word matches.
const ENTRIES: [Entry; 1 + SPELLINGS.len() + SKIP_WORDS.len()] = {
    let mut t = [Entry {
        key: 0,
        len: u8::MAX,
        word: Word::Other,
    }; 1 + SPELLINGS.len() + SKIP_WORDS.len()];
    let mut i = 0;
    while i < SPELLINGS.len() {
        let w = SPELLINGS[i].0.as_bytes();
        t[1 + i] = Entry {
            key: key(w),
            len: w.len() as u8,
            word: Word::Level(SPELLINGS[i].1),
        };
        i += 1;
    }
    let mut j = 0;
    while j < SKIP_WORDS.len() {
        let w = SKIP_WORDS[j].as_bytes();
        t[1 + i + j] = Entry {
            key: key(w),
            len: w.len() as u8,
            word: Word::Skip,
        };
        j += 1;
    }
    t
};

/// Slot → index into [`ENTRIES`] (0: no word).
const SLOTS: [u8; 1 << SLOT_BITS] = {
    let mut s = [0u8; 1 << SLOT_BITS];
    let mut i = 1;
    while i < ENTRIES.len() {
        let k = slot(ENTRIES[i].key);
        assert!(s[k] == 0, "two words share a slot: pick another multiplier");
        s[k] = i as u8;
        i += 1;
    }
    s
};

/// What `w` (any bytes, any case) is in the word table.
fn lookup(w: &[u8]) -> Word {
    if w.len() > KEY_LEN {
        return Word::Other;
    }
    // Two 64-bit halves: cheaper shifts than a 128-bit one per byte.
    let half = |bytes: &[u8]| bytes.iter().rev().fold(0u64, |k, &c| k << 8 | u64::from(c));
    let (lo, hi) = w.split_at(w.len().min(8));
    let k = u128::from(half(lo)) | u128::from(half(hi)) << 64;
    find(to_lower(k), w.len())
}

/// [`lookup`] of `b[i..i + n]`: one load of the 16 bytes at `i` when the
/// text has them, the bytes past the word masked off.
fn lookup_at(b: &[u8], i: usize, n: usize) -> Word {
    if n > KEY_LEN {
        return Word::Other;
    }
    match b
        .get(i..i + KEY_LEN)
        .and_then(|c| <[u8; KEY_LEN]>::try_from(c).ok())
    {
        Some(chunk) => {
            let mask = if n == KEY_LEN {
                u128::MAX
            } else {
                (1u128 << (8 * n)) - 1
            };
            find(to_lower(u128::from_le_bytes(chunk) & mask), n)
        }
        None => lookup(&b[i..i + n]),
    }
}

/// The entry of key `k` of a word of `n` bytes.
fn find(k: u128, n: usize) -> Word {
    let e = &ENTRIES[usize::from(SLOTS[slot(k)])];
    if e.key == k && usize::from(e.len) == n {
        e.word
    } else {
        Word::Other
    }
}

/// [`u8::to_ascii_lowercase`] of each byte of `x` at once: a byte is a
/// capital when its high bit is clear and its low seven bits are at least
/// `A` and at most `Z`, which two additions tell in the high bits (no
/// carry crosses a byte: the low seven bits plus at most 0x3F stay below
/// 0x100).
const fn to_lower(x: u128) -> u128 {
    const ONES: u128 = u128::MAX / 0xFF;
    const HIGH: u128 = ONES * 0x80;
    let low7 = x & !HIGH;
    let at_least_a = low7 + ONES * (0x80 - b'A' as u128);
    let above_z = low7 + ONES * (0x80 - b'Z' as u128 - 1);
    let capital = at_least_a & !above_z & !x & HIGH;
    x | (capital >> 2)
}

// ---------------------------------------------------------------------------
// The header lexer.

/// Raw bytes of the message looked at (colour codes included).
const WINDOW: usize = 1024;
/// Bytes of the header line looked at.
const LINE: usize = 512;
/// Items (tokens, groups, `key=value` pairs) read before giving up.
const MAX_ITEMS: usize = 16;
/// Unknown header-like words let through before the level.
const MAX_UNKNOWN: u8 = 2;
/// The longest bracket group read.
const MAX_GROUP: usize = 200;

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
            i += super::markers::ansi_len(&raw[i..]);
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
    // JSON lines first: they are many, and [`header_of`] would find the
    // same at once, its blank and BOM skips having nothing to skip.
    if message.first() == Some(&b'{') && starts_json_object(message) {
        return None;
    }
    let raw = &message[..message.len().min(WINDOW)];
    header_of(raw).unwrap_or_else(|EscapeSeen| with_stripped(raw, |text| header_of(text).ok().flatten()))
}

/// An ESC in the part of the text the header lexer reads.
struct EscapeSeen;

/// [`header_level`] on `text`, or [`EscapeSeen`].
fn header_of(text: &[u8]) -> Result<Option<Level>, EscapeSeen> {
    let mut start = 0;
    // Blank lines and rule lines (`-----`, Flask 0.x debug blocks) are
    // not headers: the header is on the first line with content.
    for _ in 0..3 {
        start = skip_class(text, start, text.len(), BLANK);
        if text[start..].starts_with(b"\xEF\xBB\xBF") {
            start += 3;
        }
        if starts_json_object(&text[start..]) {
            return Ok(None);
        }
        if let Some(level) = quick(text, start) {
            return Ok(level);
        }
        let end = line_end(text, start)?;
        if end > start && rule_end(text, start, end) == end {
            start = end;
            continue;
        }
        return Ok(line_level(text, start, end));
    }
    Ok(None)
}

/// Past the rule bytes of `b[start..end]`. Rule lines are mostly one byte
/// repeated (`-----…`): runs of it are passed eight bytes at a time, the
/// rest byte by byte.
fn rule_end(b: &[u8], start: usize, end: usize) -> usize {
    let mut i = start;
    if CLASS[usize::from(b[start])] & RULE != 0 {
        let run = u64::from_ne_bytes([b[start]; 8]);
        while let Some(chunk) = b[..end].get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
            if u64::from_ne_bytes(chunk) != run {
                break;
            }
            i += 8;
        }
    }
    skip_class(b, i, end, RULE)
}

/// A line that opens with `{` and then `"` (blanks between) is a JSON
/// object: [`scan`] stops at it with no level whatever follows, so the
/// line's end need not be searched for. Only a few blanks are looked past,
/// none of them a line end or an ESC, so the answer is the one the full
/// path gives on either the raw or the stripped text.
fn starts_json_object(b: &[u8]) -> bool {
    let Some((b'{', rest)) = b.split_first() else {
        return false;
    };
    let k = rest
        .iter()
        .take(8)
        .position(|&c| !matches!(c, b' ' | b'\t' | b'\r'));
    k.is_some_and(|k| rest[k] == b'"')
}

/// The header of the line at `start` when its first items decide it
/// before a line end or an ESC: `None` when they do not (the full lexer
/// then reads the line).
///
/// Most headers are decided by a few items at the start of the line: a
/// word (`WARN:`, `Like processed.`), a timestamp, a bracket group
/// (`2024-… [Info]`, `[INFO]\t`), a quote. This reads those items as
/// [`line_level`] and [`scan`] do, with the same functions, but before the
/// line's end is searched for: it gives up (`None`) on anything else, at
/// the end of the line's [`LINE`] bytes, and on every byte that is a line
/// end or an ESC. So every byte it reads is one the full lexer reads too,
/// before the line's end and before any ESC, where the raw and the
/// stripped texts agree: the answer is the full lexer's. (None of the
/// items it takes starts a rule line, a syslog `<PRI>`, or a Ruby or glog
/// letter: [`line_level`]'s other paths have nothing to say.)
fn quick(b: &[u8], start: usize) -> Option<Option<Level>> {
    let limit = b.len().min(start + LINE);
    let mut i = start;
    for _ in 0..4 {
        let c = *b.get(i).filter(|_| i < limit)?;
        match c {
            b'0'..=b'9' => {
                let r = numeric(b, i, limit);
                // Where `numeric` stops without looking further on (a
                // separator it stops at had it read the next bytes).
                let &stop = b.get(r).filter(|_| r < limit)?;
                if matches!(
                    stop,
                    b'-' | b'/' | b':' | b'.' | b',' | b'+' | b'#' | b'_' | b'\n' | 0x1b
                ) {
                    return None;
                }
                i = r;
            }
            b'[' => {
                let content = i + 1;
                let hay = b.get(content..limit.min(content + MAX_GROUP))?;
                // The close, before any line end or ESC.
                let k = close_or_stop(hay)?;
                if hay[k] != b']' {
                    return None;
                }
                let (level, after) = group(b, i, content + k + 1)?;
                if level.is_some() {
                    return Some(level);
                }
                if i == start && tag_level(&hay[..k]).is_some() {
                    // `[GIN-debug] …`: [`line_level`]'s.
                    return None;
                }
                i = after;
            }
            b'"' => return Some(None),
            _ if CLASS[usize::from(c)] & ALPHA != 0 => return quick_word(b, i, limit),
            _ => return None,
        }
        i = skip_class(b, i, limit, SEP);
    }
    None
}

/// The first `]`, line end or ESC in `hay`: a plain loop over the first
/// bytes, where `[INFO]` closes, then one memchr3 call (cheaper than the
/// loop over a long group such as `[25/Nov/2024 10:03:22]`).
fn close_or_stop(hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(8);
    match hay[..head].iter().position(|&x| matches!(x, b']' | b'\n' | 0x1b)) {
        Some(k) => Some(k),
        None => memchr::memchr3(b']', b'\n', 0x1b, &hay[head..]).map(|k| head + k),
    }
}

/// [`word`] on a word of letters at `b[i]`, for [`quick`]: a level word in
/// capitals or followed by `:`, tab or `|` (`WARN: …`), or a plain word
/// followed by one space and then not a column (`Like processed.`); `None`
/// for any other (the full lexer reads it).
fn quick_word(b: &[u8], i: usize, limit: usize) -> Option<Option<Level>> {
    let (t, all) = token(b, i, limit);
    let &next = b.get(t).filter(|_| t < limit)?;
    if all & ALPHA == 0 || t - i < 2 {
        return None;
    }
    match lookup_at(b, i, t - i) {
        Word::Level(level) => {
            let strong = all & UPPER != 0 || matches!(next, b':' | b'\t' | b'|');
            let bounded = b" \t\r:])|,/>;!".contains(&next) || (next == b'[' && all & UPPER != 0);
            (strong && bounded).then_some(Some(level))
        }
        Word::Other if next == b' ' => {
            let &after = b.get(t + 1).filter(|_| t + 1 < limit)?;
            // Not a column (`word  x`, `word - x`, `word | x`): prose.
            (!matches!(after, b' ' | b'-' | b'|' | b'\n' | 0x1b)).then_some(None)
        }
        _ => None,
    }
}

/// The end of the line at `start` (at most [`LINE`] bytes on), or
/// [`EscapeSeen`] when an ESC comes first.
fn line_end(b: &[u8], start: usize) -> Result<usize, EscapeSeen> {
    let limit = b.len().min(start + LINE);
    match memchr::memchr2(b'\n', 0x1b, &b[start..limit]) {
        None => Ok(limit),
        Some(k) if b[start + k] == b'\n' => Ok(start + k),
        Some(_) => Err(EscapeSeen),
    }
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
    // Ruby's and glog's letters are all one of these: one compare spares
    // most lines both checks.
    let line = &b[start..end];
    if matches!(line.first(), Some(b'A' | b'D' | b'E' | b'F' | b'I' | b'U' | b'W')) {
        if let Some(level) = ruby_logger(line) {
            return level;
        }
        if let Some(level) = klog(line) {
            return Some(level);
        }
    }
    if line.first().is_some_and(u8::is_ascii_digit)
        && let Some(level) = redis(line)
    {
        return Some(level);
    }
    if line.first() == Some(&0xE2) {
        if let Some(level) = leading_symbol(line) {
            return Some(level);
        }
        start += gutter(line);
    }
    if let Some((tag, after)) = leading_tag(b, start, end) {
        return scan(b, after, end, false).or(Some(tag));
    }
    scan(b, start, end, false).or(pri)
}

/// Ruby `Logger`: `W, [2024-11-25T10:01:02.123456 #1]  WARN -- : msg`.
/// `Some(None)` for `A` (ANY), which is no level.
fn ruby_logger(b: &[u8]) -> Option<Option<Level>> {
    if b.len() < 4 || &b[1..4] != b", [" {
        return None;
    }
    Some(match b[0] {
        b'D' => Some(Level::Debug),
        b'I' => Some(Level::Info),
        b'W' => Some(Level::Warn),
        b'E' => Some(Level::Error),
        b'F' => Some(Level::Fatal),
        b'A' | b'U' => None,
        _ => return None,
    })
}

/// glog / klog: `I1125 10:01:02.123456       1 file.go:42] msg`.
fn klog(b: &[u8]) -> Option<Level> {
    if b.len() < 11 || !b[1..5].iter().all(u8::is_ascii_digit) || b[5] != b' ' {
        return None;
    }
    if !(b[6].is_ascii_digit() && b[7].is_ascii_digit() && b[8] == b':') {
        return None;
    }
    match b[0] {
        b'D' => Some(Level::Debug),
        b'I' => Some(Level::Info),
        b'W' => Some(Level::Warn),
        b'E' => Some(Level::Error),
        b'F' => Some(Level::Fatal),
        _ => None,
    }
}

/// Redis and Valkey (also ElastiCache's engine log):
/// `1:M 30 Nov 2024 12:00:01.123 * Ready to accept connections`, pid and
/// role, the time, then one symbol for the level: `.` debug, `-` verbose,
/// `*` notice, `#` warning (SCHEMA.md's spellings: DEBUG, TRACE, INFO,
/// WARN).
pub(super) fn redis(b: &[u8]) -> Option<Level> {
    // After the pid: the role, the day (one or two digits), then the rest
    // of the time in this shape (`?` the month, checked apart), the symbol
    // and a space.
    const SHAPE: &[u8] = b"??? 9999 99:99:99.999 ";
    let pid = b.iter().take(8).position(|&c| !c.is_ascii_digit())?;
    let role = b.get(pid..pid + 3)?;
    if pid == 0 || !matches!(role, [b':', b'M' | b'S' | b'C' | b'X', b' ']) {
        return None;
    }
    let day_at = pid + 3;
    let day = b[day_at..].iter().take(3).position(|&c| !c.is_ascii_digit())?;
    if !(1..=2).contains(&day) || b.get(day_at + day) != Some(&b' ') {
        return None;
    }
    let at = day_at + day + 1;
    let rest = b.get(at..at + SHAPE.len())?;
    let shaped = is_month(&rest[..3]) && bytes::shaped(rest, SHAPE);
    let sym = at + SHAPE.len();
    if !shaped || !matches!(b.get(sym + 1), None | Some(b' ' | b'\r' | b'\n')) {
        return None;
    }
    match b.get(sym)? {
        b'.' => Some(Level::Debug),
        b'-' => Some(Level::Trace),
        b'*' => Some(Level::Info),
        b'#' => Some(Level::Warn),
        _ => None,
    }
}

/// The level symbols Next.js prints before its own messages (` ⚠ Fast
/// Refresh had to perform a full reload`, ` ⨯ TypeError: fetch failed`):
/// `⚠` WARN and `⨯` ERROR, followed by a blank. Its other prefixes (`▲`,
/// `✓`, `○`) state no level.
pub(super) fn leading_symbol(line: &[u8]) -> Option<Level> {
    let level = match line.get(..3)? {
        // U+26A0 and U+2A2F in UTF-8.
        [0xE2, 0x9A, 0xA0] => Level::Warn,
        [0xE2, 0xA8, 0xAF] => Level::Error,
        _ => return None,
    };
    matches!(line.get(3), Some(b' ' | b'\t')).then_some(level)
}

/// The length of the box-drawing gutter `│ ` (U+2502 and blanks) that
/// Terraform draws before each line of its diagnostics (`│ Error: reading
/// IAM Role …`, `│ Warning: Argument is deprecated`), 0 when there is none:
/// the header starts after it.
pub(super) fn gutter(line: &[u8]) -> usize {
    if line.get(..3) != Some(&[0xE2, 0x94, 0x82]) {
        return 0;
    }
    3 + line[3..].iter().take_while(|&&c| c == b' ' || c == b'\t').count()
}

/// PHP's error headers name the error type before ` error:`: `PHP Parse
/// error:  syntax error, …` — an ERROR when the word at `i` follows `PHP `
/// and precedes ` error:` (`PHP Fatal error:` is FATAL, through its level
/// word).
pub(super) fn php_error_type(b: &[u8], i: usize, tok_end: usize, end: usize) -> bool {
    i >= 4 && b[i - 4..i].eq_ignore_ascii_case(b"PHP ") && error_header_follows(b, tok_end, end)
}

/// A program's tag with its level at the start of the line, `[NAME-level]`
/// (Gin's debug-mode lines, `[GIN-debug] Listening and serving HTTP on
/// :8080`): the level when nothing after it states one (`[GIN-debug]
/// [WARNING] …` is WARN), and where the header goes on.
pub(super) fn leading_tag(b: &[u8], start: usize, end: usize) -> Option<(Level, usize)> {
    if b.get(start) != Some(&b'[') {
        return None;
    }
    let content = start + 1;
    let close = content
        + b.get(content..end.min(content + 24))?
            .iter()
            .position(|&c| c == b']')?;
    Some((tag_level(&b[content..close])?, close + 1))
}

/// `NAME-level`: letters, one hyphen, a level spelling.
fn tag_level(content: &[u8]) -> Option<Level> {
    let dash = content.iter().position(|&c| c == b'-')?;
    let (name, word) = (&content[..dash], &content[dash + 1..]);
    if name.len() < 2
        || !name.iter().all(u8::is_ascii_alphabetic)
        || !word.iter().all(u8::is_ascii_alphabetic)
    {
        return None;
    }
    spelling(word)
}

/// Reads header items of `b[i..end]` until a level, prose, or the item
/// budget. `in_group`: the content of a bracket group, where any case of a
/// whole-token spelling counts.
fn scan(b: &[u8], mut i: usize, end: usize, in_group: bool) -> Option<Level> {
    let mut unknown = 0u8;
    for _ in 0..MAX_ITEMS {
        i = skip_class(b, i, end, SEP);
        if i >= end {
            return None;
        }
        let c = b[i];
        match c {
            b'[' | b'(' | b'<' | b'{' => {
                if in_group {
                    return None;
                }
                let (level, after) = group(b, i, end)?;
                if level.is_some() {
                    return level;
                }
                i = after;
            }
            b'0'..=b'9' => i = numeric(b, i, end),
            b'+' if i + 1 < end && b[i + 1].is_ascii_digit() => i = numeric(b, i + 1, end),
            _ if CLASS[usize::from(c)] & WORD_START != 0 => match word(b, i, end, in_group) {
                Step::Found(level) => return Some(level),
                Step::Stop => return None,
                Step::Skip(after) => i = after,
                Step::Unknown(after) => {
                    unknown += 1;
                    if unknown > MAX_UNKNOWN {
                        return None;
                    }
                    i = after;
                }
            },
            _ => return None,
        }
    }
    None
}

/// The bracket group opening at `b[open]`: its level, and where the header
/// goes on after it; `None` when it does not close within [`MAX_GROUP`]
/// bytes or is a JSON object (the header is over either way).
fn group(b: &[u8], open: usize, end: usize) -> Option<(Option<Level>, usize)> {
    let close = match b[open] {
        b'[' => b']',
        b'(' => b')',
        b'<' => b'>',
        _ => b'}',
    };
    let content = open + 1;
    let limit = end.min(content + MAX_GROUP);
    let j = content + find_byte(close, &b[content..limit])?;
    if close == b'}' && matches!(b[content..j].trim_ascii_start().first(), None | Some(b'"')) {
        // A JSON object: the header is over.
        return None;
    }
    // The usual group, one level word and nothing else (`[INFO]`,
    // `[Warn]`): what `scan` would find, with none of its setup.
    let (tok_end, all) = token(b, content, j);
    if tok_end == j
        && j > content
        && all & ALPHA != 0
        && let Word::Level(level) = lookup_at(b, content, j - content)
    {
        return Some((Some(level), j + 1));
    }
    Some((scan(b, content, j, true), j + 1))
}

/// The first `c` in `hay`: a plain loop over the first bytes, where most
/// groups close (`[INFO]`), as it costs less there than a memchr call.
fn find_byte(c: u8, hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(24);
    match hay[..head].iter().position(|&x| x == c) {
        Some(k) => Some(k),
        None => memchr::memchr(c, &hay[head..]).map(|k| head + k),
    }
}

/// What the lexer does after a word.
enum Step {
    /// The header states this level.
    Found(Level),
    /// The header is over (prose), with no level.
    Stop,
    /// A known header word (a date, zone, id, `key=value`): go on at this
    /// offset.
    Skip(usize),
    /// An unknown header-like word: go on at this offset, counting it.
    Unknown(usize),
}

/// The word starting at `b[i]` (a letter, `_` or `@`).
fn word(b: &[u8], i: usize, end: usize, in_group: bool) -> Step {
    let (tok_end, all) = token(b, i, end);
    let tok = &b[i..tok_end];
    let next = (tok_end < end).then(|| b[tok_end]);
    if next == Some(b'=') {
        let (value, after) = logfmt_value(b, tok_end + 1, end);
        if is_level_key(tok)
            && let Some(level) = spelling(value)
        {
            return Step::Found(level);
        }
        return Step::Skip(after);
    }
    if tok.len() == 1
        && let Some(level) = letter_level(b, tok[0], tok_end, end, in_group)
    {
        return Step::Found(level);
    }
    if all & ALPHA != 0 {
        match lookup_at(b, i, tok.len()) {
            Word::Level(level) => {
                let upper = all & UPPER != 0;
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
                return if strong && bounded {
                    Step::Found(level)
                } else {
                    Step::Stop
                };
            }
            Word::Skip => return Step::Skip(tok_end),
            Word::Other => {
                if php_error_type(b, i, tok_end, end) {
                    return Step::Found(Level::Error);
                }
                let lower = all & LOWER != 0;
                let header_like = tok.len() == 1
                    || column_follows(b, tok_end, end)
                    || matches!(next, Some(b'[' | b'('))
                    || (next == Some(b':') && (in_group || lower));
                if !header_like {
                    return Step::Stop;
                }
            }
        }
    } else if all & HEX != 0 && tok.len() >= 8 {
        // A request id, uuid or hex id.
        return Step::Skip(tok_end);
    } else if next == Some(b':')
        && let Some(level) = channel_level(tok)
    {
        return Step::Found(level);
    }
    Step::Unknown(tok_end)
}

/// A single letter that some formats define as the level: the CloudWatch
/// agent and Telegraf (`2024/11/25 10:01:02 E! [outputs.x] …`), and
/// Tornado / Jupyter inside a group (`[W 241125 10:01:02 web:2239]`).
fn letter_level(b: &[u8], letter: u8, tok_end: usize, end: usize, in_group: bool) -> Option<Level> {
    let at = |k: usize| (k < end).then(|| b[k]);
    let defined = match (at(tok_end), at(tok_end + 1)) {
        (Some(b'!'), None | Some(b' ' | b'\t')) => true,
        (Some(b' '), Some(d)) => in_group && d.is_ascii_digit(),
        _ => false,
    };
    if !defined {
        return None;
    }
    match letter {
        b'D' => Some(Level::Debug),
        b'I' => Some(Level::Info),
        b'W' => Some(Level::Warn),
        b'E' => Some(Level::Error),
        b'C' | b'F' => Some(Level::Fatal),
        _ => None,
    }
}

/// ` error:` right after a level word: PHP's `Fatal error:` header
/// (`PHP Fatal error:  Uncaught …`), where the level is two words.
fn error_header_follows(b: &[u8], j: usize, end: usize) -> bool {
    b.get(j..end.min(j + 7))
        .is_some_and(|t| t.eq_ignore_ascii_case(b" error:"))
}

/// A level glued to a name, the token followed by `:`. Monolog (PHP,
/// Laravel, Symfony) writes `channel.LEVEL:` —
/// `[2024-11-25 10:01:02] production.ERROR: msg` — and fluentd's own events
/// carry the level as the last part of their tag, in lower case
/// (`2024-12-03 13:18:45 +0000 fluent.warn: {…}`): after a `.`, a level
/// spelling all in capitals or all in lower case. The Lambda runtime's
/// `LAMBDA_WARNING: Unhandled exception…` glues it with `_`: after a `_`,
/// only when the whole token is capitals (`on_error:` is no header).
fn channel_level(tok: &[u8]) -> Option<Level> {
    let sep = tok.iter().rposition(|&c| c == b'.' || c == b'_')?;
    let name = &tok[sep + 1..];
    if sep == 0 {
        return None;
    }
    let cased = if tok[sep] == b'.' {
        name.iter().all(u8::is_ascii_uppercase) || name.iter().all(u8::is_ascii_lowercase)
    } else {
        tok.iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
    };
    if !cased {
        return None;
    }
    spelling(name)
}

/// Byte classes of the lexer, one table lookup per byte.
/// Separators between header fields: ` \t\r-|:,;>*#=~.`
const SEP: u16 = 1;
/// Bytes of an identifier-like token: letters, digits, `_ . $ @ -`.
const IDENT: u16 = 1 << 1;
/// ASCII letters. A token's classes are and-ed ([`token`]), so this bit
/// then says "all letters", and the next two "all capitals" / "all lower
/// case".
const ALPHA: u16 = 1 << 2;
const UPPER: u16 = 1 << 3;
const LOWER: u16 = 1 << 4;
/// Hex digits and `-` (request ids, uuids).
const HEX: u16 = 1 << 5;
/// What may start a word: letters, `_`, `@`.
const WORD_START: u16 = 1 << 6;
/// Blanks before the header line: ` \t\r\n`.
const BLANK: u16 = 1 << 7;
/// What rule lines (`-----`, `=====`) are made of: `-=*_~#+ \t\r`.
const RULE: u16 = 1 << 8;

const CLASS: [u16; 256] = {
    let mut t = [0u16; 256];
    let seps = b" \t\r-|:,;>*#=~.";
    let mut k = 0;
    while k < seps.len() {
        t[seps[k] as usize] |= SEP;
        k += 1;
    }
    let rule = b"-=*_~#+ \t\r";
    let mut k = 0;
    while k < rule.len() {
        t[rule[k] as usize] |= RULE;
        k += 1;
    }
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$' | b'@' | b'-') {
            t[c] |= IDENT;
        }
        if b.is_ascii_alphabetic() {
            t[c] |= ALPHA | WORD_START;
        }
        if b.is_ascii_uppercase() {
            t[c] |= UPPER;
        }
        if b.is_ascii_lowercase() {
            t[c] |= LOWER;
        }
        if b.is_ascii_hexdigit() || b == b'-' {
            t[c] |= HEX;
        }
        if matches!(b, b'_' | b'@') {
            t[c] |= WORD_START;
        }
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            t[c] |= BLANK;
        }
        c += 1;
    }
    t
};

/// Past the bytes of `b[i..end]` of class `class`.
fn skip_class(b: &[u8], mut i: usize, end: usize, class: u16) -> usize {
    while i < end && CLASS[usize::from(b[i])] & class != 0 {
        i += 1;
    }
    i
}

/// The end of the identifier-like token at `b[i]`, and the and of its
/// bytes' classes (one pass tells whether it is all letters, capitals…).
fn token(b: &[u8], mut i: usize, end: usize) -> (usize, u16) {
    let mut all = u16::MAX;
    while i < end {
        let c = CLASS[usize::from(b[i])];
        if c & IDENT == 0 {
            break;
        }
        all &= c;
        i += 1;
    }
    (i, all)
}

/// The end of an identifier-like token: letters, digits, `_ . $ @ -`.
fn ident_end(b: &[u8], i: usize, end: usize) -> usize {
    skip_class(b, i, end, IDENT)
}

/// Past a timestamp, date, time, number, IP address, pid (`7#7`) or an id
/// that starts with a digit. Stops before `:` followed by a letter, so
/// `10:01:02,123:WARNING:root` leaves `:WARNING:root`.
fn numeric(b: &[u8], mut i: usize, end: usize) -> usize {
    // Bounded once: each byte below costs one compare with the end.
    let b = &b[..end];
    i += date_prefix(b, i);
    while let Some(&c) = b.get(i) {
        if c.is_ascii_digit() {
            i += 1;
            continue;
        }
        match c {
            b'-' | b'/' | b':' | b'.' | b',' | b'+' | b'#' | b'_' => {
                if b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i += 2;
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

/// How many bytes at `b[i]` the loop of [`numeric`] would walk one by one
/// as a date `2024-11-25` (or `2024/11/25`), a date and time
/// `2024-11-25T10:01`, or a time `10:01:02`, told from one load of 16
/// bytes: every byte of these shapes is a digit, a separator followed by a
/// digit, or a `T` after one. 0 for any other text (the loop reads it).
fn date_prefix(b: &[u8], i: usize) -> usize {
    /// 0x80 in each byte of a 16-byte word whose offset is in `at`.
    const fn flags(at: &[usize]) -> u128 {
        let mut m = 0u128;
        let mut k = 0;
        while k < at.len() {
            m |= 0x80 << (8 * at[k]);
            k += 1;
        }
        m
    }
    const DATE: u128 = flags(&[0, 1, 2, 3, 5, 6, 8, 9]);
    const DATE_TIME: u128 = flags(&[0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]);
    const TIME: u128 = flags(&[0, 1, 3, 4, 6, 7]);
    const ONES: u128 = u128::MAX / 0xFF;
    const HIGH: u128 = ONES * 0x80;
    // Each shape has a separator at offset 2 or 4: most other numbers
    // (`10.0.1.23`, `200`) are let through at once.
    let at = |k: usize| b.get(i + k).copied();
    if !(at(2) == Some(b':') || matches!(at(4), Some(b'-' | b'/'))) {
        return 0;
    }
    let Some(w) = b.get(i..i + 16).and_then(|c| <[u8; 16]>::try_from(c).ok()) else {
        return short_time(b, i);
    };
    let x = u128::from_le_bytes(w);
    // 0x80 in each byte that is a digit (as in `to_lower`, no carry
    // crosses a byte).
    let low7 = x & !HIGH;
    let digits = (low7 + ONES * (0x80 - u128::from(b'0')))
        & !(low7 + ONES * (0x80 - u128::from(b'9') - 1))
        & !x
        & HIGH;
    let has = |m: u128| digits & m == m;
    if has(DATE) && w[4] == w[7] && matches!(w[4], b'-' | b'/') {
        return if w[10] == b'T' && w[13] == b':' && has(DATE_TIME) {
            16
        } else {
            10
        };
    }
    if has(TIME) && w[2] == b':' && w[5] == b':' {
        return 8;
    }
    0
}

/// [`date_prefix`]'s time shape `10:01:02` near the end of the text
/// (fewer than 16 bytes left, as in `[25/Nov/2024 10:03:22]`).
fn short_time(b: &[u8], i: usize) -> usize {
    match b.get(i..i + 8) {
        Some(&[h0, h1, b':', m0, m1, b':', s0, s1])
            if [h0, h1, m0, m1, s0, s1].iter().all(u8::is_ascii_digit) =>
        {
            8
        }
        _ => 0,
    }
}

fn month_at(b: &[u8], i: usize, end: usize) -> bool {
    i + 3 <= end && is_month(&b[i..i + 3]) && (i + 3 == end || !b[i + 3].is_ascii_alphabetic())
}

/// A month's three letters, any case: one `match` on the lower-cased bytes.
fn is_month(w: &[u8]) -> bool {
    let &[a, b, c] = w else {
        return false;
    };
    matches!(
        [
            a.to_ascii_lowercase(),
            b.to_ascii_lowercase(),
            c.to_ascii_lowercase()
        ],
        [b'j', b'a', b'n']
            | [b'f', b'e', b'b']
            | [b'm', b'a', b'r']
            | [b'a', b'p', b'r']
            | [b'm', b'a', b'y']
            | [b'j', b'u', b'n']
            | [b'j', b'u', b'l']
            | [b'a', b'u', b'g']
            | [b's', b'e', b'p']
            | [b'o', b'c', b't']
            | [b'n', b'o', b'v']
            | [b'd', b'e', b'c']
    )
}

/// After a word at `j`: a tab, two or more spaces (a padded column), or
/// ` - ` / ` | ` / ` -- ` between fields.
fn column_follows(b: &[u8], j: usize, end: usize) -> bool {
    if j >= end {
        return false;
    }
    if b[j] == b'\t' {
        return true;
    }
    let mut k = j;
    while k < end && b[k] == b' ' {
        k += 1;
    }
    match k - j {
        0 => false,
        1 => k + 1 < end && matches!(b[k], b'-' | b'|') && matches!(b[k + 1], b' ' | b'-' | b'|'),
        _ => true,
    }
}

/// logfmt keys that name the level.
fn is_level_key(k: &[u8]) -> bool {
    const KEYS: [&[u8]; 8] = [
        b"level",
        b"lvl",
        b"severity",
        b"loglevel",
        b"log_level",
        b"log.level",
        b"levelname",
        b"@l",
    ];
    KEYS.iter().any(|key| key.eq_ignore_ascii_case(k))
}

/// A logfmt value at `i` (quoted in `"` or `'` with `\` escapes, or bare
/// to the next blank), and where the pair ends.
fn logfmt_value(b: &[u8], i: usize, end: usize) -> (&[u8], usize) {
    if i < end && matches!(b[i], b'"' | b'\'') {
        let quote = b[i];
        let mut k = i + 1;
        while k < end {
            match b[k] {
                b'\\' => k += 2,
                c if c == quote => return (&b[i + 1..k], k + 1),
                _ => k += 1,
            }
        }
        return (&b[(i + 1).min(end)..end], end);
    }
    let mut k = i;
    while k < end && !matches!(b[k], b' ' | b'\t' | b'\r') {
        k += 1;
    }
    (&b[i.min(end)..k], k)
}

#[cfg(test)]
mod reference;
#[cfg(test)]
mod reference_tests;
#[cfg(test)]
mod tests;
