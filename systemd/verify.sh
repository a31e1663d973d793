#!/bin/sh
# Checks the unit offline: `systemd-analyze verify` (which needs ExecStart's binary to exist, so the
# unit is copied with ExecStart pointing at BINARY) and `systemd-analyze security`, failing when the
# exposure is above 1.5. Usage: systemd/verify.sh [BINARY]   (default: .build/debug/scrawl)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
binary=$(realpath "${1:-$here/../.build/debug/scrawl}")
[ -x "$binary" ] || { echo "verify.sh: $binary is not an executable: build it first (swift build)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=/usr/local/bin/scrawl |ExecStart=$binary |" "$here/scrawl.service" > "$work/scrawl.service"
systemd-analyze verify "$work/scrawl.service"
echo "systemd-analyze verify: ok"
systemd-analyze security --offline=true "$here/scrawl.service" | tee "$work/security.txt" | grep -v '✓' || true
exposure=$(sed -n 's/.*Overall exposure level for scrawl.service: \([0-9.]*\).*/\1/p' "$work/security.txt")
awk -v e="$exposure" 'BEGIN { if (e == "" || e > 1.5) { print "exposure " e " is above 1.5"; exit 1 } }'
echo "exposure $exposure (≤ 1.5): ok"
