#!/usr/bin/env bash
# Figures for the README: release binary size, cold start (process start to
# the first answer on a local Runtime API) and peak memory (VmHWM) on the
# largest fixture delivery and on synthetic 10 000 / 50 000-event ones.
# Builds the host (x86_64) release binary; the arm64 size comes from
# scripts/build-lambda.sh. Prints; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin cwl-bridge-lambda
bin=target/release/cwl-bridge-lambda
echo "$bin (host, $(uname -m)): $(stat -c %s "$bin") bytes"
arm=target/lambda/cwl-bridge-lambda/bootstrap
if [ -f "$arm" ]; then echo "$arm (arm64): $(stat -c %s "$arm") bytes"; fi
CWL_BRIDGE_LAMBDA_BIN="$PWD/$bin" cargo test --locked --test integration \
  lambda_loop::cold_start_and_peak_memory_are_printed -- --ignored --nocapture --test-threads 1
