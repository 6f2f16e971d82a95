//! JSON string escaping for the hot path: the same bytes as `serde_json`
//! writes (`\"`, `\\`, `\b \f \n \r \t`, `\u00XX` for other control
//! characters, everything else as is), but clean runs are found eight bytes
//! at a time and copied whole, which is most of every log message.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// 0: no escape; `u`: `\u00XX`; else the letter after the backslash.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// The high bit of each byte of `w` (little-endian) that is below 0x20,
/// `"` or `\`. Bits above the lowest set one may be false alarms (a borrow
/// runs on), so only the lowest is a position.
#[inline]
pub(crate) fn escape_mask(w: u64) -> u64 {
    // Below 0x20 or `"` (0x22) is one compare once bit 1 is flipped:
    // `c ^ 2 < 0x21` (0x00–0x1f stay below 0x20, 0x22 becomes 0x20, 0x20
    // and 0x23 become 0x22 and 0x21). The backslash is a zero after an xor.
    let t = w ^ (LO * 2);
    let control_or_quote = t.wrapping_sub(LO * 0x21) & !t & HI;
    let b = w ^ (LO * u64::from(b'\\'));
    control_or_quote | (b.wrapping_sub(LO) & !b & HI)
}

#[inline]
fn word(b: &[u8], at: usize) -> Option<u64> {
    let mut w = [0u8; 8];
    w.copy_from_slice(b.get(at..at + 8)?);
    Some(u64::from_le_bytes(w))
}

/// The position of the first byte at or after `i` that needs escaping in a
/// JSON string (below 0x20, `"` or `\`). Only strings that
/// [`needs_escape`] flagged come here.
#[inline]
fn next_escape(bytes: &[u8], mut i: usize) -> Option<usize> {
    // Clean 32-byte blocks first: one branch for four words.
    while let (Some(a), Some(b), Some(c), Some(d)) = (
        word(bytes, i),
        word(bytes, i + 8),
        word(bytes, i + 16),
        word(bytes, i + 24),
    ) {
        if escape_mask(a) | escape_mask(b) | escape_mask(c) | escape_mask(d) != 0 {
            break;
        }
        i += 32;
    }
    while let Some(w) = word(bytes, i) {
        let m = escape_mask(w);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rest = bytes.get(i..)?;
    rest.iter()
        .position(|&b| ESCAPE[usize::from(b)] != 0)
        .map(|p| i + p)
}

/// True when one of the 16 bytes needs escaping: a branch-free fold that
/// the compiler turns into a few SIMD compares (SSE2 on x86_64, NEON on
/// aarch64) in safe code, with [`escape_mask`]'s single compare for control
/// characters and `"`.
#[inline(always)]
fn special16(c: &[u8; 16]) -> bool {
    c.iter().fold(false, |a, &c| a | ((c ^ 2) < 0x21) | (c == b'\\'))
}

/// The bytes `b[at..at + N]`, which the callers keep in bounds (a clean
/// filler otherwise, never a panic).
#[inline(always)]
fn block<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut w = [b'a'; N];
    if let Some(s) = b.get(at..at + N) {
        w.copy_from_slice(s);
    }
    w
}

/// True when a byte of `b` needs escaping. Nearly every string is clean,
/// and most are short (ids, names, levels): the whole string is covered by
/// whole blocks of 16 bytes, or two words, the last one overlapping the
/// ones before (an overlapped byte judged twice changes nothing), so no
/// length ends in a byte loop or a padded copy.
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    let n = b.len();
    if n >= 16 {
        let mut at = 0;
        while at + 16 < n {
            if special16(&block(b, at)) {
                return true;
            }
            at += 16;
        }
        return special16(&block(b, n - 16));
    }
    if n >= 8 {
        let first = u64::from_le_bytes(block(b, 0));
        let last = u64::from_le_bytes(block(b, n - 8));
        return escape_mask(first) | escape_mask(last) != 0;
    }
    if n >= 4 {
        let first = u32::from_le_bytes(block(b, 0));
        let last = u32::from_le_bytes(block(b, n - 4));
        return escape_mask(u64::from(first) | u64::from(last) << 32) != 0;
    }
    b.iter().any(|&c| ESCAPE[usize::from(c)] != 0)
}

