//! Golden files: every fixture input (outside the labelled `fixtures/corpus`,
//! `fixtures/holdout` and `fixtures/holdout2`, scored by `corpus.rs`) through a
//! fresh default pipeline, compared byte for byte with `tests/golden/`.
//! `UPDATE_GOLDEN=1 cargo test golden` rewrites them; review the diff.

use std::path::{Path, PathBuf};

use crate::support::{fixture, replay_paths, root};

fn fixture_files() -> Vec<PathBuf> {
    let (files, errors) = cwl_trace_bridge::replay::collect_files(&[fixture("")]);
    assert!(errors.is_empty(), "{errors:?}");
    files
        .into_iter()
        .filter(|p| {
            ![
                "corpus", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6",
            ]
            .iter()
            .any(|dir| p.starts_with(fixture(dir)))
        })
        .collect()
}

fn golden_path(input: &Path) -> PathBuf {
    let rel = input
        .strip_prefix(fixture(""))
        .unwrap()
        .to_string_lossy()
        .replace('/', "__");
    root().join("tests/golden").join(format!("{rel}.ndjson"))
}

#[test]
fn every_fixture_renders_as_its_golden_file() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatched = Vec::new();
    let files = fixture_files();
    assert!(files.len() >= 10, "fixtures missing: {files:?}");
    for input in files {
        let (body, stats) = replay_paths(std::slice::from_ref(&input));
        assert!(stats.errors.is_empty(), "{}: {:?}", input.display(), stats.errors);
        let golden = golden_path(&input);
        if update {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &body).unwrap();
            continue;
        }
        let want = std::fs::read(&golden).unwrap_or_default();
        if want != body {
            mismatched.push(golden.display().to_string());
        }
    }
    assert!(
        mismatched.is_empty(),
        "output differs from golden files (UPDATE_GOLDEN=1 cargo test golden, then review the diff): {mismatched:#?}"
    );
}

#[test]
fn every_fixture_document_is_valid_json_with_the_console_fields() {
    for input in fixture_files() {
        let (body, _) = replay_paths(std::slice::from_ref(&input));
        let text = String::from_utf8(body).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len() % 2, 0, "{}", input.display());
        for pair in lines.chunks(2) {
            let action: serde_json::Value = serde_json::from_str(pair[0]).unwrap();
            let doc: serde_json::Value = serde_json::from_str(pair[1]).unwrap();
            let meta = action.get("index").or_else(|| action.get("update")).unwrap();
            if action.get("index").is_some() {
                for f in [
                    "@id",
                    "@timestamp",
                    "@message",
                    "@owner",
                    "@log_group",
                    "@log_stream",
                ] {
                    assert!(
                        doc.get(f).is_some(),
                        "{}: {f} missing in {}",
                        input.display(),
                        pair[1]
                    );
                }
                assert_eq!(meta["_id"], doc["@id"]);
                let date = doc["@timestamp"].as_str().unwrap()[..10].replace('-', ".");
                assert_eq!(meta["_index"], format!("cwl-{date}"));
            }
        }
    }
}
