//! A hand-written matcher for exactly the default markers (SCHEMA.md), the
//! configuration nearly every deployment runs. It gives the regex set's
//! answer at a fraction of the cost: on the benchmark delivery the set and
//! its prefilter read every message twice (a lower-cased copy, then a
//! literal search) and run the lazy DFA on a sixth of them.
//!
//! It answers only for ASCII text (after the ANSI escapes are removed),
//! where it is exact: there `(?i)` is ASCII case folding (the long s `ſ` and
//! the Kelvin sign cannot occur), `\s` is `[\t\n\x0B\x0C\r ]`, `\w` is
//! `[0-9A-Za-z_]` and `\d` is `[0-9]`. For any other message it says `None`
//! and the caller runs the set.
//!
//! Messages of up to [`SHORT`] bytes, most of a delivery, take a lighter
//! route with the same needles ([`scan_short`]): see there.
//!
//! How, in one vectorised pass over the message plus one literal search:
//! - The pass ([`fold`]) copies the message with every byte OR 0x20 (ASCII
//!   letters lower-cased, some other bytes folded onto punctuation) and
//!   notes any byte that is not ASCII or is a control character other than
//!   TAB. Only a message with one is looked at more closely (non-ASCII: the
//!   set answers; ESC: escapes removed first; `\n`, `\r`: more line starts).
//! - Each default pattern except the two anchored at a line start has a
//!   *needle*: a lower-case substring that every match contains at a known
//!   offset. The SIMD search (Teddy) finds needles in the folded copy, so in
//!   any case; each hit is then checked against the whole pattern on the
//!   original bytes. Teddy's first test looks at each needle's first two
//!   bytes, so the needles start at pairs that are rare in log text.
//! - The two line-anchored `exception` patterns are checked at each line
//!   start: the message start, and after every `\n` or `\r` (after the `\r`
//!   of a `\r\n` the check fails or repeats the one after the `\n`, so
//!   treating it as a line start changes nothing).
//!
//! The differential tests in `tests.rs` compare it with the set.

use std::cell::RefCell;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind, packed};

use super::strip_ansi;

/// Marker indices, in [`super::DEFAULTS`] order.
const WARN: u8 = 0;
const CHAOS: u8 = 1;
const HEALTHCHECK: u8 = 2;
const EXCEPTION: u8 = 3;
/// Every marker found: nothing left to look for.
const ALL: u8 = 0b1111;

/// What a needle hit is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// `\bWARN(ING)?:`.
    Warn,
    /// `(?i)\bchaos\b`.
    Chaos,
    /// `(?i)simulated (404|5\d\d|error|fault|failure|latency|outage)`.
    Simulated,
    /// `(?i)stress function`.
    Stress,
    /// `(?i)should not be left on`.
    LeftOn,
    /// `(?i)(fault|failure|latency) injection`.
    Injection,
    /// `ELB-HealthChecker` or `GoogleHC`: both hold `hC`/`HC`.
    HealthChecker,
    /// `kube-probe`.
    KubeProbe,
    /// `Traceback \(most recent call last\)`.
    Traceback,
    /// `Exception in thread`.
    ExceptionInThread,
}

/// The needles (lower case) and the check of each hit. None is a prefix of
/// another, so at most one matches at any position, and restarting the
/// search one byte after each hit finds every occurrence of every needle.
///
/// The order matters for speed only: Teddy has 8 buckets, and needle `i`
/// shares one with needle `i + 8`, whose first-two-byte tests then pass
/// each other's mixtures too; `function`/`ft on` and `warn`/`xception`
/// share well (`fu ft`, `wa wc xa xc`). Measured on the benchmark delivery.
const NEEDLES: &[(&str, Check)] = &[
    ("function", Check::Stress),
    ("warn", Check::Warn),
    ("aos", Check::Chaos),
    ("mulated ", Check::Simulated),
    ("njection", Check::Injection),
    ("-probe", Check::KubeProbe),
    ("(most recent call last)", Check::Traceback),
    ("hc", Check::HealthChecker),
    ("ft on", Check::LeftOn),
    ("xception in thread", Check::ExceptionInThread),
];

/// How many needles there are (a bit of a `u16` each in [`FIRST`] and [`SECOND`]).
const N: usize = NEEDLES.len();

