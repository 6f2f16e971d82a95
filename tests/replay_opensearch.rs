//! `cwl-bridge replay --opensearch` through the built binary, against the
//! stand-in: summary, environment, deadline, `--failed` and its re-drive.

use crate::support::standin::{Fault, Options, Standin};
use crate::support::{TempDir, cli_env, lambda_event, logs_json};

fn delivery(dir: &TempDir, n: usize) -> String {
    let events: Vec<(String, i64, String)> = (0..n)
        .map(|i| {
            (
                format!("e{i}"),
                1_543_456_789_000 + i as i64,
                format!("WARN: stress function activated {i}"),
            )
        })
        .collect();
    let refs: Vec<(&str, i64, &str)> = events
        .iter()
        .map(|(a, b, c)| (a.as_str(), *b, c.as_str()))
        .collect();
    let path = dir.path("d.json");
    std::fs::write(
        &path,
        lambda_event(&logs_json("/ecs/like-service", "ecs/like/1", &refs)),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn replay_indexes_into_opensearch_and_says_how_many() {
    let s = Standin::start();
    let dir = TempDir::new("os-basic");
    let file = delivery(&dir, 30);
    s.faults([Fault::ItemStatus429 { every: 10 }]);
    let out = cli_env(
        &["replay", &file, "--opensearch", &s.url(), "--concurrency", "2"],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains(&format!(
            "sink: OpenSearch {} (no auth): 30 indexed, 3 retried, 0 failed",
            s.url()
        )),
        "{err}"
    );
    assert_eq!(s.count(), 30);
    assert_eq!(
        s.doc("cwl-2018.11.29", "e7").unwrap()["@message"],
        "WARN: stress function activated 7"
    );
}

#[test]
fn replay_reads_the_environment_when_flags_are_absent() {
    let s = Standin::with(Options {
        basic: Some(("admin".into(), "Env-Pa55word".into())),
        ..Options::default()
    });
    let dir = TempDir::new("os-env");
    let file = delivery(&dir, 3);
    let url = s.url();
    let env = [
        ("OPENSEARCH_ENDPOINT", url.as_str()),
        ("OPENSEARCH_AUTH", "basic"),
        ("OPENSEARCH_USERNAME", "admin"),
        ("OPENSEARCH_PASSWORD", "Env-Pa55word"),
    ];
    let out = cli_env(&["replay", &file], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(s.count(), 3);
    // --out still writes the file, whatever the environment says.
    let o = dir.path("out.ndjson");
    let out = cli_env(&["replay", &file, "--out", o.to_str().unwrap()], &env);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&o).unwrap().lines().count(), 6);
}

#[test]
fn refused_credentials_exit_2_without_showing_them() {
    let s = Standin::with(Options {
        basic: Some(("admin".into(), "right".into())),
        ..Options::default()
    });
    let dir = TempDir::new("os-auth");
    let file = delivery(&dir, 2);
    let url = s.url();
    let out = cli_env(
        &[
            "replay",
            &file,
            "--opensearch",
            &url,
            "--auth",
            "basic",
            "--no-index-template",
        ],
        &[
            ("OPENSEARCH_USERNAME", "admin"),
            ("OPENSEARCH_PASSWORD", "Wr0ng-Secret"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("OpenSearch refused the request with 401"), "{err}");
    assert!(!err.contains("Wr0ng"));
}

#[test]
fn documents_not_indexed_by_the_deadline_go_to_the_failed_file_which_re_drives() {
    let s = Standin::start();
    let dir = TempDir::new("os-failed");
    let file = delivery(&dir, 20);
    // The cluster answers 503 long enough for the deadline to pass.
    s.faults(std::iter::repeat_n(Fault::Status(503), 10_000));
    let failed = dir.path("failed.ndjson");
    let failed = failed.to_str().unwrap();
    let url = s.url();
    let out = cli_env(
        &[
            "replay",
            &file,
            "--opensearch",
            &url,
            "--deadline",
            "0.3",
            "--failed",
            failed,
        ],
        &[
            ("RETRY_BASE_MS", "5"),
            ("RETRY_MAX_DELAY_MS", "20"),
            ("OPENSEARCH_MAX_RETRIES", "100000"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0 indexed") && err.contains("20 failed"), "{err}");
    assert!(err.contains("20 documents not indexed written to"), "{err}");
    assert_eq!(s.count(), 0);
    let body = std::fs::read_to_string(failed).unwrap();
    assert_eq!(body.lines().count(), 40);

    // The cluster is back: the file re-drives as it is.
    let s2 = Standin::start();
    let out = cli_env(&["replay", failed, "--opensearch", &s2.url()], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("20 indexed, 0 retried, 0 failed"), "{err}");
    assert_eq!(s2.count(), 20);
    assert_eq!(
        s2.doc("cwl-2018.11.29", "e3").unwrap()["@message"],
        "WARN: stress function activated 3"
    );
}

#[test]
fn failed_without_opensearch_is_a_usage_error() {
    let dir = TempDir::new("os-usage");
    let file = delivery(&dir, 1);
    let out = cli_env(
        &["replay", &file, "--failed", dir.path("f").to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--failed needs OpenSearch"));
}
