//! The investigation of the Mysfits workshop, done for the operator: per
//! log group the counts by level and marker; the top messages per marker;
//! HTTP statuses per method and route, health checks apart from user
//! traffic; the traces that hold WARN, chaos or error lines.
//!
//! Grouping is deliberately simple, so a person can predict it:
//!
//! - A message is its first non-blank line (the JSON `message` member for
//!   JSON lines), with each word that holds a digit rewritten: a word of hex
//!   digits and dashes with 8 hex digits or more, one of them a letter (UUIDs,
//!   request and trace ids) becomes `<id>`, any other run of digits `<n>`; whitespace runs become one space;
//!   then cut to 100 characters. `Like processed for mysfit
//!   4e53920c-505a-4a90-a694-b9300791f0ae` and the same line for another
//!   mysfit group as `Like processed for mysfit <id>`.
//! - A route is `@urlPath` with the same rule per path segment:
//!   `/mysfits/<id>/like`, `/static/app.<id>.js` (the parts between dots apart).
//! - A health check is a line with the `healthcheck` marker (ELB, kube-probe
//!   and Google health-check user agents); user traffic is every other line
//!   with `@httpMethod` and `@httpStatus`.
//! - An error line is `ERROR` or `FATAL`, or has the `exception` marker; a
//!   warning is `WARN` or has the `warn` marker; chaos is the `chaos` marker.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

use super::Doc;
use super::trace::millis;
use crate::parse::{Level, TraceId};
use crate::stats::{LevelCounts, TopCounts, level_cells};

/// Characters of a grouped message.
const MESSAGE_WIDTH: usize = 100;
/// Columns of the text report.
const WIDTH: usize = 100;
/// Routes shown per table in the text report (the JSON has them all).
const ROUTES_SHOWN: usize = 20;

/// How much the report shows.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Traces listed.
    pub top_traces: usize,
    /// Messages listed per marker.
    pub top_messages: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            top_traces: 10,
            top_messages: 5,
        }
    }
}

/// The report; its JSON form is `cwl-bridge report --json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Where the documents came from: `12 files` or `OpenSearch URL (auth) cwl-*`.
    pub source: String,
    /// Documents read.
    pub documents: u64,
    /// Documents that matched in OpenSearch (absent offline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<u64>,
    /// True when only the first `--max-docs` documents were read.
    pub capped: bool,
    /// The window asked for, `@timestamp` from (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The window asked for, `@timestamp` before (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// The earliest `@timestamp` read.
    pub first: Option<String>,
    /// The latest `@timestamp` read.
    pub last: Option<String>,
    /// Per log group, by name.
    pub log_groups: Vec<GroupRow>,
    /// Per marker (by name), the most frequent messages.
    pub top_messages: BTreeMap<String, Vec<MessageCount>>,
    /// HTTP access lines.
    pub http: Http,
    /// Traces.
    pub traces: Traces,
}

/// One log group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    /// `@log_group`.
    pub log_group: String,
    /// Documents.
    pub documents: u64,
    /// Lines per `@level` (`TRACE` … `FATAL`, and `none` for lines without).
    pub levels: BTreeMap<String, u64>,
    /// Lines per marker.
    pub markers: BTreeMap<String, u64>,
    #[serde(skip)]
    level_counts: LevelCounts,
}

/// A grouped message and how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageCount {
    /// The message, grouped (see the module documentation).
    pub message: String,
    /// Lines.
    pub count: u64,
}

/// HTTP access lines, health checks apart.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Http {
    /// Access lines of user traffic.
    pub user_requests: u64,
    /// Per method and route, most requests first.
    pub user: Vec<RouteRow>,
    /// Lines with the `healthcheck` marker (access lines or not).
    pub healthcheck_lines: u64,
    /// Health-check access lines per method and route.
    pub healthchecks: Vec<RouteRow>,
}

/// One method and route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RouteRow {
    /// `@httpMethod`.
    pub method: String,
    /// `@urlPath`, grouped.
    pub route: String,
    /// Requests.
    pub total: u64,
    /// Requests per status (`"200"`, `"404"`, …).
    pub statuses: BTreeMap<String, u64>,
}

