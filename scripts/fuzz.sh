#!/usr/bin/env bash
# Builds the libFuzzer targets of Tests/Fuzz with AddressSanitizer and runs each one for a fixed
# number of executions on a scratch copy of its committed seed corpus (Tests/Fuzz/Corpus/<target>).
#
#   FUZZ_RUNS=200000 scripts/fuzz.sh               # executions per target (default 200000)
#   FUZZ_TIME=300                                  # and at most this many seconds per target (default 600)
#   FUZZ_TARGETS="FuzzConfig FuzzSafetensors"      # a subset (default: all nine)
#   FUZZ_SCRATCH=.build-fuzz                       # build folder (git-ignored)
#
# Crashes, leaks and timeouts are written to $FUZZ_SCRATCH/fuzz-artifacts/<target>-crash-…; replay one with
#   $FUZZ_SCRATCH/debug/<target> <file>
# and turn it into a regression test in the owning target's test folder. Exit status is non-zero if any
# target found something.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${FUZZ_RUNS:-200000}
seconds=${FUZZ_TIME:-600}
targets=${FUZZ_TARGETS:-"FuzzImageDecode FuzzTIFF FuzzHEIF FuzzWebP FuzzPDF FuzzTokenizer FuzzTokenizerJSON FuzzSafetensors FuzzConfig"}
scratch=${FUZZ_SCRATCH:-.build-fuzz}

# --sanitize fuzzer makes SwiftPM link libFuzzer's main (no renamed main of our own); -Xswiftc
# -sanitize=fuzzer adds the coverage instrumentation to the Swift code; -parse-as-library because the
# targets have no top-level code.
build=(swift build -c debug --package-path Tests/Fuzz --scratch-path "$scratch"
       --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
"${build[@]}" 2>&1 | grep -v "Cannot export local symbol" | grep -v "^\[[0-9]*/[0-9]*\] \(Compiling\|Emitting\|Write\|Wrapping\)" || true
bin=$("${build[@]}" --show-bin-path)

artifacts="$scratch/fuzz-artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/scrawl-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/lsan-suppressions.txt:print_suppressions=0"
# Swift's own crash backtracer reads raw memory and trips ASan; libFuzzer prints the stack instead.
export SWIFT_BACKTRACE=enable=no

failed=()
summary=()
for target in $targets; do
    [[ -x "$bin/$target" ]] || { echo "fuzz: no binary $bin/$target" >&2; exit 2; }
    cp -r "Tests/Fuzz/Corpus/$target" "$work/$target"
    log="$artifacts/$target.log"
    echo "== $target: $runs runs, at most ${seconds}s (log: $log)"
    dict=()
    [[ -f "Tests/Fuzz/Dictionaries/$target.dict" ]] && dict=(-dict="Tests/Fuzz/Dictionaries/$target.dict")
    status=0
    "$bin/$target" "$work/$target" "${dict[@]}" -runs="$runs" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=3072 \
        -artifact_prefix="$artifacts/$target-" -print_final_stats=1 >"$log" 2>&1 || status=$?
    done_line=$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    line="$target: status $status, ${execs:-?} execs, ${rate:-?} exec/s, ${done_line:-(no DONE line)}"
    summary+=("$line")
    echo "$line"
    if [[ $status -ne 0 ]]; then
        failed+=("$target")
        grep -E "ERROR|FUZZ INVARIANT|Test unit written|SUMMARY" "$log" | head -20 || true
    fi
done

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: findings in ${failed[*]} (artifacts and logs in $artifacts)" >&2
    exit 1
fi
