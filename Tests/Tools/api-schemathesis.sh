#!/usr/bin/env bash
# schemathesis against Specs/openapi.yaml on a real `careledger serve --http` (issue 15):
# a bounded number of generated requests per operation; fails on any server error (5xx), a
# response that violates the schema, an undocumented status or a wrong content type.
# usage: CARELEDGER_BIN=path/to/careledger bash Tests/Tools/api-schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${CARELEDGER_BIN:?set CARELEDGER_BIN to the careledger binary}"
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$bin" network create --dir "$work/site" --site central --name schemathesis >/dev/null
token="$("$bin" api-token --dir "$work/site" --name schemathesis --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
"$bin" consent import --dir "$work/site" Samples/fhir/permit-with-nested-deny.json >/dev/null
"$bin" serve --dir "$work/site" --http 127.0.0.1:0 --json >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 100); do [ -s "$work/serve.out" ] && break; sleep 0.1; done
port="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["http"].rsplit(":",1)[1])' "$work/serve.out")"
spec="$PWD/Specs/openapi.yaml"
# From the scratch folder, so schemathesis's cache (.schemathesis/) stays out of the checkout.
(cd "$work" && schemathesis run "$spec" --url "http://127.0.0.1:$port" -H "Authorization: Bearer $token" \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --seed 20261205 \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance)
kill -0 "$server" || { echo "api-schemathesis: the server died"; cat "$work/serve.err"; exit 1; }
