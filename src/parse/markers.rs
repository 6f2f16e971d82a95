//! Markers: named regular expressions over the message, all run in one pass
//! (SCHEMA.md, "Markers").
//!
//! Every pattern of every marker goes into one [`RegexSet`]; a table maps a
//! pattern's index back to its marker. Patterns are compiled in multi-line
//! and CRLF mode (`^` and `$` match at the start and end of any line of the
//! message, `\r\n` counting as one line end) and see the message with its
//! ANSI escape sequences removed.
//!
//! Two things keep the one pass fast on every line:
//! - `\b` and `\B` are compiled as ASCII word boundaries (as if written
//!   `(?-u:\b)`). A Unicode word boundary makes the lazy DFA give up on any
//!   line with a non-ASCII byte, and the whole set then runs ~100× slower on
//!   such lines. The two differ only next to a non-ASCII letter.
//! - A literal prefilter (module `prefilter`) skips the set for messages that
//!   hold none of the strings the patterns require.
//!
//! And when the markers are exactly the defaults, a hand-written matcher
//! (module `defaults`) answers for every ASCII message instead of the set.

mod defaults;
mod prefilter;

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{RegexBuilder, RegexSet, RegexSetBuilder};

/// The default markers of SCHEMA.md, in their order: name, patterns.
pub const DEFAULTS: &[(&str, &[&str])] = &[
    ("warn", &[r"\bWARN(ING)?:"]),
    (
        "chaos",
        &[
            r"(?i)\bchaos\b",
            r"(?i)simulated (404|5\d\d|error|fault|failure|latency|outage)",
            r"(?i)stress function",
            r"(?i)should not be left on",
            r"(?i)(fault|failure|latency) injection",
        ],
    ),
    ("healthcheck", &["ELB-HealthChecker", "kube-probe", "GoogleHC"]),
    (
        "exception",
        &[
            r"Traceback \(most recent call last\)",
            "Exception in thread",
            r"(?m)^\s*at [\w$.<>/]+\([^)]*\)",
            r"(?m)^[\w.$]+(Exception|Error): ",
        ],
    ),
];

/// The largest compiled size of one user pattern, in bytes of the regex
/// program (the `regex` crate's `size_limit`). A pattern above it is a
/// [`MarkerError`] rather than a slow start and a large memory footprint.
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// The largest compiled size of the whole set.
pub const SET_SIZE_LIMIT: usize = 16 << 20;

/// A bad marker definition.
#[derive(Debug, thiserror::Error)]
#[error("marker {name:?}: bad pattern {pattern:?}: {reason}")]
pub struct MarkerError {
    /// The marker's name.
    pub name: String,
    /// The pattern that does not compile.
    pub pattern: String,
    /// Why.
    pub reason: String,
}

/// A compiled set of markers.
#[derive(Debug, Clone, Default)]
pub struct MarkerSet {
    /// Marker names, in output order.
    names: Vec<String>,
    /// All patterns of all markers in one set; `None` when there are none.
    set: Option<RegexSet>,
    /// Pattern index in `set` → marker index in `names` (non-decreasing).
    owner: Vec<u16>,
    /// Rules out most messages before the set runs; `None`: always run it.
    prefilter: Option<prefilter::Prefilter>,
    /// The set's answer by hand, when the markers are exactly the defaults.
    fast: Option<defaults::Defaults>,
}

impl MarkerSet {
    /// The default markers of SCHEMA.md (compiled once per process, then
    /// cloned cheaply).
    pub fn defaults() -> MarkerSet {
        static DEFAULT_SET: OnceLock<MarkerSet> = OnceLock::new();
        DEFAULT_SET
            // The defaults are constants covered by tests; should they ever
            // fail to compile, the bridge runs without markers rather than
            // panicking.
            .get_or_init(|| MarkerSet::build(true, &[]).unwrap_or_default())
            .clone()
    }

