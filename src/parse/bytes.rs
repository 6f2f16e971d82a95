//! Cheap whole-message searches that decide whether an extractor need look
//! at a line at all, and where. Written as branch-free folds over
//! fixed-size blocks, which the compiler turns into SIMD compares in safe
//! code: on the short messages that are most of a delivery they cost a few
//! dozen instructions, a fraction of a `memmem` search's setup.

/// Positions judged per block by [`find_pair`] (one byte more is read);
/// long stretches go [`WIDE`] positions at a time.
const BLOCK: usize = 16;
const WIDE: usize = 2 * BLOCK;

/// Where the first byte `x` followed by the byte `y` is, at or after `from`.
///
/// Blocks of 32, then 16 positions, each tested at once (the compiler turns
/// [`block_has_pair`] into compares and one `pmovmskb` per 16 bytes), so a
/// line without the pair costs well under one instruction a byte; only the
/// block with the pair is read again byte by byte. The last block overlaps
/// the one before it (its positions already judged have no pair); a
/// message shorter than a block is read byte by byte.
#[inline]
pub fn find_pair(b: &[u8], from: usize, x: u8, y: u8) -> Option<usize> {
    let mut start = from;
    while let Some(w) = b
        .get(start..start + WIDE + 1)
        .and_then(<[u8]>::first_chunk::<{ WIDE + 1 }>)
    {
        if block_has_pair(w, x, y) {
            return pair_in(w, x, y).map(|i| start + i);
        }
        start += WIDE;
    }
    if let Some(w) = b
        .get(start..start + BLOCK + 1)
        .and_then(<[u8]>::first_chunk::<{ BLOCK + 1 }>)
    {
        if block_has_pair(w, x, y) {
            return pair_in(w, x, y).map(|i| start + i);
        }
        start += BLOCK;
    }
    let rest = b.get(start..)?;
    match b.len().checked_sub(BLOCK + 1) {
        // Fewer than a block's positions are left; the last window's first
        // `start - last` positions were judged already, without a pair.
        Some(last) => {
            let w = b.get(last..).and_then(<[u8]>::first_chunk::<{ BLOCK + 1 }>)?;
            if !block_has_pair(w, x, y) {
                return None;
            }
            pair_in(w.get(start - last..)?, x, y).map(|i| start + i)
        }
        None => pair_in(rest, x, y).map(|p| start + p),
    }
}

/// Whether `x y` starts at one of the first `N - 1` positions of `w`:
/// branch-free, so that it is vectorised.
#[inline(always)]
fn block_has_pair<const N: usize>(w: &[u8; N], x: u8, y: u8) -> bool {
    let (Some(first), Some(second)) = (w.get(..N - 1), w.get(1..)) else {
        return false;
    };
    first
        .iter()
        .zip(second)
        .fold(false, |a, (&p, &q)| a | ((p == x) & (q == y)))
}

/// The first position of `x y` in `w`, byte by byte.
#[inline]
fn pair_in(w: &[u8], x: u8, y: u8) -> Option<usize> {
    w.windows(2).position(|p| p[0] == x && p[1] == y)
}

/// Whether `s` has the shape `shape`, byte for byte: in the shape `9` is
/// a digit, `A` a capital, `a` a lower-case letter, `+` a sign (`+` or
/// `-`), `?` any byte; every other byte stands for itself. Dates and times
/// of fixed width (`25/Nov/2024:10:01:02 +0000` is `99/Aaa/9999:99:99:99
/// +9999`) are checked this way.
#[inline]
pub fn shaped(s: &[u8], shape: &[u8]) -> bool {
    s.len() == shape.len()
        && s.iter().zip(shape).all(|(&c, &want)| match want {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_uppercase(),
            b'a' => c.is_ascii_lowercase(),
            b'+' => c == b'+' || c == b'-',
            b'?' => true,
            _ => c == want,
        })
}

/// `s.trim()`, without its per-character search when both ends are ASCII
/// and no blank (no other byte starts or ends Unicode whitespace there):
/// member values such as `"like"` or an id are trimmed on every JSON line.
#[inline]
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&z)) if (b'!'..=0x7f).contains(&a) && (b'!'..=0x7f).contains(&z) => s,
        _ => s.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shaped_reads_each_class_of_the_shape() {
        const DATE: &[u8] = b"99/Aaa/9999:99:99:99 +9999";
        assert!(shaped(b"25/Nov/2024:10:01:02 +0000", DATE));
        assert!(shaped(b"01/Jan/1999:00:00:00 -0830", DATE));
        for other in [
            &b"25/nov/2024:10:01:02 +0000"[..],
            b"25/NOV/2024:10:01:02 +0000",
            b"2x/Nov/2024:10:01:02 +0000",
            b"25/Nov/2024:10:01:02 *0000",
            b"25/Nov/2024-10:01:02 +0000",
            b"25/Nov/2024:10:01:02 +000",
            b"25/Nov/2024:10:01:02 +00000",
            b"",
        ] {
            assert!(!shaped(other, DATE), "{:?}", String::from_utf8_lossy(other));
        }
        assert!(shaped(b"\xffx", b"??"));
        assert!(!shaped(b"x", b"??"));
    }

    fn naive_find(b: &[u8], from: usize, x: u8, y: u8) -> Option<usize> {
        b.windows(2)
            .enumerate()
            .skip(from)
            .find(|(_, w)| *w == [x, y])
            .map(|(i, _)| i)
    }

    #[test]
    fn find_pair_finds_the_first_pair_from_any_start() {
        for len in 0..3 * BLOCK + 3 {
            for at in 0..len.saturating_sub(1) {
                let mut b = vec![b'a'; len];
                b[at] = b'P';
                b[at + 1] = b'/';
                for from in 0..len + 2 {
                    assert_eq!(
                        find_pair(&b, from, b'P', b'/'),
                        naive_find(&b, from, b'P', b'/'),
                        "{len} {at} {from}"
                    );
                }
                // A second pair anywhere after the first, searched from anywhere.
                for second in at + 2..len.saturating_sub(1) {
                    let mut b = vec![b'a'; len];
                    b[at..at + 2].copy_from_slice(b"P/");
                    b[second..second + 2].copy_from_slice(b"P/");
                    for from in 0..len + 2 {
                        assert_eq!(find_pair(&b, from, b'P', b'/'), naive_find(&b, from, b'P', b'/'));
                    }
                }
            }
            assert_eq!(find_pair(&vec![b'P'; len], 0, b'P', b'/'), None);
            assert_eq!(find_pair(&vec![b'/'; len], 0, b'P', b'/'), None);
        }
    }

    #[test]
    fn trim_is_str_trim() {
        let blanks = [
            "", " ", "\t", "\n", "\r", "\u{a0}", "\u{2003}", "\u{3000}", "\u{85}", "\u{feff}",
        ];
        let cores = ["", "like", "x", "\u{7f}", "é", "a b", "\u{a0}x\u{a0}", "!~"];
        for left in blanks {
            for core in cores {
                for right in blanks {
                    let s = format!("{left}{core}{right}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn trim_is_str_trim_on_any_text(s in "\\PC{0,12}|[ \t\u{a0}\u{3000}a!~\u{7f}]{0,12}") {
            prop_assert_eq!(trim(&s), s.trim());
        }

        #[test]
        fn find_pair_is_a_windows_search(
            b in proptest::collection::vec(prop::sample::select(b"P/ a".to_vec()), 0..300),
            from in 0usize..320,
        ) {
            prop_assert_eq!(find_pair(&b, from, b'P', b'/'), naive_find(&b, from, b'P', b'/'));
        }

    }
}
