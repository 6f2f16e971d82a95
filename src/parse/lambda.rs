//! Lambda platform lines: `START`, `END`, `REPORT`, `INIT_START`, … in the
//! text format, and `platform.*` records of the JSON log format.
//!
//! Text lines are recognised by their start only, with what follows the
//! keyword in Lambda's own lines, so that an application message that
//! begins with "START processing" is not one:
//!
//! | `@type` | the message starts with |
//! |---|---|
//! | `START`, `END`, `REPORT` | the keyword, a blank, `RequestId: ` |
//! | `INIT_START`, `INIT_REPORT`, `RESTORE_START`, `RESTORE_REPORT` | the keyword and a blank |
//! | `EXTENSION`, `TELEMETRY` | the keyword, blanks, `Name: ` |
//!
//! A JSON record is a platform record when its `type` is a string starting
//! with `platform.` and its `record` is an object; `@type` is that `type`.
//! An application record with another `type` member (`"type":"order"`) gets
//! no `@type`.
//!
//! Metrics come from `REPORT` lines (`Duration`, `Billed Duration`,
//! `Init Duration` in ms, `Memory Size`, `Max Memory Used` in MB) and from
//! `record.metrics` of `platform.report` records (`durationMs`,
//! `billedDurationMs`, `initDurationMs`, `memorySizeMB`, `maxMemoryUsedMB`).
//! `INIT_REPORT`'s `Init Duration` is not copied into `@initDuration`: the
//! contract fills the metrics from `REPORT` only, and a cold start's
//! `REPORT` already carries it.

use std::borrow::Cow;

use super::json::{Members, Raw};

use super::{Report, Shared};

/// How a platform keyword must continue.
#[derive(Clone, Copy)]
enum Then {
    /// Blanks, then `RequestId: `.
    RequestId,
    /// A blank.
    Blank,
    /// Blanks, then `Name: `.
    Name,
}

const TEXT_KINDS: [(&str, Then); 9] = [
    ("START", Then::RequestId),
    ("END", Then::RequestId),
    ("REPORT", Then::RequestId),
    ("INIT_START", Then::Blank),
    ("INIT_REPORT", Then::Blank),
    ("RESTORE_START", Then::Blank),
    ("RESTORE_REPORT", Then::Blank),
    ("EXTENSION", Then::Name),
    ("TELEMETRY", Then::Name),
];

/// The `@type` of a Lambda platform text line (`START`, `REPORT`, …), from
/// the start of the message only.
pub fn text_kind(message: &str) -> Option<&'static str> {
    let first = *message.as_bytes().first()?;
    if !matches!(first, b'S' | b'E' | b'R' | b'I' | b'T') {
        return None;
    }
    TEXT_KINDS.iter().find_map(|&(kw, then)| {
        if kw.as_bytes().first() != Some(&first) {
            return None;
        }
        let rest = message.strip_prefix(kw)?;
        let after = rest.trim_start_matches([' ', '\t']);
        if after.len() == rest.len() {
            return None;
        }
        let ok = match then {
            Then::RequestId => after.starts_with("RequestId: "),
            Then::Blank => true,
            Then::Name => after.starts_with("Name: "),
        };
        ok.then_some(kw)
    })
}

/// `@type` and REPORT metrics.
pub fn platform<'a>(message: &'a str, json: Option<&Members<'a>>) -> (Option<Cow<'a, str>>, Report) {
    platform_in(message, &Shared::of(message, json))
}

/// [`platform`] with what the parser found of the line once.
pub(crate) fn platform_in<'a>(message: &'a str, line: &Shared<'_, 'a>) -> (Option<Cow<'a, str>>, Report) {
    if let Some(kind) = line.text_kind {
        let report = if kind == "REPORT" {
            text_report(message)
        } else {
            Report::default()
        };
        return (Some(Cow::Borrowed(kind)), report);
    }
    let Some((kind, record)) = &line.platform else {
        return (None, Report::default());
    };
    let report = if kind == "platform.report" {
        record
            .get("metrics")
            .and_then(Raw::as_object)
            .map(|m| json_report(&m))
            .unwrap_or_default()
    } else {
        Report::default()
    };
    (Some(kind.clone()), report)
}