/// The first two bytes of each needle.
const PAIRS: [(u8, u8); N] = {
    let mut pairs = [(0u8, 0u8); N];
    let mut i = 0;
    while i < N {
        let b = NEEDLES[i].0.as_bytes();
        pairs[i] = (b[0], b[1]);
        i += 1;
    }
    pairs
};

/// Byte → the needles whose first (or second) byte it is, one bit each:
/// `FIRST[p] & SECOND[q]` names the needle that starts with `p q`, if any.
const FIRST: [u16; 256] = pair_table(0);
const SECOND: [u16; 256] = pair_table(1);

const fn pair_table(byte: usize) -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < N {
        let b = NEEDLES[i].0.as_bytes()[byte];
        table[b as usize] |= 1 << i;
        i += 1;
    }
    table
}

/// Positions judged per block (a block reads one byte more, the second
/// byte of its last pair).
const BLOCK: usize = 16;

/// The default markers, matched by hand.
#[derive(Debug, Clone)]
pub(super) struct Defaults {
    /// The SIMD searcher (x86_64 with SSSE3, aarch64).
    teddy: Option<packed::Searcher>,
    /// Used when there is no `teddy`.
    ac: AhoCorasick,
    /// Haystacks are padded with zeros to at least this length: below
    /// Teddy's minimum (a vector and a fingerprint), the packed searcher
    /// falls back to the slower Rabin-Karp. No needle holds a zero, and
    /// folded text holds none, so the padding never takes part in a match.
    pad_to: usize,
}

impl Defaults {
    /// The matcher; `None` only if the needle automaton cannot be built
    /// (it always can: a few short literals).
    pub(super) fn new() -> Option<Defaults> {
        let needles = NEEDLES.iter().map(|(n, _)| *n);
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(needles.clone())
            .ok()?;
        let teddy = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(needles)
            .build();
        let pad_to = teddy.as_ref().map_or(0, packed::Searcher::minimum_len);
        Some(Defaults { teddy, ac, pad_to })
    }

    /// The markers `message` matches, one bit per marker index (bit 0:
    /// `warn`), or `None` when the message (without its ANSI escapes) is not
    /// ASCII and the regex set must answer.
    pub(super) fn scan(&self, message: &str) -> Option<u8> {
        if message.len() <= SHORT {
            return scan_short(message);
        }
        self.scan_long(message)
    }

    /// [`Self::scan`] by a folded copy and the literal search.
    fn scan_long(&self, message: &str) -> Option<u8> {
        thread_local! {
            static FOLDED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        FOLDED.with(|cell| {
            let mut buf = cell.try_borrow_mut().ok()?;
            let found = self.scan_with(message, &mut buf);
            // Do not keep a huge message's worth of memory per thread.
            if buf.capacity() > 64 * 1024 {
                *buf = Vec::new();
            }
            found
        })
    }

    fn scan_with(&self, message: &str, buf: &mut Vec<u8>) -> Option<u8> {
        let t = message.as_bytes();
        let (hay, unusual) = self.folded(t, buf);
        if !unusual {
            return Some(self.search(t, hay, false));
        }
        if !t.is_ascii() {
            // Removing escapes would keep a non-ASCII byte.
            return None;
        }
        if memchr::memchr(0x1b, t).is_none() {
            return Some(self.search(t, hay, true));
        }
        let plain = strip_ansi(message);
        let (hay, _) = self.folded(plain.as_bytes(), buf);
        Some(self.search(plain.as_bytes(), hay, true))
    }

    /// `t` folded into `buf` and padded: the haystack, and whether `t` holds
    /// an unusual byte ([`fold`]). `buf` only grows, so that it is not
    /// cleared for each message.
    fn folded<'b>(&self, t: &[u8], buf: &'b mut Vec<u8>) -> (&'b [u8], bool) {
        let len = t.len().max(self.pad_to);
        if buf.len() < len {
            buf.resize(len, 0);
        }
        let hay = &mut buf[..len];
        let unusual = fold(t, &mut hay[..t.len()]);
        if let Some(pad) = hay.get_mut(t.len()..)
            && !pad.is_empty()
        {
            pad.fill(0);
        }
        (hay, unusual)
    }

