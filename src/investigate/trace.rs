//! "Logs for this trace": every line of one trace in time order across
//! log groups, with its level, service and how it was joined.

use std::fmt::Write as _;

use super::Doc;
use crate::parse::TraceId;

/// The lines of trace `t` among `docs`, in `@timestamp` order, ties in
/// input order.
pub fn lines_of(docs: &[Doc], t: TraceId) -> Vec<&Doc> {
    let mut v: Vec<&Doc> = docs.iter().filter(|d| d.trace == Some(t)).collect();
    v.sort_by_key(|d| (d.timestamp, d.seq));
    v
}

/// One line per document: time, log group, level, service, `message` or
/// `request` (how the line got the trace), then what it says (the first
/// line; with `full`, the whole `@message`, later lines indented). Then
/// the footer of [`footer`].
pub fn render(t: TraceId, lines: &[&Doc], full: bool) -> String {
    let gw = lines
        .iter()
        .map(|d| d.log_group.chars().count())
        .max()
        .unwrap_or(0);
    let sw = lines
        .iter()
        .map(|d| d.service.as_deref().unwrap_or("-").chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    for d in lines {
        let _ = write!(
            s,
            "{:24}  {:gw$}  {:5}  {:sw$}  {:7}  ",
            d.time,
            d.log_group,
            d.level.as_deref().unwrap_or("-"),
            d.service.as_deref().unwrap_or("-"),
            d.trace_source.as_deref().unwrap_or("-"),
        );
        if full {
            let mut parts = d.message.trim_end().split('\n');
            s.push_str(parts.next().unwrap_or("").trim_end_matches('\r'));
            s.push('\n');
            for p in parts {
                let _ = writeln!(s, "    {}", p.trim_end_matches('\r'));
            }
        } else {
            s.push_str(d.text());
            s.push('\n');
        }
    }
    s.push_str(&footer(t, lines));
    s
}

/// `trace 1-…: 5 lines in 1 log group (/aws/lambda/f), 4 joined through
/// their request` and `from … to … (380 ms); Lambda REPORT 613.03 ms`.
pub fn footer(t: TraceId, lines: &[&Doc]) -> String {
    let mut groups: Vec<&str> = Vec::new();
    for d in lines {
        if !groups.contains(&d.log_group.as_str()) {
            groups.push(&d.log_group);
        }
    }
    let joined = lines
        .iter()
        .filter(|d| d.trace_source.as_deref() == Some("request"))
        .count();
    let mut s = format!(
        "trace {}: {} line{} in {} log group{} ({})",
        t.xray(),
        lines.len(),
        plural(lines.len()),
        groups.len(),
        plural(groups.len()),
        groups.join(", ")
    );
    if joined > 0 {
        let _ = write!(s, ", {joined} joined through their request");
    }
    s.push('\n');
    if let (Some(first), Some(last)) = (lines.first(), lines.last()) {
        let _ = write!(
            s,
            "from {} to {} ({})",
            first.time,
            last.time,
            millis(last.timestamp - first.timestamp)
        );
        let reports: Vec<String> = lines
            .iter()
            .filter_map(|d| d.duration)
            .map(|ms| format!("{ms:.2} ms"))
            .collect();
        if !reports.is_empty() {
            let _ = write!(s, "; Lambda REPORT {}", reports.join(", "));
        }
        s.push('\n');
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `380 ms`, `12.4 s`, `3 min 5 s`.
pub fn millis(ms: i64) -> String {
    if ms < 10_000 {
        format!("{ms} ms")
    } else if ms < 600_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(seq: u64, ts: i64, group: &str, msg: &str, src: &str) -> Doc {
        Doc {
            seq,
            timestamp: ts,
            time: crate::timefmt::Utc::from_millis(ts).iso_string(),
            log_group: group.into(),
            service: Some("like".into()),
            trace: TraceId::from_hex("5759e988bd862e3fe1be46a994272793"),
            trace_source: Some(src.into()),
            message: msg.into(),
            ..Doc::default()
        }
    }

    #[test]
    fn lines_in_time_order_ties_in_input_order_and_a_footer() {
        let t = TraceId::from_hex("5759e988bd862e3fe1be46a994272793").unwrap();
        let mut docs = vec![
            doc(0, 2_000, "/ecs/like-service", "second\ntraceback", "request"),
            doc(1, 1_000, "/aws/lambda/f", "first", "message"),
            doc(2, 2_000, "/ecs/like-service", "third", "message"),
            doc(3, 500, "/ecs/other", "other trace", "message"),
        ];
        docs[3].trace = TraceId::from_hex("1111e988bd862e3fe1be46a994272793");
        docs[2].level = Some("WARN".into());
        docs[1].duration = Some(613.03);
        let lines = lines_of(&docs, t);
        assert_eq!(
            render(t, &lines, false),
            "\
1970-01-01T00:00:01.000Z  /aws/lambda/f      -      like  message  first
1970-01-01T00:00:02.000Z  /ecs/like-service  -      like  request  second
1970-01-01T00:00:02.000Z  /ecs/like-service  WARN   like  message  third
trace 1-5759e988-bd862e3fe1be46a994272793: 3 lines in 2 log groups (/aws/lambda/f, /ecs/like-service), 1 joined through their request
from 1970-01-01T00:00:01.000Z to 1970-01-01T00:00:02.000Z (1000 ms); Lambda REPORT 613.03 ms
"
        );
        assert!(render(t, &lines, true).contains("  second\n    traceback\n"));
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(millis(380), "380 ms");
        assert_eq!(millis(12_400), "12.4 s");
        assert_eq!(millis(185_000), "185.0 s");
        assert_eq!(millis(3_605_000), "60 min 5 s");
    }
}
