//! OpenSearch Dashboards (and Kibana 7.10) saved objects for the bridge's
//! documents, and their import through the saved-objects API: the pivot
//! from a log line to its trace, one click.
//!
//! [`objects`] builds, for an index prefix and an AWS region:
//!
//! - the index pattern `<prefix>-*`, time field `@timestamp`, its field list
//!   derived from the index template the sink installs
//!   ([`crate::sink::template::body`]), and `url` field formats: `@xrayTraceId`
//!   links to the trace in the X-Ray console (CloudWatch) of the region,
//!   `traceId` to the trace in Dashboards' trace analytics;
//! - saved searches: WARN markers, chaos markers, errors, the lines of a
//!   trace, everything but health checks, the slowest Lambda invocations;
//! - visualizations and a dashboard that shows them.
//!
//! Ids are stable (`cwl-trace-bridge-<prefix>-…`), so an import with
//! `overwrite=true` replaces the previous version instead of adding copies.
//!
//! Formats, as OpenSearch Dashboards 2.x reads them (checked against its
//! sources, `opensearch-project/OpenSearch-Dashboards`):
//!
//! - export/import NDJSON: one object a line, `{type, id, attributes,
//!   references, migrationVersion}`; `searchSourceJSON`, `visState`,
//!   `panelsJSON`, `fields`, `fieldFormatMap` are JSON *strings*; the index
//!   pattern of a search or visualization is the reference named
//!   `kibanaSavedObjectMeta.searchSourceJSON.index` (its `indexRefName`), a
//!   dashboard's panels name theirs by `panelRefName` `panel_0`, `panel_1`…
//!   (the sample data sets in `src/plugins/home/server/services/sample_data`,
//!   the 7.0.0 migrations in `src/plugins/dashboard/server/saved_objects/
//!   dashboard_migrations.ts` and `src/plugins/discover/server/saved_objects/
//!   search_migrations.ts`).
//! - `migrationVersion` is set to the last migration of each type in
//!   Dashboards (index-pattern 7.6.0, search 7.9.3, visualization 7.10.0,
//!   dashboard 7.9.3), so that no migration for older shapes runs on these
//!   already-current objects; a version above the last would be refused.
//! - the `url` field format (`src/plugins/data/common/field_formats/
//!   converters/url.ts`): `urlTemplate` and `labelTemplate` with `{{value}}`
//!   (URI-encoded); a relative URL such as `../app/…` is resolved against
//!   Dashboards' own origin and base path, which the browser side passes as
//!   `parsedUrl` (`src/plugins/data/public/field_formats/
//!   field_formats_service.ts`), so it also works under `/_dashboards` on
//!   Amazon OpenSearch Service.
//! - the X-Ray console: `https://<region>.console.aws.amazon.com/cloudwatch/
//!   home?region=<region>#xray:traces/<id>` (CloudWatch's X-Ray trace view;
//!   the older `xray/home#/traces/<id>` deep link of the X-Ray developer
//!   guide, "Deep linking", redirects there).
//! - trace analytics (observability plugin, 2.x): `app/observability-traces
//!   #/traces/<traceId>` (`observabilityTracesID` in dashboards-observability
//!   `common/constants/shared.ts`; the plugin's `legacy_route_helpers`
//!   redirect this form to the newer `#/traces?traceId=` one, and
//!   `trace-analytics-dashboards` of 1.x to it).
//! - the import API (`src/core/server/saved_objects/routes/import.ts`,
//!   `…/import/types.ts`): `POST /api/saved_objects/_import?overwrite=true`,
//!   `multipart/form-data` with a `file` part whose file name ends in
//!   `.ndjson`, the `osd-xsrf` header (Dashboards refuses writes without it:
//!   "Request must contain a osd-xsrf header."; Kibana's is `kbn-xsrf`, per
//!   its saved-objects import API documentation); the answer is
//!   `{success, successCount, successResults?, errors?}`, each error
//!   `{id, type, title?, meta, error: {type: conflict | ambiguous_conflict |
//!   unsupported_type | missing_references | unknown | missing_data_source, …}}`
//!   with status 200 even when objects failed.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use crate::fields;
use crate::sink::template;
use crate::sink::transport::{Transport, TransportError};

