#!/usr/bin/env bash
# A central site merges 200 bundles from 50 clinics (four each, written as each clinic's
# work grew, so they overlap) in shuffled order, then merges them all again. Checks:
# every clinic entry arrives exactly once, nothing is rejected or quarantined, the second
# merge imports 0, and a replica that merges the same bundles in another order ends with
# the same summary_root (order does not matter).
#
# Run from the repository root after `swift build`:  bash Samples/central-merge.sh
set -euo pipefail

CL="${CARELEDGER:-.build/debug/careledger}"
[ -x "$CL" ] || { echo "central-merge: FAIL: no careledger binary at $CL (run swift build, or set CARELEDGER)" >&2; exit 2; }
CL="$(cd "$(dirname "$CL")" && pwd)/$(basename "$CL")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/careledger-merge.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() { echo "central-merge: FAIL: $*" >&2; exit 1; }
step() { echo "central-merge: [${SECONDS}s] $*"; }
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited with status $?"' ERR
json() { python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v) if isinstance(v,(list,dict)) else v)' "$1"; }

CLINICS=50
BUNDLES_PER_CLINIC=4
ENTRIES_PER_BATCH=5

step "central founds the network; $CLINICS clinics join and are admitted"
"$CL" network create --dir central --site central --name "National Network" --json >/dev/null
"$CL" network genesis --dir central --out genesis.json >/dev/null
mkdir bundles
CLINIC_IDS=$(seq -w 1 "$CLINICS")
# The clinics are independent folders: set them up and let them work in PARALLEL groups.
PARALLEL=4
# in_groups FUNCTION: runs FUNCTION CLINIC for every clinic, PARALLEL at a time; fails if any fails.
in_groups() {
    local pids=() g
    for g in $(seq 0 $((PARALLEL - 1))); do
        ( for c in $CLINIC_IDS; do [ $((10#$c % PARALLEL)) = "$g" ] && { "$1" "$c" || exit 1; }; done; exit 0 ) &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || fail "$1 failed for a clinic (see above)"; done
}
join_clinic() { "$CL" init --dir "clinic-$1" --site "clinic-$1" --genesis genesis.json --json > "id-$1.json"; }
in_groups join_clinic
for c in $CLINIC_IDS; do
    "$CL" members admit --dir central --key "$(json site_key < "id-$c.json")" --agreement-key "$(json agreement_key < "id-$c.json")" \
        --name "clinic-$c" --role clinic --json >/dev/null
done

step "each clinic works and writes $BUNDLES_PER_CLINIC bundles for central as its work grows ($((CLINICS * BUNDLES_PER_CLINIC)) bundles)"
EXPECTED=$("$CL" stats --dir central --json | json entries)
# Every clinic's batches of synthetic record anchors, written in one go (one python3 start).
mkdir batches
python3 - "$CLINICS" "$BUNDLES_PER_CLINIC" "$ENTRIES_PER_BATCH" <<'EOF'
import json, sys
clinics, bundles, n = (int(a) for a in sys.argv[1:4])
for c in range(1, clinics + 1):
    for b in range(1, bundles + 1):
        with open("batches/clinic-%0*d-%d.jsonl" % (len(str(clinics)), c, b), "w") as out:
            for i in range(n):
                out.write(json.dumps({"sha256": "%064x" % (c * 1000000 + b * 1000 + i), "size": 512,
                                      "type": "Observation", "id": "c%d-b%d-%d" % (c, b, i)}) + "\n")
EOF
clinic_work() {
    local c=$1 b
    for b in $(seq 1 "$BUNDLES_PER_CLINIC"); do
        "$CL" append --dir "clinic-$c" --kind anchor --jsonl "batches/clinic-$c-$b.jsonl" --json >/dev/null || return 1
        "$CL" bundle export --dir "clinic-$c" --to central --out "bundles/clinic-$c-$b.clbundle" --json >/dev/null || return 1
    done
}
in_groups clinic_work
# Each clinic wrote its site.profile entry plus its batches; central also gets those.
EXPECTED=$((EXPECTED + CLINICS * (1 + BUNDLES_PER_CLINIC * ENTRIES_PER_BATCH)))
BYTES=$(du -cb bundles/*.clbundle | tail -n 1 | cut -f 1)
step "  $((CLINICS * BUNDLES_PER_CLINIC)) bundles, $BYTES bytes in all; central should end with $EXPECTED entries"

cp -r central replica
python3 -c 'import glob, random; files = sorted(glob.glob("bundles/*.clbundle")); random.Random(20261125).shuffle(files); print("\n".join(files))' > shuffled.txt
python3 -c 'import glob, random; files = sorted(glob.glob("bundles/*.clbundle")); random.Random(7).shuffle(files); print("\n".join(files))' > other-order.txt

step "central merges all bundles in shuffled order"
START=$(date +%s.%N)
mapfile -t ORDER < shuffled.txt
"$CL" bundle import --dir central --json "${ORDER[@]}" > first.json || fail "the first merge failed: $(cat first.json)"
END=$(date +%s.%N)
[ "$(json rejected < first.json)" = "[]" ] || fail "bundles were rejected: $(json rejected < first.json)"
[ "$(json quarantined < first.json)" = 0 ] || fail "$(json quarantined < first.json) entries were quarantined"
N=$("$CL" stats --dir central --json | json entries)
step "  imported $(json imported < first.json) entries from $(json bundles < first.json) bundles in $(python3 -c "print(round($END - $START, 2))") s"
[ "$N" = "$EXPECTED" ] || fail "central holds $N entries after the merge, expected $EXPECTED"
ROOT=$("$CL" stats --dir central --json | json summary_root)

step "central merges the same bundles again (idempotent) while a replica of central merges them in another order"
mapfile -t OTHER < other-order.txt
"$CL" bundle import --dir central --json "${ORDER[@]}" > second.json & SECOND=$!
"$CL" bundle import --dir replica --json "${OTHER[@]}" > replica.json & REPLICA=$!
wait "$SECOND" || fail "the second merge failed: $(cat second.json)"
wait "$REPLICA" || fail "the replica's merge failed: $(cat replica.json)"
[ "$(json imported < second.json)" = 0 ] || fail "the second merge imported $(json imported < second.json) entries, expected 0"
[ "$("$CL" stats --dir central --json | json entries)" = "$EXPECTED" ] || fail "the second merge changed the entry count"
[ "$("$CL" stats --dir central --json | json summary_root)" = "$ROOT" ] || fail "the second merge changed the summary root"
[ "$("$CL" stats --dir replica --json | json summary_root)" = "$ROOT" ] || fail "merging in another order gave another summary root"
"$CL" verify --dir central --json > /dev/null || fail "verify failed at central after the merge"
echo "central-merge: OK: $((CLINICS * BUNDLES_PER_CLINIC)) bundles from $CLINICS clinics merged into $EXPECTED entries in any order (summary root $ROOT); a second merge imported 0; verify passes"
