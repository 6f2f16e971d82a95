//! One log line and its log group through `parse::parse` with the default
//! rules, and the line's document through `render::write_document`.
//!
//! Input: a selector byte, then the message. A selector below 0x80 picks a
//! log group from a list; otherwise the log group is the text up to the
//! first `\n` and the message is the rest.

#![no_main]

use std::borrow::Cow;
use std::sync::LazyLock;

use cwl_trace_bridge::decode::LogEvent;
use cwl_trace_bridge::parse::{self, Rules, TraceSource, request_id};
use cwl_trace_bridge::render::{self, JsonMode, Origin};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

static RULES: LazyLock<Rules> = LazyLock::new(Rules::default);

fuzz_target!(|data: &[u8]| {
    let Some((group, message)) = fuzz_checks::framing::parse_line_input(data) else {
        return;
    };
    let rules = &*RULES;
    let line = parse::parse(message, group, rules);
    assert_eq!(
        line,
        parse::parse(message, group, rules),
        "parse is not deterministic"
    );

    if let Some(t) = line.trace {
        let hex = t.hex();
        assert!(fuzz_checks::id_hex(&hex, 32), "trace hex {hex:?}");
        let xray = t.xray();
        assert!(
            xray.len() == 35 && xray.starts_with("1-") && &xray[10..11] == "-",
            "x-ray form {xray:?}"
        );
        assert!(
            lower_hex(&xray[2..10], 8) && lower_hex(&xray[11..], 24),
            "x-ray form {xray:?}"
        );
        assert_eq!(parse::TraceId::from_hex(&hex), Some(t));
        assert_eq!(parse::TraceId::from_xray(&xray), Some(t));
        assert_eq!(line.trace_source, Some(TraceSource::Message));
        // The line states it: its digits are in the text (unless JSON escapes
        // spell them).
        if !message.contains('\\') {
            let lower = message.to_ascii_lowercase();
            let xray_digits = format!("{}-{}", &hex[..8], &hex[8..]);
            assert!(
                lower.contains(&hex) || lower.contains(&xray_digits),
                "trace {hex} is not in the message"
            );
        }
    } else {
        assert_eq!(line.trace_source, None, "a trace source without a trace");
        assert_eq!(line.span, None, "a span without a trace");
    }
    if let Some(s) = line.span {
        let hex = s.hex();
        assert!(fuzz_checks::id_hex(&hex, 16), "span hex {hex:?}");
        assert_eq!(parse::SpanId::from_hex(&hex), Some(s));
        if !message.contains('\\') {
            assert!(
                message.to_ascii_lowercase().contains(&hex),
                "span {hex} is not in the message"
            );
        }
    }

    assert!(
        line.markers.windows(2).all(|w| w[0] < w[1]),
        "markers not ascending: {:?}",
        line.markers
    );
    assert!(line.markers.iter().all(|&m| (m as usize) < rules.markers.len()));

    if let Some(id) = &line.request_id {
        assert!(request_id::plausible(id), "implausible request id {id:?}");
        if let Cow::Borrowed(b) = id {
            assert!(within(message, b), "borrowed request id outside the message");
        }
    }
    if let Some(name) = &line.service_name {
        assert!(!name.trim().is_empty(), "blank service name");
    }
    if let Some(kind) = &line.kind {
        assert!(!kind.is_empty(), "empty @type");
    }
    let report = line.report.as_deref().copied().unwrap_or_default();
    assert!(line.report.is_none() || report != Default::default(), "empty REPORT metrics kept");
    for v in [report.duration, report.billed_duration, report.init_duration]
        .into_iter()
        .flatten()
    {
        assert!(v.is_finite() && v >= 0.0, "metric {v}");
    }
    if let Some(m) = line.http.method {
        assert!(within(message, m), "method outside the message");
        assert!(!m.is_empty());
    }
    if let Some(p) = line.http.path {
        // An absolute target with no path gives "/" (access_log's rule).
        assert!(within(message, p) || p == "/", "path outside the message");
    }
    if let Some(s) = line.http.status {
        assert!((100..=999).contains(&s), "status {s}");
    }

    // Its document is one JSON object that keeps the message as it was.
    let event = LogEvent {
        id: "38000000000000000000000000000000000000000000000000000000".into(),
        timestamp: 1_732_541_400_089,
        message: message.into(),
        message_json: None,
        extracted_fields: None,
    };
    let origin = Origin::new("123456789012", group, "stream/1");
    for mode in [JsonMode::Merge, JsonMode::Nest] {
        let mut out = Vec::new();
        render::write_document(&mut out, &origin, &event, &line, &[], &rules.markers, mode);
        let doc: Value = match fuzz_checks::parse_strict(&out) {
            Ok(v) => v,
            Err(e) => panic!("document is not JSON ({e}): {}", String::from_utf8_lossy(&out)),
        };
        assert_eq!(doc["@message"].as_str(), Some(message), "@message changed");
        assert!(!out.contains(&b'\n'), "a raw newline in the document");
    }
});

fn lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `part` is a slice of `whole`.
fn within(whole: &str, part: &str) -> bool {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    p >= w && p + part.len() <= w + whole.len()
}