/// The first part of every object id.
pub const ID_PREFIX: &str = "cwl-trace-bridge";

/// The link of a `traceId` to its trace in trace analytics, relative to
/// Dashboards' `app/` (see the module documentation).
pub const TRACE_ANALYTICS_URL_TEMPLATE: &str = "../app/observability-traces#/traces/{{value}}";

/// The import API's path, overwrite on.
pub const IMPORT_PATH: &str = "api/saved_objects/_import?overwrite=true";

/// The multipart boundary of the import request. The NDJSON is checked not
/// to contain it.
pub const BOUNDARY: &str = "cwl-trace-bridge-7d1c4e9a0b3f52e8";

/// The `Content-Type` of the import request.
pub const MULTIPART_CONTENT_TYPE: &str = "multipart/form-data; boundary=cwl-trace-bridge-7d1c4e9a0b3f52e8";

/// The file name of the `file` part: Dashboards takes only `.ndjson`.
pub const FILE_NAME: &str = "cwl-trace-bridge.ndjson";

const QUERY_INDEX_REF: &str = "kibanaSavedObjectMeta.searchSourceJSON.index";

/// What the objects are built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The index prefix (`cwl`): the index pattern is `<prefix>-*`.
    pub index_prefix: String,
    /// The AWS region of the X-Ray console links.
    pub region: String,
}

/// The id of the index pattern for `prefix`: `cwl-trace-bridge-<prefix>`.
pub fn index_pattern_id(prefix: &str) -> String {
    format!("{ID_PREFIX}-{prefix}")
}

fn object_id(prefix: &str, kind: &str, name: &str) -> String {
    format!("{ID_PREFIX}-{prefix}-{kind}-{name}")
}

/// The X-Ray console's trace view for `region`, `{{value}}` standing for
/// the `1-…` trace id. China and GovCloud regions have consoles of their own.
pub fn xray_trace_url_template(region: &str) -> String {
    // Console hosts per partition as public tools link them:
    // `<region>.console.amazonaws.cn`, `<region>.console.amazonaws-us-gov.com`.
    let domain = if region.starts_with("cn-") {
        "console.amazonaws.cn"
    } else if region.starts_with("us-gov-") {
        "console.amazonaws-us-gov.com"
    } else {
        "console.aws.amazon.com"
    };
    format!("https://{region}.{domain}/cloudwatch/home?region={region}#xray:traces/{{{{value}}}}")
}

/// A region name as AWS spells them (`eu-west-1`, `us-gov-west-1`): it goes
/// into a URL, so nothing else is let through.
pub fn check_region(region: &str) -> Result<(), String> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "region {region:?}: expected an AWS region name such as eu-west-1"
        ))
    }
}

/// The region of the X-Ray links: the one given (`--region`, `AWS_REGION`),
/// else the one in the Dashboards URL's host (`search-….eu-west-1.es.amazonaws.com`).
pub fn resolve_region(given: Option<&str>, dashboards_url: Option<&str>) -> Result<String, String> {
    let from_url = dashboards_url.and_then(|u| {
        let rest = u.split_once("://").map_or(u, |(_, r)| r);
        let host = rest.split(['/', ':', '?', '#']).next().unwrap_or_default();
        crate::config::region_from_host(host)
    });
    let region = match (given.map(str::trim).filter(|r| !r.is_empty()), from_url) {
        (Some(r), _) => r.to_string(),
        (None, Some(r)) => r,
        (None, None) => {
            return Err(
                "the X-Ray links need the AWS region of the traces: give --region REGION or set AWS_REGION"
                    .to_string(),
            );
        }
    };
    check_region(&region)?;
    Ok(region)
}

