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
# Kill mid-way, at a point defined by the scenario rather than a fixed delay: once AFTER
# sessions have finished (one "sync session" line each in the server log) while at least
# IN_FLIGHT others are still open (server-side connections to $PORT in state ESTABLISHED,
# /proc/net/tcp), polled every 5 ms. So some entries were committed before the kill and
# some sessions are cut off. If every session finishes first, nothing would be cut off: fail.
IN_FLIGHT=${IN_FLIGHT:-$(( CLINICS < 4 ? CLINICS - 1 : 3 ))}
AFTER=${AFTER:-1}
WATCH='
import os, sys, time
port, pid, want, after, clinics = (int(a) for a in sys.argv[1:6])
def established():
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(1 for row in rows if row[3] == "01" and int(row[1].split(":")[1], 16) == port)
def finished():
    with open("serve.err", errors="replace") as log:
        return sum(1 for line in log if "sync session" in line)
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    done, open_now = finished(), established()
    if done >= after and open_now >= want:
        os.kill(pid, 9)
        print("%d sessions finished and %d open" % (done, open_now))
        sys.exit(0)
    if done >= clinics:
        sys.exit("server-kill: all %d sessions finished before the kill point" % clinics)
    time.sleep(0.005)
sys.exit("server-kill: no point within 120 s had %d sessions finished and %d open" % (after, want))
'
SEEN=$(python3 -c "$WATCH" "$PORT" "$SERVER" "$IN_FLIGHT" "$AFTER" "$CLINICS") ||
  fail "the server was not killed mid-round, so the scenario would test nothing"
wait "$SERVER" 2>/dev/null || true; SERVER=""
ok=0; cut=0; unreached=0
for i in $(seq 1 "$CLINICS"); do
  if wait "${pids[$((i - 1))]}"; then ok=$((ok + 1))
  elif grep -q "cannot connect" "sync1-$i.err"; then unreached=$((unreached + 1))
  else cut=$((cut + 1))
  fi
done
echo "server-kill: round 1: killed with $SEEN; $ok syncs completed, $cut cut off mid-session, $unreached started after the kill"
[ "$cut" -ge 1 ] || fail "no sync was cut off mid-session by the kill ($ok completed, $unreached could not connect)"

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
