#!/usr/bin/env bash
# Run the demo for seeds 1234, 1, 2 (two at a time on a 2-core machine) from a cold cache and
# print the 3-seed outcome table. Usage: bench/engine/outcome.sh OUTDIR [session.json]
# Needs `npx tsc -p tsconfig.build.json` first (runs dist/cli.js).
set -euo pipefail
out=${1:?OUTDIR}
session=${2:-sessions/demo/session.json}
mkdir -p "$out"
run() {
  local seed=$1 dir="$out/s$1"
  rm -rf "$dir" "$out/cache-$1" && mkdir -p "$dir/demo"
  node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1]));s.seed=Number(process.argv[2]);process.stdout.write(JSON.stringify(s,null,2))' "$session" "$seed" >"$dir/demo/session.json"
  /usr/bin/time -f "seed $seed: %e s wall, %U+%S s CPU, %M KiB peak" env BASKETS_CACHE_DIR="$out/cache-$1" \
    node dist/cli.js demo --headless --fresh --sessions "$dir" >"$dir/log.txt" 2>"$dir/time.txt" || { cat "$dir/log.txt" "$dir/time.txt"; exit 1; }
  tail -n1 "$dir/time.txt"
}
run 1234 & run 1 & wait
run 2
node bench/engine/outcome.mjs "$out/s1234" "$out/s1" "$out/s2"
