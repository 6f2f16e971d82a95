//! The names of the document contract (`SCHEMA.md`), written once.
//!
//! Everything that writes or reads a document field — rendering, the index
//! template, the mapping-conflict fallback, the dashboards — takes the name
//! from here, so a rename is one edit and a typo is a compile error.

/// The event id.
pub const ID: &str = "@id";
/// The event timestamp, ISO 8601 UTC with milliseconds.
pub const TIMESTAMP: &str = "@timestamp";
/// The message exactly as received.
pub const MESSAGE: &str = "@message";
/// The account id of the delivery.
pub const OWNER: &str = "@owner";
/// The log group of the delivery.
pub const LOG_GROUP: &str = "@log_group";
/// The log stream of the delivery.
pub const LOG_STREAM: &str = "@log_stream";

/// Normalised level.
pub const LEVEL: &str = "@level";
/// Names of the markers the message matched.
pub const MARKERS: &str = "@markers";
/// The request id the line carries.
pub const REQUEST_ID: &str = "@requestId";
/// The trace in X-Ray form.
pub const XRAY_TRACE_ID: &str = "@xrayTraceId";
/// The trace in 32-hex (W3C / OpenTelemetry) form.
pub const TRACE_ID: &str = "traceId";
/// The span or segment id the line states.
pub const SPAN_ID: &str = "spanId";
/// The service the line comes from.
pub const SERVICE_NAME: &str = "serviceName";
/// `message` or `request`: how the line got its trace.
pub const TRACE_SOURCE: &str = "@traceSource";
/// Lambda platform line type.
pub const TYPE: &str = "@type";
/// REPORT duration, ms.
pub const DURATION: &str = "@duration";
/// REPORT billed duration, ms.
pub const BILLED_DURATION: &str = "@billedDuration";
/// REPORT init duration, ms.
pub const INIT_DURATION: &str = "@initDuration";
/// REPORT memory size, MB.
pub const MEMORY_SIZE: &str = "@memorySize";
/// REPORT max memory used, MB.
pub const MAX_MEMORY_USED: &str = "@maxMemoryUsed";
/// Access-log method.
pub const HTTP_METHOD: &str = "@httpMethod";
/// Access-log status.
pub const HTTP_STATUS: &str = "@httpStatus";
/// Access-log path without the query string.
pub const URL_PATH: &str = "@urlPath";
/// The ids of the events merged into a multi-line document.
pub const MERGED_IDS: &str = "@mergedIds";
/// Why OpenSearch refused the document with its JSON members.
pub const INDEX_ERROR: &str = "@indexError";
/// Where JSON members go in `nest` mode.
pub const JSON_NEST: &str = "@json";

/// Every field the bridge itself fills. A merged JSON member with one of
/// these names loses to the bridge's value, and the mapping-conflict
/// fallback keeps exactly these.
pub const BRIDGE_FIELDS: &[&str] = &[
    ID,
    TIMESTAMP,
    MESSAGE,
    OWNER,
    LOG_GROUP,
    LOG_STREAM,
    LEVEL,
    MARKERS,
    REQUEST_ID,
    XRAY_TRACE_ID,
    TRACE_ID,
    SPAN_ID,
    SERVICE_NAME,
    TRACE_SOURCE,
    TYPE,
    DURATION,
    BILLED_DURATION,
    INIT_DURATION,
    MEMORY_SIZE,
    MAX_MEMORY_USED,
    HTTP_METHOD,
    HTTP_STATUS,
    URL_PATH,
    MERGED_IDS,
    INDEX_ERROR,
];

/// True when `name` is a field the bridge fills: any `@` name, `traceId`,
/// `spanId` or `serviceName`.
pub fn is_bridge_field(name: &str) -> bool {
    name.starts_with('@') || name == TRACE_ID || name == SPAN_ID || name == SERVICE_NAME
}