/// Traces.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Traces {
    /// Distinct traces among the documents.
    pub total: u64,
    /// Documents with a trace.
    pub lines_with_trace: u64,
    /// Traces with at least one WARN, chaos or error line.
    pub of_interest: u64,
    /// The most interesting of them: most error lines first, then chaos,
    /// then WARN, then the longest; at most `--top`.
    pub top: Vec<TraceRow>,
}

/// One trace of interest.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceRow {
    /// X-Ray form.
    pub xray_trace_id: String,
    /// 32-hex form.
    pub trace_id: String,
    /// Lines.
    pub lines: u64,
    /// Log groups, in order of first line.
    pub log_groups: Vec<String>,
    /// First line's `@timestamp`.
    pub first: String,
    /// Last line's `@timestamp`.
    pub last: String,
    /// From first to last line, ms.
    pub span_ms: i64,
    /// `@duration` of its Lambda `REPORT` line(s), summed, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_duration_ms: Option<f64>,
    /// Error lines (ERROR, FATAL, exception marker).
    pub errors: u64,
    /// Lines with the `chaos` marker.
    pub chaos: u64,
    /// WARN lines (or the `warn` marker).
    pub warn: u64,
    /// The first error line's message, else the first chaos line's, else the first warning's.
    pub example: String,
}

/// Builds the report of `docs`. The source fields are left for the caller.
pub fn build(docs: &[Doc], opts: Options) -> Report {
    let mut groups: BTreeMap<&str, GroupRow> = BTreeMap::new();
    let mut top: BTreeMap<&str, TopCounts> = BTreeMap::new();
    let mut user: HashMap<(String, String), RouteRow> = HashMap::new();
    let mut health: HashMap<(String, String), RouteRow> = HashMap::new();
    let mut http = Http::default();
    let mut traces: HashMap<TraceId, Vec<&Doc>> = HashMap::new();
    let mut first: Option<&Doc> = None;
    let mut last: Option<&Doc> = None;
    for d in docs {
        if first.is_none_or(|f| (d.timestamp, d.seq) < (f.timestamp, f.seq)) {
            first = Some(d);
        }
        if last.is_none_or(|l| (d.timestamp, d.seq) > (l.timestamp, l.seq)) {
            last = Some(d);
        }
        let g = groups.entry(&d.log_group).or_insert_with(|| GroupRow {
            log_group: d.log_group.clone(),
            ..GroupRow::default()
        });
        g.documents += 1;
        let slot = d
            .level
            .as_deref()
            .and_then(|l| Level::ALL.iter().position(|x| x.as_str() == l))
            .unwrap_or(6);
        g.level_counts[slot] += 1;
        for m in &d.markers {
            *g.markers.entry(m.clone()).or_default() += 1;
            top.entry(m).or_default().add(&normalise(d.text()), 1);
        }
        let is_health = d.has_marker("healthcheck");
        if is_health {
            http.healthcheck_lines += 1;
        }
        if let (Some(method), Some(status), Some(path)) = (&d.http_method, d.http_status, &d.url_path) {
            let key = (method.clone(), route(path));
            let table = if is_health {
                &mut health
            } else {
                http.user_requests += 1;
                &mut user
            };
            let row = table.entry(key).or_insert_with_key(|(m, r)| RouteRow {
                method: m.clone(),
                route: r.clone(),
                ..RouteRow::default()
            });
            row.total += 1;
            *row.statuses.entry(status.to_string()).or_default() += 1;
        }
        if let Some(t) = d.trace {
            traces.entry(t).or_default().push(d);
        }
    }
    let log_groups = groups
        .into_values()
        .map(|mut g| {
            for (i, l) in Level::ALL.iter().enumerate() {
                if g.level_counts[i] > 0 {
                    g.levels.insert(l.as_str().to_string(), g.level_counts[i]);
                }
            }
            if g.level_counts[6] > 0 {
                g.levels.insert("none".into(), g.level_counts[6]);
            }
            g
        })
        .collect();
    let top_messages = top
        .into_iter()
        .map(|(m, t)| {
            let list = t
                .top(opts.top_messages)
                .into_iter()
                .map(|(message, count)| MessageCount {
                    message: message.to_string(),
                    count,
                })
                .collect();
            (m.to_string(), list)
        })
        .collect();
    http.user = sorted_routes(user);
    http.healthchecks = sorted_routes(health);
    let lines_with_trace = traces.values().map(|v| v.len() as u64).sum();
    let total = traces.len() as u64;
    let mut rows: Vec<TraceRow> = traces
        .into_iter()
        .filter_map(|(t, lines)| trace_row(t, lines))
        .collect();
    rows.sort_by(|a, b| {
        (b.errors, b.chaos, b.warn, b.span_ms)
            .cmp(&(a.errors, a.chaos, a.warn, a.span_ms))
            .then_with(|| a.first.cmp(&b.first))
            .then_with(|| a.trace_id.cmp(&b.trace_id))
    });
    let of_interest = rows.len() as u64;
    rows.truncate(opts.top_traces);
    Report {
        documents: docs.len() as u64,
        first: first.map(|d| d.time.clone()),
        last: last.map(|d| d.time.clone()),
        log_groups,
        top_messages,
        http,
        traces: Traces {
            total,
            lines_with_trace,
            of_interest,
            top: rows,
        },
        ..Report::default()
    }
}

