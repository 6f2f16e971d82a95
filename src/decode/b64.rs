//! Standard base64 as `awslogs.data` holds it, decoded four letters at a
//! time: each letter is one lookup in a table of its six bits already
//! shifted into place, so a quantum is four loads and three `or`s (the
//! `base64` crate's general engine takes about twice the instructions).
//! Only the plain body is decoded here; the last quantum or two (padding,
//! trailing bits) and every error are left to the crate, so that what is
//! accepted and every error message stay the crate's.

use base64::Engine as _;

/// Set in a table entry for a byte that is not a base64 letter: above the
/// 24 bits a quantum fills.
const BAD: u32 = 1 << 31;

/// The six bits of each letter of the standard alphabet shifted left by
/// `shift`, [`BAD`] for any other byte.
const fn table(shift: u32) -> [u32; 256] {
    let mut t = [BAD; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let v = match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        };
        if let Some(v) = v {
            t[i] = (v as u32) << shift;
        }
        i += 1;
    }
    t
}

static T0: [u32; 256] = table(18);
static T1: [u32; 256] = table(12);
static T2: [u32; 256] = table(6);
static T3: [u32; 256] = table(0);

/// Letters decoded here at a time: two quanta.
const CHUNK: usize = 8;

/// The bytes `data` decodes to, when its body is all letters and the
/// `base64` crate accepts its tail; `None` for anything else, which the
/// caller decodes again with the crate for the crate's own error.
pub(super) fn decode(data: &[u8]) -> Option<Vec<u8>> {
    // The tail keeps the last 1 to 8 letters: padding and a short last
    // quantum are there, and the body ends on a quantum boundary (base64
    // quanta decode independently of each other).
    let body_len = data.len().saturating_sub(1) / CHUNK * CHUNK;
    let (body, rest) = data.split_at(body_len);
    // Room for the tail too: it is appended without a second allocation.
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 3);
    out.resize(body_len / 4 * 3, 0);
    let mut bad = 0;
    for (to, from) in out.chunks_exact_mut(6).zip(body.chunks_exact(CHUNK)) {
        let &[a, b, c, d, e, f, g, h] = from else {
            return None;
        };
        let t = |x: u8, table: &[u32; 256]| table[usize::from(x)];
        let high = t(a, &T0) | t(b, &T1) | t(c, &T2) | t(d, &T3);
        let low = t(e, &T0) | t(f, &T1) | t(g, &T2) | t(h, &T3);
        bad |= high | low;
        let word = u64::from(high) << 24 | u64::from(low);
        to.copy_from_slice(&word.to_be_bytes()[2..]);
    }
    if bad & BAD != 0 {
        return None;
    }
    out.extend_from_slice(&super::BASE64.decode(rest).ok()?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn crate_decode(data: &[u8]) -> Option<Vec<u8>> {
        super::super::BASE64.decode(data).ok()
    }

    fn ours(data: &[u8]) -> Option<Vec<u8>> {
        decode(data)
    }

    #[test]
    fn decodes_what_the_crate_decodes() {
        for n in 0..40 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let padded = super::super::BASE64.encode(&bytes);
            assert_eq!(ours(padded.as_bytes()), Some(bytes.clone()), "{padded}");
            let bare = padded.trim_end_matches('=');
            assert_eq!(ours(bare.as_bytes()), Some(bytes), "{bare}");
        }
    }

    #[test]
    fn anything_but_a_letter_in_the_body_is_left_to_the_crate() {
        for bad in [b'=', b' ', b'\n', b'-', b'_', b'\0', 0x80, 0xff] {
            let mut data = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=".to_vec();
            data[5] = bad;
            assert_eq!(ours(&data), None, "{bad}");
        }
    }

    proptest! {
        /// Any text, mostly letters: where the crate decodes it, so do
        /// we, to the same bytes; where it refuses, we give `None`.
        #[test]
        fn agrees_with_the_crate(
            data in proptest::collection::vec(
                prop_oneof![
                    40 => proptest::sample::select(
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".to_vec()),
                    1 => proptest::sample::select(b"=-_ \n\x00\xc3".to_vec()),
                ],
                0..80,
            ),
        ) {
            prop_assert_eq!(ours(&data), crate_decode(&data));
        }

        /// Encoded bytes, padded or not, round-trip.
        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..200), pad in any::<bool>()) {
            let text = super::super::BASE64.encode(&bytes);
            let text = if pad { text.as_str() } else { text.trim_end_matches('=') };
            prop_assert_eq!(ours(text.as_bytes()), Some(bytes));
        }
    }
}
