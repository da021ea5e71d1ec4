#!/usr/bin/env bash
# Runs the scenario corpus on the Node runtime under each seeded bug
# (runtime/bugs.ts) and prints how many scenarios catch it: what the
# hand-written corpus sees, beside what the fuzzer finds (bench/bugs.sh).
# Usage: bench/bugs-corpus.sh [bug ...]
set -u
cd "$(dirname "$0")/.."
BUGS=("$@")
if [ ${#BUGS[@]} -eq 0 ]; then
  mapfile -t BUGS < <(node -e 'import("./dist/runtime/bugs.js").then(m => console.log(Object.keys(m.BUGS).join("\n")))')
fi
echo "| bug | corpus scenarios failing | command |"
echo "|---|---|---|"
for bug in "${BUGS[@]}"; do
  cmd="npx rollcall run --target node --bug $bug scenarios"
  summary=$($cmd 2>/dev/null | tail -1)
  failed=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
  echo "| $bug | ${failed:-?} of $(echo "$summary" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' | awk '{print $1+$2}') | \`$cmd\` |"
done