    /// The markers of ASCII `text` without escapes; `hay` is `text` folded
    /// (and maybe padded), `line_ends` whether `text` may hold `\n` or `\r`.
    fn search(&self, text: &[u8], hay: &[u8], line_ends: bool) -> u8 {
        let mut found = 0u8;
        let mut from = 0;
        while found != ALL
            && let Some((needle, at)) = self.find(hay, from)
        {
            if let Some(&(_, check)) = NEEDLES.get(needle) {
                let bit = 1 << check.marker();
                if found & bit == 0 && check.holds(text, at) {
                    found |= bit;
                }
            }
            from = at + 1;
        }
        if found & (1 << EXCEPTION) == 0 && exception_at_a_line_start(text, line_ends) {
            found |= 1 << EXCEPTION;
        }
        found
    }

    /// The first needle occurrence starting at or after `from`: its index
    /// and where it starts.
    fn find(&self, hay: &[u8], from: usize) -> Option<(usize, usize)> {
        if from >= hay.len() {
            return None;
        }
        let span = from..hay.len();
        match &self.teddy {
            Some(teddy) => teddy
                .find_in(hay, span.into())
                .map(|m| (m.pattern().as_usize(), m.start())),
            None => self
                .ac
                .find(Input::new(hay).span(span))
                .map(|m| (m.pattern().as_usize(), m.start())),
        }
    }
}

/// Up to this many bytes, a message is scanned by [`scan_short`]: below
/// it the folded copy and the searcher's set-up for each call cost more
/// than reading the message a block at a time (measured on the benchmark
/// delivery; the pass costs about four instructions a byte, the search
/// about one, plus a few hundred for each message).
const SHORT: usize = 40;

/// [`Defaults::scan`] without a copy or a searcher: one vectorised pass
/// ([`needles_in`]) reads the message 16 positions at a time, ORs each byte
/// with 0x20 as [`fold`] does, and asks whether any position starts one of
/// the needles' first two bytes (the pairs Teddy tests first); only a block
/// with such a pair is read again position by position, and a needle found
/// there is checked as [`Defaults::search`] checks it. The same pass notes
/// unusual bytes.
fn scan_short(message: &str) -> Option<u8> {
    let t = message.as_bytes();
    let (found, unusual) = needles_in(t);
    if !unusual {
        return Some(with_line_starts(t, found, false));
    }
    if !t.is_ascii() {
        return None;
    }
    if memchr::memchr(0x1b, t).is_none() {
        return Some(with_line_starts(t, found, true));
    }
    let plain = strip_ansi(message);
    let t = plain.as_bytes();
    Some(with_line_starts(t, needles_in(t).0, true))
}

/// `found` plus the line-anchored `exception` patterns of ASCII `t` without
/// escapes; `line_ends` whether `t` may hold `\n` or `\r`.
fn with_line_starts(t: &[u8], found: u8, line_ends: bool) -> u8 {
    if found & (1 << EXCEPTION) == 0 && exception_at_a_line_start(t, line_ends) {
        return found | 1 << EXCEPTION;
    }
    found
}

/// The markers of the needles in `t` whose checks hold, and whether `t`
/// holds an *unusual* byte: one that is not ASCII, or a control character
/// other than TAB (ESC, `\n`, `\r` among them; TAB is left out because
/// Lambda's own log format separates its fields with it).
///
/// Blocks of [`BLOCK`] positions, each with the byte after it; the last
/// block is the message's last `BLOCK + 1` bytes (it may judge some
/// positions twice, which changes nothing), or the whole message padded
/// with blanks when it is shorter. A blank is no byte of a pair and not
/// unusual, so the padding never takes part.
fn needles_in(t: &[u8]) -> (u8, bool) {
    let mut found = 0u8;
    let mut unusual = false;
    let mut start = 0;
    while let Some(w) = t.get(start..start + BLOCK + 1).and_then(<[u8]>::first_chunk) {
        unusual |= block(t, w, start, &mut found);
        start += BLOCK;
    }
    if start + 1 >= t.len() && start > 0 {
        // Only the last byte (or none) is left: it starts no pair.
        let last = t.last().copied().unwrap_or(b' ');
        return (found, unusual | is_unusual(last));
    }
    match t.len().checked_sub(BLOCK + 1) {
        Some(from) => {
            if let Some(w) = t.get(from..).and_then(<[u8]>::first_chunk) {
                // `block` judges the bytes of its positions; the window's
                // last byte is the message's, judged here.
                unusual |= block(t, w, from, &mut found) | is_unusual(w[BLOCK]);
            }
        }
        None => {
            let mut w = [b' '; BLOCK + 1];
            w[..t.len()].copy_from_slice(t);
            unusual |= block(t, &w, 0, &mut found);
        }
    }
    (found, unusual)
}

