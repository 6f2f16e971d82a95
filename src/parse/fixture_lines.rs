//! Every message of the labelled corpora (`fixtures/corpus`, `holdout`,
//! `holdout2`) and of the fixture deliveries, for the differential tests
//! that compare a parser with its oracle line by line.

use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The files of `dir` ending in `.ext`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
}

/// The messages of the labelled corpora, in a fixed order.
pub(crate) fn corpus_messages() -> Vec<String> {
    let mut messages: Vec<String> = Vec::new();
    for dir in ["corpus", "holdout", "holdout2"] {
        let files = files(&fixtures().join(dir), "jsonl");
        assert!(!files.is_empty(), "{dir}: no .jsonl files");
        for file in files {
            for line in std::fs::read_to_string(&file).unwrap().lines() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                messages.push(v["message"].as_str().unwrap().to_string());
            }
        }
    }
    messages
}

/// The messages of the fixture deliveries that decode, as the pipeline
/// decodes them, in a fixed order.
pub(crate) fn delivery_messages() -> Vec<String> {
    let mut messages = Vec::new();
    for path in files(&fixtures().join("deliveries"), "json") {
        let Ok(data) = crate::decode::decode_event(&std::fs::read(path).unwrap(), Default::default()) else {
            continue;
        };
        messages.extend(data.events.iter().map(|e| e.message.to_string()));
    }
    messages
}

/// Both, corpora first.
pub(crate) fn messages() -> Vec<String> {
    let mut messages = corpus_messages();
    messages.extend(delivery_messages());
    assert!(messages.len() > 5000, "{}", messages.len());
    messages
}
