//! A literal prefilter for the marker set.
//!
//! A lazy DFA over a dozen patterns with case-insensitive words and `^\s*`
//! runs at a few hundred MB/s, and nearly every log line matches no marker.
//! So, from each pattern's syntax tree, we derive a few strings one of which
//! every match must contain ("required literals"); an Aho-Corasick search
//! (SIMD "Teddy") over the message lower-cased looks for them, and only a
//! message that holds one goes through the regex set. When one pattern has
//! no such literal (`^\d+$`, `.`), there is no prefilter and every message
//! goes through the set: the results are the same either way.
//!
//! The needles are lower case and the haystack is lower-cased (ASCII only),
//! so case-sensitive literals are checked case-insensitively: a superset,
//! which is all a prefilter needs. Non-ASCII case variants stay needles of
//! their own (`(?i)s` is `s` or `ſ`, `(?i)k` is `k` or the Kelvin sign).

use std::cell::RefCell;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind, packed};
use regex_syntax::hir::{Class, Hir, HirKind};

/// At most this many strings in one exact set or needle list.
const MAX_SET: usize = 16;
/// At most this many needles for the whole marker set.
const MAX_NEEDLES: usize = 128;

/// Says quickly that a message cannot match any pattern.
#[derive(Debug, Clone)]
pub(super) struct Prefilter {
    /// The SIMD searcher itself, without the automaton around it (it exists
    /// on x86_64 and aarch64, for up to a few dozen needles).
    teddy: Option<packed::Searcher>,
    /// Used when there is no `teddy`.
    ac: AhoCorasick,
}

impl Prefilter {
    /// A prefilter for `patterns` (compiled with multi-line `^`), or `None`
    /// when one of them has no required literal.
    pub(super) fn new<'p>(patterns: impl IntoIterator<Item = &'p str>) -> Option<Prefilter> {
        let mut needles: Vec<Vec<u8>> = Vec::new();
        for p in patterns {
            let hir = regex_syntax::ParserBuilder::new()
                .multi_line(true)
                .build()
                .parse(p)
                .ok()?;
            needles.extend(required(&hir)?);
        }
        needles.sort();
        needles.dedup();
        if needles.is_empty() || needles.len() > MAX_NEEDLES {
            return None;
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&needles)
            .ok()?;
        let teddy = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&needles)
            .build();
        Some(Prefilter { teddy, ac })
    }

    /// False when `text` certainly matches no pattern.
    pub(super) fn may_match(&self, text: &str) -> bool {
        self.check(text, false).unwrap_or(true)
    }

    /// [`Prefilter::may_match`] on a message whose ANSI escapes are not
    /// removed yet: `None` when it holds an ESC byte (then the caller
    /// removes them and asks again), found in the same pass that
    /// lower-cases the message, so that the common message without one is
    /// read once.
    pub(super) fn may_match_unless_ansi(&self, text: &str) -> Option<bool> {
        self.check(text, true)
    }

    fn check(&self, text: &str, refuse_esc: bool) -> Option<bool> {
        thread_local! {
            static LOWER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        LOWER.with(|cell| {
            let Ok(mut buf) = cell.try_borrow_mut() else {
                return Some(true);
            };
            buf.clear();
            buf.extend_from_slice(text.as_bytes());
            // One pass that vectorises: lower-case, and look for ESC.
            let mut esc = false;
            for b in buf.iter_mut() {
                esc |= *b == 0x1b;
                b.make_ascii_lowercase();
            }
            if esc && refuse_esc {
                return None;
            }
            let hit = match &self.teddy {
                Some(teddy) => teddy.find(buf.as_slice()).is_some(),
                None => self.ac.is_match(buf.as_slice()),
            };
            // Do not keep a huge message's worth of memory per thread.
            if buf.capacity() > 64 * 1024 {
                *buf = Vec::new();
            }
            Some(hit)
        })
    }
}

/// Strings (lower case, non-empty) one of which every match of `hir`
/// contains; `None` when there are none that we can tell.
fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    if let Some(set) = exact(hir)
        && set.iter().all(|s| !s.is_empty())
    {
        return Some(set);
    }
    match hir.kind() {
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(required(a)?);
                if out.len() > MAX_SET {
                    return None;
                }
            }
            Some(out)
        }
        HirKind::Concat(subs) => {
            let mut best: Option<Vec<Vec<u8>>> = None;
            let mut run: Vec<Vec<u8>> = vec![Vec::new()];
            for sub in subs {
                match exact(sub) {
                    Some(set) if run.len() * set.len() <= MAX_SET => run = cross(&run, &set),
                    Some(set) => {
                        consider(&mut best, std::mem::replace(&mut run, set));
                    }
                    None => {
                        consider(&mut best, std::mem::replace(&mut run, vec![Vec::new()]));
                        if let Some(req) = required(sub) {
                            consider(&mut best, req);
                        }
                    }
                }
            }
            consider(&mut best, run);
            best
        }
        _ => None,
    }
}

/// Keeps the better of two candidate needle lists: the one whose shortest
/// needle is longest (fewer chance hits), then the one with fewer needles.
fn consider(best: &mut Option<Vec<Vec<u8>>>, cand: Vec<Vec<u8>>) {
    let min_len = |v: &[Vec<u8>]| v.iter().map(Vec::len).min().unwrap_or(0);
    let score = min_len(&cand);
    if score == 0 {
        return;
    }
    let better = match best {
        None => true,
        Some(b) => {
            let bs = min_len(b);
            score > bs || (score == bs && cand.len() < b.len())
        }
    };
    if better {
        *best = Some(cand);
    }
}