/// The `type` and `record` of a Lambda JSON `platform.*` record.
pub fn platform_record<'a>(json: &Members<'a>) -> Option<(Cow<'a, str>, Members<'a>)> {
    let kind = json.get("type")?.as_str()?;
    if !kind.starts_with("platform.") || kind.len() == "platform.".len() {
        return None;
    }
    Some((kind, json.get("record")?.as_object()?))
}

/// REPORT labels, compound ones before their tails (`Billed Duration`
/// before `Duration`); `None` marks labels that fill no field.
const REPORT_LABELS: [(&str, Option<Metric>); 7] = [
    ("Billed Restore Duration", None),
    ("Restore Duration", None),
    ("Billed Duration", Some(Metric::BilledDuration)),
    ("Init Duration", Some(Metric::InitDuration)),
    ("Max Memory Used", Some(Metric::MaxMemoryUsed)),
    ("Memory Size", Some(Metric::MemorySize)),
    ("Duration", Some(Metric::Duration)),
];

#[derive(Clone, Copy)]
enum Metric {
    Duration,
    BilledDuration,
    InitDuration,
    MemorySize,
    MaxMemoryUsed,
}

/// One pass over the `Label: value` fields of a REPORT line; a label counts
/// where it starts a field (at the start or after a blank), the first
/// occurrence of each wins.
fn text_report(message: &str) -> Report {
    let mut report = Report::default();
    let bytes = message.as_bytes();
    for colon in memchr::memchr_iter(b':', bytes) {
        if bytes.get(colon + 1) != Some(&b' ') {
            continue;
        }
        let before = &message[..colon];
        let last = before.as_bytes().last();
        let Some(metric) = REPORT_LABELS.iter().find_map(|&(label, metric)| {
            // The last letter rules out most labels without a comparison.
            if label.as_bytes().last() != last {
                return None;
            }
            let head = before.strip_suffix(label)?;
            (head.is_empty() || head.ends_with([' ', '\t'])).then_some(metric)
        }) else {
            continue;
        };
        let value = &message[colon + 2..];
        let value = &value[..value.find([' ', '\t', '\r', '\n']).unwrap_or(value.len())];
        match metric {
            Some(Metric::Duration) => fill(&mut report.duration, parse_ms(value)),
            Some(Metric::BilledDuration) => fill(&mut report.billed_duration, parse_ms(value)),
            Some(Metric::InitDuration) => fill(&mut report.init_duration, parse_ms(value)),
            Some(Metric::MemorySize) => fill(&mut report.memory_size, parse_mb(value)),
            Some(Metric::MaxMemoryUsed) => fill(&mut report.max_memory_used, parse_mb(value)),
            None => {}
        }
    }
    report
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn parse_ms(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

fn parse_mb(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn json_report(metrics: &Members<'_>) -> Report {
    let ms = |k: &str| {
        metrics
            .get(k)
            .and_then(Raw::as_f64)
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    let mb = |k: &str| {
        let v = metrics.get(k)?;
        v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15)
                .map(|f| f as u64)
        })
    };
    Report {
        duration: ms("durationMs"),
        billed_duration: ms("billedDurationMs"),
        init_duration: ms("initDurationMs"),
        memory_size: mb("memorySizeMB"),
        max_memory_used: mb("maxMemoryUsedMB"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(message: &str) -> (Option<String>, Report) {
        let json = crate::parse::json::extract_object(message);
        let (kind, report) = platform(message, json.as_ref());
        (kind.map(Cow::into_owned), report)
    }

    fn kind(message: &str) -> Option<String> {
        run(message).0
    }

    #[test]
    fn text_platform_lines_get_their_type() {
        for (m, k) in [
            (
                "START RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95 Version: $LATEST",
                "START",
            ),
            ("END RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95", "END"),
            (
                "REPORT RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95\tDuration: 1.00 ms",
                "REPORT",
            ),
            (
                "INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:abc",
                "INIT_START",
            ),
            (
                "INIT_REPORT Init Duration: 1000.12 ms\tPhase: init\tStatus: timeout",
                "INIT_REPORT",
            ),
            (
                "RESTORE_START Runtime Version: java:17.v20\tRuntime Version ARN: arn:x",
                "RESTORE_START",
            ),
            ("RESTORE_REPORT Restore Duration: 428.93 ms", "RESTORE_REPORT"),
            (
                "EXTENSION\tName: lambda-insights\tState: Ready\tEvents: [INVOKE, SHUTDOWN]",
                "EXTENSION",
            ),
            (
                "TELEMETRY\tName: my-ext\tState: Subscribed\tTypes: [Platform, Function]",
                "TELEMETRY",
            ),
        ] {
            assert_eq!(kind(m).as_deref(), Some(k), "{m}");
        }
    }

    #[test]
    fn only_the_start_of_the_line_counts() {
        for m in [
            "processing REPORT RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95",
            " START RequestId: x",
            "START processing batch",
            "START",
            "REPORTRequestId: x",
            "END of stream",
            "EXTENSION loaded",
            "INIT_STARTED x",
            "REPORT: 3 errors",
            "",
        ] {
            assert_eq!(kind(m), None, "{m:?}");
        }
    }

    #[test]
    fn report_line_gives_all_metrics() {
        let m = "REPORT RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95\tDuration: 3.66 ms\tBilled Duration: 4 ms\t\
                 Memory Size: 128 MB\tMax Memory Used: 65 MB\tInit Duration: 241.73 ms\t\n\
                 XRAY TraceId: 1-5e34a614-10bd41f1fb44f07bc535a1aa\tSegmentId: 07f5112d1f6f8511\tSampled: true\t";
        let (_, r) = run(m);
        assert_eq!(
            r,
            Report {
                duration: Some(3.66),
                billed_duration: Some(4.0),
                init_duration: Some(241.73),
                memory_size: Some(128),
                max_memory_used: Some(65),
            }
        );
    }

    #[test]
    fn report_line_with_spaces_and_crlf_gives_metrics() {
        let m = "REPORT RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95  Duration: 15.74 ms  Billed Duration: 147 ms Memory Size: 128 MB Max Memory Used: 56 MB\r\n";
        let (_, r) = run(m);
        assert_eq!(r.duration, Some(15.74));
        assert_eq!(r.billed_duration, Some(147.0));
        assert_eq!(r.init_duration, None);
        assert_eq!(r.memory_size, Some(128));
        assert_eq!(r.max_memory_used, Some(56));
    }

    #[test]
    fn timed_out_report_keeps_its_metrics() {
        let m = "REPORT RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB\tStatus: timeout";
        let (k, r) = run(m);
        assert_eq!(k.as_deref(), Some("REPORT"));
        assert_eq!(r.duration, Some(3000.0));
    }

    #[test]
    fn snapstart_report_restore_duration_is_not_duration() {
        let m = "REPORT RequestId: x1234567\tRestore Duration: 428.93 ms\tBilled Restore Duration: 300 ms\tDuration: 12.5 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 120 MB";
        let (_, r) = run(m);
        assert_eq!(r.duration, Some(12.5));
        assert_eq!(r.billed_duration, Some(13.0));
    }

    #[test]
    fn other_platform_lines_have_no_metrics() {
        let (k, r) = run("INIT_REPORT Init Duration: 1000.12 ms\tPhase: init\tStatus: timeout");
        assert_eq!(k.as_deref(), Some("INIT_REPORT"));
        assert_eq!(r, Report::default());
        assert_eq!(
            run("START RequestId: x Version: $LATEST Duration: 3 ms").1,
            Report::default()
        );
    }

    #[test]
    fn platform_report_record_gives_type_and_metrics() {
        let m = r#"{"time":"2024-01-01T00:00:00.000Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","metrics":{"durationMs":12.3,"billedDurationMs":13,"memorySizeMB":128,"maxMemoryUsedMB":56,"initDurationMs":240.1},"tracing":{"spanId":"0a1b2c3d4e5f6071","type":"X-Amzn-Trace-Id","value":"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"},"status":"success"}}"#;
        let (k, r) = run(m);
        assert_eq!(k.as_deref(), Some("platform.report"));
        assert_eq!(
            r,
            Report {
                duration: Some(12.3),
                billed_duration: Some(13.0),
                init_duration: Some(240.1),
                memory_size: Some(128),
                max_memory_used: Some(56),
            }
        );
    }

    #[test]
    fn other_platform_records_get_their_type_only() {
        for t in [
            "platform.start",
            "platform.initStart",
            "platform.runtimeDone",
            "platform.extension",
        ] {
            let m = format!(
                r#"{{"time":"2024-01-01T00:00:00.000Z","type":"{t}","record":{{"metrics":{{"durationMs":5}}}}}}"#
            );
            let (k, r) = run(&m);
            assert_eq!(k.as_deref(), Some(t));
            assert_eq!(r, Report::default());
        }
    }

    #[test]
    fn app_json_records_get_no_type() {
        for m in [
            r#"{"timestamp":"2024-01-01T00:00:00Z","level":"INFO","message":"hi","requestId":"x"}"#,
            r#"{"type":"order","record":{"id":1}}"#,
            r#"{"type":"platform.start"}"#,
            r#"{"type":"platform.","record":{}}"#,
            r#"{"type":7,"record":{}}"#,
        ] {
            assert_eq!(kind(m), None, "{m}");
        }
    }

    #[test]
    fn report_line_parses_into_request_trace_type_and_metrics() {
        let m = "REPORT RequestId: 8f507cfc-1234-4697-b07a-ac58fc914c95\tDuration: 3.66 ms\tBilled Duration: 4 ms\t\
                 Memory Size: 128 MB\tMax Memory Used: 65 MB\t\n\
                 XRAY TraceId: 1-5e34a614-10bd41f1fb44f07bc535a1aa\tSegmentId: 07f5112d1f6f8511\tSampled: true\t";
        let line = crate::parse::parse(m, "/aws/lambda/like-fn", &crate::parse::Rules::default());
        assert_eq!(
            line.request_id.as_deref(),
            Some("8f507cfc-1234-4697-b07a-ac58fc914c95")
        );
        assert_eq!(
            line.trace.map(|t| t.xray()).as_deref(),
            Some("1-5e34a614-10bd41f1fb44f07bc535a1aa")
        );
        assert_eq!(line.span.map(|s| s.hex()).as_deref(), Some("07f5112d1f6f8511"));
        assert_eq!(line.kind.as_deref(), Some("REPORT"));
        assert_eq!(line.service_name.as_deref(), Some("like-fn"));
        assert_eq!(line.report.map(|r| r.max_memory_used), Some(Some(65)));
    }

    #[test]
    fn malformed_metrics_are_left_out() {
        let (_, r) =
            run("REPORT RequestId: x\tDuration: NaN ms\tMemory Size: -1 MB\tMax Memory Used: 1.5 MB");
        assert_eq!(r, Report::default());
        let m = r#"{"type":"platform.report","record":{"metrics":{"durationMs":"12","memorySizeMB":-3,"maxMemoryUsedMB":56.0}}}"#;
        let (_, r) = run(m);
        assert_eq!(r.duration, None);
        assert_eq!(r.memory_size, None);
        assert_eq!(r.max_memory_used, Some(56));
    }
}
