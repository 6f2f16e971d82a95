//! Cheap whole-message tests that decide whether an extractor need look at
//! a line at all. Written as branch-free folds over fixed-size chunks, which
//! the compiler turns into SIMD compares in safe code: on the short messages
//! that are most of a delivery they cost a few dozen instructions, a
//! fraction of a `memmem` search's setup.

/// Bytes judged per chunk (one early exit per chunk).
const CHUNK: usize = 64;

/// True when `b` holds the byte `x` followed by the byte `y`.
#[inline]
pub fn has_pair(b: &[u8], x: u8, y: u8) -> bool {
    // Chunks overlap by one byte, so that no pair is cut in two; the last
    // one is padded with zeros (no pair of two zero bytes is ever asked).
    let mut start = 0;
    while let Some(chunk) = b.get(start..start + CHUNK + 1) {
        if chunk_has_pair(chunk, x, y) {
            return true;
        }
        start += CHUNK;
    }
    let rest = b.get(start..).unwrap_or_default();
    let mut pad = [0u8; CHUNK + 1];
    pad[..rest.len()].copy_from_slice(rest);
    chunk_has_pair(&pad, x, y)
}

#[inline(always)]
fn chunk_has_pair(chunk: &[u8], x: u8, y: u8) -> bool {
    let (Some(first), Some(second)) = (
        chunk.first_chunk::<CHUNK>(),
        chunk.get(1..).and_then(<[u8]>::first_chunk::<CHUNK>),
    ) else {
        return false;
    };
    first
        .iter()
        .zip(second)
        .fold(false, |a, (&p, &q)| a | ((p == x) & (q == y)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(b: &[u8], x: u8, y: u8) -> bool {
        b.windows(2).any(|w| w == [x, y])
    }

    #[test]
    fn pairs_at_every_chunk_edge_are_found() {
        for len in 0..3 * CHUNK + 3 {
            for at in 0..len.saturating_sub(1) {
                let mut b = vec![b'a'; len];
                b[at] = b'P';
                b[at + 1] = b'/';
                assert!(has_pair(&b, b'P', b'/'), "{len} {at}");
            }
            assert!(!has_pair(&vec![b'P'; len], b'P', b'/'));
            assert!(!has_pair(&vec![b'/'; len], b'P', b'/'));
        }
    }

    proptest! {
        #[test]
        fn has_pair_is_a_windows_search(b in proptest::collection::vec(prop::sample::select(b"P/ a".to_vec()), 0..300)) {
            prop_assert_eq!(has_pair(&b, b'P', b'/'), naive(&b, b'P', b'/'));
        }
    }
}
