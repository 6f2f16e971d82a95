//! `cwl-bridge replay` through the built binary.

use crate::support::{TempDir, cli, lambda_event, logs_json};

#[test]
fn replay_writes_the_bulk_body_and_a_summary() {
    let dir = TempDir::new("replay-basic");
    let json = logs_json(
        "/ecs/like-service",
        "ecs/like/1",
        &[("1", 1_543_456_789_000, "WARN: stress function activated")],
    );
    std::fs::write(dir.path("d.json"), lambda_event(&json)).unwrap();
    let out = cli(&["replay", dir.path("d.json").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let body = String::from_utf8(out.stdout).unwrap();
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some(r#"{"index":{"_index":"cwl-2018.11.29","_id":"1"}}"#)
    );
    let doc: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(doc["@message"], "WARN: stress function activated");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("1 files, 1 deliveries (0 control skipped), 1 events -> 1 documents"),
        "{err}"
    );
}

#[test]
fn a_bad_file_is_reported_and_the_others_still_go_through() {
    let dir = TempDir::new("replay-bad");
    std::fs::write(dir.path("a-bad.json"), r#"{"awslogs":{"data":"!!!not base64"}}"#).unwrap();
    let json = logs_json("/ecs/like-service", "s", &[("2", 0, "hello")]);
    std::fs::write(dir.path("b-good.json"), lambda_event(&json)).unwrap();
    let out = cli(&["replay", dir.0.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("a-bad.json: awslogs.data is not valid base64"),
        "{err}"
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
}

#[test]
fn the_readme_documents_every_variable() {
    let readme = std::fs::read_to_string(crate::support::root().join("README.md")).unwrap();
    for (name, _) in cwl_trace_bridge::config::VARIABLES {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "README.md has no row for {name}"
        );
    }
}

#[test]
fn a_bad_configuration_value_exits_2_naming_the_variable() {
    let out = cli(&["replay", "--json", "flat", "fixtures/deliveries"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "cwl-bridge: JSON_MODE=\"flat\": expected merge, nest or off\n"
    );
}

#[test]
fn replay_over_the_fixture_deliveries_matches_its_golden_body() {
    let out = cli(&["replay", "-q", "fixtures/deliveries"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty());
    let golden = crate::support::root().join("tests/golden/replay-deliveries.ndjson");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &out.stdout).unwrap();
    }
    assert!(
        std::fs::read(&golden).unwrap() == out.stdout,
        "cwl-bridge replay fixtures/deliveries differs from {} (UPDATE_GOLDEN=1 to rewrite)",
        golden.display()
    );
}

#[test]
fn a_missing_path_is_an_error_and_exit_1() {
    let out = cli(&["replay", "-q", "no/such/file.json"]);
    assert_eq!(out.status.code(), Some(1));
    let out = cli(&["replay", "no/such/file.json"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no/such/file.json: No such file or directory"),
        "{err}"
    );
}
