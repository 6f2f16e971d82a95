//! `cwl-bridge dashboards`: the saved objects checked against the import
//! format of OpenSearch Dashboards, and `--install` against the Dashboards
//! stand-in of `support::dashboards_standin`.

use std::collections::{BTreeMap, BTreeSet};

use cwl_trace_bridge::dashboards::{self, Options};
use serde_json::Value;

use crate::support::dashboards_standin::{self as osd, DashboardsStandin};
use crate::support::{TempDir, cli, cli_env};

fn opts(prefix: &str, region: &str) -> Options {
    Options {
        index_prefix: prefix.into(),
        region: region.into(),
    }
}

/// A JSON string attribute, parsed.
fn json_attr(o: &Value, path: &[&str]) -> Value {
    let mut v = &o["attributes"];
    for p in path {
        v = &v[*p];
    }
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{} {}: {path:?} is not a JSON string", o["type"], o["id"]));
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{} {}: {path:?} is not JSON: {e}", o["type"], o["id"]))
}

/// The field names a KQL query names (`name:` before a value).
fn kql_fields(q: &str) -> Vec<String> {
    let re = regex::Regex::new(r"(?:^|[\s(])([@A-Za-z_][\w.@]*)\s*:").unwrap();
    re.captures_iter(q).map(|c| c[1].to_string()).collect()
}

/// The last migration of each type in Dashboards 2.x: a saved object with
/// a newer `migrationVersion` is refused.
const LATEST_MIGRATION: &[(&str, &str)] = &[
    ("index-pattern", "7.6.0"),
    ("search", "7.9.3"),
    ("visualization", "7.10.0"),
    ("dashboard", "7.9.3"),
];

fn version_le(a: &str, b: &str) -> bool {
    let parse = |s: &str| {
        s.split('.')
            .map(|p| p.parse::<u32>().unwrap())
            .collect::<Vec<_>>()
    };
    parse(a) <= parse(b)
}