/// One block of `t`, `w` its bytes from `start` on: adds the markers of the
/// needles found there to `found`, and says whether the block's positions
/// hold an unusual byte.
#[inline(always)]
fn block(t: &[u8], w: &[u8; BLOCK + 1], start: usize, found: &mut u8) -> bool {
    let (pairs, unusual) = block_flags(w);
    if pairs != 0 && *found != ALL {
        *found |= needles_at(t, w, start, pairs);
    }
    unusual
}

/// The positions of the block that start a needle's pair (in any case), one
/// bit each, and whether any of its positions holds an unusual byte.
/// Branch-free over a fixed-size array, so that the compiler turns it into
/// SIMD compares (and the mask into one `pmovmskb`).
#[inline(always)]
fn block_flags(w: &[u8; BLOCK + 1]) -> (u16, bool) {
    let mut pairs = 0u16;
    let mut unusual = false;
    for i in 0..BLOCK {
        let (p, q) = (w[i] | 0x20, w[i + 1] | 0x20);
        let hit = PAIRS.iter().fold(false, |a, &(x, y)| a | ((p == x) & (q == y)));
        pairs |= u16::from(hit) << i;
        unusual |= is_unusual(w[i]);
    }
    (pairs, unusual)
}

/// Not ASCII, or a control character other than TAB: as i8, non-ASCII
/// bytes are negative, so one compare finds both kinds.
#[inline(always)]
fn is_unusual(b: u8) -> bool {
    ((b as i8) < 0x20) & (b != b'\t')
}

/// The markers of the needles that start at the block's positions in
/// `pairs` (`w` the block's bytes from `start` on, padded) and whose checks
/// hold on `t`.
fn needles_at(t: &[u8], w: &[u8; BLOCK + 1], start: usize, mut pairs: u16) -> u8 {
    let mut found = 0;
    while pairs != 0 {
        let i = pairs.trailing_zeros() as usize;
        pairs &= pairs - 1;
        let (Some(&p), Some(&q)) = (w.get(i), w.get(i + 1)) else {
            break;
        };
        let both = FIRST[usize::from(p | 0x20)] & SECOND[usize::from(q | 0x20)];
        let at = start + i;
        if let Some(&(needle, check)) = NEEDLES.get(both.trailing_zeros() as usize)
            && folded_at(t, at, needle.as_bytes())
            && check.holds(t, at)
        {
            found |= 1 << check.marker();
        }
    }
    found
}

/// Lower-case `needle` at `at` of `t` when every byte of `t` is ORed with
/// 0x20 (the search's folding, looser than ASCII case folding: the checks
/// decide).
fn folded_at(t: &[u8], at: usize, needle: &[u8]) -> bool {
    t.get(at..at.saturating_add(needle.len()))
        .is_some_and(|s| s.iter().zip(needle).all(|(&c, &n)| c | 0x20 == n))
}

/// Writes `t` with every byte OR 0x20 into `out` (as long as `t`), and says
/// whether `t` holds an *unusual* byte: one that is not ASCII, or a control
/// character other than TAB (ESC, `\n`, `\r` among them; TAB is left out
/// because Lambda's own log format separates its fields with it).
///
/// Written so that the compiler vectorises it (SSE2, 32 bytes a round): a
/// branch-free loop over whole 32-byte blocks, then the last 32 bytes once
/// more (overlapping, writing the same bytes) rather than a byte loop.
fn fold(t: &[u8], out: &mut [u8]) -> bool {
    const BLOCK: usize = 32;
    let n = t.len().min(out.len());
    let (t, out) = (&t[..n], &mut out[..n]);
    if n < BLOCK {
        return fold_run(t, out) != 0;
    }
    let body = n / BLOCK * BLOCK;
    let head = fold_run(&t[..body], &mut out[..body]);
    let last = fold_run(&t[n - BLOCK..], &mut out[n - BLOCK..]);
    head | last != 0
}