/// The index pattern's field list, from the index template's mapping: the
/// Dashboards type of each (`string`, `number`, `date`), searchable,
/// aggregatable unless `text`, plus the metadata fields Dashboards lists.
pub fn index_pattern_fields(prefix: &str) -> Vec<Value> {
    let body = template::body(prefix);
    let mut out = Vec::new();
    for (name, es, searchable, aggregatable) in [
        ("_id", "_id", true, true),
        ("_index", "_index", true, true),
        ("_source", "_source", false, false),
    ] {
        let ty = if name == "_source" { "_source" } else { "string" };
        out.push(json!({
            "name": name, "type": ty, "esTypes": [es], "count": 0, "scripted": false,
            "searchable": searchable, "aggregatable": aggregatable, "readFromDocValues": false
        }));
    }
    out.push(json!({
        "name": "_score", "type": "number", "count": 0, "scripted": false,
        "searchable": false, "aggregatable": false, "readFromDocValues": false
    }));
    if let Some(props) = body["template"]["mappings"]["properties"].as_object() {
        let mut names: Vec<&String> = props.keys().collect();
        names.sort();
        for name in names {
            let es = props[name]["type"].as_str().unwrap_or("keyword");
            let ty = match es {
                "keyword" | "text" => "string",
                "long" | "integer" | "short" | "byte" | "double" | "float" | "half_float"
                | "scaled_float" => "number",
                "date" => "date",
                "boolean" => "boolean",
                other => other,
            };
            let doc_values = es != "text";
            out.push(json!({
                "name": name, "type": ty, "esTypes": [es], "count": 0, "scripted": false,
                "searchable": true, "aggregatable": doc_values, "readFromDocValues": doc_values
            }));
        }
    }
    out
}

/// One saved search.
struct SearchDef {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    query: String,
    columns: Vec<&'static str>,
    sort: Vec<(&'static str, &'static str)>,
}

fn searches() -> Vec<SearchDef> {
    use fields::*;
    let line_columns = vec![LOG_GROUP, SERVICE_NAME, LEVEL, MESSAGE, XRAY_TRACE_ID, TRACE_ID];
    let newest_first = vec![(TIMESTAMP, "desc")];
    vec![
        SearchDef {
            name: "warn",
            title: "WARN markers",
            description: "Lines with a WARN: or WARNING: marker; click @xrayTraceId for the X-Ray trace, traceId for trace analytics.",
            query: format!("{MARKERS}:warn"),
            columns: line_columns.clone(),
            sort: newest_first.clone(),
        },
        SearchDef {
            name: "chaos",
            title: "Chaos markers",
            description: "Simulated faults, stress functions, fault injection: the lines that say chaos is on.",
            query: format!("{MARKERS}:chaos"),
            columns: line_columns.clone(),
            sort: newest_first.clone(),
        },
        SearchDef {
            name: "errors",
            title: "Errors (ERROR, FATAL, exceptions)",
            description: "Lines whose header states ERROR or FATAL, and stack traces.",
            query: format!("{LEVEL}:(ERROR or FATAL) or {MARKERS}:exception"),
            columns: line_columns.clone(),
            sort: newest_first.clone(),
        },
        SearchDef {
            name: "trace-lines",
            title: "Lines of a trace (by traceId)",
            description: "Every line that carries a trace, grouped by traceId, oldest first: filter traceId for one trace's lines across services.",
            query: format!("{TRACE_ID}:*"),
            columns: vec![
                TRACE_ID,
                SERVICE_NAME,
                LOG_GROUP,
                LEVEL,
                MESSAGE,
                TRACE_SOURCE,
                XRAY_TRACE_ID,
            ],
            sort: vec![(TRACE_ID, "asc"), (TIMESTAMP, "asc")],
        },
        SearchDef {
            name: "no-healthchecks",
            title: "All lines, health checks excluded",
            description: "Everything but ELB, Kubernetes and Google health-check lines.",
            query: format!("not {MARKERS}:healthcheck"),
            columns: vec![LOG_GROUP, LEVEL, MESSAGE, TRACE_ID],
            sort: newest_first,
        },
        SearchDef {
            name: "slowest-invocations",
            title: "Slowest Lambda invocations",
            description: "REPORT lines and platform.report records, longest @duration first.",
            query: format!("{DURATION}:*"),
            columns: vec![
                LOG_GROUP,
                DURATION,
                BILLED_DURATION,
                INIT_DURATION,
                MAX_MEMORY_USED,
                REQUEST_ID,
                XRAY_TRACE_ID,
            ],
            sort: vec![(DURATION, "desc")],
        },
    ]
}