/// Checks `ndjson` against the saved-objects import format and returns the
/// objects. Panics naming the object and what is wrong.
fn validate(ndjson: &str) -> Vec<Value> {
    assert!(ndjson.ends_with('\n'), "one object a line, each ended");
    let objects: Vec<Value> = ndjson
        .lines()
        .enumerate()
        .map(|(n, l)| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
            assert!(v.is_object(), "line {}: not an object", n + 1);
            v
        })
        .collect();
    let mut keys = BTreeSet::new();
    for o in &objects {
        let ty = o["type"].as_str().expect("type");
        let id = o["id"].as_str().expect("id");
        assert!(
            !id.is_empty() && id.starts_with("cwl-trace-bridge-"),
            "{ty} {id}: stable id"
        );
        assert!(o["attributes"].is_object(), "{ty} {id}: attributes");
        assert!(o["references"].is_array(), "{ty} {id}: references");
        assert!(o["attributes"]["title"].is_string(), "{ty} {id}: title");
        assert!(keys.insert((ty.to_string(), id.to_string())), "{ty} {id}: twice");
        let (_, latest) = LATEST_MIGRATION
            .iter()
            .find(|(t, _)| *t == ty)
            .unwrap_or_else(|| panic!("{ty}: not a type of Dashboards' import"));
        let mv = o["migrationVersion"][ty].as_str().expect("migrationVersion");
        assert!(
            version_le(mv, latest),
            "{ty} {id}: migrationVersion {mv} above {latest}"
        );
    }
    // Every reference resolves to an object of the file.
    for o in &objects {
        for r in o["references"].as_array().unwrap() {
            let (name, ty, id) = (r["name"].as_str(), r["type"].as_str(), r["id"].as_str());
            let (Some(name), Some(ty), Some(id)) = (name, ty, id) else {
                panic!("{}: reference {r} lacks name, type or id", o["id"]);
            };
            assert!(!name.is_empty());
            assert!(
                keys.contains(&(ty.to_string(), id.to_string())),
                "{}: reference {name} to {ty} {id} resolves to nothing",
                o["id"]
            );
        }
    }
    let patterns: Vec<&Value> = objects.iter().filter(|o| o["type"] == "index-pattern").collect();
    assert_eq!(patterns.len(), 1);
    let pattern = patterns[0];
    let fields = json_attr(pattern, &["fields"]);
    let fields: BTreeMap<String, Value> = fields
        .as_array()
        .expect("fields is an array")
        .iter()
        .map(|f| {
            for k in ["name", "type"] {
                assert!(f[k].is_string(), "field {f}: {k}");
            }
            for k in ["searchable", "aggregatable", "readFromDocValues", "scripted"] {
                assert!(f[k].is_boolean(), "field {f}: {k}");
            }
            (f["name"].as_str().unwrap().to_string(), f.clone())
        })
        .collect();
    let time = pattern["attributes"]["timeFieldName"].as_str().unwrap();
    assert_eq!(fields[time]["type"], "date", "the time field is a date");
    let formats = json_attr(pattern, &["fieldFormatMap"]);
    for (name, f) in formats.as_object().unwrap() {
        assert!(fields.contains_key(name), "format for unknown field {name}");
        assert!(f["id"].is_string(), "format {name}: id");
    }
    let field = |owner: &Value, name: &str, aggregatable: bool| {
        let f = fields
            .get(name)
            .unwrap_or_else(|| panic!("{}: field {name} is not in the index pattern", owner["id"]));
        if aggregatable {
            assert_eq!(
                f["aggregatable"], true,
                "{}: {name} is not aggregatable",
                owner["id"]
            );
        }
    };
    let index_ref = |o: &Value| {
        let ss = json_attr(o, &["kibanaSavedObjectMeta", "searchSourceJSON"]);
        assert!(
            ss["query"]["query"].is_string() && ss["query"]["language"] == "kuery",
            "{}: query",
            o["id"]
        );
        assert!(ss["filter"].is_array(), "{}: filter", o["id"]);
        assert!(
            ss.get("index").is_none(),
            "{}: the index is a reference, not inline",
            o["id"]
        );
        let name = ss["indexRefName"].as_str().expect("indexRefName");
        assert_eq!(name, "kibanaSavedObjectMeta.searchSourceJSON.index");
        let r = o["references"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{}: no reference named {name}", o["id"]));
        assert_eq!(r["type"], "index-pattern");
        assert_eq!(r["id"], pattern["id"]);
        for f in kql_fields(ss["query"]["query"].as_str().unwrap()) {
            field(o, &f, false);
        }
    };
    for o in &objects {
        match o["type"].as_str().unwrap() {
            "search" => {
                index_ref(o);
                for c in o["attributes"]["columns"].as_array().expect("columns") {
                    field(o, c.as_str().unwrap(), false);
                }
                for s in o["attributes"]["sort"].as_array().expect("sort") {
                    let pair = s.as_array().expect("sort is [[field, direction]]");
                    assert_eq!(pair.len(), 2);
                    field(o, pair[0].as_str().unwrap(), true);
                    assert!(pair[1] == "asc" || pair[1] == "desc");
                }
            }
            "visualization" => {
                index_ref(o);
                let vis = json_attr(o, &["visState"]);
                assert!(
                    vis["type"].is_string() && vis["params"].is_object(),
                    "{}: visState",
                    o["id"]
                );
                assert_eq!(vis["title"], o["attributes"]["title"]);
                let _ = json_attr(o, &["uiStateJSON"]);
                let aggs = vis["aggs"].as_array().expect("aggs");
                assert!(!aggs.is_empty());
                let mut ids = BTreeSet::new();
                for a in aggs {
                    assert!(ids.insert(a["id"].as_str().expect("agg id").to_string()));
                    assert!(
                        a["type"].is_string() && a["schema"].is_string(),
                        "{}: agg {a}",
                        o["id"]
                    );
                    if let Some(f) = a["params"]["field"].as_str() {
                        field(o, f, true);
                    }
                }
                for a in aggs {
                    if let Some(by) = a["params"]["orderBy"].as_str() {
                        assert!(by == "_key" || ids.contains(by), "{}: orderBy {by}", o["id"]);
                    }
                }
            }
            "dashboard" => {
                let panels = json_attr(o, &["panelsJSON"]);
                let _ = json_attr(o, &["optionsJSON"]);
                let _ = json_attr(o, &["kibanaSavedObjectMeta", "searchSourceJSON"]);
                let refs: BTreeMap<&str, &Value> = o["references"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| (r["name"].as_str().unwrap(), r))
                    .collect();
                let mut used = BTreeSet::new();
                let mut indexes = BTreeSet::new();
                for p in panels.as_array().expect("panels") {
                    let name = p["panelRefName"].as_str().expect("panelRefName");
                    assert!(refs.contains_key(name), "panel {name} has no reference");
                    assert!(used.insert(name), "panel {name} twice");
                    assert!(
                        p.get("id").is_none() && p.get("type").is_none(),
                        "refs, not inline ids"
                    );
                    let g = &p["gridData"];
                    let (x, w) = (g["x"].as_u64().unwrap(), g["w"].as_u64().unwrap());
                    assert!(
                        x + w <= 48 && g["h"].as_u64().unwrap() > 0,
                        "panel {name} off the grid"
                    );
                    assert_eq!(g["i"], p["panelIndex"]);
                    assert!(indexes.insert(p["panelIndex"].as_str().unwrap().to_string()));
                }
                assert_eq!(used.len(), refs.len(), "every panel_N reference has a panel");
            }
            _ => {}
        }
    }
    objects
}