/// [`fold`] of one run: non-zero when it holds an unusual byte.
fn fold_run(t: &[u8], out: &mut [u8]) -> u8 {
    let mut unusual = 0;
    for (o, &b) in out.iter_mut().zip(t) {
        *o = b | 0x20;
        // As i8, non-ASCII bytes are negative: one compare finds both kinds.
        unusual |= u8::from((b as i8) < 0x20 && b != b'\t');
    }
    unusual
}

impl Check {
    /// The marker index whose pattern this is.
    fn marker(self) -> u8 {
        match self {
            Check::Warn => WARN,
            Check::Chaos | Check::Simulated | Check::Stress | Check::LeftOn | Check::Injection => CHAOS,
            Check::HealthChecker | Check::KubeProbe => HEALTHCHECK,
            Check::Traceback | Check::ExceptionInThread => EXCEPTION,
        }
    }

    /// Whether the pattern matches `t` with this check's needle at `at`.
    fn holds(self, t: &[u8], at: usize) -> bool {
        // The pattern's literal starts `back` bytes before the needle.
        let start = |back: usize| at.checked_sub(back);
        let any_case_at = |back: usize, lit: &[u8]| start(back).is_some_and(|s| any_case(t, s, lit));
        let exact_at = |back: usize, lit: &[u8]| start(back).is_some_and(|s| exact(t, s, lit));
        match self {
            Check::Warn => word_start(t, at) && (exact(t, at, b"WARN:") || exact(t, at, b"WARNING:")),
            Check::Chaos => {
                start(2).is_some_and(|s| any_case(t, s, b"chaos") && word_start(t, s) && word_end(t, s + 5))
            }
            Check::Simulated => start(2)
                .is_some_and(|s| any_case(t, s, b"simulated ") && simulated_what(t, s + b"simulated ".len())),
            Check::Stress => any_case_at(7, b"stress function"),
            Check::LeftOn => any_case_at(16, b"should not be left on"),
            Check::Injection => start(1).is_some_and(|s| {
                any_case(t, s, b"injection")
                    && [&b"fault "[..], b"failure ", b"latency "]
                        .iter()
                        .any(|p| s.checked_sub(p.len()).is_some_and(|f| any_case(t, f, p)))
            }),
            Check::HealthChecker => exact_at(9, b"ELB-HealthChecker") || exact_at(6, b"GoogleHC"),
            Check::KubeProbe => exact_at(4, b"kube-probe"),
            Check::Traceback => exact_at(10, b"Traceback (most recent call last)"),
            Check::ExceptionInThread => exact_at(1, b"Exception in thread"),
        }
    }
}

/// `(404|5\d\d|error|fault|failure|latency|outage)` at `at`.
fn simulated_what(t: &[u8], at: usize) -> bool {
    let rest = t.get(at..).unwrap_or_default();
    match rest {
        [b'4', b'0', b'4', ..] => true,
        [b'5', a, b, ..] if a.is_ascii_digit() && b.is_ascii_digit() => true,
        _ => [&b"error"[..], b"fault", b"failure", b"latency", b"outage"]
            .iter()
            .any(|w| any_case(t, at, w)),
    }
}

/// The two `exception` patterns anchored at a line start,
/// `(?m)^\s*at [\w$.<>/]+\([^)]*\)` and `(?m)^[\w.$]+(Exception|Error): `,
/// at any line start of `text` (only the first when there are no line ends).
fn exception_at_a_line_start(t: &[u8], line_ends: bool) -> bool {
    if at_line_start(t, 0) {
        return true;
    }
    line_ends && memchr::memchr2_iter(b'\n', b'\r', t).any(|end| at_line_start(t, end + 1))
}

/// Either line-anchored `exception` pattern with `^` at `p`. Most lines
/// start with a byte that neither can start with (`{`, `[`, `-`): one test.
#[inline]
fn at_line_start(t: &[u8], p: usize) -> bool {
    match t.get(p) {
        Some(&b) if is(SPACE | ERROR_NAME, b) => java_frame_at(t, p) || error_line_at(t, p),
        _ => false,
    }
}

/// `^\s*at [\w$.<>/]+\([^)]*\)` with `^` at `p`. `[^)]` takes line ends
/// too, so the `)` may be on any later line.
fn java_frame_at(t: &[u8], p: usize) -> bool {
    let q = p + run(t, p, SPACE);
    if !exact(t, q, b"at ") {
        return false;
    }
    let name = q + 3;
    let open = name + run(t, name, FRAME_NAME);
    open > name
        && t.get(open) == Some(&b'(')
        && memchr::memchr(b')', t.get(open + 1..).unwrap_or_default()).is_some()
}

