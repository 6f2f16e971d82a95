//! Trace and span ids: newtypes that only a parser can make (never zero,
//! written in lower case), X-Ray ⇄ 32-hex conversion, and the search order
//! of SCHEMA.md, "Trace ids".

use std::num::{NonZeroU64, NonZeroU128};

use serde_json::{Map, Value};

/// A 128-bit trace id, never zero. X-Ray `1-5759e988-bd862e3fe1be46a994272793`
/// and 32-hex `5759e988bd862e3fe1be46a994272793` are two spellings of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId(NonZeroU128);

/// A 64-bit span or segment id, never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId(NonZeroU64);

const HEX: &[u8; 16] = b"0123456789abcdef";

impl TraceId {
    /// From 32 hex digits (either case); `None` when malformed or all zero.
    pub fn from_hex(s: &str) -> Option<TraceId> {
        if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u128::from_str_radix(s, 16)
            .ok()
            .and_then(NonZeroU128::new)
            .map(TraceId)
    }

    /// From the X-Ray form `1-<8 hex>-<24 hex>`; `None` when malformed or all zero.
    pub fn from_xray(s: &str) -> Option<TraceId> {
        let b = s.as_bytes();
        if b.len() != 35 || &b[..2] != b"1-" || b[10] != b'-' {
            return None;
        }
        let mut hex = [0u8; 32];
        hex[..8].copy_from_slice(&b[2..10]);
        hex[8..].copy_from_slice(&b[11..]);
        std::str::from_utf8(&hex).ok().and_then(TraceId::from_hex)
    }

    /// Either form.
    pub fn parse(s: &str) -> Option<TraceId> {
        TraceId::from_xray(s).or_else(|| TraceId::from_hex(s))
    }

    /// The 32-hex form, lower case.
    pub fn hex(self) -> String {
        let mut out = String::with_capacity(32);
        let v = self.0.get();
        for i in (0..32).rev() {
            out.push(HEX[((v >> (i * 4)) & 0xf) as usize] as char);
        }
        out
    }

    /// The X-Ray form, lower case.
    pub fn xray(self) -> String {
        let h = self.hex();
        format!("1-{}-{}", &h[..8], &h[8..])
    }
}

impl SpanId {
    /// From 16 hex digits (either case); `None` when malformed or all zero.
    pub fn from_hex(s: &str) -> Option<SpanId> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(s, 16)
            .ok()
            .and_then(NonZeroU64::new)
            .map(SpanId)
    }

    /// The 16-hex form, lower case.
    pub fn hex(self) -> String {
        format!("{:016x}", self.0.get())
    }
}

/// A trace found in a line, with the span when the line states one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The trace.
    pub trace: TraceId,
    /// The span or segment the line names.
    pub span: Option<SpanId>,
}

/// The first trace id the line states, in SCHEMA.md's order.
/// STUB: to be written (issue 3).
pub fn find(_message: &str, _json: Option<&Map<String, Value>>) -> Option<Found> {
    None
}
