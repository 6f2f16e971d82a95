#!/usr/bin/env bash
# Counts the instructions the pipeline's stages take on the 1 MiB benchmark
# delivery (benches/instructions.rs), under callgrind, and prints them per
# delivery with the ratio of the whole pipeline to gunzip alone: the
# foundation issue's speed goal, in a unit that a shared, noisy machine does
# not move. Time is still measured by `cargo bench --bench pipeline`.
#
#   scripts/count-instructions.sh [RUNS]     (default 5 runs per stage)
#   scripts/count-instructions.sh --stacks [RUNS]
#                    the parser alone, per event of each fixture stack
#
# Needs valgrind (`apt-get install valgrind`).
set -euo pipefail
cd "$(dirname "$0")/.."
stacks=false
if [[ "${1:-}" == --stacks ]]; then
    stacks=true
    shift
fi
runs="${1:-5}"
if ! command -v valgrind >/dev/null; then
    echo "count-instructions: valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
fi
# The bench profile keeps symbols (Cargo.toml), so that callgrind can count
# inside one function; the build is the one `cargo bench` uses.
bin=$(cargo bench --locked --profile "${PROFILE:-bench}" --bench instructions --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*instructions[^"]*\)".*/\1/p' | tail -1)
if [[ -z "$bin" || ! -x "$bin" ]]; then
    echo "count-instructions: could not build benches/instructions.rs" >&2
    exit 1
fi
count() { # stage function -> instructions per delivery
    local out
    out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        --toggle-collect="$2" "$bin" "$1" "$runs" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
    echo $((out / runs))
}
if $stacks; then
    while IFS=$'\t' read -r stack function; do
        events=$("$bin" "parse:$stack" 0)
        total=$(count "parse:$stack" "$function")
        printf '%-14s %8d instructions per event (%d events)\n' "$stack" $((total / events)) "$events"
    done < <("$bin" stacks)
    exit 0
fi
declare -A n
while IFS=$'\t' read -r stage function; do
    n[$stage]=$(count "$stage" "$function")
    printf '%-11s %12d instructions per delivery\n' "$stage" "${n[$stage]}"
done < <("$bin" list)
awk -v w="${n[whole]}" -v g="${n[gunzip]}" -v p="${n[parse_lines]}" \
    'BEGIN { printf "whole / gunzip = %.2f (goal <= 2.5); without the line parser %.2f\n", w / g, (w - p) / g }'
