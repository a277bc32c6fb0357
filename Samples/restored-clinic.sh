#!/usr/bin/env bash
# A clinic restored from its backup heals itself (issue 14). Clinic A syncs 500 visits to
# central through a USB stick; its disk dies; it restores last night's backup (300 visits)
# and records 100 new ones; then the stick travels again. Checks: after at most 3 stick
# rounds central and the clinic hold the same entries, 600 of them the clinic's (500 + 100
# new, nothing lost); the 100 re-used positions are fork evidence at both sites; the
# rollback of the clinic's signed tree head is evidence at central (verify --json
# `rollback_evidence`, `status`, and an integrity incident in `report`), never a refusal; `status` at the clinic says it was restored and
# that 200 of its own entries came back; `verify` passes at both. Then the same over TCP
# with clinic-b, admitted by its site key alone (`members admit --key`): one `sync --peer`
# heals it, the signed tree heads travelling in the handshake.
#
# Run from the repository root after `swift build`:  bash Samples/restored-clinic.sh
set -euo pipefail

CL="${CARELEDGER:-.build/debug/careledger}"
[ -x "$CL" ] || { echo "restored-clinic: FAIL: no careledger binary at $CL (run swift build, or set CARELEDGER)" >&2; exit 2; }
CL="$(cd "$(dirname "$CL")" && pwd)/$(basename "$CL")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/careledger-restore.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"

fail() { echo "restored-clinic: FAIL: $*" >&2; exit 1; }
step() { echo "restored-clinic: [${SECONDS}s] $*"; }
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited with status $?"' ERR
json() { python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v, sort_keys=True) if isinstance(v,(list,dict)) else v)' "$1"; }
# visit SITE: one `sync --folder` pass at SITE with the stick; its output kept in SITE.sync.txt.
visit() {
    "$CL" sync --dir "$1" --folder stick > "$1.sync.txt" || fail "sync --folder at $1 failed: $(cat "$1.sync.txt")"
}
round() { visit clinic-a; visit central; }
# visits SITE FIRST COUNT: COUNT visit notes written at SITE.
visits() {
    python3 -c 'import sys; f, n = int(sys.argv[1]), int(sys.argv[2]); print("\n".join("{\"visit\":%d}" % i for i in range(f, f + n)))' "$2" "$3" > visits.jsonl
    "$CL" append --dir "$1" --kind clinic.visit --jsonl visits.jsonl --json >/dev/null
}
entries() { "$CL" stats --dir "$1" --json | json entries; }
root() { "$CL" stats --dir "$1" --json | json summary_root; }

step "central founds the network; clinic-a joins and is admitted"
"$CL" network create --dir central --site central --name "Restore Network" --json >/dev/null
"$CL" network genesis --dir central --out genesis.json >/dev/null
"$CL" init --dir clinic-a --site clinic-a --genesis genesis.json --role clinic --json > clinic-a.id.json
CLINIC=$(json site_key < clinic-a.id.json)
"$CL" members admit --dir central --key "$CLINIC" --agreement-key "$(json agreement_key < clinic-a.id.json)" \
    --name clinic-a --role clinic --json >/dev/null
mkdir stick
round; visit clinic-a
BASE=$(entries central)

step "clinic-a records 300 visits, syncs, and takes last night's backup"
visits clinic-a 0 300
round
cp -a clinic-a backup

step "clinic-a records 200 more visits and syncs them to central"
visits clinic-a 300 200
round
[ "$(entries central)" -eq $((BASE + 500)) ] || fail "central holds $(entries central) entries, not $((BASE + 500))"

step "clinic-a's disk dies: it restores last night's backup and records 100 new visits"
rm -rf clinic-a
cp -a backup clinic-a
visits clinic-a 1000 100

step "the stick travels until the sites hold the same entries (at most 3 rounds)"
rounds=0
while [ "$rounds" -lt 3 ]; do
    round
    rounds=$((rounds + 1))
    visit clinic-a
    [ "$(root clinic-a)" = "$(root central)" ] && break
done
[ "$(root clinic-a)" = "$(root central)" ] || fail "not converged after $rounds rounds"
for site in central clinic-a; do
    [ "$(entries "$site")" -eq $((BASE + 600)) ] || fail "$site holds $(entries "$site") entries, not $((BASE + 600)) (500 + 100 new)"
done
step "converged after $rounds round(s): both hold $((BASE + 600)) entries"

