//! A borrowing JSON reader for the two hot spots of the pipeline: the
//! delivery's `logEvents` (decode) and the JSON object at the end of a
//! message (parse).
//!
//! It accepts exactly the JSON that `serde_json` accepts (RFC 8259, at most
//! [`MAX_DEPTH`] nested arrays and objects, no lone UTF-16 surrogate
//! escapes, numbers that fit an `f64`), which the differential tests below
//! check, but it builds nothing: a string is a [`RawStr`], the text between
//! its quotes, decoded only when asked ([`RawStr::decode`] borrows when the
//! string has no escapes, the usual case); a value is a [`Raw`], its text.
//! Nested objects are read again when (rarely) someone looks inside them.
//!
//! Failures are `None`: callers either treat the text as "not JSON" (a
//! message) or hand it to `serde_json` for its precise error (a delivery).

use std::borrow::Cow;
use std::collections::HashMap;

/// The deepest nesting of arrays and objects accepted: `serde_json`'s
/// recursion limit, so that both agree on what is JSON.
pub const MAX_DEPTH: usize = 128;

/// A JSON string as it stands in the text: between its quotes, escapes not
/// yet decoded, already checked to be valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawStr<'a> {
    raw: &'a str,
    /// How many bytes shorter the value is than `raw`: every escape is
    /// longer than its character, so 0 exactly when there is none.
    shrink: usize,
}

