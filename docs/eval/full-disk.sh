#!/usr/bin/env bash
# The daemon on a full disk: presplit loadtest with its data directory on a small tmpfs (needs root for the mount).
#   bash docs/eval/full-disk.sh [size, default 700m] [seconds, default 30]
# Prints the load test's summary, then what a full disk did to the process: threads ended by an Error, a stopped
# control loop, and the write-failure log lines (throttled to one per 10 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE="${1:-700m}"
SECONDS_RUN="${2:-30}"
MNT="$(mktemp -d)"
mount -t tmpfs -o size="$SIZE" tmpfs "$MNT"
trap 'umount "$MNT"; rmdir "$MNT"' EXIT
LOG="$MNT/../full-disk-$$.log"
./presplit loadtest --data-dir "$MNT/d" --seconds "$SECONDS_RUN" > "$LOG" 2>&1 || true
grep -E '^points|^write latency|^splits|counted back' "$LOG"
echo "threads ended by an Error: $(grep -c 'Exception in thread' "$LOG" || true)"
echo "control loop stopped: $(grep -c 'control loop stopped' "$LOG" || true)"
echo "write-failure log lines: $(grep -c 'IngestService write failed' "$LOG" || true)"
df -h "$MNT" | tail -1
rm -f "$LOG"