fn cross(a: &[Vec<u8>], b: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every string `hir` can match (lower case, at most [`MAX_SET`]), looks
/// counted as empty; `None` when there are too many or we cannot tell.
fn exact(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(lit) => Some(vec![lit.0.to_ascii_lowercase()]),
        HirKind::Class(class) => class_strings(class),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Repetition(r) => match (r.min, r.max) {
            (1, Some(1)) => exact(&r.sub),
            (0, Some(1)) => {
                let mut set = exact(&r.sub)?;
                set.push(Vec::new());
                set.sort();
                set.dedup();
                (set.len() <= MAX_SET).then_some(set)
            }
            _ => None,
        },
        HirKind::Concat(subs) => {
            let mut run: Vec<Vec<u8>> = vec![Vec::new()];
            for sub in subs {
                let set = exact(sub)?;
                if run.len() * set.len() > MAX_SET {
                    return None;
                }
                run = cross(&run, &set);
            }
            Some(run)
        }
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(exact(a)?);
                if out.len() > MAX_SET {
                    return None;
                }
            }
            out.sort();
            out.dedup();
            Some(out)
        }
    }
}

/// The members of a small class, ASCII-lower-cased: `[Aa]` is `a`,
/// `[Kk\u{212A}]` is `k` and the Kelvin sign, `[ab]` is `a`, `b`.
fn class_strings(class: &Class) -> Option<Vec<Vec<u8>>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let push = |c: char, out: &mut Vec<Vec<u8>>| {
        let mut buf = [0u8; 4];
        let s = c.to_ascii_lowercase().encode_utf8(&mut buf).as_bytes().to_vec();
        if !out.contains(&s) {
            out.push(s);
        }
    };
    match class {
        Class::Unicode(u) => {
            let mut count = 0u32;
            for r in u.ranges() {
                count += u32::from(r.end()) - u32::from(r.start()) + 1;
                if count > 8 {
                    return None;
                }
                for c in r.start()..=r.end() {
                    push(c, &mut out);
                }
            }
        }
        Class::Bytes(b) => {
            let mut count = 0u32;
            for r in b.ranges() {
                count += u32::from(r.end()) - u32::from(r.start()) + 1;
                if count > 8 {
                    return None;
                }
                for c in r.start()..=r.end() {
                    if !c.is_ascii() {
                        return None;
                    }
                    push(char::from(c), &mut out);
                }
            }
        }
    }
    (!out.is_empty() && out.len() <= 4).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(p: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::ParserBuilder::new()
            .multi_line(true)
            .build()
            .parse(p)
            .unwrap();
        required(&hir).map(|v| {
            let mut v: Vec<String> = v.into_iter().map(|s| String::from_utf8(s).unwrap()).collect();
            v.sort();
            v
        })
    }

    #[test]
    fn required_literals_of_the_default_patterns() {
        assert_eq!(req(r"\bWARN(ING)?:").unwrap(), ["warn:", "warning:"]);
        // `(?i)s` also matches the long s `ſ`.
        assert_eq!(req(r"(?i)\bchaos\b").unwrap(), ["chaos", "chao\u{17F}"]);
        let stress = req(r"(?i)stress function").unwrap();
        assert_eq!(stress.len(), 8);
        assert!(stress.contains(&"stress function".to_string()));
        assert_eq!(
            req(r"(?i)simulated (404|5\d\d|error)").unwrap(),
            ["simulated ", "\u{17F}imulated "]
        );
        assert_eq!(
            req(r"(?i)(fault|failure|latency) injection").unwrap(),
            ["failure injection", "fault injection", "latency injection"]
        );
        assert_eq!(req(r"(?m)^\s*at [\w$.<>/]+\([^)]*\)").unwrap(), ["at "]);
        assert_eq!(
            req(r"(?m)^[\w.$]+(Exception|Error): ").unwrap(),
            ["error: ", "exception: "]
        );
        assert_eq!(req("ELB-HealthChecker").unwrap(), ["elb-healthchecker"]);
    }

    #[test]
    fn patterns_without_a_required_literal_have_none() {
        assert!(req(r"^\d+$").is_none());
        assert!(req(r".").is_none());
        assert!(req(r"a|\d").is_none());
        assert!(req(r"(abc)?").is_none());
        assert!(Prefilter::new(["chaos", r"\d+"]).is_none());
    }

    #[test]
    fn non_ascii_case_variants_are_needles_of_their_own() {
        let kiss = req(r"(?i)kiss").unwrap();
        assert_eq!(kiss.len(), 8);
        assert!(kiss.contains(&"kiss".to_string()));
        assert!(kiss.contains(&"\u{212A}i\u{17F}\u{17F}".to_string()));
        assert_eq!(req(r"(?i)é").unwrap(), ["É", "é"]);
        let p = Prefilter::new(["(?i)ſ"]).unwrap();
        assert!(p.may_match("ſ"));
        assert!(p.may_match("S"));
    }

    #[test]
    fn prefilter_sees_needles_in_any_case() {
        let p = Prefilter::new(["(?i)chaos", "WARN:"]).unwrap();
        assert!(p.may_match("a CHAOS b"));
        assert!(p.may_match("warn: x"));
        assert!(!p.may_match("nothing here"));
    }
}
