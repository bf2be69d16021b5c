#!/usr/bin/env bash
# One timed demo run, as bench/demo/README.md records them:
#   bash bench/demo/run.sh <build's dist dir> <threads: N or all> <cache dir> <out dir> [pool trace file]
# A cache dir that does not exist yet makes the run cold; run again with the same one for warm.
# Prints the wall seconds, the CPU share, the load at the start -> end, and each step's time.
set -euo pipefail
dist=$1 threads=$2 cache=$3 out=$4 trace=${5:-}
rm -rf "$out" && mkdir -p "$out/sessions" "$out/config"
[ "$threads" = all ] || echo "{\"workerThreads\": $threads}" > "$out/config/config.json"
load0=$(cut -d' ' -f1 /proc/loadavg)
BASKETS_CONFIG_DIR="$out/config" BASKETS_CACHE_DIR="$cache" BASKETS_POOL_TRACE="$trace" \
  /usr/bin/time -f "%e s %P" -o "$out/time" node "$dist/cli.js" demo --headless --sessions "$out/sessions" > "$out/out.txt" 2>&1
echo "$(cat "$out/time"), load $load0 -> $(cut -d' ' -f1 /proc/loadavg)"
grep "done in" "$out/out.txt" | sed -E 's/^\[[0-9:]+\] ([a-z]+): done in ([0-9.]+) s.*/\1 \2/' | tr '\n' ' '
echo