/// One visualization: its vis type, query, params and aggregations.
struct VisDef {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    vis_type: &'static str,
    query: String,
    params: Value,
    aggs: Vec<Value>,
}

fn count_agg(id: &str) -> Value {
    json!({"id": id, "enabled": true, "type": "count", "schema": "metric", "params": {}})
}

fn metric_agg(id: &str, ty: &str, field: &str, label: &str) -> Value {
    json!({"id": id, "enabled": true, "type": ty, "schema": "metric",
           "params": {"field": field, "customLabel": label}})
}

fn terms_agg(id: &str, schema: &str, field: &str, size: u32, missing: Option<&str>, label: &str) -> Value {
    json!({"id": id, "enabled": true, "type": "terms", "schema": schema, "params": {
        "field": field, "orderBy": "1", "order": "desc", "size": size,
        "otherBucket": false, "otherBucketLabel": "Other",
        "missingBucket": missing.is_some(), "missingBucketLabel": missing.unwrap_or("Missing"),
        "customLabel": label
    }})
}

fn visualizations() -> Vec<VisDef> {
    use fields::*;
    let bars = |legend: bool| {
        json!({"type": "histogram", "addTooltip": true, "addLegend": legend,
               "legendPosition": "right", "times": [], "addTimeMarker": false})
    };
    let table = json!({"perPage": 10, "showPartialRows": false, "showMetricsAtAllLevels": false,
                       "sort": {"columnIndex": null, "direction": null}, "showTotal": false,
                       "totalFunc": "sum", "percentageCol": ""});
    vec![
        VisDef {
            name: "levels-over-time",
            title: "Documents per level over time",
            description: "Log lines per @level, stacked, over the time picker's range.",
            vis_type: "histogram",
            query: String::new(),
            params: bars(true),
            aggs: vec![
                count_agg("1"),
                json!({"id": "2", "enabled": true, "type": "date_histogram", "schema": "segment",
                       "params": {"field": TIMESTAMP, "interval": "auto", "drop_partials": false,
                                  "min_doc_count": 1, "extended_bounds": {}}}),
                terms_agg("3", "group", LEVEL, 7, Some("(no level)"), "Level"),
            ],
        },
        VisDef {
            name: "markers-per-log-group",
            title: "Markers per log group",
            description: "How often each marker (warn, chaos, healthcheck, exception, yours) matched, per log group.",
            vis_type: "histogram",
            query: format!("{MARKERS}:*"),
            params: bars(true),
            aggs: vec![
                count_agg("1"),
                terms_agg("2", "segment", LOG_GROUP, 20, None, "Log group"),
                terms_agg("3", "group", MARKERS, 10, None, "Marker"),
            ],
        },
        VisDef {
            name: "http-status-per-route",
            title: "HTTP status per route",
            description: "Access-log lines per @urlPath and @httpStatus.",
            vis_type: "table",
            query: format!("{HTTP_STATUS}:*"),
            params: table.clone(),
            aggs: vec![
                count_agg("1"),
                terms_agg("2", "bucket", URL_PATH, 50, None, "Route"),
                terms_agg("3", "bucket", HTTP_STATUS, 10, None, "Status"),
            ],
        },
        VisDef {
            name: "lambda-duration",
            title: "Lambda invocation duration per function",
            description: "The slowest and the mean @duration of REPORT lines, per log group (the invocations themselves: the Slowest Lambda invocations search).",
            vis_type: "table",
            query: format!("{DURATION}:*"),
            params: table,
            aggs: vec![
                metric_agg("1", "max", DURATION, "Slowest (ms)"),
                metric_agg("2", "avg", DURATION, "Mean (ms)"),
                count_agg("3"),
                terms_agg("4", "bucket", LOG_GROUP, 20, None, "Function log group"),
            ],
        },
    ]
}

fn search_source(query: &str, with_index: bool) -> String {
    let mut s = json!({
        "query": {"query": query, "language": "kuery"},
        "filter": [],
    });
    if with_index {
        s["indexRefName"] = json!(QUERY_INDEX_REF);
        s["highlightAll"] = json!(true);
        s["version"] = json!(true);
    }
    s.to_string()
}

