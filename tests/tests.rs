//! The one integration-test binary. Each module says what belongs in it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

/// The labelled corpus scored per field (`cargo test corpus -- --nocapture`).
mod corpus;
/// Inputs the fuzz targets found, kept as regressions (tests/fuzz-regressions/).
mod fuzz_regressions;
/// Golden bulk output for every fixture input.
mod golden;
/// `lambda::handle` called directly: results, errorTypes, the invocation line.
mod handler;
/// Every input shape replay detects.
mod inputs;
/// The `cwl-bridge-lambda` binary against a local Lambda Runtime API.
mod lambda_loop;
/// Multi-line merging through the pipeline (`MULTILINE_LOG_GROUPS`).
mod multiline;
/// Sink cases shared by the stand-in and a real cluster (`OPENSEARCH_URL`, opt-in).
mod real_cluster;
/// The `cwl-bridge` binary end to end: output, summary, exit codes.
mod replay_cli;
/// `cwl-bridge replay --opensearch` end to end against the stand-in.
mod replay_opensearch;
/// The OpenSearch sink against the stand-in OpenSearch of `support::standin`.
mod sink;
/// Shared helpers: delivery builders, running the CLI binary.
mod support;