    /// The defaults (unless `defaults` is false) plus `extra` markers; an
    /// extra marker with a default's name replaces it (an empty pattern list
    /// removes it), a new name is appended. A later extra marker with the
    /// name of an earlier one replaces it too.
    pub fn build(defaults: bool, extra: &[(String, Vec<String>)]) -> Result<MarkerSet, MarkerError> {
        let mut defs: Vec<(Cow<'_, str>, Vec<Cow<'_, str>>)> = Vec::new();
        if defaults {
            for (name, pats) in DEFAULTS {
                defs.push((
                    Cow::Borrowed(*name),
                    pats.iter().map(|p| Cow::Borrowed(*p)).collect(),
                ));
            }
        }
        for (name, pats) in extra {
            if name.trim().is_empty() {
                return Err(MarkerError {
                    name: name.clone(),
                    pattern: pats.first().cloned().unwrap_or_default(),
                    reason: "a marker needs a non-empty name".into(),
                });
            }
            let pats: Vec<Cow<'_, str>> = pats.iter().map(|p| Cow::Borrowed(p.as_str())).collect();
            match defs.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = pats,
                None => defs.push((Cow::Borrowed(name.as_str()), pats)),
            }
        }
        defs.retain(|(_, pats)| !pats.is_empty());
        let exactly_defaults = defs.len() == DEFAULTS.len()
            && defs.iter().zip(DEFAULTS).all(|((name, pats), (d_name, d_pats))| {
                name == d_name && pats.iter().map(|p| p.as_ref()).eq(d_pats.iter().copied())
            });
        if defs.len() > usize::from(u16::MAX) {
            return Err(MarkerError {
                name: defs.last().map(|(n, _)| n.to_string()).unwrap_or_default(),
                pattern: String::new(),
                reason: format!("at most {} markers are supported", u16::MAX),
            });
        }

        let mut names = Vec::with_capacity(defs.len());
        let mut owner = Vec::new();
        let mut patterns: Vec<Cow<'_, str>> = Vec::new();
        for (index, (name, pats)) in defs.iter().enumerate() {
            let index = u16::try_from(index).unwrap_or(u16::MAX);
            for p in pats {
                // Compile each pattern alone first, so that an error names
                // the marker and the pattern at fault.
                RegexBuilder::new(p)
                    .multi_line(true)
                    .crlf(true)
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .build()
                    .map_err(|e| MarkerError {
                        name: name.to_string(),
                        pattern: p.to_string(),
                        reason: one_line(&e.to_string()),
                    })?;
                patterns.push(ascii_word_boundaries(p));
                owner.push(index);
            }
            names.push(name.to_string());
        }
        if patterns.is_empty() {
            return Ok(MarkerSet::default());
        }
        let set = RegexSetBuilder::new(patterns.iter().map(|p| p.as_ref()))
            .multi_line(true)
            .crlf(true)
            .size_limit(SET_SIZE_LIMIT)
            .build()
            .map_err(|e| MarkerError {
                name: names.join(","),
                pattern: "(all patterns together)".into(),
                reason: one_line(&e.to_string()),
            })?;
        let prefilter = prefilter::Prefilter::new(patterns.iter().map(|p| p.as_ref()));
        Ok(MarkerSet {
            names,
            set: Some(set),
            owner,
            prefilter,
            fast: if exactly_defaults {
                defaults::Defaults::new()
            } else {
                None
            },
        })
    }

    /// How many markers there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of marker `index`.
    pub fn name(&self, index: u16) -> &str {
        self.names.get(usize::from(index)).map_or("", String::as_str)
    }

    /// The indices of the markers `message` matches, ascending, each once.
    /// Empty (and not allocated) when none matches.
    pub fn scan(&self, message: &str) -> Vec<u16> {
        let Some(set) = &self.set else {
            return Vec::new();
        };
        if let Some(fast) = &self.fast
            && let Some(found) = fast.scan(message)
        {
            return bit_indices(found);
        }
        let text = match &self.prefilter {
            // Most messages: no ESC byte, no literal of any pattern; one
            // pass over the message says both.
            Some(pre) => match pre.may_match_unless_ansi(message) {
                Some(false) => return Vec::new(),
                Some(true) => Cow::Borrowed(message),
                None => {
                    let text = strip_ansi(message);
                    if !pre.may_match(&text) {
                        return Vec::new();
                    }
                    text
                }
            },
            None => strip_ansi(message),
        };
        // Most lines the prefilter lets through match a marker: one
        // overlapping pass finds them all (an `is_match` first would read
        // the line twice).
        let mut out: Vec<u16> = Vec::new();
        for pattern in set.matches(&text).iter() {
            if let Some(&marker) = self.owner.get(pattern) {
                // Patterns are numbered marker by marker, so `owner` is
                // non-decreasing and duplicates are adjacent.
                if out.last() != Some(&marker) {
                    out.push(marker);
                }
            }
        }
        out
    }
}