#[test]
fn saved_objects_follow_the_import_format() {
    let objects = validate(&dashboards::ndjson(&opts("cwl", "eu-west-1")));
    let by_type = |t: &str| objects.iter().filter(|o| o["type"] == t).count();
    assert_eq!(by_type("index-pattern"), 1);
    assert_eq!(by_type("search"), 6);
    assert_eq!(by_type("visualization"), 4);
    assert_eq!(by_type("dashboard"), 1);
    // Referenced objects come before those that reference them.
    let pos = |id: &Value| objects.iter().position(|o| &o["id"] == id).unwrap();
    for (i, o) in objects.iter().enumerate() {
        for r in o["references"].as_array().unwrap() {
            assert!(pos(&r["id"]) < i);
        }
    }
    let titles: Vec<&str> = objects
        .iter()
        .map(|o| o["attributes"]["title"].as_str().unwrap())
        .collect();
    for t in [
        "WARN markers",
        "Chaos markers",
        "Errors (ERROR, FATAL, exceptions)",
        "Lines of a trace (by traceId)",
        "All lines, health checks excluded",
        "Documents per level over time",
        "Markers per log group",
        "HTTP status per route",
        "Slowest Lambda invocations",
    ] {
        assert!(titles.contains(&t), "{t}");
    }
    // The WARN search shows both trace links next to the message.
    let warn = objects
        .iter()
        .find(|o| o["attributes"]["title"] == "WARN markers")
        .unwrap();
    let cols = warn["attributes"]["columns"].as_array().unwrap();
    assert!(cols.contains(&"@xrayTraceId".into()) && cols.contains(&"traceId".into()));
    let q = json_attr(warn, &["kibanaSavedObjectMeta", "searchSourceJSON"]);
    assert_eq!(q["query"]["query"], "@markers:warn");
}