/// Appends `s` as a JSON string, quotes included.
#[inline]
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_json_str_content(out, s);
    out.push(b'"');
}

/// Appends `s` as the inside of a JSON string, without the quotes: for
/// writers that put a constant piece ending in `"` before it (`,"name":"`).
/// Inlined: the call would cost about as much as the scan of a short string.
#[inline(always)]
pub(crate) fn write_json_str_content(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Most strings need no escape at all: one scan, one copy.
    if needs_escape(bytes) {
        write_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
}

/// The slow path of [`write_json_str_content`]: copies the clean runs
/// between the bytes that need an escape.
#[inline(never)]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 8);
    let mut start = 0;
    let mut next = next_escape(bytes, 0);
    while let Some(i) = next {
        let b = bytes[i];
        let esc = ESCAPE[usize::from(b)];
        out.extend_from_slice(&bytes[start..i]);
        out.push(b'\\');
        if esc == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        } else {
            out.push(esc);
        }
        start = i + 1;
        next = next_escape(bytes, start);
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ours(s: &str) -> String {
        let mut v = Vec::new();
        write_json_str(&mut v, s);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn escapes_like_serde_json() {
        for s in [
            "",
            "plain ascii text that is longer than eight bytes",
            "tab\there \"quoted\" back\\slash\r\n",
            "\u{0}\u{1}\u{8}\u{b}\u{c}\u{1f}\u{7f}",
            "héllo wörld – ✓ 日本語 \u{1F600}",
            "1234567\"",
            "12345678\"",
            "\x1b[33mWARN\x1b[0m",
        ] {
            assert_eq!(ours(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn next_escape_finds_the_first_special_byte_from_any_start() {
        let naive = |b: &[u8], i: usize| {
            b.iter()
                .skip(i)
                .position(|&c| ESCAPE[usize::from(c)] != 0)
                .map(|p| i + p)
        };
        // Every length around the word and block sizes, one or two special
        // bytes at every position, every start.
        for len in 0..72usize {
            for a in 0..=len {
                for b in [None, Some(0), Some(a / 2), Some(len.saturating_sub(1))] {
                    let mut v = vec![b'x'; len];
                    if a < len {
                        v[a] = b'"';
                    }
                    if let Some(b) = b.filter(|&b| b < len) {
                        v[b] = 0x01;
                    }
                    for start in 0..=len {
                        assert_eq!(next_escape(&v, start), naive(&v, start), "{v:?} from {start}");
                    }
                }
            }
        }
    }

    #[test]
    fn needs_escape_agrees_with_the_table() {
        for len in 0..80 {
            for at in 0..=len {
                for c in [
                    0u8, 0x1f, b'"', b'\\', b' ', b'!', b'#', b'a', 0x7f, 0x80, 0xa2, 0xdc, 0xff,
                ] {
                    let mut v = vec![b'x'; len];
                    if at < len {
                        v[at] = c;
                    }
                    let want = v.iter().any(|&b| ESCAPE[usize::from(b)] != 0);
                    assert_eq!(needs_escape(&v), want, "{v:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn any_string_escapes_like_serde_json(s in any::<String>()) {
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap());
        }

        /// The block scan agrees with the table on any bytes, any length.
        #[test]
        fn needs_escape_agrees_with_the_table_on_any_bytes(v in proptest::collection::vec(any::<u8>(), 0..100)) {
            let want = v.iter().any(|&b| ESCAPE[usize::from(b)] != 0);
            prop_assert_eq!(needs_escape(&v), want);
        }

        /// Mostly clean strings of every length with a rare special byte.
        #[test]
        fn sparse_specials_escape_like_serde_json(s in "([a-z0-9 .:/-]{0,20}[\\x00-\\x1f\\\\\"]?){0,4}") {
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn control_heavy_strings_escape_like_serde_json(s in "[\\x00-\\x2f\\\\\"a-z]{0,64}") {
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap());
        }
    }
}
