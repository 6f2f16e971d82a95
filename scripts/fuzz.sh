#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (cargo-fuzz, nightly), one at a time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; TARGETs default to all of them
# (decode, parse_line, delivery). Installs cargo-fuzz when `cargo fuzz` is
# missing, writes the seed corpora from fixtures/ into fuzz/seeds/<target>
# (scripts/fuzz_seeds.py), and runs each target for the given time on one
# core, its growing corpus in fuzz/corpus/<target>. A crash, panic, leak,
# OOM or timeout is saved under fuzz/artifacts/<target>/; the script says
# which and exits non-zero when any target found one.
#
# Environment: FUZZ_TOOLCHAIN (default nightly), FUZZ_SANITIZER (default
# none: the crate forbids unsafe code, and without ASan the runs are 2-3x
# faster; `address` to check the dependencies' unsafe code), FUZZ_TIMEOUT
# (seconds per input, default 10), FUZZ_RSS_MB (default 2048), FUZZ_ARGS
# (more libFuzzer flags), FUZZ_LOG_DIR (each run's log, default fuzz/logs).
# Builds keep debug assertions (overflow checks) on, as cargo fuzz does.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

all_targets=(decode parse_line delivery)
seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -eq 0 ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...] (targets: ${all_targets[*]})" >&2
    exit 2
fi
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    if [[ ! " ${all_targets[*]} " =~ " $t " ]]; then
        echo "fuzz.sh: unknown target $t (targets: ${all_targets[*]})" >&2
        exit 2
    fi
done

toolchain=${FUZZ_TOOLCHAIN:-nightly}
timeout=${FUZZ_TIMEOUT:-10}
rss=${FUZZ_RSS_MB:-2048}
sanitizer=${FUZZ_SANITIZER:-none}
log_dir=${FUZZ_LOG_DIR:-$root/fuzz/logs}

# What is missing: the nightly toolchain, cargo-fuzz, python3 for the seeds.
if ! cargo "+$toolchain" --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing the $toolchain toolchain" >&2
    rustup toolchain install "$toolchain" --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi
if ! command -v python3 >/dev/null; then
    echo "fuzz.sh: installing python3 (for the seed corpus)" >&2
    apt-get update -q && apt-get install -y -q python3
fi

rm -rf fuzz/seeds
python3 scripts/fuzz_seeds.py fuzz/seeds
mkdir -p "$log_dir"

cd fuzz
for t in "${targets[@]}"; do
    cargo "+$toolchain" fuzz build -s "$sanitizer" "$t"
done
found=()
# Longer deliveries only repeat lines and cost a run a tenth of its inputs.
declare -A max_len=([delivery]=-max_len=8192)
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    before=$(find "artifacts/$t" -type f | sort)
    log="$log_dir/$t.log"
    extra=()
    [[ -f "dict/$t.dict" ]] && extra+=("-dict=dict/$t.dict")
    echo "fuzz.sh: $t for ${seconds}s (log $log)"
    # One process on one core: libFuzzer's default (no -jobs/-workers, which
    # would fork a child logging to fuzz-N.log). corpus/<t> gets the new
    # inputs, seeds/<t> is read only.
    set +e
    cargo "+$toolchain" fuzz run -s "$sanitizer" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" \
        -print_final_stats=1 "${extra[@]}" ${max_len[$t]:-} ${FUZZ_ARGS:-} \
        >"$log" 2>&1
    rc=$?
    set -e
    grep -E '^(stat::|#[0-9]+[[:space:]]+DONE)' "$log" | sed "s/^/  $t: /" || true
    new=$(comm -13 <(echo "$before") <(find "artifacts/$t" -type f | sort))
    if [[ $rc -ne 0 || -n $new ]]; then
        echo "fuzz.sh: $t FAILED (exit $rc); new artifacts:" >&2
        [[ -z $new ]] || sed 's/^/  fuzz\//' <<<"$new" >&2
        grep -m 5 -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | sed 's/^/  /' >&2 || true
        found+=("$t")
    fi
done

if [[ ${#found[@]} -gt 0 ]]; then
    echo "fuzz.sh: findings in: ${found[*]} (minimise with: cd fuzz && cargo +$toolchain fuzz tmin TARGET ARTIFACT)" >&2
    exit 1
fi
echo "fuzz.sh: no findings"
