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
    cli_env_in(dir, args, &[])
}

/// Runs `cwl-bridge` with `args` in `dir`, with only `env` of the
/// configuration variables set.
pub fn cli_env_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cwl-bridge"));
    cmd.current_dir(dir).args(args);
    for (k, _) in cwl_trace_bridge::config::VARIABLES {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("run cwl-bridge")
}

/// Runs `cwl-bridge` with `args` and only `env` of the configuration
/// variables set.
pub fn cli_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    cli_env_in(&root(), args, env)
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
pub mod dashboards_standin;
pub mod standin;
pub mod strict_json;

/// Two Lambda events of one request: the first has its `START` and an app
/// line, the second its `REPORT` naming the trace (ids "1", "2", then "3").
pub fn warm_join_deliveries() -> (String, String) {
    let group = "/aws/lambda/like";
    let rid = "c6af9ac6-7b61-11e6-9a41-93e812345678";
    let start = format!("START RequestId: {rid} Version: $LATEST");
    let app = format!("[INFO]\t2018-11-29T01:59:49.001Z\t{rid}\tliked mysfit 4");
    let report = format!(
        "REPORT RequestId: {rid}\tDuration: 2.00 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t\nXRAY TraceId: 1-5759e988-bd862e3fe1be46a994272793\tSegmentId: 6b2a1fb6d8a8b8c0\tSampled: true\t"
    );
    let first = lambda_event(&logs_json(
        group,
        "s",
        &[("1", 1_543_456_789_000, &start), ("2", 1_543_456_789_001, &app)],
    ));
    let second = lambda_event(&logs_json(group, "s", &[("3", 1_543_456_789_010, &report)]));
    (first, second)
}
