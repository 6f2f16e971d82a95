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

use crate::render::next_escape;

/// The deepest nesting of arrays and objects accepted: `serde_json`'s
/// recursion limit, so that both agree on what is JSON.
pub const MAX_DEPTH: usize = 128;

/// A JSON string as it stands in the text: between its quotes, escapes not
/// yet decoded, already checked to be valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> RawStr<'a> {
    /// The text between the quotes, escapes as written.
    pub fn raw(self) -> &'a str {
        self.raw
    }

    /// Whether the text holds a backslash escape.
    pub fn has_escapes(self) -> bool {
        self.escaped
    }

    /// The string's value: borrowed when it has no escapes.
    pub fn decode(self) -> Cow<'a, str> {
        if !self.escaped {
            return Cow::Borrowed(self.raw);
        }
        let b = self.raw.as_bytes();
        let mut out = String::with_capacity(b.len());
        let mut start = 0;
        let mut i = 0;
        while let Some(off) = memchr::memchr(b'\\', &b[i..]) {
            let at = i + off;
            out.push_str(self.raw.get(start..at).unwrap_or_default());
            let (c, next) = decode_escape(b, at);
            out.push(c);
            i = next;
            start = next;
        }
        out.push_str(self.raw.get(start..).unwrap_or_default());
        Cow::Owned(out)
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
    /// break the one-document-per-line `_bulk` framing).
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
            Raw::Array(t) | Raw::Object(t) => write_compact(out, t.as_bytes()),
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
    /// Name → position, built once an object has many members.
    index: Option<HashMap<Cow<'a, str>, usize>>,
}

/// Members looked up by a linear scan below this count.
const INDEX_FROM: usize = 24;

impl<'a> Members<'a> {
    /// The members of `text` when the whole of it (blanks around allowed) is
    /// one JSON object.
    pub fn parse(text: &'a str) -> Option<Members<'a>> {
        let mut r = Reader::new(text);
        let mut members = Members::default();
        r.object(|key, r| {
            let value = r.value()?;
            members.insert(key.decode(), value);
            Some(())
        })?;
        r.at_end().then_some(members)
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
            self.index = Some(index);
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
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            pos: 0,
            depth_left: MAX_DEPTH,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
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
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        let mut escaped = false;
        loop {
            i = next_escape(b, i)?;
            match *b.get(i)? {
                b'"' => {
                    self.pos = i + 1;
                    let raw = self.text.get(start..i)?;
                    return Some(RawStr { raw, escaped });
                }
                b'\\' => {
                    escaped = true;
                    i = escape_end(b, i)?;
                }
                _ => return None,
            }
        }
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

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
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

/// The end of the escape at `b[at] == b'\\'`, when it is valid: a
/// surrogate must come in a high-low pair.
fn escape_end(b: &[u8], at: usize) -> Option<usize> {
    match *b.get(at + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(at + 2),
        b'u' => match hex4(b, at + 2)? {
            0xD800..=0xDBFF => {
                if b.get(at + 6..at + 8)? != b"\\u" {
                    return None;
                }
                matches!(hex4(b, at + 8)?, 0xDC00..=0xDFFF).then_some(at + 12)
            }
            0xDC00..=0xDFFF => None,
            _ => Some(at + 6),
        },
        _ => None,
    }
}

/// The character of the (valid) escape at `b[at]` and where the text goes on.
fn decode_escape(b: &[u8], at: usize) -> (char, usize) {
    let simple = |c: char| (c, at + 2);
    match b.get(at + 1) {
        Some(b'"') => simple('"'),
        Some(b'\\') => simple('\\'),
        Some(b'/') => simple('/'),
        Some(b'b') => simple('\u{8}'),
        Some(b'f') => simple('\u{c}'),
        Some(b'n') => simple('\n'),
        Some(b'r') => simple('\r'),
        Some(b't') => simple('\t'),
        Some(b'u') => {
            let hi = hex4(b, at + 2).unwrap_or(0xFFFD);
            if (0xD800..=0xDBFF).contains(&hi) {
                let lo = hex4(b, at + 8).unwrap_or(0xDC00);
                let c = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                (char::from_u32(c).unwrap_or('\u{FFFD}'), at + 12)
            } else {
                (char::from_u32(u32::from(hi)).unwrap_or('\u{FFFD}'), at + 6)
            }
        }
        _ => ('\u{FFFD}', at + 2),
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
        fn json_like_text_is_judged_as_serde_json_does(t in json_like()) {
            let (theirs, ours) = both(&t);
            prop_assert_eq!(theirs, ours, "{:?}", t);
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