/// `^[\w.$]+(Exception|Error): ` with `^` at `p`: `:` is not in the class,
/// so the name is the whole run of class bytes from `p`, and it must end in
/// `Exception` or `Error` with at least one byte before.
fn error_line_at(t: &[u8], p: usize) -> bool {
    let end = p + run(t, p, ERROR_NAME);
    if t.get(end) != Some(&b':') {
        return false;
    }
    let name = t.get(p..end).unwrap_or_default();
    exact(t, end, b": ")
        && [&b"Exception"[..], b"Error"]
            .iter()
            .any(|k| name.len() > k.len() && name.ends_with(k))
}

/// Byte classes of the patterns, as bits of [`CLASSES`].
/// `\w` on ASCII: `[0-9A-Za-z_]`.
const WORD: u8 = 1;
/// `\s` on ASCII: `\t \n \x0B \x0C \r` and space (Unicode White_Space;
/// `u8::is_ascii_whitespace` leaves out `\x0B`).
const SPACE: u8 = 2;
/// `[\w$.<>/]`, a Java frame's method name.
const FRAME_NAME: u8 = 4;
/// `[\w.$]`, an exception's name.
const ERROR_NAME: u8 = 8;

/// The classes of each byte (non-ASCII bytes are in none).
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let word = c.is_ascii_alphanumeric() || c == b'_';
        let mut bits = 0;
        if word {
            bits |= WORD | FRAME_NAME | ERROR_NAME;
        }
        if matches!(c, b'\t'..=b'\r' | b' ') {
            bits |= SPACE;
        }
        if matches!(c, b'$' | b'.' | b'<' | b'>' | b'/') {
            bits |= FRAME_NAME;
        }
        if matches!(c, b'.' | b'$') {
            bits |= ERROR_NAME;
        }
        table[b] = bits;
        b += 1;
    }
    table
};

/// Whether `b` is in `class`.
fn is(class: u8, b: u8) -> bool {
    CLASSES[usize::from(b)] & class != 0
}

/// How many bytes from `at` on are in `class`.
fn run(t: &[u8], at: usize, class: u8) -> usize {
    t.get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| is(class, b))
        .count()
}

/// `lit` at `at`, byte for byte.
fn exact(t: &[u8], at: usize, lit: &[u8]) -> bool {
    t.get(at..).is_some_and(|s| s.starts_with(lit))
}

/// `lit` (lower case) at `at`, in any ASCII case.
fn any_case(t: &[u8], at: usize, lit: &[u8]) -> bool {
    t.get(at..at.saturating_add(lit.len()))
        .is_some_and(|s| s.eq_ignore_ascii_case(lit))
}

/// An ASCII `\b` before a word byte at `at`.
fn word_start(t: &[u8], at: usize) -> bool {
    at == 0 || t.get(at - 1).is_none_or(|&b| !is(WORD, b))
}

/// An ASCII `\b` after a word byte ending at `at`.
fn word_end(t: &[u8], at: usize) -> bool {
    t.get(at).is_none_or(|&b| !is(WORD, b))
}

#[cfg(test)]
pub(super) fn needles() -> impl Iterator<Item = &'static str> {
    NEEDLES.iter().map(|(n, _)| *n)
}

/// [`fold`] into a fresh buffer, for the tests.
#[cfg(test)]
pub(super) fn fold_test(t: &[u8]) -> (Vec<u8>, bool) {
    let mut out = vec![0; t.len()];
    let unusual = fold(t, &mut out);
    (out, unusual)
}

/// The two routes by themselves, for the differential tests.
#[cfg(test)]
pub(super) fn scan_short_test(message: &str) -> Option<u8> {
    scan_short(message)
}

#[cfg(test)]
pub(super) fn scan_long_test(message: &str) -> Option<u8> {
    Defaults::new().and_then(|d| d.scan_long(message))
}

/// [`needles_in`]'s unusual-byte answer, for the tests.
#[cfg(test)]
pub(super) fn unusual_test(t: &[u8]) -> bool {
    needles_in(t).1
}
