//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// Runs `cwl-bridge` with `args`, with no OpenSearch variables from the
/// caller's environment.
pub fn cli(args: &[&str]) -> Output {
    cli_in(&root(), args)
}

/// Runs `cwl-bridge` with `args` in `dir`.
pub fn cli_in(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cwl-bridge"));
    cmd.current_dir(dir).args(args);
    for (k, _) in cwl_trace_bridge::config::VARIABLES {
        cmd.env_remove(k);
    }
    cmd.output().expect("run cwl-bridge")
}

/// Decoded subscription JSON for one stream.
pub fn logs_json(group: &str, stream: &str, events: &[(&str, i64, &str)]) -> Vec<u8> {
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|(id, ts, msg)| serde_json::json!({"id": id, "timestamp": ts, "message": msg}))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": ["cwl-trace-bridge"],
        "logEvents": events,
    }))
    .unwrap()
}

/// A Lambda event carrying `json`.
pub fn lambda_event(json: &[u8]) -> String {
    cwl_trace_bridge::decode::encode_event(json)
}

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("cwl-bridge-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `Write` into a shared buffer, to read back what a sink wrote.
#[derive(Clone, Default)]
pub struct SharedBuf(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedBuf {
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Runs `paths` through a fresh default pipeline into a buffer, as
/// `cwl-bridge replay` does, and returns the bulk body and the stats.
pub fn replay_paths(paths: &[PathBuf]) -> (Vec<u8>, cwl_trace_bridge::stats::Stats) {
    use cwl_trace_bridge::config::{Config, Settings};
    use cwl_trace_bridge::pipeline::Pipeline;
    use cwl_trace_bridge::replay::{self, TextOptions};
    use cwl_trace_bridge::sink::{NdjsonSink, Sink};
    let buf = SharedBuf::default();
    let sink = Sink::Ndjson(NdjsonSink::to_writer(buf.clone()));
    let pipeline = Pipeline::new(Config::from_settings(&Settings::default()).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let stats = rt
        .block_on(replay::run(
            &pipeline,
            &sink,
            paths,
            &TextOptions::default(),
            |_, _, _| {},
        ))
        .unwrap();
    (buf.take(), stats)
}
pub mod standin;