fn index_reference(prefix: &str) -> Value {
    json!([{"name": QUERY_INDEX_REF, "type": "index-pattern", "id": index_pattern_id(prefix)}])
}

/// Every object, in import order (the index pattern first, the dashboard
/// last: referenced objects before those that reference them).
pub fn objects(opts: &Options) -> Vec<Value> {
    let prefix = opts.index_prefix.as_str();
    let link = |template: String| json!({"id": "url", "params": {"type": "a", "urlTemplate": template, "labelTemplate": "{{value}}"}});
    let mut formats = serde_json::Map::new();
    formats.insert(
        fields::XRAY_TRACE_ID.into(),
        link(xray_trace_url_template(&opts.region)),
    );
    formats.insert(
        fields::TRACE_ID.into(),
        link(TRACE_ANALYTICS_URL_TEMPLATE.to_string()),
    );
    let mut out = vec![json!({
        "type": "index-pattern",
        "id": index_pattern_id(prefix),
        "attributes": {
            "title": format!("{prefix}-*"),
            "timeFieldName": fields::TIMESTAMP,
            "fields": Value::Array(index_pattern_fields(prefix)).to_string(),
            "fieldFormatMap": Value::Object(formats).to_string(),
        },
        "references": [],
        "migrationVersion": {"index-pattern": "7.6.0"},
    })];
    let mut panels: Vec<(&str, String, &str)> = Vec::new();
    for s in searches() {
        let id = object_id(prefix, "search", s.name);
        if matches!(s.name, "warn" | "trace-lines" | "slowest-invocations") {
            panels.push(("search", id.clone(), s.name));
        }
        out.push(json!({
            "type": "search",
            "id": id,
            "attributes": {
                "title": s.title,
                "description": s.description,
                "hits": 0,
                "columns": s.columns,
                "sort": s.sort.iter().map(|(f, d)| json!([f, d])).collect::<Vec<_>>(),
                "version": 1,
                "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(&s.query, true)},
            },
            "references": index_reference(prefix),
            "migrationVersion": {"search": "7.9.3"},
        }));
    }
    for v in visualizations() {
        let id = object_id(prefix, "vis", v.name);
        panels.push(("visualization", id.clone(), v.name));
        let vis_state = json!({"title": v.title, "type": v.vis_type, "params": v.params, "aggs": v.aggs});
        out.push(json!({
            "type": "visualization",
            "id": id,
            "attributes": {
                "title": v.title,
                "description": v.description,
                "visState": vis_state.to_string(),
                "uiStateJSON": "{}",
                "version": 1,
                "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(&v.query, true)},
            },
            "references": index_reference(prefix),
            "migrationVersion": {"visualization": "7.10.0"},
        }));
    }
    out.push(dashboard(prefix, &panels));
    out
}

/// The dashboard: where each panel goes on the 48-column grid.
fn dashboard(prefix: &str, panels: &[(&str, String, &str)]) -> Value {
    let layout = |name: &str| -> (u32, u32, u32, u32) {
        match name {
            "levels-over-time" => (0, 0, 48, 12),
            "markers-per-log-group" => (0, 12, 24, 15),
            "http-status-per-route" => (24, 12, 24, 15),
            "warn" => (0, 27, 48, 15),
            "trace-lines" => (0, 42, 48, 15),
            "slowest-invocations" => (0, 57, 30, 15),
            "lambda-duration" => (30, 57, 18, 15),
            _ => (0, 72, 24, 15),
        }
    };
    let mut order: Vec<&(&str, String, &str)> = panels.iter().collect();
    order.sort_by_key(|(_, _, name)| {
        let (x, y, _, _) = layout(name);
        (y, x)
    });
    let mut panels_json = Vec::new();
    let mut references = Vec::new();
    for (i, (ty, id, name)) in order.into_iter().enumerate() {
        let (x, y, w, h) = layout(name);
        let index = (i + 1).to_string();
        let ref_name = format!("panel_{i}");
        panels_json.push(json!({
            "version": "7.10.2",
            "gridData": {"x": x, "y": y, "w": w, "h": h, "i": index},
            "panelIndex": index,
            "embeddableConfig": {},
            "panelRefName": ref_name,
        }));
        references.push(json!({"name": ref_name, "type": ty, "id": id}));
    }
    json!({
        "type": "dashboard",
        "id": object_id(prefix, "dashboard", "overview"),
        "attributes": {
            "title": format!("cwl-trace-bridge: logs and traces ({prefix}-*)"),
            "description": "Levels over time, markers per log group, HTTP status per route, the WARN lines with links to their traces, the lines of traces (filter on a traceId to see one trace across services), the slowest Lambda invocations.",
            "hits": 0,
            "panelsJSON": Value::Array(panels_json).to_string(),
            "optionsJSON": json!({"hidePanelTitles": false, "useMargins": true}).to_string(),
            "version": 1,
            "timeRestore": true,
            "timeFrom": "now-24h",
            "timeTo": "now",
            "refreshInterval": {"pause": true, "value": 0},
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source("", false)},
        },
        "references": references,
        "migrationVersion": {"dashboard": "7.9.3"},
    })
}