#[test]
fn index_pattern_fields_are_the_template_mapping() {
    let body = cwl_trace_bridge::sink::template::body("cwl");
    let mapped = body["template"]["mappings"]["properties"].as_object().unwrap();
    let fields = dashboards::index_pattern_fields("cwl");
    let listed: BTreeMap<&str, &Value> = fields
        .iter()
        .filter(|f| !f["name"].as_str().unwrap().starts_with('_'))
        .map(|f| (f["name"].as_str().unwrap(), f))
        .collect();
    assert_eq!(
        listed.keys().copied().collect::<BTreeSet<_>>(),
        mapped.keys().map(String::as_str).collect::<BTreeSet<_>>()
    );
    for (name, m) in mapped {
        let f = listed[name.as_str()];
        let es = m["type"].as_str().unwrap();
        assert_eq!(f["esTypes"][0], es, "{name}");
        let want = match es {
            "keyword" | "text" => "string",
            "long" | "double" => "number",
            "date" => "date",
            other => panic!("{name}: unexpected mapping type {other}"),
        };
        assert_eq!(f["type"], want, "{name}");
        assert_eq!(f["aggregatable"], es != "text", "{name}");
    }
}

#[test]
fn region_and_prefix_go_where_they_must() {
    let text = dashboards::ndjson(&opts("logs", "ap-southeast-2"));
    let objects = validate(&text);
    assert!(!text.contains("cwl-*") && !text.contains("eu-west-1"));
    for o in &objects {
        assert!(
            o["id"].as_str().unwrap().starts_with("cwl-trace-bridge-logs"),
            "{}",
            o["id"]
        );
    }
    let pattern = &objects[0];
    assert_eq!(pattern["id"], "cwl-trace-bridge-logs");
    assert_eq!(pattern["attributes"]["title"], "logs-*");
    assert_eq!(pattern["attributes"]["timeFieldName"], "@timestamp");
    let formats = json_attr(pattern, &["fieldFormatMap"]);
    assert_eq!(formats["@xrayTraceId"]["id"], "url");
    assert_eq!(
        formats["@xrayTraceId"]["params"]["urlTemplate"],
        "https://ap-southeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-southeast-2#xray:traces/{{value}}"
    );
    assert_eq!(formats["traceId"]["id"], "url");
    assert_eq!(
        formats["traceId"]["params"]["urlTemplate"],
        "../app/observability-traces#/traces/{{value}}"
    );
    for f in ["@xrayTraceId", "traceId"] {
        assert_eq!(formats[f]["params"]["labelTemplate"], "{{value}}");
    }
    let dash = objects.last().unwrap();
    assert!(dash["attributes"]["title"].as_str().unwrap().contains("logs-*"));
    // Another prefix is another set of objects: both can live side by side.
    let other = validate(&dashboards::ndjson(&opts("cwl", "ap-southeast-2")));
    let ids = |os: &[Value]| os.iter().map(|o| o["id"].to_string()).collect::<BTreeSet<_>>();
    assert!(ids(&objects).is_disjoint(&ids(&other)));
}

