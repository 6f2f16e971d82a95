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
