#!/usr/bin/env bash
# Runs one CareLedger fuzz target for a given time: Fuzz/run.sh TARGET SECONDS [libFuzzer args…]
# TARGET is a folder name under Fuzz/Sources (fuzz-lz4, fuzz-segment, …) or its short form (lz4).
# Builds per /work/shared/TOOLCHAIN.md (libFuzzer + ASan, release, own scratch path), runs with
# the committed corpus Fuzz/corpus/<short>/ as seeds (new finds go to a scratch corpus, so the
# repo's corpus only changes by hand), and prints execs/s and total executions.
# Exit: 0 no crash, 1 a crash (artifact in Fuzz/artifacts/<short>/), 2 usage/build failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[[ $# -ge 2 ]] || { echo "usage: $0 TARGET SECONDS [libFuzzer args...]" >&2; exit 2; }
short="${1#fuzz-}"; target="fuzz-$short"; seconds="$2"; shift 2
[[ -d "$here/Sources/$target" ]] || { echo "run.sh: no fuzz target '$target' (see $here/Sources)" >&2; exit 2; }

scratch="$here/.build-fuzz"
if [[ "${FUZZ_SKIP_BUILD:-0}" != 1 ]]; then
  (cd "$here" && swift build -c release --scratch-path "$scratch" --product "$target" \
      --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld) \
    >"$scratch.$short.log" 2>&1 || { tail -30 "$scratch.$short.log" >&2; echo "run.sh: build of $target failed" >&2; exit 2; }
fi
binary="$(cd "$here" && swift build -c release --scratch-path "$scratch" --show-bin-path)/$target"

seeds="$here/corpus/$short"
work="$scratch/corpus-work/$short"
artifacts="$here/artifacts/$short"
mkdir -p "$work" "$artifacts"
log="$scratch/$short.fuzz.log"
set +e
ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" "$binary" "$work" "$seeds" \
  -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=20 \
  -artifact_prefix="$artifacts/" "$@" >"$log" 2>&1
status=$?
set -e
runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1)
speed=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' | tail -1)
crashes=$(ls "$artifacts" 2>/dev/null | grep -cE '^(crash|leak|timeout|oom)-' || true)
echo "fuzz $short: seconds=$seconds execs_per_s=${speed:-?} total_execs=${runs:-?} exit=$status crash_artifacts=$crashes log=$log"
if [[ $status -ne 0 ]]; then
  grep -E 'ERROR|Fatal error|SUMMARY|Test unit written' "$log" | head -20 >&2
  exit 1
fi