/// The objects as the import API takes them: one JSON object a line.
pub fn ndjson(opts: &Options) -> String {
    let mut s = String::new();
    for o in objects(opts) {
        s.push_str(&o.to_string());
        s.push('\n');
    }
    s
}

/// A one-line account of what [`objects`] holds.
pub fn describe(objects: &[Value]) -> String {
    let count = |ty: &str| objects.iter().filter(|o| o["type"] == ty).count();
    let pattern = objects
        .iter()
        .find(|o| o["type"] == "index-pattern")
        .and_then(|o| o["attributes"]["title"].as_str())
        .unwrap_or("?");
    format!(
        "{} objects: index pattern {pattern}, {} saved searches, {} visualizations, {} dashboard",
        objects.len(),
        count("search"),
        count("visualization"),
        count("dashboard")
    )
}

/// The `multipart/form-data` body of the import request: one `file` part
/// holding `ndjson` (content type [`MULTIPART_CONTENT_TYPE`]).
pub fn multipart_body(ndjson: &str) -> Result<Vec<u8>, String> {
    if ndjson.contains(BOUNDARY) {
        return Err(format!(
            "the saved objects contain the multipart boundary {BOUNDARY:?}; use another index prefix"
        ));
    }
    let mut b = Vec::with_capacity(ndjson.len() + 256);
    b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
    b.extend_from_slice(
        format!("Content-Disposition: form-data; name=\"file\"; filename=\"{FILE_NAME}\"\r\n").as_bytes(),
    );
    b.extend_from_slice(b"Content-Type: application/ndjson\r\n\r\n");
    b.extend_from_slice(ndjson.as_bytes());
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Ok(b)
}

/// One object the import did not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectError {
    /// Its id.
    pub id: String,
    /// Its type.
    pub kind: String,
    /// Its title, when Dashboards said it.
    pub title: Option<String>,
    /// What went wrong, in words.
    pub error: String,
}

impl std::fmt::Display for ObjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.id)?;
        if let Some(t) = &self.title {
            write!(f, " ({t})")?;
        }
        write!(f, ": {}", self.error)
    }
}

/// A successful import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Objects imported (`successCount`).
    pub success_count: u64,
}

/// Why the import failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstallError {
    /// 401 or 403: the credentials, or their permissions.
    #[error("Dashboards refused the request with {status}: {reason}")]
    Auth {
        /// The status.
        status: u16,
        /// What Dashboards said.
        reason: String,
    },
    /// Any other status but 200.
    #[error("Dashboards answered {status}: {reason}")]
    Status {
        /// The status.
        status: u16,
        /// What Dashboards said.
        reason: String,
    },
    /// `success: false`: some objects were not imported.
    #[error("{} objects not imported ({success_count} imported)", errors.len())]
    Objects {
        /// Objects imported.
        success_count: u64,
        /// The others, with why.
        errors: Vec<ObjectError>,
    },
    /// A 200 whose body is not the import API's answer.
    #[error(
        "the answer is not the saved-objects import API's ({0}); is the URL the Dashboards base URL (Amazon OpenSearch Service: https://DOMAIN/_dashboards)?"
    )]
    BadAnswer(String),
    /// No answer.
    #[error("no answer from Dashboards: {0}")]
    Transport(#[from] TransportError),
    /// The request could not be built.
    #[error("{0}")]
    Request(String),
}