step "the re-used positions are forks at both sites; the rollback is evidence at central"
for site in central clinic-a; do
    "$CL" verify --dir "$site" --json > "$site.verify.json" || fail "verify at $site failed: $(cat "$site.verify.json")"
    forks=$(python3 -c 'import json,sys; print(sum(1 for f in json.load(open(sys.argv[1]))["fork_evidence"] if f["author"] == sys.argv[2]))' "$site.verify.json" "$CLINIC")
    [ "$forks" -eq 100 ] || fail "$site shows $forks forks of clinic-a, not 100"
done
python3 - "$CLINIC" central.verify.json <<'EOF' || fail "no rollback evidence about clinic-a at central"
import json, sys
evidence = json.load(open(sys.argv[2]))["rollback_evidence"]
assert any(e["site"] == sys.argv[1] and e["kind"] == "tree_head_rolled_back" and e["kept_size"] > e["new_size"]
           and len(e["heads"]) == 2 for e in evidence), evidence
EOF

step "status at clinic-a says it was restored and how many entries came back"
"$CL" status --dir clinic-a --json > status.json
python3 - status.json <<'EOF' || fail "status --json at clinic-a does not report the restore: $(cat status.json)"
import json, sys
restored = json.load(open(sys.argv[1]))["trust"]["restored"]
assert restored["recovered"] == 200 and restored["reused_positions"] == 100, restored
EOF
line=$("$CL" status --dir clinic-a | grep "restored from a backup" || true)
[ "$line" = "restored from a backup: 200 of this site's own entries recovered from peers; 100 positions re-used (forks kept as evidence)" ] \
    || fail "status prints: $line"
"$CL" status --dir central | grep -q "evidence: clinic-a peer $CLINIC rolled its log back" || fail "status at central does not show the rollback"
"$CL" report --dir central --out report-central --json >/dev/null
grep -q 'id="tree-head-evidence"' report-central/index.html || fail "central's report shows no rolled-back tree head among its integrity incidents"

# tcp SITE: central serves on a port the system picks; SITE runs one `sync --peer`; serve stops.
tcp() {
    : > serve.out
    "$CL" serve --dir central --listen 127.0.0.1:0 --json > serve.out 2> serve.log &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        [ -s serve.out ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || fail "serve exited before listening: $(cat serve.log)"
        sleep 0.1
    done
    local listen
    listen=$(head -n 1 serve.out | json listening)
    "$CL" sync --dir "$1" --peer "$listen" > "$1.sync.txt" || fail "sync --peer at $1 failed: $(cat "$1.sync.txt")"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

step "over TCP: clinic-b joins and is admitted by its site key alone"
"$CL" init --dir clinic-b --site clinic-b --genesis genesis.json --role clinic --json > clinic-b.id.json
CLINIC_B=$(json site_key < clinic-b.id.json)
"$CL" members admit --dir central --key "$CLINIC_B" --name clinic-b --role clinic --json >/dev/null
tcp clinic-b
BASE_B=$(entries central)
visits clinic-b 0 300
tcp clinic-b
cp -a clinic-b backup-b
visits clinic-b 300 200
tcp clinic-b
[ "$(entries central)" -eq $((BASE_B + 500)) ] || fail "central holds $(entries central) entries, not $((BASE_B + 500))"

step "clinic-b restores last night's backup, records 100 new visits and syncs once over TCP"
rm -rf clinic-b
cp -a backup-b clinic-b
visits clinic-b 1000 100
tcp clinic-b
grep -q "restored from a backup: 200 of this site's own entries recovered from peers; 100 positions re-used" clinic-b.sync.txt \
    || fail "sync --peer at clinic-b does not say it was restored: $(cat clinic-b.sync.txt)"
[ "$(root clinic-b)" = "$(root central)" ] || fail "clinic-b and central differ after one TCP sync"
[ "$(entries clinic-b)" -eq $((BASE_B + 600)) ] || fail "clinic-b holds $(entries clinic-b) entries, not $((BASE_B + 600))"
"$CL" verify --dir central --json > central.verify.json || fail "verify at central failed"
python3 - "$CLINIC_B" central.verify.json <<'EOF' || fail "no rollback evidence about clinic-b at central (the handshake's tree head)"
import json, sys
v = json.load(open(sys.argv[2]))
assert any(e["site"] == sys.argv[1] and e["kind"] == "tree_head_rolled_back" for e in v["rollback_evidence"]), v["rollback_evidence"]
assert sum(1 for f in v["fork_evidence"] if f["author"] == sys.argv[1]) == 100
EOF

step "OK: restored clinics healed, through the stick in $rounds round(s) and over TCP in one session; nothing lost"
