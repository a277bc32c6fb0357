#!/bin/sh
# Renders an audit report (DIR/index.html, written by `careledger report --out DIR`) with
# headless Chromium and writes a PNG screenshot of the whole page.
#
# Usage: Tests/Tools/screenshot_report.sh DIR [OUT.png] [WIDTHxHEIGHT]
#   OUT.png defaults to DIR/screenshot.png; the window defaults to 1100x4200 pixels, tall
#   enough for the whole report, so one image shows every plot.
# Needs Debian's `chromium` (apt-get update && apt-get install -y chromium). Exit codes:
# 0 the PNG was written; 2 usage error or no index.html; 3 chromium is missing or failed.
set -eu

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
    echo "usage: $0 DIR [OUT.png] [WIDTHxHEIGHT]" >&2
    exit 2
fi
dir=$1
out=${2:-$dir/screenshot.png}
size=${3:-1100x4200}
if [ ! -f "$dir/index.html" ]; then
    echo "error: $dir/index.html not found; write it with: careledger report --out $dir" >&2
    exit 2
fi
browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
if [ -z "$browser" ]; then
    echo "error: chromium not found; install it with: apt-get update && apt-get install -y chromium" >&2
    exit 3
fi
abs_dir=$(cd "$dir" && pwd)
case "$out" in /*) abs_out=$out ;; *) abs_out=$(pwd)/$out ;; esac
width=${size%x*}
height=${size#*x}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# --no-sandbox: containers run as root, where Chromium's sandbox cannot start.
if ! "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$profile" --window-size="$width,$height" \
        --screenshot="$abs_out" "file://$abs_dir/index.html" >"$profile/log" 2>&1; then
    echo "error: $browser failed to render $abs_dir/index.html:" >&2
    tail -n 5 "$profile/log" >&2
    exit 3
fi
if [ ! -s "$abs_out" ]; then
    echo "error: $browser wrote no screenshot to $abs_out" >&2
    exit 3
fi
echo "$abs_out"