/// What a Dashboards error body says: the `message` of its
/// `{statusCode, error, message}` form, else the text itself (shortened).
fn reason(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        for key in ["message", "error", "body"] {
            match &v[key] {
                Value::String(s) if !s.is_empty() => return s.clone(),
                Value::Object(o) => {
                    if let Some(r) = o.get("reason").and_then(Value::as_str) {
                        return r.to_string();
                    }
                }
                _ => {}
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_string();
    }
    let mut short: String = text.chars().take(300).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// One import error in words.
fn error_text(e: &Value) -> String {
    let ty = e["type"].as_str().unwrap_or("unknown");
    match ty {
        "conflict" => "conflict: an object with this id exists (import with overwrite)".to_string(),
        "ambiguous_conflict" => "ambiguous conflict: several objects match its origin".to_string(),
        "unsupported_type" => {
            "unsupported type: this Dashboards has no such object type (plugin missing?)".to_string()
        }
        "missing_references" => {
            let refs: Vec<String> = e["references"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|r| {
                            format!(
                                "{} {}",
                                r["type"].as_str().unwrap_or("?"),
                                r["id"].as_str().unwrap_or("?")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("missing references: {}", refs.join(", "))
        }
        "missing_data_source" => format!(
            "missing data source {}",
            e["dataSourceName"].as_str().unwrap_or("?")
        ),
        "unknown" => format!(
            "{} (status {})",
            e["message"].as_str().unwrap_or("unknown error"),
            e["statusCode"]
        ),
        other => format!("{other}: {e}"),
    }
}

/// Reads the import API's answer.
pub fn read_answer(status: u16, body: &[u8]) -> Result<Imported, InstallError> {
    match status {
        200 => {}
        401 | 403 => {
            return Err(InstallError::Auth {
                status,
                reason: reason(body),
            });
        }
        _ => {
            let mut r = reason(body);
            if r.contains("no handler found for uri") {
                r.push_str(" (this is OpenSearch, not Dashboards: on Amazon OpenSearch Service use https://DOMAIN/_dashboards)");
            }
            return Err(InstallError::Status { status, reason: r });
        }
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|e| InstallError::BadAnswer(format!("not JSON: {e}")))?;
    let success = v["success"]
        .as_bool()
        .ok_or_else(|| InstallError::BadAnswer("no boolean \"success\"".to_string()))?;
    let success_count = v["successCount"].as_u64().unwrap_or(0);
    let errors: Vec<ObjectError> = v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| ObjectError {
                    id: e["id"].as_str().unwrap_or("?").to_string(),
                    kind: e["type"].as_str().unwrap_or("?").to_string(),
                    title: e["meta"]["title"]
                        .as_str()
                        .or_else(|| e["title"].as_str())
                        .map(str::to_string),
                    error: error_text(&e["error"]),
                })
                .collect()
        })
        .unwrap_or_default();
    if success && errors.is_empty() {
        Ok(Imported { success_count })
    } else {
        Err(InstallError::Objects {
            success_count,
            errors,
        })
    }
}

/// Posts `ndjson` to the import API of the Dashboards `transport` points
/// at (overwrite on), into `tenant` when given (security plugin
/// multi-tenancy: the `securitytenant` header).
pub async fn install(
    transport: &Transport,
    ndjson: &str,
    tenant: Option<&str>,
    timeout: Duration,
) -> Result<Imported, InstallError> {
    let body = multipart_body(ndjson).map_err(InstallError::Request)?;
    // Dashboards wants `osd-xsrf`, Kibana `kbn-xsrf`; each ignores the other.
    let mut headers = vec![
        ("osd-xsrf", HeaderValue::from_static("true")),
        ("kbn-xsrf", HeaderValue::from_static("true")),
    ];
    if let Some(t) = tenant {
        let v = HeaderValue::from_str(t)
            .map_err(|_| InstallError::Request(format!("tenant {t:?}: not a valid header value")))?;
        headers.push(("securitytenant", v));
    }
    let answer = transport
        .send_with_headers(
            reqwest::Method::POST,
            IMPORT_PATH,
            MULTIPART_CONTENT_TYPE,
            &headers,
            Bytes::from(body),
            timeout,
        )
        .await?;
    read_answer(answer.status, &answer.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Options {
        Options {
            index_prefix: "cwl".into(),
            region: "eu-west-1".into(),
        }
    }

    #[test]
    fn content_type_names_the_boundary() {
        assert_eq!(
            MULTIPART_CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}")
        );
        let body = multipart_body("{}\n").unwrap();
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with(&format!("--{BOUNDARY}\r\n")));
        assert!(text.ends_with(&format!("\r\n--{BOUNDARY}--\r\n")));
        assert!(multipart_body(&format!("x{BOUNDARY}x")).is_err());
        assert!(!ndjson(&opts()).contains(BOUNDARY));
    }

    #[test]
    fn xray_links_per_partition() {
        assert_eq!(
            xray_trace_url_template("eu-west-1"),
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/{{value}}"
        );
        assert!(
            xray_trace_url_template("cn-north-1").starts_with("https://cn-north-1.console.amazonaws.cn/")
        );
        assert!(
            xray_trace_url_template("us-gov-west-1")
                .starts_with("https://us-gov-west-1.console.amazonaws-us-gov.com/")
        );
    }

    #[test]
    fn regions_are_checked_and_found_in_the_host() {
        for ok in ["us-east-1", "eu-west-1", "us-gov-west-1", "ap-southeast-2"] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        for bad in ["", "eu", "EU-WEST-1", "eu-west-", "eu-west-1/../x", "eu-west-1#"] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
        assert_eq!(
            resolve_region(
                None,
                Some("https://search-x.us-east-2.es.amazonaws.com/_dashboards")
            )
            .unwrap(),
            "us-east-2"
        );
        assert_eq!(
            resolve_region(
                Some("eu-west-1"),
                Some("https://search-x.us-east-2.es.amazonaws.com")
            )
            .unwrap(),
            "eu-west-1"
        );
        let e = resolve_region(None, Some("http://localhost:5601")).unwrap_err();
        assert!(e.contains("--region") && e.contains("AWS_REGION"), "{e}");
        assert!(resolve_region(Some("nowhere"), None).is_err());
    }

    #[test]
    fn the_marker_names_queried_are_default_markers() {
        let names: Vec<&str> = crate::parse::markers::DEFAULTS.iter().map(|(n, _)| *n).collect();
        for m in ["warn", "chaos", "healthcheck", "exception"] {
            assert!(names.contains(&m), "{m}");
        }
    }

    #[test]
    fn answers_are_read_as_the_import_api_gives_them() {
        assert_eq!(
            read_answer(200, br#"{"success":true,"successCount":12,"successResults":[]}"#).unwrap(),
            Imported { success_count: 12 }
        );
        let e = read_answer(
            200,
            br#"{"success":false,"successCount":1,"errors":[
              {"id":"a","type":"dashboard","title":"T","meta":{"title":"T","icon":"dashboardApp"},
               "error":{"type":"missing_references","references":[{"type":"visualization","id":"v"}]}},
              {"id":"b","type":"visualization","meta":{},"error":{"type":"unsupported_type"}},
              {"id":"c","type":"search","meta":{},"error":{"type":"unknown","message":"boom","statusCode":500}}]}"#,
        )
        .unwrap_err();
        let InstallError::Objects {
            success_count,
            errors,
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!(success_count, 1);
        assert_eq!(
            errors[0].to_string(),
            "dashboard a (T): missing references: visualization v"
        );
        assert!(errors[1].error.starts_with("unsupported type"));
        assert_eq!(errors[2].error, "boom (status 500)");
        assert!(matches!(
            read_answer(401, br#"{"statusCode":401,"error":"Unauthorized","message":"Authentication required"}"#),
            Err(InstallError::Auth { status: 401, ref reason }) if reason == "Authentication required"
        ));
        let e = read_answer(
            400,
            br#"{"error":"no handler found for uri [/api/saved_objects/_import] and method [POST]"}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("/_dashboards"), "{e}");
        assert!(matches!(
            read_answer(200, b"<html>login</html>"),
            Err(InstallError::BadAnswer(_))
        ));
    }
}
