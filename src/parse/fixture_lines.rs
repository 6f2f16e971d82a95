//! Every message of the labelled corpora (`fixtures/corpus`, `holdout`,
//! `holdout2`) and of the fixture deliveries, for the differential tests
//! that compare a parser with its oracle line by line.

/// The messages, in a fixed order.
pub(crate) fn messages() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut messages: Vec<String> = Vec::new();
    for dir in ["corpus", "holdout", "holdout2"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{dir}");
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
    let mut deliveries: Vec<_> = std::fs::read_dir(root.join("deliveries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    deliveries.sort();
    for path in deliveries {
        let Ok(data) = crate::decode::decode_event(&std::fs::read(path).unwrap(), Default::default()) else {
            continue;
        };
        messages.extend(data.events.iter().map(|e| e.message.to_string()));
    }
    assert!(messages.len() > 5000, "{}", messages.len());
    messages
}
