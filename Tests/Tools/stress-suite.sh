#!/usr/bin/env bash
# Runs `swift test` N times in a row while a CPU hog spins on every core (issue 18, item 7:
# the suite must not depend on an idle machine). Prints one line per run and a pass/fail
# count at the end; exits 0 only if every run passed. The hogs are killed on any exit
# (including Ctrl-C). Each run's output is kept in the log folder.
#
# Usage: Tests/Tools/stress-suite.sh [-n RUNS] [-j HOGS] [-l LOGDIR] [-- SWIFT-TEST-ARGS...]
#   -n RUNS   how many runs (default 5)
#   -j HOGS   how many busy loops (default: one per core, from nproc)
#   -l LOGDIR where each run's output goes (default: a new folder under ${TMPDIR:-/tmp})
#   anything after -- goes to `swift test`, e.g. -- --filter TCPSyncTests
# Build first (`swift build --build-tests`) so the runs time the tests, not the compiler.
set -u

runs=5
hogs=$(nproc 2>/dev/null || echo 2)
logdir=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) runs="$2"; shift 2 ;;
    -j) hogs="$2"; shift 2 ;;
    -l) logdir="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "stress-suite: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$runs$hogs" in *[!0-9]*) echo "stress-suite: -n and -j take whole numbers" >&2; exit 2 ;; esac
[ -n "$logdir" ] || logdir=$(mktemp -d "${TMPDIR:-/tmp}/careledger-stress-XXXXXX")
mkdir -p "$logdir"

hog_pids=()
test_pid=""
stop_all() {
  # The test run first (its own children end with it), then the hogs.
  # swift test runs in a process group of its own (setsid), so the test runner goes too. A
  # `careledger serve` a test started lives in its own group and may outlast an interrupted run.
  [ -n "$test_pid" ] && kill -- "-$test_pid" 2>/dev/null && wait "$test_pid" 2>/dev/null
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${hog_pids[@]}"; do wait "$pid" 2>/dev/null; done
  hog_pids=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 "$hogs"); do
  ( while :; do :; done ) &
  hog_pids+=("$!")
done
echo "stress-suite: $hogs CPU hog(s) running (pids ${hog_pids[*]}); $runs run(s) of swift test $*; logs in $logdir"

passed=0 failed=0
for run in $(seq 1 "$runs"); do
  log="$logdir/run-$run.log"
  started=$(date +%s)
  # In the background and waited for, so a signal stops the script at once (bash runs
  # traps only between foreground commands, but `wait` returns on a signal).
  setsid swift test "$@" >"$log" 2>&1 &
  test_pid=$!
  wait "$test_pid"
  status=$?
  test_pid=""
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1)); verdict=passed
  else
    failed=$((failed + 1)); verdict=FAILED
  fi
  summary=$(grep -a 'Test run with' "$log" | tail -1)
  echo "run $run/$runs: $verdict in $(( $(date +%s) - started )) s ${summary:+— $summary}"
  if [ "$verdict" = FAILED ]; then
    grep -aE '✘|error:|Fatal error|Crash' "$log" | grep -av ' started\.$' | head -20 | sed 's/^/    /'
  fi
done

echo "stress-suite: $passed passed, $failed failed of $runs run(s) under $hogs hog(s)"
[ "$failed" -eq 0 ]
