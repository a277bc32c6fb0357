#!/usr/bin/env bash
# Kills the sync server with SIGKILL while 20 clinics sync with it at once, restarts it,
# and checks that every site still verifies and that a second round of syncs converges.
# Run from the repository root after `swift build`; exits non-zero when an outcome fails.
set -euo pipefail
BIN=${CARELEDGER:-.build/debug/careledger}
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
CLINICS=${CLINICS:-20}
PER_CLINIC=${PER_CLINIC:-100}
WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill -9 "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
cd "$WORK"
fail() { echo "server-kill: FAILED: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

start_server() {
  "$BIN" serve --dir central --listen 127.0.0.1:0 --json > serve.out 2> serve.err &
  SERVER=$!
  for _ in $(seq 1 100); do [ -s serve.out ] && break; sleep 0.1; done
  [ -s serve.out ] || fail "the server did not start: $(cat serve.err)"
  PORT=$(head -1 serve.out | json '["listening"].split(":")[1]')
}

echo "server-kill: setting up central and $CLINICS clinics"
"$BIN" network create --dir central --site central --name "Crash test" > /dev/null
"$BIN" network genesis --dir central --out genesis.json > /dev/null
for i in $(seq 1 "$CLINICS"); do
  "$BIN" init --dir "c$i" --site "c$i" --genesis genesis.json > /dev/null
  read -r KEY AGREEMENT < <("$BIN" identity --dir "c$i" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["site_key"], d["agreement_key"])')
  "$BIN" members admit --dir central --key "$KEY" --agreement-key "$AGREEMENT" --name "c$i" --role clinic > /dev/null
  seq 1 "$PER_CLINIC" | sed "s/.*/{\"clinic\":$i,\"n\":&}/" > "c$i.jsonl"
  "$BIN" append --dir "c$i" --kind audit.note --jsonl "c$i.jsonl" > /dev/null
done

echo "server-kill: round 1: $CLINICS concurrent syncs, server killed with SIGKILL mid-way"
start_server
pids=()
for i in $(seq 1 "$CLINICS"); do
  "$BIN" sync --dir "c$i" --peer "127.0.0.1:$PORT" --json > "sync1-$i.out" 2> "sync1-$i.err" &
  pids+=($!)
done
sleep 0.4
kill -9 "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
ok=0; failed=0
for pid in "${pids[@]}"; do if wait "$pid"; then ok=$((ok + 1)); else failed=$((failed + 1)); fi; done
echo "server-kill: round 1: $ok syncs completed, $failed cut off by the kill"

echo "server-kill: verifying every site after the kill"
for site in central $(seq -f "c%g" 1 "$CLINICS"); do
  "$BIN" verify --dir "$site" > /dev/null || fail "verify failed at $site after the server was killed"
done

echo "server-kill: round 2: restart and sync every clinic twice"
start_server
for pass in 1 2; do
  for i in $(seq 1 "$CLINICS"); do
    "$BIN" sync --dir "c$i" --peer "127.0.0.1:$PORT" > /dev/null || fail "sync of c$i failed in round 2 (pass $pass)"
  done
done
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""

ROOT=$("$BIN" stats --dir central --json | json '["summary_root"]')
ENTRIES=$("$BIN" stats --dir central --json | json '["entries"]')
for i in $(seq 1 "$CLINICS"); do
  [ "$("$BIN" stats --dir "c$i" --json | json '["summary_root"]')" = "$ROOT" ] || fail "c$i did not converge with central"
done
for site in central $(seq -f "c%g" 1 "$CLINICS"); do
  "$BIN" verify --dir "$site" > /dev/null || fail "verify failed at $site after round 2"
done
EXPECTED=$((CLINICS * PER_CLINIC))
[ "$ENTRIES" -ge "$EXPECTED" ] || fail "central holds $ENTRIES entries, fewer than the $EXPECTED the clinics wrote"
echo "server-kill: OK: $((CLINICS + 1)) sites verify and hold the same $ENTRIES entries (summary root ${ROOT:0:16}…)"
