#!/usr/bin/env bash
# Lints a CloudFormation / SAM template with cfn-lint, installed from PyPI
# into .venv/ on first use (CI machines start without it).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
if [ ! -x "$venv/bin/cfn-lint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'cfn-lint>=1.20'
fi
"$venv/bin/cfn-lint" --version
"$venv/bin/cfn-lint" "$@"
echo "cfn-lint: no errors"
