//! Parse: what one log line says about itself — level, markers, request id,
//! trace id, service, Lambda platform type and metrics, access-log fields,
//! JSON members (SCHEMA.md, "Fields" to "Markers").
//!
//! [`parse`] looks at one event's message once: it parses the trailing JSON
//! object at most once and hands the result to every extractor. Nothing here
//! knows about other lines; joining lines to their request's trace is
//! [`crate::join`].

pub mod access_log;
mod bytes;
pub mod json;
pub mod lambda;
pub mod level;
pub mod markers;
pub mod request_id;
pub mod service;
pub mod trace;

#[cfg(test)]
pub(crate) mod fixture_lines;

use std::borrow::Cow;

pub use level::Level;
pub use markers::{MarkerError, MarkerSet};
pub use trace::{SpanId, TraceId};

/// How a line got its trace id (`@traceSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceSource {
    /// The line itself stated it.
    Message,
    /// It was joined through the line's `@requestId`.
    Request,
}

impl TraceSource {
    /// The value written into `@traceSource`.
    pub fn as_str(self) -> &'static str {
        match self {
            TraceSource::Message => "message",
            TraceSource::Request => "request",
        }
    }
}

/// Lambda `REPORT` metrics (from the text line or a `platform.report` record).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Report {
    /// `Duration`, ms.
    pub duration: Option<f64>,
    /// `Billed Duration`, ms.
    pub billed_duration: Option<f64>,
    /// `Init Duration`, ms.
    pub init_duration: Option<f64>,
    /// `Memory Size`, MB.
    pub memory_size: Option<u64>,
    /// `Max Memory Used`, MB.
    pub max_memory_used: Option<u64>,
}

/// Fields of an access-log line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Http<'a> {
    /// `GET`, `POST`, …
    pub method: Option<&'a str>,
    /// The response status.
    pub status: Option<u16>,
    /// The path without the query string.
    pub path: Option<&'a str>,
}

/// Everything the bridge reads from one line. Every field is optional: a
/// field the line does not state stays `None` and is left out of the
/// document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line<'a> {
    /// The level the line's own header states.
    pub level: Option<Level>,
    /// Indices into the [`MarkerSet`] of the markers the message matched, ascending.
    pub markers: Vec<u16>,
    /// The request id the line carries.
    pub request_id: Option<Cow<'a, str>>,
    /// The trace id, stated by the line or joined through its request.
    pub trace: Option<TraceId>,
    /// The span or segment id the line itself states.
    pub span: Option<SpanId>,
    /// How `trace` was found; `None` when there is no trace.
    pub trace_source: Option<TraceSource>,
    /// The service the line comes from.
    pub service_name: Option<Cow<'a, str>>,
    /// `@type`: `START`, `REPORT`, `platform.start`, …
    pub kind: Option<Cow<'a, str>>,
    /// REPORT metrics, when the line has any (boxed: few lines do, and a
    /// delivery's lines are all in memory until it is rendered).
    pub report: Option<Box<Report>>,
    /// Access-log fields.
    pub http: Http<'a>,
    /// The members of the JSON object that runs from the message's first `{`
    /// to its end, when there is one.
    pub json: Option<json::Members<'a>>,
}

/// The parse configuration: compiled once per process.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The markers to look for.
    pub markers: MarkerSet,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            markers: MarkerSet::defaults(),
        }
    }
}

/// What several extractors ask of one line, found once by [`parse`]
/// rather than once by each of them.
#[derive(Debug, Default)]
pub(crate) struct Shared<'j, 'a> {
    /// The members of the message's JSON object.
    pub json: Option<&'j json::Members<'a>>,
    /// The Lambda text line the message is ([`lambda::text_kind`]).
    pub text_kind: Option<&'static str>,
    /// The `type` and `record` of a Lambda JSON `platform.*` record
    /// ([`lambda::platform_record`]).
    pub platform: Option<(Cow<'a, str>, json::Members<'a>)>,
}

impl<'j, 'a> Shared<'j, 'a> {
    /// What `message`, whose JSON object is `json`, shares.
    pub fn of(message: &str, json: Option<&'j json::Members<'a>>) -> Shared<'j, 'a> {
        Shared {
            json,
            text_kind: lambda::text_kind(message),
            platform: json.and_then(lambda::platform_record),
        }
    }
}

/// What parsing needs of a line's log group: found once for a delivery,
/// whose lines all share one group, rather than once per line.
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// The service the group names ([`service::from_log_group`]).
    service: Option<&'a str>,
}

impl<'a> Group<'a> {
    /// The group `log_group`.
    pub fn new(log_group: &'a str) -> Group<'a> {
        Group {
            service: service::from_log_group(log_group),
        }
    }
}

/// Parses one message of `log_group`.
pub fn parse<'a>(message: &'a str, log_group: &'a str, rules: &Rules) -> Line<'a> {
    parse_in(message, Group::new(log_group), rules)
}

/// [`parse`] with the group found once ([`Group::new`]): what the pipeline
/// calls for each line of a delivery.
pub fn parse_in<'a>(message: &'a str, group: Group<'a>, rules: &Rules) -> Line<'a> {
    let json = json::extract_object(message);
    let obj = json.as_ref();
    let shared = Shared::of(message, obj);
    let found = trace::find_in(message, &shared);
    let (kind, report) = lambda::platform_in(message, &shared);
    // One literal: the parts are written where the line goes.
    Line {
        level: level::detect(message, obj),
        markers: rules.markers.scan(message),
        request_id: request_id::find_in(message, &shared),
        trace: found.map(|f| f.trace),
        span: found.and_then(|f| f.span),
        trace_source: found.map(|_| TraceSource::Message),
        service_name: service::name(obj, group.service),
        kind,
        report: (report != Report::default()).then(|| Box::new(report)),
        http: access_log::parse(message),
        json,
    }
}