/// The indices of the bits set in `bits`, ascending; not allocated when
/// there are none (most messages).
fn bit_indices(bits: u8) -> Vec<u16> {
    if bits == 0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(bits.count_ones() as usize);
    out.extend((0..u8::BITS as u16).filter(|&i| bits >> i & 1 != 0));
    out
}

/// `pattern` with every `\b` / `\B` (and `\b{start}`-style forms) made
/// ASCII. Only called on patterns that compile, where `\b` cannot appear in
/// a class; `\\b` is an escaped backslash and stays as it is.
fn ascii_word_boundaries(pattern: &str) -> Cow<'_, str> {
    if !pattern.contains("\\b") && !pattern.contains("\\B") {
        return Cow::Borrowed(pattern);
    }
    let b = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'b' | b'B') => {
                let mut end = i + 2;
                if b.get(end) == Some(&b'{')
                    && let Some(close) = pattern[end..].find('}')
                {
                    end += close + 1;
                }
                out.push_str(&pattern[copied..i]);
                out.push_str("(?-u:");
                out.push_str(&pattern[i..end]);
                out.push(')');
                copied = end;
                i = end;
            }
            // An escape of anything else: skip both bytes (an escaped
            // backslash must not start another escape).
            Some(_) => i += 2,
            None => i += 1,
        }
    }
    out.push_str(&pattern[copied..]);
    Cow::Owned(out)
}

/// Regex errors span several lines (a title, the pattern indented by four
/// spaces, a caret line, `error: why`); a configuration error reads better
/// on one: `unclosed group (column 3)`.
fn one_line(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let Some(why) = lines.iter().find_map(|l| l.strip_prefix("error: ")) else {
        return lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    };
    let carets = lines
        .iter()
        .filter(|l| !l.trim().is_empty() && l.trim().bytes().all(|c| c == b'^'))
        .collect::<Vec<_>>();
    match carets.as_slice() {
        [one] => {
            let column = one.find('^').unwrap_or(0).saturating_sub(4) + 1;
            format!("{why} (column {column})")
        }
        _ => why.to_string(),
    }
}

/// `s` without its ANSI escape sequences (colours, cursor moves, OSC
/// titles). Borrows unless `s` contains an ESC character.
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if memchr::memchr(0x1b, s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&rest[..at]);
        let skip = ansi_len(&rest.as_bytes()[at..]);
        // `skip` ends on an ASCII byte or at the end, so it is a char boundary.
        rest = rest.get(at + skip..).unwrap_or("");
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The length of the escape sequence at the start of `b` (which starts with
/// ESC): CSI `ESC [ params final`, OSC `ESC ] … BEL|ESC \`, or a two-byte
/// escape. An unterminated sequence runs to the end of `b`. The result
/// always ends on an ASCII byte or at the end of `b`.
pub(crate) fn ansi_len(b: &[u8]) -> usize {
    match b.get(1) {
        None => 1,
        Some(b'[') => {
            // Parameters and intermediates are 0x20..=0x3F; the final byte is 0x40..=0x7E.
            let mut i = 2;
            while let Some(&c) = b.get(i) {
                i += 1;
                if (0x40..=0x7e).contains(&c) {
                    return i;
                }
                if !(0x20..=0x3f).contains(&c) {
                    // Not a CSI after all: drop ESC [ only.
                    return 2;
                }
            }
            i
        }
        Some(b']') => {
            let mut i = 2;
            while let Some(&c) = b.get(i) {
                if c == 0x07 {
                    return i + 1;
                }
                if c == 0x1b && b.get(i + 1) == Some(&b'\\') {
                    return i + 2;
                }
                i += 1;
            }
            i
        }
        Some(c) if c.is_ascii() => 2,
        Some(_) => 1,
    }
}

#[cfg(test)]
mod tests;