fn sorted_routes(m: HashMap<(String, String), RouteRow>) -> Vec<RouteRow> {
    let mut v: Vec<RouteRow> = m.into_values().collect();
    v.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| (&a.route, &a.method).cmp(&(&b.route, &b.method)))
    });
    v
}

/// The row of a trace with WARN, chaos or error lines; `None` for the others.
fn trace_row(t: TraceId, mut lines: Vec<&Doc>) -> Option<TraceRow> {
    lines.sort_by_key(|d| (d.timestamp, d.seq));
    let errors = lines.iter().filter(|d| d.is_error()).count() as u64;
    let chaos = lines.iter().filter(|d| d.has_marker("chaos")).count() as u64;
    let warn = lines.iter().filter(|d| d.is_warn()).count() as u64;
    if errors + chaos + warn == 0 {
        return None;
    }
    let example = lines
        .iter()
        .find(|d| d.is_error())
        .or_else(|| lines.iter().find(|d| d.has_marker("chaos")))
        .or_else(|| lines.iter().find(|d| d.is_warn()))
        .map(|d| cut(d.text(), MESSAGE_WIDTH).to_string())
        .unwrap_or_default();
    let mut log_groups: Vec<String> = Vec::new();
    for d in &lines {
        if !log_groups.contains(&d.log_group) {
            log_groups.push(d.log_group.clone());
        }
    }
    let durations: Vec<f64> = lines.iter().filter_map(|d| d.duration).collect();
    let (f, l) = (lines.first()?, lines.last()?);
    Some(TraceRow {
        xray_trace_id: t.xray(),
        trace_id: t.hex(),
        lines: lines.len() as u64,
        log_groups,
        first: f.time.clone(),
        last: l.time.clone(),
        span_ms: l.timestamp - f.timestamp,
        report_duration_ms: (!durations.is_empty()).then(|| durations.iter().sum()),
        errors,
        chaos,
        warn,
        example,
    })
}

/// A message grouped: words holding digits rewritten (see the module
/// documentation), whitespace runs as one space, cut to 100 characters.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MESSAGE_WIDTH + 8));
    let mut word = String::new();
    let mut space = false;
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            rewrite_word(word, out);
            word.clear();
        }
    };
    for c in text.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            if space {
                out.push(' ');
                space = false;
            }
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
        if out.chars().count() > MESSAGE_WIDTH {
            break;
        }
    }
    flush(&mut word, &mut out);
    cut(&out, MESSAGE_WIDTH).to_string()
}

