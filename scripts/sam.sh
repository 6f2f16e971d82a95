#!/usr/bin/env bash
# Runs the AWS SAM CLI (installed from PyPI into target/tools/sam on first
# use) with cargo-lambda on PATH, from the repository root:
#   scripts/sam.sh validate --lint
#   scripts/sam.sh build            # rust-cargolambda is a SAM beta feature
#   scripts/sam.sh deploy --guided
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lambda-tools.sh
need_sam
if [ "${1:-}" = build ]; then
  need_cargo_lambda
  need_rust_target aarch64-unknown-linux-gnu
  shift
  exec sam build --beta-features "$@"
fi
exec sam "$@"
