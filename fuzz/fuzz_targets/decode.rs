//! Bytes as a Lambda event `{"awslogs":{"data":…}}`, as a raw gzip payload
//! and as decoded subscription JSON, through the bounded decoder.

#![no_main]

use cwl_trace_bridge::decode::{self, DecodeError, Limits, LogsData, MessageType};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Small, so that no input can make one run slow.
const LIMITS: Limits = Limits {
    max_decoded_bytes: 256 << 10,
};

fuzz_target!(|data: &[u8]| {
    // 1. A Lambda event.
    check(data, decode::decode_event(data, LIMITS));

    // 2. A raw gzip payload (what `awslogs.data` base64-decodes to).
    match decode::gunzip(data, LIMITS) {
        Ok(json) => {
            assert!(json.len() <= LIMITS.max_decoded_bytes, "gunzip passed its limit");
            let parsed = decode::parse_json(&json);
            round_trip(&json, &parsed);
            check(&json, parsed);
        }
        Err(DecodeError::TooLarge { limit, .. }) => assert_eq!(limit, LIMITS.max_decoded_bytes),
        Err(e) => {
            let _ = e.to_string();
        }
    }

    // 3. Decoded subscription JSON.
    if data.len() <= LIMITS.max_decoded_bytes {
        let parsed = decode::parse_json(data);
        round_trip(data, &parsed);
        check(data, parsed);
    }

    // 4. `awslogs.data` itself.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(gz) = decode::decode_base64(text, LIMITS) {
            assert!(gz.len() <= LIMITS.max_decoded_bytes, "base64 passed its limit");
        }
        let _ = decode::decode_data(text, LIMITS).map_err(|e| e.to_string());
    }
});

/// Encoding decoded JSON and decoding it again gives what parsing it gave.
fn round_trip(json: &[u8], parsed: &Result<LogsData, DecodeError>) {
    let again = decode::decode_event(decode::encode_event(json).as_bytes(), decode::Limits::default());
    match (parsed, again) {
        (Ok(a), Ok(b)) => assert_eq!(a, &b, "round trip through gzip and base64 changed the delivery"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("round trip changed the outcome: {a:?} then {b:?}"),
    }
}

/// What a decoded delivery promises.
fn check(json: &[u8], result: Result<LogsData, DecodeError>) {
    let data = match result {
        Ok(d) => d,
        Err(e) => {
            let shown = e.to_string();
            assert!(!shown.is_empty());
            return;
        }
    };
    if data.message_type == MessageType::Control {
        assert!(data.events.is_empty() && data.refused.is_empty() && data.duplicates == 0);
        return;
    }
    let mut ids = std::collections::HashSet::new();
    for e in &data.events {
        assert!(!e.id.is_empty(), "an event with an empty id was kept");
        assert!(ids.insert(&*e.id), "id {:?} kept twice", e.id);
        assert!(
            (cwl_trace_bridge::timefmt::MIN_TIMESTAMP_MS..=cwl_trace_bridge::timefmt::MAX_TIMESTAMP_MS)
                .contains(&e.timestamp),
            "timestamp {} kept",
            e.timestamp
        );
    }
    let mut last = None;
    for r in &data.refused {
        assert!(last < Some(r.position), "refusals out of order");
        last = Some(r.position);
        assert!(!r.reason.is_empty());
        let _ = r.to_string();
    }
    // Nothing is lost: every entry is an event, a refusal or a duplicate.
    // (Only for JSON given here: a Lambda event's JSON is inside base64.)
    if let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(json)
        && let Some(Value::Array(entries)) = top.get("logEvents")
    {
        assert_eq!(
            entries.len(),
            data.events.len() + data.refused.len() + data.duplicates,
            "entries lost or invented"
        );
    }
}
