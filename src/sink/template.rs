//! The index template for `<prefix>-*` (SCHEMA.md, "Fields"): keyword for
//! ids, names and levels, `date` for `@timestamp`, numbers for the metrics,
//! `text` for `@message`. Only fields the bridge fills are mapped, and no
//! object field, so a merged JSON member can never clash with it; the rest
//! stays dynamic.

use serde_json::{Value, json};

use crate::fields;

/// Priority of the template: above OpenSearch's built-in ones (0-100 are
/// common), below what a user would give a template of their own that is
/// meant to win.
pub const PRIORITY: u32 = 200;

/// The template's name for an index prefix: `cwl-trace-bridge-<prefix>`.
pub fn name(prefix: &str) -> String {
    format!("cwl-trace-bridge-{prefix}")
}

/// The `PUT _index_template/<name>` body.
pub fn body(prefix: &str) -> Value {
    let keyword = json!({"type": "keyword"});
    let mut props = serde_json::Map::new();
    for f in [
        fields::ID,
        fields::OWNER,
        fields::LOG_GROUP,
        fields::LOG_STREAM,
        fields::LEVEL,
        fields::MARKERS,
        fields::REQUEST_ID,
        fields::XRAY_TRACE_ID,
        fields::TRACE_ID,
        fields::SPAN_ID,
        fields::SERVICE_NAME,
        fields::TRACE_SOURCE,
        fields::TYPE,
        fields::HTTP_METHOD,
        fields::MERGED_IDS,
    ] {
        props.insert(f.to_string(), keyword.clone());
    }
    props.insert(
        fields::URL_PATH.into(),
        json!({"type": "keyword", "ignore_above": 2048}),
    );
    props.insert(fields::TIMESTAMP.into(), json!({"type": "date"}));
    props.insert(fields::MESSAGE.into(), json!({"type": "text"}));
    props.insert(fields::INDEX_ERROR.into(), json!({"type": "text"}));
    for f in [fields::DURATION, fields::BILLED_DURATION, fields::INIT_DURATION] {
        props.insert(f.into(), json!({"type": "double"}));
    }
    for f in [fields::MEMORY_SIZE, fields::MAX_MEMORY_USED, fields::HTTP_STATUS] {
        props.insert(f.into(), json!({"type": "long"}));
    }
    json!({
        "index_patterns": [format!("{prefix}-*")],
        "priority": PRIORITY,
        "template": {
            "mappings": {
                "properties": Value::Object(props)
            }
        },
        "_meta": {
            "managed_by": "cwl-trace-bridge",
            "schema": "SCHEMA.md"
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_maps_the_bridge_fields_for_the_prefix() {
        let b = body("cwl");
        assert_eq!(b["index_patterns"][0], "cwl-*");
        let p = &b["template"]["mappings"]["properties"];
        assert_eq!(p["@timestamp"]["type"], "date");
        assert_eq!(p["@message"]["type"], "text");
        assert_eq!(p["traceId"]["type"], "keyword");
        assert_eq!(p["@duration"]["type"], "double");
        assert_eq!(p["@httpStatus"]["type"], "long");
        // Nothing that is an object, and no settings Serverless would refuse.
        for (_, v) in p.as_object().unwrap() {
            assert!(v.get("properties").is_none());
        }
        assert!(b["template"].get("settings").is_none());
        assert_eq!(name("cwl"), "cwl-trace-bridge-cwl");
    }
}
