#!/usr/bin/env bash
# CI smoke run: every fuzz target for FUZZ_SMOKE_SECONDS (default 20) each, from the committed
# corpora. Exits 0 with a message when this toolchain cannot build libFuzzer targets.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${FUZZ_SMOKE_SECONDS:-20}"
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
cat >"$probe/probe.swift" <<'SWIFT'
@_cdecl("LLVMFuzzerTestOneInput") public func probe(_ d: UnsafePointer<UInt8>, _ n: Int) -> CInt { 0 }
SWIFT
if ! (cd "$probe" && swiftc -sanitize=fuzzer,address -parse-as-library -use-ld=lld probe.swift -o probe) >/dev/null 2>&1; then
  echo "fuzz smoke: skipped (this toolchain cannot build libFuzzer targets: swiftc -sanitize=fuzzer,address failed)"
  exit 0
fi
failed=0
for dir in "$here"/Sources/fuzz-*; do
  target="$(basename "$dir")"
  "$here/run.sh" "$target" "$seconds" || failed=1
done
exit $failed