#[test]
fn cli_dashboards_out_writes_the_import_file() {
    let dir = TempDir::new("dashboards-out");
    let path = dir.path("objects.ndjson");
    let out = cli(&[
        "dashboards",
        "--out",
        path.to_str().unwrap(),
        "--region",
        "eu-west-1",
        "--index-prefix",
        "app",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(
            "wrote 12 objects: index pattern app-*, 6 saved searches, 4 visualizations, 1 dashboard"
        ),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, dashboards::ndjson(&opts("app", "eu-west-1")));
    validate(&written);
    // Standard output without --out; the region and prefix from the environment.
    let out = cli_env(
        &["dashboards"],
        &[("AWS_REGION", "us-west-2"), ("INDEX_PREFIX", "web")],
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        dashboards::ndjson(&opts("web", "us-west-2"))
    );
}

#[test]
fn cli_dashboards_needs_a_region_for_the_xray_links() {
    let out = cli(&["dashboards"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--region") && stderr.contains("AWS_REGION"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let out = cli(&["dashboards", "--region", "eu west 1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"eu west 1\""));
    let out = cli(&["dashboards", "--region", "eu-west-1", "--index-prefix", "CWL"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("INDEX_PREFIX"));
}

#[test]
fn install_posts_one_ndjson_file_part_with_xsrf_and_overwrite() {
    let osd = DashboardsStandin::start();
    let out = cli(&["dashboards", "--install", &osd.url(), "--region", "eu-west-1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("imported 12 of 12 objects"), "{stderr}");
    assert!(out.stdout.is_empty(), "--install alone writes no NDJSON");
    let seen = osd.seen();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/api/saved_objects/_import");
    assert_eq!(req.query, "overwrite=true");
    assert_eq!(req.headers.get("osd-xsrf").map(String::as_str), Some("true"));
    assert_eq!(
        req.headers.get("kbn-xsrf").map(String::as_str),
        Some("true"),
        "for Kibana"
    );
    assert!(!req.headers.contains_key("authorization"));
    assert!(!req.headers.contains_key("securitytenant"));
    let ct = &req.headers["content-type"];
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    assert_eq!(boundary, dashboards::BOUNDARY);
    assert_eq!(req.parts.len(), 1);
    let part = &req.parts[0];
    assert_eq!(part.name, "file");
    assert!(part.filename.as_deref().unwrap().ends_with(".ndjson"));
    assert_eq!(part.content_type.as_deref(), Some("application/ndjson"));
    let sent = String::from_utf8(part.content.clone()).unwrap();
    assert_eq!(sent, dashboards::ndjson(&opts("cwl", "eu-west-1")));
    assert!(!sent.contains(boundary));
    assert_eq!(req.status, 200);
    assert_eq!(osd.objects().len(), 12);
    // Again: the same ids are overwritten, nothing is added.
    let out = cli(&["dashboards", "--install", &osd.url(), "--region", "eu-west-1"]);
    assert!(out.status.success());
    assert_eq!(osd.objects().len(), 12);
}

#[test]
fn install_with_out_writes_the_same_objects_it_imports() {
    let osd = DashboardsStandin::start();
    let dir = TempDir::new("dashboards-both");
    let path = dir.path("o.ndjson");
    let out = cli(&[
        "dashboards",
        "--install",
        &osd.url(),
        "--out",
        path.to_str().unwrap(),
        "--region",
        "eu-west-1",
    ]);
    assert!(out.status.success());
    let sent = osd.seen()[0].parts[0].content.clone();
    assert_eq!(std::fs::read(&path).unwrap(), sent);
}

#[test]
fn install_under_a_base_path_with_basic_auth_and_a_tenant() {
    let osd = DashboardsStandin::with(osd::Options {
        base_path: "/_dashboards".into(),
        basic: Some(("admin".into(), "Cwl-bridge-2024!".into())),
        ..osd::Options::default()
    });
    let out = cli_env(
        &[
            "dashboards",
            "--install",
            &osd.url(),
            "--auth",
            "basic",
            "--tenant",
            "global",
            "--index-prefix",
            "app",
        ],
        &[
            ("OPENSEARCH_USERNAME", "admin"),
            ("OPENSEARCH_PASSWORD", "Cwl-bridge-2024!"),
            ("AWS_REGION", "eu-central-1"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let req = &osd.seen()[0];
    assert_eq!(req.path, "/_dashboards/api/saved_objects/_import");
    assert!(req.headers["authorization"].starts_with("Basic "));
    assert_eq!(req.headers["securitytenant"], "global");
    assert!(
        osd.objects()
            .contains_key(&("index-pattern".to_string(), "cwl-trace-bridge-app".to_string()))
    );
    let sent = String::from_utf8(req.parts[0].content.clone()).unwrap();
    assert!(sent.contains("eu-central-1.console.aws.amazon.com"));
}

#[test]
fn install_refused_credentials_exit_2_without_the_password() {
    let osd = DashboardsStandin::with(osd::Options {
        basic: Some(("admin".into(), "right".into())),
        ..osd::Options::default()
    });
    let out = cli_env(
        &[
            "dashboards",
            "--install",
            &osd.url(),
            "--region",
            "eu-west-1",
            "--auth",
            "basic",
        ],
        &[
            ("OPENSEARCH_USERNAME", "admin"),
            ("OPENSEARCH_PASSWORD", "wrong-secret"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("401") && stderr.contains("Authentication required"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-secret"));
    assert!(osd.objects().is_empty());
}

#[test]
fn install_signs_for_es_with_sigv4() {
    let osd = DashboardsStandin::with(osd::Options {
        base_path: "/_dashboards".into(),
        sigv4: Some(("AKIDEXAMPLE".into(), "eu-west-1".into(), "es".into())),
        ..osd::Options::default()
    });
    let out = cli_env(
        &[
            "dashboards",
            "--install",
            &osd.url(),
            "--auth",
            "sigv4",
            "--region",
            "eu-west-1",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            (
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            ),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let req = &osd.seen()[0];
    assert!(req.headers["authorization"].contains("/eu-west-1/es/aws4_request"));
    assert_eq!(req.headers["osd-xsrf"], "true");
    assert_eq!(osd.objects().len(), 12);
}

#[test]
fn install_reports_each_object_not_imported() {
    // A Dashboards without visualizations (the plugin off): Dashboards
    // answers 200, success false, and says why per object.
    let osd = DashboardsStandin::with(osd::Options {
        types: ["index-pattern", "search", "dashboard"]
            .map(String::from)
            .to_vec(),
        ..osd::Options::default()
    });
    let out = cli(&["dashboards", "--install", &osd.url(), "--region", "eu-west-1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "not imported: visualization cwl-trace-bridge-cwl-vis-levels-over-time (Documents per level over time): unsupported type"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.matches("unsupported type").count(), 4, "{stderr}");
    assert!(
        stderr.contains("not imported: dashboard cwl-trace-bridge-cwl-dashboard-overview")
            && stderr.contains("missing references: visualization cwl-trace-bridge-cwl-vis-"),
        "{stderr}"
    );
    assert!(stderr.contains("5 objects not imported, 7 imported"), "{stderr}");
    assert_eq!(osd.objects().len(), 7);
}

#[test]
fn install_server_errors_exit_1_with_the_status() {
    for status in [500, 503] {
        let osd = DashboardsStandin::with(osd::Options {
            status: Some(status),
            ..osd::Options::default()
        });
        let out = cli(&["dashboards", "--install", &osd.url(), "--region", "eu-west-1"]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("Dashboards answered {status}")),
            "{stderr}"
        );
    }
    // Nothing listening: no answer, exit 1.
    let url = {
        let osd = DashboardsStandin::start();
        osd.url()
    };
    let out = cli(&["dashboards", "--install", &url, "--region", "eu-west-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no answer from Dashboards"));
}

/// The stand-in refuses what Dashboards refuses (so the tests above would
/// catch a request Dashboards would not take).
#[test]
fn the_standin_refuses_what_dashboards_refuses() {
    use bytes::Bytes;
    use cwl_trace_bridge::config::{Config, Settings};
    use cwl_trace_bridge::sink::transport::Transport;
    use reqwest::header::HeaderValue;
    use std::time::Duration;

    let osd = DashboardsStandin::start();
    let mut s = Settings::default();
    s.set("OPENSEARCH_ENDPOINT", osd.url());
    let cfg = Config::from_settings(&s).unwrap().opensearch.unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let t = rt.block_on(Transport::new(&cfg, None)).unwrap();
    let xsrf = [("osd-xsrf", HeaderValue::from_static("true"))];
    let ndjson = dashboards::ndjson(&opts("cwl", "eu-west-1"));
    let body = Bytes::from(dashboards::multipart_body(&ndjson).unwrap());
    let send = |path: &str, headers: &[(&'static str, HeaderValue)], ct: &'static str, body: Bytes| {
        let a = rt
            .block_on(t.send_with_headers(
                reqwest::Method::POST,
                path,
                ct,
                headers,
                body,
                Duration::from_secs(10),
            ))
            .unwrap();
        (a.status, serde_json::from_slice::<Value>(&a.body).unwrap())
    };
    let ct = dashboards::MULTIPART_CONTENT_TYPE;
    let (st, v) = send(dashboards::IMPORT_PATH, &[], ct, body.clone());
    assert_eq!(
        (st, v["message"].as_str()),
        (400, Some("Request must contain a osd-xsrf header."))
    );
    let (st, _) = send(
        dashboards::IMPORT_PATH,
        &xsrf,
        "application/x-ndjson",
        Bytes::from(ndjson.clone()),
    );
    assert_eq!(st, 415);
    let renamed = String::from_utf8(body.to_vec())
        .unwrap()
        .replace(".ndjson\"", ".json\"");
    let (st, v) = send(dashboards::IMPORT_PATH, &xsrf, ct, Bytes::from(renamed));
    assert_eq!(
        (st, v["message"].as_str()),
        (400, Some("Invalid file extension .json"))
    );
    let (st, _) = send(
        "api/saved_objects/_import?overwrite=true&createNewCopies=true",
        &xsrf,
        ct,
        body.clone(),
    );
    assert_eq!(st, 400);
    // Without overwrite, a second import conflicts object by object.
    let (st, v) = send("api/saved_objects/_import", &xsrf, ct, body.clone());
    assert_eq!(
        (st, v["success"].as_bool(), v["successCount"].as_u64()),
        (200, Some(true), Some(12))
    );
    let (st, v) = send("api/saved_objects/_import", &xsrf, ct, body.clone());
    assert_eq!((st, v["success"].as_bool()), (200, Some(false)));
    assert_eq!(v["errors"].as_array().unwrap().len(), 12);
    assert_eq!(v["errors"][0]["error"]["type"], "conflict");
    // With overwrite it is taken again, each object marked overwritten.
    let (st, v) = send(dashboards::IMPORT_PATH, &xsrf, ct, body);
    assert_eq!((st, v["success"].as_bool()), (200, Some(true)));
    assert_eq!(v["successResults"][0]["overwrite"], true);
    // The multipart parser reads what the library writes, byte for byte.
    let parts = osd::parse_multipart(
        &dashboards::multipart_body("a\r\nb\n").unwrap(),
        dashboards::BOUNDARY,
    )
    .unwrap();
    assert_eq!(parts[0].content, b"a\r\nb\n");
}

/// The checks above catch what Dashboards would refuse or render broken.
#[test]
fn the_format_check_catches_broken_objects() {
    let good = dashboards::ndjson(&opts("cwl", "eu-west-1"));
    let mutations: [(&str, &str, &str); 6] = [
        (
            "a dangling reference",
            "\"id\":\"cwl-trace-bridge-cwl\"}]",
            "\"id\":\"cwl-trace-bridge-gone\"}]",
        ),
        (
            "an unknown column",
            "\"columns\":[\"@log_group\"",
            "\"columns\":[\"@logGroup\"",
        ),
        ("an unknown KQL field", "@markers:warn", "@marker:warn"),
        (
            "an unknown agg field",
            "\\\"field\\\":\\\"@urlPath\\\"",
            "\\\"field\\\":\\\"@url\\\"",
        ),
        (
            "a panel without reference",
            "\\\"panelRefName\\\":\\\"panel_0\\\"",
            "\\\"panelRefName\\\":\\\"panel_99\\\"",
        ),
        (
            "a future migration",
            "\"visualization\":\"7.10.0\"",
            "\"visualization\":\"7.11.0\"",
        ),
    ];
    for (what, from, to) in mutations {
        assert!(good.contains(from), "{what}: {from}");
        let bad = good.replace(from, to);
        let caught = std::panic::catch_unwind(|| validate(&bad)).is_err();
        assert!(caught, "{what} not caught");
    }
}

#[test]
fn install_into_opensearch_instead_of_dashboards_says_so() {
    let os = crate::support::standin::Standin::start();
    let out = cli(&["dashboards", "--install", &os.url(), "--region", "eu-west-1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Dashboards answered 400") && stderr.contains("https://DOMAIN/_dashboards"),
        "{stderr}"
    );
}
