#!/usr/bin/env bash
# Builds the Lambda's `bootstrap` with cargo-lambda, arm64 by default:
#   scripts/build-lambda.sh            # target/lambda/cwl-bridge-lambda/bootstrap (arm64)
#   scripts/build-lambda.sh --x86-64   # the same for x86_64
# `sam build` (scripts/sam.sh build) does the same through the template.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lambda-tools.sh
arch="${1:---arm64}"
case "$arch" in
  --arm64) need_rust_target aarch64-unknown-linux-gnu ;;
  --x86-64) need_rust_target x86_64-unknown-linux-gnu ;;
  *) echo "usage: $0 [--arm64|--x86-64]" >&2; exit 2 ;;
esac
need_cargo_lambda
cargo lambda build --release "$arch" --bin cwl-bridge-lambda
bootstrap=target/lambda/cwl-bridge-lambda/bootstrap
file "$bootstrap" 2>/dev/null || true
echo "$bootstrap: $(stat -c %s "$bootstrap") bytes"
