#!/usr/bin/env bash
# A clinical trial across a sponsor depot, two clinics and central (Specs/trials.md). Protocol
# v1 is added and 20 participants consent under it; the depot commissions and ships product,
# the clinics receive it. The clinics go offline: central adds protocol v2 (re-consent), and
# both clinics dispense the same serial. Sticks travel (`sync --folder`). Checks: every site
# ends with the same entries; every site's `trial custody verify` exits 1 with the same
# incidents, among them the double_dispense of that serial naming both clinics and both
# entries; `check --purpose HRESCH --trial` answers "re-consent needed" for every v1
# participant at every site; re-importing the depot's EPCIS export writes nothing.
#
# Run from the repository root after `swift build`:  bash Samples/trial-sites.sh
set -euo pipefail

CL="${CARELEDGER:-.build/debug/careledger}"
[ -x "$CL" ] || { echo "trial-sites: FAIL: no careledger binary at $CL (run swift build, or set CARELEDGER)" >&2; exit 2; }
CL="$(cd "$(dirname "$CL")" && pwd)/$(basename "$CL")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/careledger-trial.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() { echo "trial-sites: FAIL: $*" >&2; exit 1; }
step() { echo "trial-sites: [${SECONDS}s] $*"; }
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited with status $?"' ERR
json() { python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v, sort_keys=True) if isinstance(v,(list,dict)) else v)' "$1"; }
# visit SITE: one `sync --folder` pass at SITE with the stick.
visit() {
    local out
    out=$("$CL" sync --dir "$1" --folder stick --json) || fail "sync --folder at $1 failed: $out"
    [ "$(printf '%s' "$out" | json rejected)" = "[]" ] || fail "$1 rejected a bundle: $out"
}
# round SITE...: each site visits the stick in turn.
round() { local site; for site in "$@"; do visit "$site"; done; }

TRIAL=CARE-T01
LOT=LOT-2026-07
ACTOR=Organization/sponsor
SERIAL=urn:epc:id:sgtin:0614141.107346.1001
CLINICS="clinic-a clinic-b"
SITES="central depot $CLINICS"
TODAY=$(date -u +%Y-%m-%d)

step "central founds the network; the depot and two clinics join and are admitted"
"$CL" network create --dir central --site central --name "Trial Network" --json >/dev/null
"$CL" network genesis --dir central --out genesis.json >/dev/null
for site in depot $CLINICS; do
    "$CL" init --dir "$site" --site "$site" --genesis genesis.json --role clinic --json > "$site.id.json"
    "$CL" members admit --dir central --key "$(json site_key < "$site.id.json")" \
        --agreement-key "$(json agreement_key < "$site.id.json")" --name "$site" --role clinic --json >/dev/null
done
mkdir stick
round central depot $CLINICS central

step "protocol v1 at central; 20 participants consent under it (10 per clinic)"
echo "CARE-T01 protocol, version 1" > protocol-v1.pdf
"$CL" trial protocol add --dir central --trial "$TRIAL" --version v1 --file protocol-v1.pdf --effective 2026-01-01 \
    --approval IRB-2026-001 --json >/dev/null
python3 - "$TRIAL" <<'EOF'
import json, sys
trial = sys.argv[1]
for n in range(1, 21):
    clinic = "clinic-a" if n <= 10 else "clinic-b"
    consent = {"resourceType": "Consent", "id": "trial-consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "57016-8"}]}],
        "patient": {"identifier": {"system": "urn:trial:participant", "value": "P%03d" % n}},
        "dateTime": "2026-02-01",
        "policy": [{"uri": "urn:careledger:trial:%s:protocol:v1" % trial}],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit",
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}]},
                       "reference": {"reference": "Organization/sponsor"}}],
            "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HRESCH"}]}}
    with open("consent-%s-P%03d.json" % (clinic, n), "w") as out:
        json.dump(consent, out)
EOF
for clinic in $CLINICS; do
    "$CL" consent import --dir "$clinic" consent-"$clinic"-P*.json --json > "$clinic.consents.json"
    [ "$(json imported < "$clinic.consents.json")" = 10 ] || fail "$clinic imported $(json imported < "$clinic.consents.json") consents, expected 10"
done

step "the depot commissions 10 serials of lot $LOT and ships 5 to each clinic; the clinics receive them"
serials() { local n; for n in $(seq "$1" "$2"); do printf -- '--serial urn:epc:id:sgtin:0614141.107346.%d ' "$n"; done; }
# shellcheck disable=SC2046
"$CL" trial custody record --dir depot --trial "$TRIAL" --lot "$LOT" --step commissioning $(serials 1001 1010) \
    --time 2026-03-01T08:00:00Z --json >/dev/null
# shellcheck disable=SC2046
"$CL" trial custody record --dir depot --trial "$TRIAL" --lot "$LOT" --step shipping $(serials 1001 1005) --to clinic-a \
    --time 2026-03-02T08:00:00Z --json >/dev/null
# shellcheck disable=SC2046
"$CL" trial custody record --dir depot --trial "$TRIAL" --lot "$LOT" --step shipping $(serials 1006 1010) --to clinic-b \
    --time 2026-03-02T08:05:00Z --json >/dev/null
round depot central $CLINICS
# shellcheck disable=SC2046
"$CL" trial custody record --dir clinic-a --trial "$TRIAL" --lot "$LOT" --step receiving $(serials 1001 1005) --from depot \
    --time 2026-03-04T10:00:00Z --json >/dev/null