impl<'a> RawStr<'a> {
    /// The text between the quotes, escapes as written.
    pub fn raw(self) -> &'a str {
        self.raw
    }

    /// Whether the text holds a backslash escape.
    pub fn has_escapes(self) -> bool {
        self.shrink != 0
    }

    /// The string's value: borrowed when it has no escapes, else decoded in
    /// one pass into a string of exactly its length.
    #[inline]
    pub fn decode(self) -> Cow<'a, str> {
        if self.shrink == 0 {
            return Cow::Borrowed(self.raw);
        }
        Cow::Owned(self.unescape())
    }

    /// [`RawStr::decode`] of a string with escapes.
    #[inline(never)]
    fn unescape(self) -> String {
        let b = self.raw.as_bytes();
        let mut out = Vec::with_capacity(b.len() - self.shrink);
        // The clean run not copied yet starts at `start`. Between the quotes
        // of a valid string the only special bytes are backslashes and the
        // characters they escape, which each escape skips; anything else the
        // mask shows is a false alarm, or the zero padding past the end.
        let mut start = 0;
        let mut i = 0;
        'blocks: while i < b.len() {
            let mut m = specials(b, i);
            while m != 0 {
                let at = i + m.trailing_zeros() as usize;
                match b.get(at) {
                    Some(b'\\') => {
                        let (next, c) = escape(b, at).unwrap_or((at + 2, '\u{FFFD}'));
                        put_escape(&mut out, b, &mut start, at, next, c);
                        if next >= i + BLOCK {
                            i = next;
                            continue 'blocks;
                        }
                        m &= u64::MAX << (next - i);
                    }
                    Some(_) => m &= m - 1,
                    None => break 'blocks,
                }
            }
            i += BLOCK;
        }
        out.extend_from_slice(b.get(start..).unwrap_or_default());
        // Runs of valid text cut at ASCII bytes, and whole characters.
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// A JSON value as it stands in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Num(&'a str),
    /// A string.
    Str(RawStr<'a>),
    /// An array, brackets included.
    Array(&'a str),
    /// An object, braces included.
    Object(&'a str),
}

impl<'a> Raw<'a> {
    /// The decoded string, when this is a string.
    pub fn as_str(self) -> Option<Cow<'a, str>> {
        match self {
            Raw::Str(s) => Some(s.decode()),
            _ => None,
        }
    }

    /// The number as an `f64`, when this is a number.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            Raw::Num(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The number as a `u64`, when it is a whole number written without
    /// fraction or exponent that fits (as `serde_json`'s `as_u64`).
    pub fn as_u64(self) -> Option<u64> {
        match self {
            Raw::Num(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The members, when this is an object.
    pub fn as_object(self) -> Option<Members<'a>> {
        match self {
            Raw::Object(text) => Members::parse(text),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(self) -> bool {
        matches!(self, Raw::Object(_))
    }

    /// Appends the value as compact JSON: its own text, without the
    /// whitespace between tokens (a pretty-printed object would otherwise
    /// break the one-document-per-line `_bulk` framing), and with each name
    /// of a nested object once: a repeated name keeps its first position
    /// and its last value, as [`Members`] keeps the top level's. OpenSearch
    /// refuses a document that repeats a name at any depth.
    pub fn write(self, out: &mut Vec<u8>) {
        match self {
            Raw::Null => out.extend_from_slice(b"null"),
            Raw::Bool(true) => out.extend_from_slice(b"true"),
            Raw::Bool(false) => out.extend_from_slice(b"false"),
            Raw::Num(n) => out.extend_from_slice(n.as_bytes()),
            Raw::Str(s) => {
                out.push(b'"');
                out.extend_from_slice(s.raw.as_bytes());
                out.push(b'"');
            }
            Raw::Array(t) | Raw::Object(t) => {
                let start = out.len();
                if !write_nested(out, self) {
                    // Not JSON after all (a `Raw` is only ever made of
                    // JSON): its text as it stands, still compact.
                    out.truncate(start);
                    write_compact(out, t.as_bytes());
                }
            }
        }
    }
}

/// [`Raw::write`] of an array or object: an object member by member, each
/// nested value likewise; an array with no `{` in its text (so no object
/// inside) copied compact as a whole. False, with `out` part written, if
/// the text is not JSON.
fn write_nested(out: &mut Vec<u8>, value: Raw<'_>) -> bool {
    match value {
        Raw::Object(t) => {
            let Some(members) = Members::parse(t) else {
                return false;
            };
            out.push(b'{');
            for (i, (name, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                crate::render::write_json_str(out, name);
                out.push(b':');
                if !write_nested(out, value) {
                    return false;
                }
            }
            out.push(b'}');
            true
        }
        Raw::Array(t) if t.as_bytes().contains(&b'{') => {
            let mut r = Reader::new(t);
            out.push(b'[');
            let mut first = true;
            let read = r.array(|r| {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                write_nested(out, r.value()?).then_some(())
            });
            out.push(b']');
            read.is_some()
        }
        Raw::Array(t) => {
            write_compact(out, t.as_bytes());
            true
        }
        scalar => {
            scalar.write(out);
            true
        }
    }
}

/// Copies valid JSON leaving out whitespace outside strings.
fn write_compact(out: &mut Vec<u8>, text: &[u8]) {
    out.reserve(text.len());
    let mut in_str = false;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if in_str {
            match c {
                b'\\' => {
                    out.extend_from_slice(&text[i..(i + 2).min(text.len())]);
                    i += 2;
                    continue;
                }
                b'"' => in_str = false,
                _ => {}
            }
            out.push(c);
        } else {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => {}
                b'"' => {
                    in_str = true;
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
        i += 1;
    }
}

/// The members of a JSON object, in the order of their first appearance; a
/// repeated name keeps its first position and its last value (as
/// `serde_json`'s order-preserving map).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Members<'a> {
    items: Vec<(Cow<'a, str>, Raw<'a>)>,
    /// Name → position, built once an object has many members. Boxed so
    /// that the many objects without one stay small (40 bytes less per
    /// line, and a delivery's lines are all in memory until rendered).
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<Cow<'a, str>, usize>>>,
}

/// Members looked up by a linear scan below this count.
const INDEX_FROM: usize = 24;

/// Members [`Members::parse`] gathers before it allocates.
const HEAD: usize = 8;

/// The member in `slot`, leaving a placeholder.
fn take_pair<'a>(slot: &mut (Cow<'a, str>, Raw<'a>)) -> (Cow<'a, str>, Raw<'a>) {
    std::mem::replace(slot, (Cow::Borrowed(""), Raw::Null))
}

impl<'a> Members<'a> {
    /// The members of `text` when the whole of it (blanks around allowed) is
    /// one JSON object.
    ///
    /// The usual object of a log line (members with plain names, most
    /// values strings or numbers) is read by [`Members::flat`]; anything it
    /// does not take on, including every text that is not a valid object, is
    /// read again by [`Members::parse_general`].
    pub fn parse(text: &'a str) -> Option<Members<'a>> {
        Self::flat(text).or_else(|| Self::parse_general(text))
    }

    /// [`Members::parse`] of an object whose names have no escapes, read in
    /// one loop: a string or number value without a call through
    /// [`Reader::value`], a string judged eight bytes at a time from its
    /// start ([`Reader::flat_string`]), names compared as written (without
    /// escapes, that is as decoded); the first [`HEAD`] members on the
    /// stack, any more in a vector, as [`Members::parse_general`] gathers
    /// them. `None` both when the text is not such an object and when it is
    /// not JSON: [`Members::parse_general`] then decides.
    #[inline]
    fn flat(text: &'a str) -> Option<Members<'a>> {
        const EMPTY: RawStr<'static> = RawStr { raw: "", shrink: 0 };
        let mut r = Reader::new(text);
        r.enter(b'{')?;
        let mut head = [(EMPTY, Raw::Null); HEAD];
        let mut n = 0;
        // The members past the first [`HEAD`], with those.
        let mut more: Option<Members<'a>> = None;
        if r.peek()? == b'}' {
            r.pos += 1;
        } else {
            loop {
                if r.blank_then()? != b'"' {
                    return None;
                }
                let key = r.flat_string()?;
                if key.shrink != 0 || r.blank_then()? != b':' {
                    return None;
                }
                r.pos += 1;
                let value = match r.blank_then()? {
                    b'"' => Raw::Str(r.flat_string()?),
                    b'-' | b'0'..=b'9' => Raw::Num(r.number()?),
                    _ => r.value()?,
                };
                match (&mut more, head[..n].iter_mut().find(|(k, _)| k.raw == key.raw)) {
                    (Some(more), _) => more.insert(Cow::Borrowed(key.raw), value),
                    (None, Some(slot)) => slot.1 = value,
                    (None, None) if n < HEAD => {
                        head[n] = (key, value);
                        n += 1;
                    }
                    // Past the stack, as `parse_general` goes on.
                    (None, None) => {
                        let mut spilled = Members::default();
                        spilled.items.reserve(2 * HEAD);
                        spilled
                            .items
                            .extend(head.iter().map(|&(k, v)| (Cow::Borrowed(k.raw), v)));
                        spilled.insert(Cow::Borrowed(key.raw), value);
                        more = Some(spilled);
                    }
                }
                match r.blank_then()? {
                    b',' => r.pos += 1,
                    b'}' => {
                        r.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        if !r.at_end() {
            return None;
        }
        if let Some(more) = more {
            return Some(more);
        }
        let items = head[..n]
            .iter()
            .map(|&(k, v)| (Cow::Borrowed(k.raw), v))
            .collect();
        Some(Members { items, index: None })
    }

    /// [`Members::parse`] of any text: the general reader, which
    /// [`Members::flat`] leaves the rest to.
    fn parse_general(text: &'a str) -> Option<Members<'a>> {
        let mut r = Reader::new(text);
        // The first members are gathered on the stack and moved once into a
        // vector of their number: the usual small object costs one
        // allocation, not one per doubling. A larger one spills into
        // `members`.
        let mut head: [(Cow<'a, str>, Raw<'a>); HEAD] =
            std::array::from_fn(|_| (Cow::Borrowed(""), Raw::Null));
        let mut n = 0;
        let mut members = Members::default();
        r.object(|key, r| {
            let value = r.value()?;
            let key = key.decode();
            if members.items.is_empty() {
                if let Some(i) = head[..n].iter().position(|(k, _)| *k == key) {
                    head[i].1 = value;
                    return Some(());
                }
                if n < HEAD {
                    head[n] = (key, value);
                    n += 1;
                    return Some(());
                }
                members.items.reserve(2 * HEAD);
                members.items.extend(head.iter_mut().map(take_pair));
            }
            members.insert(key, value);
            Some(())
        })?;
        if !r.at_end() {
            return None;
        }
        if members.items.is_empty() {
            members.items = head[..n].iter_mut().map(take_pair).collect();
        }
        Some(members)
    }

    fn insert(&mut self, key: Cow<'a, str>, value: Raw<'a>) {
        if let Some(i) = self.position(&key) {
            self.items[i].1 = value;
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.items.len());
        } else if self.items.len() + 1 >= INDEX_FROM {
            let mut index: HashMap<Cow<'a, str>, usize> = HashMap::with_capacity(2 * INDEX_FROM);
            for (i, (k, _)) in self.items.iter().enumerate() {
                index.insert(k.clone(), i);
            }
            index.insert(key.clone(), self.items.len());
            self.index = Some(Box::new(index));
        }
        self.items.push((key, value));
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.items.iter().position(|(k, _)| k == key),
        }
    }

    /// The value of member `key`.
    pub fn get(&self, key: &str) -> Option<Raw<'a>> {
        self.position(key).map(|i| self.items[i].1)
    }

    /// Whether there is a member `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Raw<'a>)> + '_ {
        self.items.iter().map(|(k, v)| (k.as_ref(), *v))
    }

    /// How many distinct members there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A cursor over JSON text.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth_left: usize,
    /// The value of the string [`Reader::string_value`] is reading, while
    /// it is read.
    scratch: Vec<u8>,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            pos: 0,
            depth_left: MAX_DEPTH,
            scratch: Vec::new(),
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// How far into the text the reader is, in bytes.
    #[inline]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The text left to read.
    #[inline]
    pub fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    /// Moves on by `n` bytes that the caller has judged from [`Reader::rest`]
    /// (not past the end; only onto a character boundary).
    #[inline]
    pub fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.text.len());
    }

    /// The next byte after blanks, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        let b = self.bytes();
        while let Some(&c) = b.get(self.pos) {
            if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(c);
            }
            self.pos += 1;
        }
        None
    }

    /// [`Reader::peek`] for text with at most a blank or two between tokens
    /// (a log line's `{"a": 1, "b": "c"}`): the usual next byte is looked at
    /// without entering the loop.
    #[inline(always)]
    fn blank_then(&mut self) -> Option<u8> {
        let c = *self.bytes().get(self.pos)?;
        if c > b' ' {
            return Some(c);
        }
        self.peek()
    }

    /// [`Reader::string`] at a `"` already seen: a string without escapes
    /// ends at the first special byte of its words, which (the lowest bit
    /// of a word's mask is never a false alarm) is its closing quote; the
    /// last few bytes of the text are judged one by one.
    /// Any other string (an escape, a control byte) is read by
    /// [`Reader::string`], from the quote.
    #[inline(always)]
    fn flat_string(&mut self) -> Option<RawStr<'a>> {
        let b = self.bytes();
        let start = self.pos + 1;
        let mut i = start;
        // Two words at a time while there are, then one.
        while let Some(w) = b.get(i..i + 16) {
            let (lo, hi) = (word_specials(word(w, 0)), word_specials(word(w, 8)));
            if lo | hi != 0 {
                let (h, at) = if lo != 0 { (lo, i) } else { (hi, i + 8) };
                let end = at + (h.trailing_zeros() / 8) as usize;
                if b.get(end) == Some(&b'"') {
                    return self.flat_string_to(start, end);
                }
                return self.string_after_flat();
            }
            i += 16;
        }
        if let Some(w) = b.get(i..i + 8) {
            let h = word_specials(word(w, 0));
            if h != 0 {
                let end = i + (h.trailing_zeros() / 8) as usize;
                if b.get(end) == Some(&b'"') {
                    return self.flat_string_to(start, end);
                }
                return self.string_after_flat();
            }
            i += 8;
        }
        for (k, &c) in b.get(i..)?.iter().enumerate() {
            match c {
                b'"' => return self.flat_string_to(start, i + k),
                b'\\' => break,
                c if c < 0x20 => break,
                _ => {}
            }
        }
        self.string_after_flat()
    }

    /// [`Reader::string`] of a string [`Reader::flat_string`] does not
    /// take: one call site, so that adding the fast path leaves the
    /// inlining of [`Reader::string`] into its other callers as it was.
    #[inline(never)]
    fn string_after_flat(&mut self) -> Option<RawStr<'a>> {
        self.string()
    }

    /// The string without escapes from `start` to its closing quote at
    /// `end`, the reader moved past the quote.
    #[inline(always)]
    fn flat_string_to(&mut self, start: usize, end: usize) -> Option<RawStr<'a>> {
        let raw = self.text.get(start..end)?;
        self.pos = end + 1;
        Some(RawStr { raw, shrink: 0 })
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.peek()? == want).then(|| self.pos += 1)
    }

    /// True when only blanks are left.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Reads a string.
    pub fn string(&mut self) -> Option<RawStr<'a>> {
        self.eat(b'"')?;
        let start = self.pos;
        let b = self.bytes();
        // A name or a word ends within sixteen bytes: when the first special
        // byte there is the closing quote (the lowest bit of a mask is never
        // a false alarm), that is the string; else it is scanned whole.
        if let Some(half) = b.get(start..start + 16) {
            // The lowest high bit of a word's mask is its first special byte.
            let (h, at) = match word_specials(word(half, 0)) {
                0 => (word_specials(word(half, 8)), start + 8),
                h => (h, start),
            };
            let end = at + (h.trailing_zeros() / 8) as usize;
            if h != 0 && b.get(end) == Some(&b'"') {
                let raw = self.text.get(start..end)?;
                self.pos = end + 1;
                return Some(RawStr { raw, shrink: 0 });
            }
        }
        let (end, shrink) = scan_string(b, start, |_, _, _| {})?;
        let raw = self.text.get(start..end)?;
        self.pos = end + 1;
        Some(RawStr { raw, shrink })
    }

    /// Reads a string and decodes it in the same pass: while the string is
    /// checked, the runs between its escapes and the escaped characters are
    /// copied into the reader's scratch buffer, from which an escaped value
    /// is copied once into a string of exactly its length.
    pub fn string_value(&mut self) -> Option<(RawStr<'a>, Cow<'a, str>)> {
        self.eat(b'"')?;
        let start = self.pos;
        let b = self.bytes();
        let out = &mut self.scratch;
        out.clear();
        let mut from = start;
        let (end, shrink) = scan_string(b, start, |at, next, c| {
            put_escape(out, b, &mut from, at, next, c);
        })?;
        let raw = self.text.get(start..end)?;
        self.pos = end + 1;
        let s = RawStr { raw, shrink };
        if shrink == 0 {
            return Some((s, Cow::Borrowed(raw)));
        }
        out.extend_from_slice(b.get(from..end)?);
        // Runs of valid text cut at ASCII bytes, and whole characters: UTF-8
        // (checked again, as safe code must; `decode` if it ever were not).
        match simdutf8::basic::from_utf8(out) {
            Ok(value) => Some((s, Cow::Owned(value.to_owned()))),
            Err(_) => Some((s, s.decode())),
        }
    }

    /// Goes back (or on) to `offset` (a position [`Reader::offset`] gave).
    pub fn rewind(&mut self, offset: usize) {
        self.pos = offset.min(self.text.len());
    }

    /// Reads any value.
    pub fn value(&mut self) -> Option<Raw<'a>> {
        let start = self.pos;
        match self.peek()? {
            b'"' => self.string().map(Raw::Str),
            b'{' => {
                let from = self.pos;
                self.object(|_, r| r.value().map(drop))?;
                self.text.get(from..self.pos).map(Raw::Object)
            }
            b'[' => {
                let from = self.pos;
                self.array(|r| r.value().map(drop))?;
                self.text.get(from..self.pos).map(Raw::Array)
            }
            b't' => self.literal(b"true").map(|()| Raw::Bool(true)),
            b'f' => self.literal(b"false").map(|()| Raw::Bool(false)),
            b'n' => self.literal(b"null").map(|()| Raw::Null),
            b'-' | b'0'..=b'9' => self.number().map(Raw::Num),
            _ => {
                self.pos = start;
                None
            }
        }
    }

    /// Reads the bytes `word`, exactly (no blanks before them).
    #[inline]
    pub fn literal<const N: usize>(&mut self, word: &[u8; N]) -> Option<()> {
        let end = self.pos + N;
        (self.bytes().get(self.pos..end)? == word).then(|| self.pos = end)
    }

    fn number(&mut self) -> Option<&'a str> {
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                digits(&mut i);
            }
            _ => return None,
        }
        let mut float = false;
        if b.get(i) == Some(&b'.') {
            i += 1;
            float = true;
            if !digits(&mut i) {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            float = true;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
        }
        let text = self.text.get(start..i)?;
        // Whole numbers of up to 19 digits fit an i64 or u64; anything else
        // must be a finite f64 (serde_json refuses `1e400`).
        let long = i - start > 19;
        if (float || long) && !text.parse::<f64>().is_ok_and(f64::is_finite) {
            return None;
        }
        self.pos = i;
        Some(text)
    }

    fn enter(&mut self, open: u8) -> Option<()> {
        self.eat(open)?;
        self.depth_left = self.depth_left.checked_sub(1).filter(|d| *d > 0)?;
        Some(())
    }

    /// Reads an object, handing each member's name to `f` with the reader
    /// at the member's value, which `f` must read.
    pub fn object(&mut self, mut f: impl FnMut(RawStr<'a>, &mut Self) -> Option<()>) -> Option<()> {
        self.enter(b'{')?;
        if self.peek()? == b'}' {
            self.pos += 1;
        } else {
            loop {
                let key = self.string()?;
                self.eat(b':')?;
                f(key, self)?;
                match self.peek()? {
                    b',' => self.pos += 1,
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth_left += 1;
        Some(())
    }

    /// Reads an array, calling `f` with the reader at each element, which
    /// `f` must read.
    pub fn array(&mut self, mut f: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.enter(b'[')?;
        if self.peek()? == b']' {
            self.pos += 1;
        } else {
            loop {
                f(self)?;
                match self.peek()? {
                    b',' => self.pos += 1,
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth_left += 1;
        Some(())
    }
}

fn hex4(b: &[u8], at: usize) -> Option<u16> {
    let mut v = 0u16;
    for &c in b.get(at..at + 4)? {
        let d = (c as char).to_digit(16)?;
        v = v << 4 | d as u16;
    }
    Some(v)
}

/// The escape at `b[at] == b'\\'`, when it is valid (a surrogate must
/// come in a high-low pair): where the text goes on, and its character.
#[inline(always)]
fn escape(b: &[u8], at: usize) -> Option<(usize, char)> {
    let letter = *b.get(at + 1)?;
    let simple = UNESCAPE[usize::from(letter)];
    if simple != 0 {
        return Some((at + 2, char::from(simple)));
    }
    unicode_escape(b, at)
}

/// [`escape`] of one that is not a single letter: `\uXXXX` or a pair.
#[inline(never)]
fn unicode_escape(b: &[u8], at: usize) -> Option<(usize, char)> {
    if b.get(at + 1) != Some(&b'u') {
        return None;
    }
    match hex4(b, at + 2)? {
        hi @ 0xD800..=0xDBFF => {
            if b.get(at + 6..at + 8)? != b"\\u" {
                return None;
            }
            let lo = hex4(b, at + 8)?;
            if !(0xDC00..=0xDFFF).contains(&lo) {
                return None;
            }
            let c = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
            Some((at + 12, char::from_u32(c)?))
        }
        0xDC00..=0xDFFF => None,
        unit => Some((at + 6, char::from_u32(u32::from(unit))?)),
    }
}

/// The character of each one-letter escape (`\n` → newline), 0 for the
/// other letters.
static UNESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t[b'/' as usize] = b'/';
    t[b'b' as usize] = 0x08;
    t[b'f' as usize] = 0x0c;
    t[b'n' as usize] = b'\n';
    t[b'r' as usize] = b'\r';
    t[b't' as usize] = b'\t';
    t
};

/// Appends to `out` the run of `text` from `*from` to the escape at `at`
/// (which goes on at `next`) and the escape's character `c`, and moves
/// `from` past them. A short run is copied as sixteen bytes, the buffer
/// then cut back (a copy of known length, where there is room for it
/// without growing `out`). An escaped `"`, `\` or `/` is its own letter:
/// that is left to start the next run instead of being pushed.
#[inline(always)]
fn put_escape(out: &mut Vec<u8>, text: &[u8], from: &mut usize, at: usize, next: usize, c: char) {
    let run = at - *from;
    match text.get(*from..*from + 16) {
        Some(chunk) if run <= 16 && out.capacity() - out.len() >= 16 => {
            let len = out.len() + run;
            out.extend_from_slice(chunk);
            out.truncate(len);
        }
        _ => out.extend_from_slice(text.get(*from..at).unwrap_or_default()),
    }
    if next == at + 2 && matches!(c, '"' | '\\' | '/') {
        *from = at + 1;
    } else if c.is_ascii() {
        out.push(c as u8);
        *from = next;
    } else {
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        *from = next;
    }
}

/// Bytes judged at a time by [`specials`].
const BLOCK: usize = 32;

// The high bit of each byte of a word (little-endian) that is `"`, `\` or
// below 0x20, and possibly of a byte right above one that is (a borrow
// running on, and so on up a run of such bytes). No such byte is ever
// missed. The same mask the JSON writer escapes by.
use crate::render::escape_mask as word_specials;

/// The high bits of `h`'s bytes, one bit per byte, in the low eight bits.
#[inline]
fn pack(h: u64) -> u64 {
    (h >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

#[inline]
fn word(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Bit `k` set for each byte `b[i + k]` (`k` below [`BLOCK`]) that is `"`,
/// `\` or below 0x20, and possibly for one that is not (a false alarm, see
/// [`word_specials`]: callers look at the byte). Past the end of `b` the
/// bytes read as zero, so the first bit there is set.
#[inline(always)]
fn specials(b: &[u8], i: usize) -> u64 {
    match b.get(i..i + BLOCK) {
        Some(block) => block_specials(block),
        None => last_specials(b, i),
    }
}

/// [`specials`] of the last, short block.
#[cold]
#[inline(never)]
fn last_specials(b: &[u8], i: usize) -> u64 {
    let mut block = [0u8; BLOCK];
    let rest = b.get(i..).unwrap_or_default();
    block[..rest.len()].copy_from_slice(rest);
    block_specials(&block)
}

#[inline(always)]
fn block_specials(block: &[u8]) -> u64 {
    let h = [
        word_specials(word(block, 0)),
        word_specials(word(block, 8)),
        word_specials(word(block, 16)),
        word_specials(word(block, 24)),
    ];
    if h[0] | h[1] | h[2] | h[3] == 0 {
        return 0;
    }
    pack(h[0]) | pack(h[1]) << 8 | pack(h[2]) << 16 | pack(h[3]) << 24
}

/// The string whose text starts at `b[start]`, just after its opening
/// quote: the position of its closing quote and how many bytes shorter its
/// value is than its text; `None` when it is not valid (a control byte, an
/// invalid escape or lone surrogate, no closing quote). Each escape is
/// handed to `on_escape` with where it starts and ends and its character.
///
/// Each block of bytes is judged once: the special bytes of its mask are
/// visited in order, an escape clearing the bits it covers, so a string
/// with an escape every few bytes (a JSON log line in a message) costs no
/// more scanning than a clean one.
#[inline]
fn scan_string(
    b: &[u8],
    start: usize,
    mut on_escape: impl FnMut(usize, usize, char),
) -> Option<(usize, usize)> {
    let mut i = start;
    let mut shrink = 0;
    'blocks: loop {
        let mut m = specials(b, i);
        while m != 0 {
            let at = i + m.trailing_zeros() as usize;
            match b.get(at) {
                Some(b'"') => return Some((at, shrink)),
                Some(b'\\') => {
                    let (next, c) = escape(b, at)?;
                    shrink += next - at - c.len_utf8();
                    on_escape(at, next, c);
                    if next >= i + BLOCK {
                        i = next;
                        continue 'blocks;
                    }
                    m &= u64::MAX << (next - i);
                }
                Some(&c) if c >= 0x20 => m &= m - 1,
                // A control byte, or the end of the text.
                _ => return None,
            }
        }
        i += BLOCK;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// What serde_json makes of `text` as a whole value, and what we do.
    fn both(text: &str) -> (Option<Value>, Option<Value>) {
        let theirs = serde_json::from_str::<Value>(text).ok();
        let mut r = Reader::new(text);
        let ours = r.value().filter(|_| r.at_end()).map(|raw| {
            let mut out = Vec::new();
            raw.write(&mut out);
            serde_json::from_slice::<Value>(&out).expect("our output is JSON")
        });
        (theirs, ours)
    }

    fn agree(text: &str) {
        let (theirs, ours) = both(text);
        assert_eq!(theirs, ours, "{text:?}");
    }

    /// What `Raw::write` makes of the value `text`.
    fn written(text: &str) -> String {
        let mut r = Reader::new(text);
        let mut out = Vec::new();
        r.value().expect("JSON").write(&mut out);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn nested_objects_are_written_with_each_name_once() {
        for (text, want) in [
            // The last value, at the first name's place (fuzzing found
            // both: OpenSearch refuses a document that repeats a name).
            (
                r#"{"message":"m","name":"Error","stack":"s","name":"E2"}"#,
                r#"{"message":"m","name":"E2","stack":"s"}"#,
            ),
            (
                r#"[1, {"a": 1, "b": 2, "a": {"x": 1, "x": [3]}}, "{"]"#,
                r#"[1,{"a":{"x":[3]},"b":2},"{"]"#,
            ),
            (
                r#"{"o": [{"t": 1, "t": 2}], "o": [{"t": 3, "u": 4, "t": 5}]}"#,
                r#"{"o":[{"t":5,"u":4}]}"#,
            ),
            // Names equal once decoded are one name.
            (r#"{"a": 1, "\u0061": 2}"#, r#"{"a":2}"#),
            // Nothing else changes: escapes, numbers, blanks in strings.
            (
                r#"{ "k\"q" : "v \n\u00e9 é" , "n" : -1.50e3, "e": {}, "l": [ ] }"#,
                r#"{"k\"q":"v \n\u00e9 é","n":-1.50e3,"e":{},"l":[]}"#,
            ),
            (r#"[ "a b", [ 1 , 2 ], null ]"#, r#"["a b",[1,2],null]"#),
        ] {
            assert_eq!(written(text), want, "{text}");
            let ours: Value = serde_json::from_str(&written(text)).unwrap();
            assert_eq!(ours, serde_json::from_str::<Value>(text).unwrap(), "{text}");
        }
    }

    #[test]
    fn accepts_what_serde_json_accepts() {
        for t in [
            "0",
            "-0",
            "1.5e3",
            "1E+2",
            "-12.25E-3",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234567890",
            "1e308",
            r#""plain""#,
            r#""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00""#,
            "[1, [2, {\"a\" : null}], true, false]",
            "{ \"a\" :\n 1 , \"b\":[ ] ,\"c\":{}}",
            " {} ",
        ] {
            agree(t);
            assert!(both(t).1.is_some(), "{t}");
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for t in [
            "",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "1e400",
            "-",
            "--1",
            "tru",
            "nul",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "\"unterminated",
            "\"tab\there\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\ud800x\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "[1] 2",
            "{} {}",
            "NaN",
            "Infinity",
        ] {
            agree(t);
            assert!(both(t).1.is_none(), "{t}");
        }
    }

    #[test]
    fn depth_limit_is_serde_jsons() {
        for n in [120, 126, 127, 128, 129, 200] {
            agree(&format!("{}{}", "[".repeat(n), "]".repeat(n)));
            agree(&format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)));
        }
    }

    #[test]
    fn members_keep_first_position_and_last_value() {
        let m = Members::parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        let got: Vec<_> = m.iter().map(|(k, v)| (k.to_string(), v)).collect();
        assert_eq!(got, [("a".into(), Raw::Num("3")), ("b".into(), Raw::Num("2"))]);
        let many: String = (0..100).map(|i| format!("\"k{}\":{i},", i % 60)).collect();
        let text = format!("{{{many}\"end\":0}}");
        let m = Members::parse(&text).unwrap();
        assert_eq!(m.len(), 61);
        assert_eq!(m.get("k5"), Some(Raw::Num("65")));
        assert!(m.contains_key("end") && !m.contains_key("k60"));
    }

    #[test]
    fn escaped_names_are_decoded_and_compared_decoded() {
        let m = Members::parse(r#"{"le\u0076el":"warn","x":{"y" : [1, 2]}}"#).unwrap();
        assert_eq!(m.get("level").and_then(Raw::as_str).as_deref(), Some("warn"));
        let mut out = Vec::new();
        m.get("x").unwrap().write(&mut out);
        assert_eq!(out, br#"{"y":[1,2]}"#);
        let inner = m.get("x").and_then(Raw::as_object).unwrap();
        assert!(inner.get("y").is_some());
    }

    /// What serde_json makes of `content` between quotes, and what the
    /// scanner makes of it (both ways of reading a string), followed by
    /// `after` (nothing: the string ends the text, and the last block is
    /// short).
    fn judge_string(content: &[u8], after: &[u8]) {
        let mut text = b"\"".to_vec();
        text.extend_from_slice(content);
        text.push(b'"');
        text.extend_from_slice(after);
        let Ok(text) = std::str::from_utf8(&text) else {
            return;
        };
        // The first string of the text, and where serde_json's reading of
        // it ends (a bare quote in `content` ends it early).
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<String>();
        let theirs = match stream.next() {
            Some(Ok(s)) => Some((s, stream.byte_offset())),
            _ => None,
        };
        let mut r = Reader::new(text);
        let raw = r.string();
        let at = r.offset();
        let mut r = Reader::new(text);
        let both = r.string_value();
        assert_eq!(r.offset(), at);
        let label = String::from_utf8_lossy(content);
        match (&theirs, raw, both) {
            (None, None, None) => {}
            (Some((want, end)), Some(raw), Some((raw2, value))) => {
                assert_eq!(raw, raw2, "{label:?}");
                assert_eq!(at, *end, "{label:?}");
                assert_eq!(raw.raw(), &text[1..end - 1], "{label:?}");
                assert_eq!(raw.decode(), want.as_str(), "{label:?}");
                assert_eq!(value, want.as_str(), "{label:?}");
                assert_eq!(raw.has_escapes(), raw.raw().contains('\\'), "{label:?}");
                assert_eq!(raw.decode().len(), raw.raw().len() - raw.shrink, "{label:?}");
                if let Cow::Owned(v) = &value {
                    assert_eq!(v.capacity(), v.len(), "{label:?}: capacity fits");
                }
            }
            (theirs, raw, both) => panic!("{label:?}: serde {theirs:?}, string {raw:?}, value {both:?}"),
        }
    }

    /// Pieces a string is made of: plain, escapes, invalid escapes, control
    /// bytes, non-ASCII UTF-8, a bare quote, and bytes that make the
    /// word masks raise false alarms (`#` after `"`, `]` after `\`, a space
    /// after a control byte).
    const PIECES: &[&[u8]] = &[
        b"a",
        b"\\\"",
        b"\\\\",
        b"\\/",
        b"\\b\\f\\n\\r\\t",
        b"\\u00e9",
        b"\\u0041",
        b"\\u20AC",
        b"\\u0022",
        b"\\u005C",
        b"\\u005c\\u002f\\u002F",
        b"\\/\\\\\\\"",
        b"\\ud83d\\ude00",
        b"\\uD83D\\uDE00",
        b"\\\"#",
        b"\\\\]",
        b"\\\\\\\\]]",
        b"#]",
        b"\xc3\xa9",
        b"\xe2\x82\xac",
        b"\xf0\x9f\x98\x80",
        b"\x7f",
        b"\x1f",
        b"\x00",
        b"\t",
        b"\x01 ",
        b"\"",
        b"\\",
        b"\\x",
        b"\\u12",
        b"\\u12g4",
        b"\\ud800",
        b"\\ud800x",
        b"\\ud800\\u0041",
        b"\\ud800\\ud800",
        b"\\udc00",
        b"\\U0041",
    ];

    #[test]
    fn every_piece_at_every_position_across_block_edges() {
        for len in 0..=2 * BLOCK + 2 {
            for piece in PIECES {
                for at in [0, len / 2, len.saturating_sub(1), len] {
                    let mut content = vec![b'x'; len];
                    let at = at.min(len);
                    content.splice(at..at, piece.iter().copied());
                    for after in [&b""[..], b",", &[b' '; 80]] {
                        judge_string(&content, after);
                    }
                }
            }
        }
    }

    #[test]
    fn a_piece_ends_exactly_at_each_block_edge() {
        for piece in PIECES {
            for edge in [BLOCK, 2 * BLOCK, 3 * BLOCK] {
                for shift in 0..piece.len() + 2 {
                    let pad = (edge + shift).saturating_sub(piece.len());
                    let mut content = vec![b'y'; pad];
                    content.extend_from_slice(piece);
                    content.extend_from_slice(b"zz");
                    judge_string(&content, b"}");
                    judge_string(&content, b"");
                }
            }
        }
    }

    #[test]
    fn runs_between_escapes_of_every_length_with_wide_characters() {
        // Runs are copied sixteen bytes at a time where they can be: around
        // that length, with a character of 2-4 bytes cut by the sixteenth.
        for len in 0..=20 {
            for wide in ["é", "€", "😀"] {
                for at in 0..=len {
                    let run: String = (0..len).map(|i| if i == at { wide } else { "r" }).collect();
                    for tail in ["", "z", "\\u00e9", "0123456789abcdefghij"] {
                        let content = format!("{run}\\n{run}\\\"{run}{tail}");
                        judge_string(content.as_bytes(), b"");
                        judge_string(content.as_bytes(), b"  ");
                    }
                }
            }
        }
    }

    #[test]
    fn many_escapes_decode_the_same() {
        for n in [1023, 1024, 1025, 3072] {
            let content = "a\\\"".repeat(n);
            judge_string(content.as_bytes(), b"");
            let content = format!("{}b\\u00e9", "\\n".repeat(n));
            judge_string(content.as_bytes(), b",");
        }
    }

    #[test]
    fn the_word_masks_never_miss_a_special_byte() {
        let special = |c: u8| c == b'"' || c == b'\\' || c < 0x20;
        let mut block = [b'a'; BLOCK];
        for c in 0..=255u8 {
            for k in 0..BLOCK {
                for before in [b'a', b'"', b'\\', 0, 0x1f] {
                    block.fill(b'a');
                    block[k] = c;
                    if k > 0 {
                        block[k - 1] = before;
                    }
                    let m = block_specials(&block);
                    for (j, &b) in block.iter().enumerate() {
                        let set = m >> j & 1 == 1;
                        if special(b) {
                            assert!(set, "byte {b:#x} at {j} missed");
                        } else if set {
                            // A false alarm sits right above a special byte
                            // (or above another false alarm).
                            assert!(j > 0 && m >> (j - 1) & 1 == 1, "false alarm {b:#x} at {j}");
                        }
                    }
                    assert_eq!(m >> BLOCK, 0);
                }
            }
        }
    }

    /// An object of the members `keys` (with values their positions),
    /// names spelled plain or with an escape, judged by `Members::parse`
    /// as `serde_json` (order-preserving) reads it.
    fn judge_members(keys: &[u8], escaped: bool, blanks: &str) {
        let members: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let name = if escaped && k % 2 == 0 {
                    format!("\\u006b{k}")
                } else {
                    format!("k{k}")
                };
                format!("{blanks}\"{name}\"{blanks}:{blanks}{i}{blanks}")
            })
            .collect();
        let text = format!("{{{}}}", members.join(","));
        let theirs: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
        let ours = Members::parse(&text).unwrap();
        let ours: Vec<(String, Value)> = ours
            .iter()
            .map(|(k, v)| {
                let mut out = Vec::new();
                v.write(&mut out);
                (k.to_string(), serde_json::from_slice(&out).unwrap())
            })
            .collect();
        let theirs: Vec<(String, Value)> = theirs.into_iter().collect();
        assert_eq!(ours, theirs, "{text}");
        let m = Members::parse(&text).unwrap();
        judge_flat(&text);
        assert_eq!(m.len(), theirs.len());
        for (k, v) in &theirs {
            assert_eq!(m.get(k).map(|r| r.as_u64()), Some(v.as_u64()), "{text}: {k}");
        }
        assert!(!m.contains_key("absent"));
    }

    /// [`Members::flat`] takes `text` as [`Members::parse_general`] reads
    /// it, or leaves it; and [`Members::parse`] is the general reading.
    fn judge_flat(text: &str) {
        let general = Members::parse_general(text);
        if let Some(flat) = Members::flat(text) {
            assert_eq!(Some(&flat), general.as_ref(), "{text:?}");
        }
        assert_eq!(Members::parse(text), general, "{text:?}");
    }

    #[test]
    fn flat_objects_of_every_string_length_and_piece() {
        // Strings end within a word, on its edge, and in the bytes left
        // after the last whole word, with every piece at every place.
        for len in 0..=40 {
            for piece in PIECES {
                for at in [0, len / 2, len] {
                    let mut content = vec![b'x'; len];
                    content.splice(at..at, piece.iter().copied());
                    let Ok(c) = std::str::from_utf8(&content) else {
                        continue;
                    };
                    for text in [
                        format!("{{\"{c}\":1}}"),
                        format!("{{\"k\":\"{c}\"}}"),
                        format!("{{\"k\": \"{c}\" }} "),
                        format!("{{\"a\": \"{c}\", \"{c}\": [\"{c}\"], \"b\":\"{c}\"}}"),
                        format!("{{\"k\":\"{c}\""),
                        format!("{{\"k\":\"{c}"),
                    ] {
                        judge_flat(&text);
                    }
                }
            }
        }
    }

    #[test]
    fn flat_objects_of_every_shape_read_as_the_general_reader() {
        let values = [
            "1",
            "-0",
            "1.5e3",
            "01",
            "1.",
            "-",
            "1e400",
            "true",
            "false",
            "null",
            "tru",
            "nul",
            "{}",
            "[]",
            "{\"a\":[1,{\"b\":2}]}",
            "[1,]",
            "\"\"",
            "\"v\\\"\"",
            "x",
            "",
        ];
        for v in values {
            for blanks in ["", " ", "\n", "\t\r "] {
                for n in [1, 2, HEAD, HEAD + 1] {
                    let members: Vec<String> = (0..n)
                        .map(|i| format!("{blanks}\"k{}\"{blanks}:{blanks}{v}{blanks}", i % 5))
                        .collect();
                    let body = members.join(",");
                    for text in [
                        format!("{{{body}}}"),
                        format!("{blanks}{{{body}}}{blanks}"),
                        format!("{{{body},}}"),
                        format!("{{{body}}}}}"),
                        format!("{{{body} \"x\":1}}"),
                        format!("{{{body}]"),
                    ] {
                        judge_flat(&text);
                    }
                }
            }
        }
        for text in [
            "{}",
            " { } ",
            "{",
            "{ ",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1 \"b\":2}",
            "{,}",
            "{1:2}",
        ] {
            judge_flat(text);
        }
    }

    #[test]
    fn flat_reads_the_fixture_lines_as_the_general_reader() {
        let mut taken = 0;
        for message in crate::parse::fixture_lines::messages() {
            let Some(start) = message.find('{') else {
                continue;
            };
            let text = &message[start..];
            judge_flat(text);
            taken += usize::from(Members::flat(text).is_some());
        }
        // The fast path is the one the JSON lines take.
        assert!(taken > 100, "{taken}");
    }

    #[test]
    fn members_of_every_count_around_the_stack_and_the_index() {
        for n in 0..=3 * INDEX_FROM {
            let distinct: Vec<u8> = (0..n as u8).collect();
            judge_members(&distinct, false, "");
            judge_members(&distinct, true, " ");
            // A repeat of each earlier name at every position.
            for at in 0..n {
                let mut keys = distinct.clone();
                keys.insert(at, (n / 2) as u8);
                keys.push(at as u8);
                judge_members(&keys, at % 2 == 0, "");
            }
        }
    }

    fn string_piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => "[a-z ]{1,40}".prop_map(String::into_bytes),
            2 => prop::sample::select(PIECES).prop_map(<[u8]>::to_vec),
            1 => any::<char>().prop_map(|c| c.to_string().into_bytes()),
            1 => any::<u16>().prop_map(|u| format!("\\u{u:04x}").into_bytes()),
        ]
    }

    fn json_like() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                Just("{".to_string()),
                Just("}".to_string()),
                Just("[".to_string()),
                Just("]".to_string()),
                Just(",".to_string()),
                Just(":".to_string()),
                Just(" ".to_string()),
                Just("\n".to_string()),
                Just("\"".to_string()),
                Just("\\".to_string()),
                Just("\\u".to_string()),
                Just("d83d".to_string()),
                Just("\\ude00".to_string()),
                Just("\"k\"".to_string()),
                Just("\"v\\\"\"".to_string()),
                Just("true".to_string()),
                Just("null".to_string()),
                "-?[0-9]{0,3}(\\.[0-9]{0,2})?([eE][+-]?[0-9]{0,3})?",
                "[a-z\u{e9}\u{1F600}\t]{0,3}",
            ],
            0..24,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn one_reader_decodes_string_after_string_as_serde_json(
            strings in prop::collection::vec(prop::collection::vec(string_piece(), 0..12), 0..12),
        ) {
            // The reader's scratch string carries over from one string to the next.
            let items: Vec<Vec<u8>> = strings.iter().map(|p| p.concat()).collect();
            let mut text = b"[".to_vec();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    text.push(b',');
                }
                text.push(b'"');
                text.extend_from_slice(item);
                text.push(b'"');
            }
            text.push(b']');
            let Ok(text) = std::str::from_utf8(&text) else {
                return Ok(());
            };
            let theirs = serde_json::from_str::<Vec<String>>(text).ok();
            let mut r = Reader::new(text);
            let mut ours = Vec::new();
            let read = r.array(|r| {
                let (raw, value) = r.string_value()?;
                assert_eq!(raw.decode(), value.as_ref());
                ours.push(value.into_owned());
                Some(())
            }).filter(|()| r.at_end());
            prop_assert_eq!(theirs, read.map(|()| ours), "{:?}", text);
        }

        #[test]
        fn members_are_read_as_serde_json_reads_them(
            keys in prop::collection::vec(0u8..40, 0..40),
            escaped in any::<bool>(),
            blanks in prop_oneof![Just(""), Just(" "), Just("\n\t")],
        ) {
            judge_members(&keys, escaped, blanks);
        }

        #[test]
        fn json_like_text_is_judged_as_serde_json_does(t in json_like()) {
            let (theirs, ours) = both(&t);
            prop_assert_eq!(theirs, ours, "{:?}", t);
            judge_flat(&t);
            let braced = format!("{{{t}}}");
            judge_flat(&braced);
            let (theirs, _) = both(&braced);
            prop_assert_eq!(theirs.filter(Value::is_object).is_some(), Members::parse(&braced).is_some());
        }

        #[test]
        fn flat_objects_of_pieced_strings_read_as_the_general_reader(
            members in prop::collection::vec(
                (prop::collection::vec(string_piece(), 0..3), prop::collection::vec(string_piece(), 0..6)),
                0..10,
            ),
            blanks in prop_oneof![Just(""), Just(" "), Just("\n\t "), Just("\r")],
            tail in prop_oneof![Just(""), Just(" "), Just("\n"), Just(" x"), Just(",")],
        ) {
            let mut text = b"{".to_vec();
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    text.push(b',');
                }
                let b = blanks.as_bytes();
                let (key, value) = (key.concat(), value.concat());
                for piece in [b, b"\"", &key[..], b"\"", b, b":", b, b"\"", &value[..], b"\"", b] {
                    text.extend_from_slice(piece);
                }
            }
            text.push(b'}');
            text.extend_from_slice(tail.as_bytes());
            if let Ok(text) = std::str::from_utf8(&text) {
                judge_flat(text);
                let theirs = serde_json::from_str::<serde_json::Map<String, Value>>(text).ok();
                prop_assert_eq!(theirs.is_some(), Members::parse(text).is_some(), "{:?}", text);
            }
        }

        #[test]
        fn pieced_strings_are_judged_as_serde_json_does(
            pieces in prop::collection::vec(string_piece(), 0..24),
            after in prop_oneof![Just(""), Just(","), Just("   :  \"next\" ")],
        ) {
            judge_string(&pieces.concat(), after.as_bytes());
        }

        #[test]
        fn any_value_reads_back_equal(v in any_json()) {
            for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
                let (theirs, ours) = both(&text);
                // serde_json's default float parsing is not exact, so the
                // check is against what it reads, not against `v`.
                prop_assert!(theirs.is_some());
                prop_assert_eq!(ours, theirs);
            }
        }

        #[test]
        fn strings_decode_as_serde_json_decodes(s in any::<String>()) {
            let text = serde_json::to_string(&s).unwrap();
            let raw = Reader::new(&text).string().unwrap();
            prop_assert_eq!(raw.decode(), s.as_str());
            let ascii = text.chars().map(|c| if c.is_ascii() { c.to_string() } else {
                c.encode_utf16(&mut [0; 2]).iter().map(|u| format!("\\u{u:04x}")).collect()
            }).collect::<String>();
            let raw = Reader::new(&ascii).string().unwrap();
            prop_assert_eq!(raw.decode(), s.as_str());
        }
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }
}
