#!/usr/bin/env bash
# Sourced by the Lambda scripts: installs cargo-lambda (PyPI; it ships Zig,
# the cross linker) and, when asked, the AWS SAM CLI, each in its own venv
# under target/tools/, on first use. Nothing is expected to be installed by
# hand; rustup adds the Rust target when it is missing.
tools="$PWD/target/tools"

need_cargo_lambda() {
  if [ ! -x "$tools/cargo-lambda/bin/cargo-lambda" ]; then
    python3 -m venv "$tools/cargo-lambda"
    "$tools/cargo-lambda/bin/pip" install --quiet --disable-pip-version-check 'cargo-lambda>=1.9,<2'
  fi
  export PATH="$tools/cargo-lambda/bin:$PATH"
}

need_rust_target() {
  if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$1"; then
    rustup target add "$1"
  fi
}

need_sam() {
  if [ ! -x "$tools/sam/bin/sam" ]; then
    python3 -m venv "$tools/sam"
    "$tools/sam/bin/pip" install --quiet --disable-pip-version-check 'aws-sam-cli>=1.150,<2'
  fi
  export PATH="$tools/sam/bin:$PATH"
  export SAM_CLI_TELEMETRY=0
}