# shellcheck disable=SC2046
"$CL" trial custody record --dir clinic-b --trial "$TRIAL" --lot "$LOT" --step receiving $(serials 1006 1010) --from depot \
    --time 2026-03-05T10:00:00Z --json >/dev/null
round $CLINICS central depot $CLINICS central depot
"$CL" trial custody verify --dir central --lot "$LOT" --json > before.json || fail "the chain did not verify before the clinics went offline: $(cat before.json)"

step "the clinics go offline: central adds protocol v2 (re-consent); both clinics dispense $SERIAL"
echo "CARE-T01 protocol, version 2 (amended dosing)" > protocol-v2.pdf
"$CL" trial protocol add --dir central --trial "$TRIAL" --version v2 --file protocol-v2.pdf --effective "$TODAY" \
    --approval IRB-2026-014 --reconsent --json >/dev/null
"$CL" trial custody record --dir clinic-a --trial "$TRIAL" --lot "$LOT" --step dispensing --serial "$SERIAL" \
    --subject "urn:trial:participant|P001" --time 2026-03-10T09:00:00Z --json > dispense-a.json
"$CL" trial custody record --dir clinic-b --trial "$TRIAL" --lot "$LOT" --step dispensing --serial "$SERIAL" \
    --subject "urn:trial:participant|P011" --time 2026-03-10T11:00:00Z --json > dispense-b.json
ENTRY_A=$(json entry_id < dispense-a.json)
ENTRY_B=$(json entry_id < dispense-b.json)

step "sticks travel until every site holds the same entries"
converged() {
    local site root=""
    for site in $SITES; do
        r=$("$CL" stats --dir "$site" --json | json summary_root)
        [ -z "$root" ] && root=$r
        [ "$r" = "$root" ] || return 1
    done
}
for pass in 1 2 3 4; do
    round $CLINICS central depot
    converged && break
    [ "$pass" = 4 ] && fail "the sites did not converge after 4 rounds"
done

step "every site's custody verify reports the same double-dispense incident (exit 1)"
FIRST=""
for site in $SITES; do
    status=0
    "$CL" trial custody verify --dir "$site" --lot "$LOT" --json > "$site.verify.json" || status=$?
    [ "$status" = 1 ] || fail "trial custody verify at $site exited $status, expected 1: $(cat "$site.verify.json")"
    incidents=$(json incidents < "$site.verify.json")
    [ -z "$FIRST" ] && FIRST=$incidents
    [ "$incidents" = "$FIRST" ] || fail "$site reports other incidents than central: $incidents"
    python3 - "$site.verify.json" "$SERIAL" "$ENTRY_A" "$ENTRY_B" <<'EOF' || fail "$site does not report the double dispense of $SERIAL naming both clinics and both entries: $incidents"
import json, sys
report = json.load(open(sys.argv[1]))
serial, a, b = sys.argv[2:5]
hits = [i for i in report["incidents"] if i["kind"] == "double_dispense" and i["serial"] == serial
        and i["sites"] == ["clinic-a", "clinic-b"] and sorted(i["entries"]) == sorted([a, b]) and i["double_custody"]]
sys.exit(0 if len(hits) == 1 else 1)
EOF
    "$CL" trial custody verify --dir "$site" --lot "$LOT" > "$site.verify.txt" || true
    grep -q "^double_dispense lot $LOT serial $SERIAL sites clinic-a,clinic-b entries " "$site.verify.txt" \
        || fail "$site's verify does not print the incident line: $(cat "$site.verify.txt")"
done

step "check --purpose HRESCH --trial answers re-consent needed for every v1 participant at every site"
REASON="re-consent needed: consented under protocol v1, v2 (requires re-consent) in force since $TODAY"
for site in $SITES; do
    for n in $(seq -w 1 20); do
        out=$("$CL" check --dir "$site" --patient "urn:trial:participant|P0$n" --actor "$ACTOR" --purpose HRESCH \
            --class Observation --trial "$TRIAL" --json)
        [ "$(printf '%s' "$out" | json decision)" = deny ] || fail "$site permits P0$n: $out"
        [ "$(printf '%s' "$out" | json reason)" = "$REASON" ] || fail "$site gives P0$n another reason: $out"
    done
    "$CL" trial consent-report --dir "$site" --trial "$TRIAL" --json > "$site.report.json"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if len(r["needs_reconsent"]) == 20 and not r["current"] else 1)' \
        "$site.report.json" || fail "$site's consent report does not list 20 participants needing re-consent: $(cat "$site.report.json")"
done

step "the depot's EPCIS export re-imported at central writes nothing (event ids kept, idempotent)"
"$CL" trial custody export --dir depot --lot "$LOT" --out depot-epcis.json --json >/dev/null
"$CL" trial custody import --dir central depot-epcis.json --json > reimport.json
[ "$(json imported < reimport.json)" = 0 ] || fail "re-importing the export wrote entries: $(cat reimport.json)"

for site in $SITES; do "$CL" verify --dir "$site" --json >/dev/null || fail "verify failed at $site"; done
echo "trial-sites: OK: 4 sites converged; each reports the double dispense of $SERIAL by clinic-a and clinic-b (entries $ENTRY_A, $ENTRY_B) and denies all 20 v1 participants with \"$REASON\""
