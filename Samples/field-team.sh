#!/usr/bin/env bash
# A field team carries one USB stick (a folder) between three clinics and central. Clinics
# only ever address the field team, so everything that reaches central or another clinic
# was relayed (multi-hop), and stays signed by its author. Checks: every site ends with
# the same entries (equal summary_root), nothing quarantined, verify passes everywhere,
# and central holds each clinic's entries under that clinic's key.
#
# Run from the repository root after `swift build`:  bash Samples/field-team.sh
set -euo pipefail

CL="${CARELEDGER:-.build/debug/careledger}"
[ -x "$CL" ] || { echo "field-team: FAIL: no careledger binary at $CL (run swift build, or set CARELEDGER)" >&2; exit 2; }
FHIR="$(cd "$(dirname "$0")" && pwd)/fhir"
CL="$(cd "$(dirname "$CL")" && pwd)/$(basename "$CL")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/careledger-field.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() { echo "field-team: FAIL: $*" >&2; exit 1; }
step() { echo "field-team: [${SECONDS}s] $*"; }
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited with status $?"' ERR
json() { python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v) if isinstance(v,(list,dict)) else v)' "$1"; }
# visit SITE [--to NAME...]: one `sync --folder` pass at SITE with the stick; prints what moved.
visit() {
    local site=$1; shift
    local out
    out=$("$CL" sync --dir "$site" --folder stick "$@" --json) || fail "sync --folder at $site failed: $out"
    [ "$(printf '%s' "$out" | json rejected)" = "[]" ] || fail "$site rejected a bundle: $out"
    echo "field-team:   $site: imported $(printf '%s' "$out" | json imported), wrote $(printf '%s' "$out" | json bundles_written) bundle(s) with $(printf '%s' "$out" | json exported) entries"
}

CLINICS="clinic-north clinic-east clinic-south"
SITES="central field-team $CLINICS"

step "central founds the network; three clinics and the field team join and are admitted"
"$CL" network create --dir central --site central --name "Lakeside Network" --json >/dev/null
"$CL" network genesis --dir central --out genesis.json >/dev/null
for site in field-team $CLINICS; do
    role=clinic; [ "$site" = field-team ] && role=field
    "$CL" init --dir "$site" --site "$site" --genesis genesis.json --role "$role" --json > "$site.id.json"
    "$CL" members admit --dir central --key "$(json site_key < "$site.id.json")" \
        --agreement-key "$(json agreement_key < "$site.id.json")" --name "$site" --role "$role" --json >/dev/null
done
mkdir stick

step "first round: central's charter goes out on the stick"
visit central
for site in field-team $CLINICS; do visit "$site" --to central; done
# Clinics now know every member; from here on they write only for the field team.

step "the clinics work offline"
n=0
for clinic in $CLINICS; do
    n=$((n + 1))
    python3 - "$clinic" <<'EOF' > anchors.jsonl
import hashlib, json, sys
for i in range(300):
    record = f'{{"resourceType":"Observation","id":"{sys.argv[1]}-{i}"}}'.encode()
    print(json.dumps({"sha256": hashlib.sha256(record).hexdigest(), "size": len(record), "type": "Observation", "id": f"{sys.argv[1]}-{i}"}))
EOF
    "$CL" append --dir "$clinic" --kind anchor --jsonl anchors.jsonl --json >/dev/null
    "$CL" consent import --dir "$clinic" "$FHIR/consents-bundle.json" --json >/dev/null
done
"$CL" append --dir field-team --kind trial.custody --jsonl - --json >/dev/null <<'EOF'
{"lot": "IP-2026-0042", "from": "central", "to": "field-team", "units": 120}
{"lot": "IP-2026-0042", "from": "field-team", "to": "clinic-north", "units": 40}
EOF

step "the field team's round: north -> east -> south -> central, then back"
for clinic in $CLINICS; do
    visit "$clinic" --to field-team
    visit field-team --to field-team
done
visit field-team --to central
visit central --to field-team
visit field-team
for clinic in $CLINICS; do visit "$clinic" --to field-team; done

step "checking: every site converged"
ROOT=""
for site in $SITES; do
    "$CL" stats --dir "$site" --json > "$site.stats.json"
    r=$(json summary_root < "$site.stats.json")
    [ "$(json quarantined < "$site.stats.json")" = 0 ] || fail "$site holds quarantined entries"
    if [ -z "$ROOT" ]; then ROOT=$r; EXPECTED=$(json entries < "$site.stats.json"); fi
    [ "$r" = "$ROOT" ] || fail "$site has summary root $r, central has $ROOT: the sites did not converge"
    [ "$(json entries < "$site.stats.json")" = "$EXPECTED" ] || fail "$site holds $(json entries < "$site.stats.json") entries, central $EXPECTED"
    "$CL" verify --dir "$site" --json > /dev/null || fail "verify failed at $site"
done
for clinic in $CLINICS; do
    key=$(json site_key < "$clinic.id.json")
    own=$("$CL" log --dir "$clinic" --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["entries"] if e["site"] == sys.argv[1]))' "$key")
    atCentral=$("$CL" log --dir central --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["entries"] if e["site"] == sys.argv[1]))' "$key")
    [ "$own" = "$atCentral" ] || fail "central holds $atCentral entries signed by $clinic, which wrote $own"
done
echo "field-team: OK: 5 sites converged on $EXPECTED entries (summary root $ROOT); every entry relayed by the field team is still signed by its author; verify passes everywhere"
