#!/usr/bin/env bash
# The published static log (Specs/static-log.md) served by Debian's nginx and checked over
# HTTP by the independent verifier Tests/Tools/tlog_verify.py (issue 19): a small site is
# published, grows, is published again; both publishes verify, the second is consistent
# with the first, a clinic catches up from nginx with sync --mirror, and a tile with one
# byte changed makes the verifier fail.
# usage: CARELEDGER_BIN=path/to/careledger bash Tests/Tools/tlog-nginx.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${CARELEDGER_BIN:?set CARELEDGER_BIN to the careledger binary}"
command -v nginx >/dev/null 2>&1 || { echo "tlog-nginx: nginx is not installed (apt-get install nginx)"; exit 1; }
work="$(mktemp -d)"
cleanup() {
  if [ -s "$work/nginx.pid" ]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
site="$work/site"
pub="$work/www/log"

# A site: a network, entries in several bundles, a consent import.
"$bin" network create --dir "$site" --site central --name tlog-nginx >/dev/null
python3 -c 'import json; [print(json.dumps({"n": i, "note": "x" * (i % 50)})) for i in range(600)]' >"$work/first.jsonl"
"$bin" append --dir "$site" --kind anchor --jsonl "$work/first.jsonl" >/dev/null
"$bin" consent import --dir "$site" Samples/fhir/permit-with-nested-deny.json >/dev/null
"$bin" publish --dir "$site" --to "$pub" --json >"$work/first.json"
key="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verifier_key"])' "$work/first.json")"
cp "$pub/checkpoint" "$work/checkpoint.1"
cp -r "$pub" "$work/www/log-1"   # the first publish as served then

# More entries, published again (incrementally).
python3 -c 'import json; [print(json.dumps({"n": i})) for i in range(600, 1000)]' >"$work/second.jsonl"
"$bin" append --dir "$site" --kind anchor --jsonl "$work/second.jsonl" >/dev/null
"$bin" publish --dir "$site" --to "$pub" --json >"$work/second.json"
cp "$pub/checkpoint" "$work/checkpoint.2"

# nginx as this user, on a free port, everything in the scratch folder.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
# As root, nginx's workers would run as nobody and could not read the scratch folder.
user_line=""
if [ "$(id -u)" = 0 ]; then user_line="user $(id -un) $(id -gn);"; fi
cat >"$work/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  default_type application/octet-stream;
  gzip on;
  gzip_types application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $work/www;
    location ~ /checkpoint(\.witnessed)?\$ { default_type "text/plain; charset=utf-8"; add_header Cache-Control "no-cache"; }
    location ~ /tile/ { add_header Cache-Control "max-age=31536000, immutable"; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work/nginx" -e "$work/nginx/logs/error.log"
for _ in $(seq 1 100); do
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null && break
  sleep 0.1
done
url="http://127.0.0.1:$port/log"

# The first publish (as it was served then) and the second verify; the second is
# consistent with the first.
python3 Tests/Tools/tlog_verify.py "$url-1" --key "$key"
python3 Tests/Tools/tlog_verify.py "$url" --key "$key" --previous "$work/checkpoint.1"
# The first checkpoint also verifies over the second publish's folder, whose partial tiles
# that became full are gone (the verifier falls back to the full tiles, as tlog-tiles allows).
python3 Tests/Tools/tlog_verify.py "$url" --key "$key" --checkpoint "$work/checkpoint.1"

# Refusals: the first publish is not consistent with the second as its "previous" (a
# rollback), and another key does not verify the checkpoint.
expect_fail() {
  if python3 Tests/Tools/tlog_verify.py "$@" >"$work/refused.out"; then
    echo "tlog-nginx: the verifier accepted: $*"; cat "$work/refused.out"; exit 1
  fi
  echo "tlog-nginx: refused as expected: $(cat "$work/refused.out")"
}
expect_fail "$url-1" --key "$key" --previous "$work/checkpoint.2"
other="$(python3 -c 'import os; print(os.urandom(32).hex())')"
expect_fail "$url" --key "$other"

# A clinic of the network catches up from nginx: the first publish, then the second (only
# the bundles it lacks), and an auditor with no site verifies every entry's signature.
"$bin" network genesis --dir "$site" --out "$work/genesis.json" >/dev/null
"$bin" init --dir "$work/clinic" --site clinic --genesis "$work/genesis.json" >/dev/null
"$bin" sync --dir "$work/clinic" --mirror "$url-1" --connections 3 --json >"$work/mirror-1.json"
"$bin" sync --dir "$work/clinic" --mirror "$url" --connections 3 --json >"$work/mirror-2.json"
python3 - "$work/mirror-1.json" "$work/mirror-2.json" "$work/second.json" <<'PY'
import json, sys
first, second, published = (json.load(open(p)) for p in sys.argv[1:4])
size = published["tree_size"]
assert second["tree_size"] == size, (second, size)
assert first["bundles_downloaded"] == (first["tree_size"] + 255) // 256, first
# Only the bundles from the one that was partial at the first size on.
assert second["bundles_downloaded"] == (size + 255) // 256 - first["tree_size"] // 256, second
print("tlog-nginx: sync --mirror fetched", first["bundles_downloaded"], "then", second["bundles_downloaded"], "bundles")
PY
"$bin" verify --mirror "$url" --log-key "$key" --json >/dev/null

# A tile with one byte changed: the verifier must fail.
tile="$pub/tile/0/000"
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[100] ^= 1; open(p, "wb").write(b)' "$tile"
expect_fail "$url" --key "$key"
echo "tlog-nginx: ok"
