#!/usr/bin/env bash
# Runs the fuzzer against every seeded bug of the Node runtime (runtime/bugs.ts)
# and prints a Markdown table: programs until found, shrunk length, seconds, command.
# Usage: bench/bugs.sh [bug ...]   (env: RUNS=200 SEED=1 SHRINK=60 OUT=/tmp/fz)
# get-or-create-no-retry is a race bug: it is fuzzed with --race; the bugs of worker
# nodes (owner-node-one-child, detached-killed-with-creator) with --nodes 2.
set -u
cd "$(dirname "$0")/.."
RUNS=${RUNS:-200}; SEED=${SEED:-1}; SHRINK=${SHRINK:-60}; OUT=${OUT:-/tmp/fz}
BUGS=("$@")
if [ ${#BUGS[@]} -eq 0 ]; then
  mapfile -t BUGS < <(node -e 'import("./dist/runtime/bugs.js").then(m => console.log(Object.keys(m.BUGS).join("\n")))')
fi
echo "| bug | found | programs until found | shrunk steps | seconds | command |"
echo "|---|---|---|---|---|---|"
for bug in "${BUGS[@]}"; do
  race=""; [ "$bug" = "get-or-create-no-retry" ] && race=" --race"
  case "$bug" in owner-node-one-child|detached-killed-with-creator) race=" --nodes 2" ;; esac
  cmd="npx rollcall fuzz --target node --bug $bug --runs $RUNS --seed $SEED --shrink-time $SHRINK$race --out $OUT-$bug"
  rm -rf "$OUT-$bug"
  start=$(date +%s.%N)
  log=$($cmd 2>&1); status=$?
  secs=$(echo "$(date +%s.%N) - $start" | bc | xargs printf "%.0f")
  programs=$(echo "$log" | sed -n 's/^difference found after \([0-9]*\) programs.*/\1/p')
  [ -z "$programs" ] && programs=$(echo "$log" | sed -n 's/^races \([0-9]*\).*/\1/p')
  file=$(ls "$OUT-$bug"/*seed"$SEED".json 2>/dev/null | head -1)
  steps=""
  # Top-level steps, as the fuzzer reports them (a parallel block counts once).
  [ -n "$file" ] && steps=$(node -e 'console.log(require(process.argv[1]).steps.length)' "$file")
  found=$([ $status -eq 1 ] && [ -n "$file" ] && echo yes || echo "NO (exit $status)")
  echo "| $bug | $found | $programs | $steps | $secs | \`$cmd\` |"
done