fn rewrite_word(word: &str, out: &mut String) {
    if !word.bytes().any(|b| b.is_ascii_digit()) {
        out.push_str(word);
        return;
    }
    let hexish = word.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    let hex_digits = word.bytes().filter(u8::is_ascii_hexdigit).count();
    if hexish && hex_digits >= 8 && word.bytes().any(|b| b.is_ascii_alphabetic()) {
        out.push_str("<id>");
        return;
    }
    let mut in_digits = false;
    for c in word.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push_str("<n>");
                in_digits = true;
            }
        } else {
            in_digits = false;
            out.push(c);
        }
    }
}

/// `@urlPath` grouped per segment: `/mysfits/<id>/like`.
pub fn route(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.bytes().any(|b| b.is_ascii_digit()) {
                let mut s = String::new();
                for (i, part) in seg.split('.').enumerate() {
                    if i > 0 {
                        s.push('.');
                    }
                    rewrite_word(part, &mut s);
                }
                s
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn cut(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl Report {
    /// The report for the terminal, in 100 columns.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = write!(s, "report: {} documents from {}", self.documents, self.source);
        if let Some(m) = self.matched
            && self.capped
        {
            let _ = write!(
                s,
                " (the first {} of {m} matching: see --max-docs, --since)",
                self.documents
            );
        }
        s.push('\n');
        if self.since.is_some() || self.until.is_some() {
            let _ = writeln!(
                s,
                "window: {} to {}",
                self.since.as_deref().unwrap_or("the beginning"),
                self.until.as_deref().unwrap_or("now")
            );
        }
        if let (Some(f), Some(l)) = (&self.first, &self.last) {
            let _ = writeln!(s, "time: {f} to {l}");
        }
        if !self.log_groups.is_empty() {
            let _ = writeln!(s, "\nlog groups:");
            let width = self
                .log_groups
                .iter()
                .map(|g| g.log_group.chars().count())
                .max()
                .unwrap_or(0);
            for g in &self.log_groups {
                let head = format!("  {:width$}  {:>6} docs", g.log_group, g.documents);
                let cells = level_cells(&g.level_counts);
                if head.chars().count() + cells.chars().count() <= WIDTH {
                    let _ = writeln!(s, "{head}{cells}");
                } else {
                    let _ = writeln!(s, "{}\n      {}", head.trim_end(), cells.trim_start());
                }
                if !g.markers.is_empty() {
                    let list: Vec<String> = g.markers.iter().map(|(m, n)| format!("{m} {n}")).collect();
                    let line = format!("      markers: {}", list.join(", "));
                    let _ = writeln!(s, "{}", cut(&line, WIDTH));
                }
            }
        }
        if !self.top_messages.is_empty() {
            let _ = writeln!(s, "\ntop messages per marker:");
            for (m, list) in &self.top_messages {
                let lines: u64 = self.log_groups.iter().filter_map(|g| g.markers.get(m)).sum();
                let _ = writeln!(s, "  {m} ({lines} line{})", if lines == 1 { "" } else { "s" });
                for mc in list {
                    let _ = writeln!(s, "    {:>6}x  {}", mc.count, cut(&mc.message, 86));
                }
            }
        }
        let h = &self.http;
        let _ = writeln!(
            s,
            "\nHTTP, user traffic: {} requests{}",
            h.user_requests,
            if h.user.is_empty() {
                ""
            } else {
                " (method, route, requests, statuses)"
            }
        );
        routes(&mut s, &h.user);
        let _ = writeln!(
            s,
            "HTTP, health checks: {} lines with the healthcheck marker, {} of them access lines",
            h.healthcheck_lines,
            h.healthchecks.iter().map(|r| r.total).sum::<u64>()
        );
        routes(&mut s, &h.healthchecks);
        let t = &self.traces;
        let _ = writeln!(
            s,
            "\ntraces: {} ({} lines); {} with WARN, chaos or error lines{}",
            t.total,
            t.lines_with_trace,
            t.of_interest,
            if t.top.len() < t.of_interest as usize {
                format!(", the first {}:", t.top.len())
            } else if t.top.is_empty() {
                String::new()
            } else {
                ":".into()
            }
        );
        for r in &t.top {
            let mut what = Vec::new();
            for (n, name) in [(r.errors, "error"), (r.chaos, "chaos"), (r.warn, "WARN")] {
                if n > 0 {
                    what.push(format!("{n} {name}"));
                }
            }
            let report = r
                .report_duration_ms
                .map(|d| format!(", REPORT {d:.2} ms"))
                .unwrap_or_default();
            let head = format!(
                "  {}  {}; {} line{}, {}{report}",
                r.xray_trace_id,
                what.join(", "),
                r.lines,
                if r.lines == 1 { "" } else { "s" },
                millis(r.span_ms),
            );
            let groups = format!("      {}", r.log_groups.join(", "));
            let example = r.example.split_whitespace().collect::<Vec<_>>().join(" ");
            let example = format!("      {example}");
            for line in [head, groups, example] {
                let _ = writeln!(s, "{}", cut(&line, WIDTH));
            }
        }
        if !t.top.is_empty() {
            let _ = writeln!(s, "(cwl-bridge trace ID … shows every line of one)");
        }
        s
    }

    /// The report as JSON (see the README for its shape).
    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

fn routes(s: &mut String, rows: &[RouteRow]) {
    let shown = &rows[..rows.len().min(ROUTES_SHOWN)];
    let width = shown
        .iter()
        .map(|r| r.route.chars().count())
        .max()
        .unwrap_or(0)
        .min(50);
    for r in shown {
        let statuses: Vec<String> = r.statuses.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        let _ = writeln!(
            s,
            "  {:7} {:width$}  {:>6}   {}",
            r.method,
            cut(&r.route, 50),
            r.total,
            statuses.join("  ")
        );
    }
    if rows.len() > shown.len() {
        let rest: u64 = rows[shown.len()..].iter().map(|r| r.total).sum();
        let _ = writeln!(
            s,
            "  … {} more routes, {rest} requests (--json lists them all)",
            rows.len() - shown.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_group_over_ids_and_numbers() {
        assert_eq!(
            normalise("Like processed for mysfit 4e53920c-505a-4a90-a694-b9300791f0ae"),
            "Like processed for mysfit <id>"
        );
        assert_eq!(
            normalise("WARNING in mysfits_like [/app/mysfits_like.py:52]:"),
            "WARNING in mysfits_like [/app/mysfits_like.py:<n>]:"
        );
        assert_eq!(
            normalise(
                "[INFO]\t2024-11-25T10:03:10.768Z\t9751f3be-8ce3-428b-92b7-c86b887fd4c4\tProcessing  like"
            ),
            "[INFO] <n>-<n>-<n>T<n>:<n>:<n>.<n>Z <id> Processing like"
        );
        assert_eq!(
            normalise("trace 1-5759e988-bd862e3fe1be46a994272793 took 12ms on v38"),
            "trace <id> took <n>ms on v<n>"
        );
        assert_eq!(
            normalise("WARN: simulated 404 activated"),
            "WARN: simulated <n> activated"
        );
        assert_eq!(normalise("no digits here"), "no digits here");
        assert_eq!(normalise(&"x".repeat(300)).len(), 100);
        assert_eq!(normalise(&"ab ".repeat(300)).chars().count(), 100);
    }

    #[test]
    fn routes_group_over_ids() {
        assert_eq!(
            route("/mysfits/4e53920c-505a-4a90-a694-b9300791f0ae/like"),
            "/mysfits/<id>/like"
        );
        assert_eq!(route("/orders/12345"), "/orders/<n>");
        assert_eq!(route("/v2/health"), "/v<n>/health");
        assert_eq!(route("/static/js/app.3f9c1b2e.js"), "/static/js/app.<id>.js");
        assert_eq!(route("/"), "/");
    }

    fn doc(seq: u64, group: &str, level: Option<&str>, markers: &[&str], msg: &str) -> Doc {
        Doc {
            seq,
            timestamp: seq as i64 * 100,
            time: crate::timefmt::Utc::from_millis(seq as i64 * 100).iso_string(),
            log_group: group.into(),
            level: level.map(str::to_string),
            markers: markers.iter().map(|m| m.to_string()).collect(),
            message: msg.into(),
            ..Doc::default()
        }
    }

    #[test]
    fn counts_routes_health_checks_and_traces_of_interest() {
        let t1 = TraceId::from_hex("11111111111111111111111111111111");
        let t2 = TraceId::from_hex("22222222222222222222222222222222");
        let t3 = TraceId::from_hex("33333333333333333333333333333333");
        let mut docs = vec![
            doc(
                0,
                "/ecs/a",
                Some("WARN"),
                &["warn", "chaos"],
                "WARN: simulated 404 activated",
            ),
            doc(1, "/ecs/a", None, &[], "access"),
            doc(2, "/ecs/a", None, &["healthcheck"], "hc"),
            doc(3, "/ecs/a", None, &["healthcheck"], "hc no http"),
            doc(4, "/aws/lambda/f", Some("ERROR"), &["exception"], "Traceback"),
            doc(5, "/aws/lambda/f", Some("INFO"), &[], "REPORT"),
            doc(6, "/ecs/a", Some("INFO"), &[], "fine"),
        ];
        for (i, (m, s, p)) in [
            (
                0,
                ("POST", 404, "/mysfits/4e53920c-505a-4a90-a694-b9300791f0ae/like"),
            ),
            (
                1,
                ("POST", 200, "/mysfits/0e37d916-f960-4772-a25a-01b762b5c1bd/like"),
            ),
            (2, ("GET", 200, "/")),
        ] {
            docs[i].http_method = Some(m.into());
            docs[i].http_status = Some(s);
            docs[i].url_path = Some(p.into());
        }
        docs[0].trace = t1;
        docs[1].trace = t1;
        docs[4].trace = t2;
        docs[5].trace = t2;
        docs[5].duration = Some(12.5);
        docs[6].trace = t3;
        let r = build(&docs, Options::default());
        assert_eq!(r.documents, 7);
        assert_eq!(r.log_groups[0].log_group, "/aws/lambda/f");
        assert_eq!(r.log_groups[1].levels["WARN"], 1);
        assert_eq!(r.log_groups[1].levels["none"], 3);
        assert_eq!(r.log_groups[1].markers["healthcheck"], 2);
        assert_eq!(
            r.top_messages["chaos"][0].message,
            "WARN: simulated <n> activated"
        );
        assert_eq!(r.http.user_requests, 2);
        assert_eq!(r.http.user.len(), 1);
        assert_eq!(r.http.user[0].route, "/mysfits/<id>/like");
        assert_eq!(r.http.user[0].statuses["200"], 1);
        assert_eq!(r.http.user[0].statuses["404"], 1);
        assert_eq!(r.http.healthcheck_lines, 2);
        assert_eq!(r.http.healthchecks[0].total, 1);
        assert_eq!(
            (r.traces.total, r.traces.lines_with_trace, r.traces.of_interest),
            (3, 5, 2)
        );
        // The error trace first, then the chaos one; the plain one not at all.
        assert_eq!(r.traces.top[0].trace_id, "22222222222222222222222222222222");
        assert_eq!(r.traces.top[0].report_duration_ms, Some(12.5));
        assert_eq!(r.traces.top[0].example, "Traceback");
        assert_eq!(r.traces.top[1].span_ms, 100);
        assert_eq!((r.traces.top[1].chaos, r.traces.top[1].warn), (1, 1));
        let text = r.text();
        assert!(
            text.contains("  POST    /mysfits/<id>/like       2   200: 1  404: 1\n"),
            "{text}"
        );
        for line in text.lines() {
            assert!(line.chars().count() <= 100, "{line}");
        }
        let j = r.json();
        assert_eq!(j["http"]["userRequests"], 2);
        assert_eq!(
            j["traces"]["top"][0]["xrayTraceId"],
            "1-22222222-222222222222222222222222"
        );
        assert!(j.get("matched").is_none());
    }
}
