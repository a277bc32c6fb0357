#!/usr/bin/env bash
# A rural clinic works offline for four weeks (record anchors, consents, recorded access
# checks every day), while central keeps working too; then one sync over TCP brings both
# to the same ledger. Checks: equal summary_root at both sites, verify passes at both.
#
# Run from the repository root after `swift build`:  bash Samples/rural-clinic.sh
set -euo pipefail

CL="${CARELEDGER:-.build/debug/careledger}"
[ -x "$CL" ] || { echo "rural-clinic: FAIL: no careledger binary at $CL (run swift build, or set CARELEDGER)" >&2; exit 2; }
FHIR="$(cd "$(dirname "$0")" && pwd)/fhir"
CL="$(cd "$(dirname "$CL")" && pwd)/$(basename "$CL")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/careledger-rural.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"

fail() { echo "rural-clinic: FAIL: $*" >&2; exit 1; }
step() { echo "rural-clinic: [${SECONDS}s] $*"; }
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited with status $?"' ERR
# json FIELD: one field of the JSON object on stdin.
json() { python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v) if isinstance(v,(list,dict)) else v)' "$1"; }

DAYS=28
ANCHORS_PER_DAY=150

step "central founds the network; the clinic joins and is admitted"
"$CL" network create --dir central --site central --name "Highland Network" --json >/dev/null
"$CL" network genesis --dir central --out genesis.json >/dev/null
"$CL" init --dir clinic --site hillside-clinic --genesis genesis.json --role clinic --json > clinic-id.json
KEY=$(json site_key < clinic-id.json)
AGREEMENT=$(json agreement_key < clinic-id.json)
"$CL" members admit --dir central --key "$KEY" --agreement-key "$AGREEMENT" --name hillside-clinic --role clinic --json >/dev/null

step "the clinic is offline for $DAYS days: $ANCHORS_PER_DAY anchors, one consent and two recorded checks a day"
PATIENT='urn:oid:2.16.840.1.113883.2.4.6.3|sample-mrn-0001'
"$CL" consent import --dir clinic "$FHIR/permit-with-nested-deny.json" --json >/dev/null
for day in $(seq 1 "$DAYS"); do
    python3 - "$day" "$ANCHORS_PER_DAY" > day.jsonl <<'EOF'
import hashlib, json, sys
day, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    record = f'{{"resourceType":"Observation","id":"obs-{day}-{i}","status":"final"}}'.encode()
    print(json.dumps({"sha256": hashlib.sha256(record).hexdigest(), "size": len(record),
                      "type": "Observation", "id": f"obs-{day}-{i}", "version": "1", "day": day}))
EOF
    "$CL" append --dir clinic --kind anchor --jsonl day.jsonl --json >/dev/null
    python3 - "$day" > consent.json <<'EOF'
import json, sys
day = int(sys.argv[1])
print(json.dumps({"resourceType": "Consent", "id": f"privacy-day-{day}", "status": "active",
  "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
  "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
  "patient": {"identifier": {"system": "urn:oid:2.16.840.1.113883.2.4.6.3", "value": f"rural-mrn-{day:04d}"}},
  "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
  "provision": {"type": "permit", "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}]},
                           "reference": {"reference": "Organization/hillside-clinic"}}],
                "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}]}}))
EOF
    "$CL" consent import --dir clinic consent.json --json >/dev/null
    "$CL" check --dir clinic --patient "$PATIENT" --actor Organization/clinic-b --purpose TREAT --class Observation \
        --at 2026-06-01T00:00:00Z --record --json | json decision | grep -qx permit || fail "day $day: treatment check is not permit"
    "$CL" check --dir clinic --patient "$PATIENT" --actor Organization/clinic-b --purpose TREAT --class Observation --class HIV \
        --at 2026-06-01T00:00:00Z --record --json | json decision | grep -qx deny || fail "day $day: HIV check is not deny"
done
CLINIC_BEFORE=$("$CL" stats --dir clinic --json | json entries)
step "central keeps working meanwhile"
python3 -c 'import json
for i in range(40): print(json.dumps({"sha256": "%064x" % (i + 1), "size": 100, "type": "DocumentReference", "id": "central-%d" % i}))' > central.jsonl
"$CL" append --dir central --kind anchor --jsonl central.jsonl --json >/dev/null
CENTRAL_BEFORE=$("$CL" stats --dir central --json | json entries)
step "after $DAYS days: the clinic holds $CLINIC_BEFORE entries, central $CENTRAL_BEFORE"

step "central serves sync on 127.0.0.1 (port 0: the system picks one)"
"$CL" serve --dir central --listen 127.0.0.1:0 --json > serve.out 2> serve.log &
SERVER_PID=$!
# Wait (at most 30 s) for serve's first stdout line: {"listening":"127.0.0.1:PORT",...}.
for _ in $(seq 1 300); do
    [ -s serve.out ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "serve exited before listening: $(cat serve.log)"
    sleep 0.1
done
FIRST=$(head -n 1 serve.out)
[ -n "$FIRST" ] || fail "serve printed no listening line within 30 s: $(cat serve.log)"
LISTEN=$(printf '%s' "$FIRST" | json listening)
[ -n "$LISTEN" ] || fail "serve's first line has no listening address: $FIRST"

step "the clinic syncs once with central at $LISTEN"
"$CL" sync --dir clinic --peer "$LISTEN" --json > sync.json || fail "sync --peer $LISTEN failed"
echo "rural-clinic:   $(python3 -c 'import json,sys; d=json.load(open("sync.json")); print("sent %(sent)d, received %(received)d entries; %(bytes_out)d bytes out, %(bytes_in)d in, %(round_trips)d round trips" % d)')"
[ "$(json sent < sync.json)" -gt 0 ] || fail "the clinic sent nothing to central"
[ "$(json received < sync.json)" -gt 0 ] || fail "the clinic received nothing from central"

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

step "checking: both sites hold the same ledger and verify"
ROOT_CLINIC=$("$CL" stats --dir clinic --json | json summary_root)
ROOT_CENTRAL=$("$CL" stats --dir central --json | json summary_root)
[ "$ROOT_CLINIC" = "$ROOT_CENTRAL" ] || fail "summary roots differ after the sync: clinic $ROOT_CLINIC, central $ROOT_CENTRAL"
N_CLINIC=$("$CL" stats --dir clinic --json | json entries)
N_CENTRAL=$("$CL" stats --dir central --json | json entries)
[ "$N_CLINIC" = "$N_CENTRAL" ] || fail "entry counts differ: clinic $N_CLINIC, central $N_CENTRAL"
"$CL" verify --dir clinic --json > /dev/null || fail "verify failed at the clinic"
"$CL" verify --dir central --json > /dev/null || fail "verify failed at central"
echo "rural-clinic: OK: both sites hold $N_CENTRAL entries, summary root $ROOT_CENTRAL, verify passes at both"
