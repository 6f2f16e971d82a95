//! Checks shared by the fuzz targets.

pub mod framing;

#[path = "../../tests/support/strict_json.rs"]
mod strict_json;
pub use strict_json::parse_strict;

/// `s` is `len` lower-case hex digits, not all zero.
pub fn id_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && s.bytes().any(|b| b != b'0')
}
