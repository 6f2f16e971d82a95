//! The one integration-test binary. Each module says what belongs in it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

/// The labelled corpus scored per field (`cargo test corpus -- --nocapture`).
mod corpus;
/// `cwl-bridge dashboards`: the saved objects against the import format, the import against a Dashboards stand-in.
mod dashboards;
/// The fault matrix: the pipeline into a misbehaving stand-in.
mod faults;
/// Inputs the fuzz targets found, kept as regressions (tests/fuzz-regressions/).
mod fuzz_regressions;
/// Golden bulk output for every fixture input.
mod golden;
/// `lambda::handle` called directly: results, errorTypes, the invocation line.
mod handler;
/// Adversarial deliveries, each with its outcome asserted.
mod hostile;
/// Every input shape replay detects.
mod inputs;
/// The `cwl-bridge-lambda` binary against a local Lambda Runtime API.
mod lambda_loop;
/// Multi-line merging through the pipeline (`MULTILINE_LOG_GROUPS`).
mod multiline;
/// Properties over arbitrary input (proptest): parse, trace ids, rendering.
mod properties;
/// Sink cases shared by the stand-in and a real cluster (`OPENSEARCH_URL`, opt-in).
mod real_cluster;
/// The `cwl-bridge` binary end to end: output, summary, exit codes.
mod replay_cli;
/// `cwl-bridge replay --opensearch` end to end against the stand-in.
mod replay_opensearch;
/// Secrets never reach logs, errors or summaries; no backtracking regexes.
mod security;
/// The OpenSearch sink against the stand-in OpenSearch of `support::standin`.
mod sink;
/// Shared helpers: delivery builders, running the CLI binary.
mod support;
/// `cwl-bridge trace` and `report`, offline and against the stand-in's `_search`.
mod views;
