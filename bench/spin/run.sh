#!/usr/bin/env bash
# The SPIN baseline (issue 4): SPIN and rollcall's one search engine explore the
# same restricted universe (bench/spin/universe.ts; model.pml is the same
# model in Promela), must count the same reachable states, and are timed.
# Prints the two ratios last:
#   ratio rollcall/spin = X (states rollcall N, spin M)
#   ratio rollcall/spin with symmetry = X (states rollcall N, spin M)
# X is rollcall's verdict seconds over pan's elapsed seconds. SPIN has no
# symmetry reduction of its own, so the second line holds rollcall with
# symmetry against the same SPIN run.
#
# Usage: bash bench/spin/run.sh [UNIVERSE_JSON]   (after npm run build)
# e.g.   bash bench/spin/run.sh '{"drivers":2,"namespaces":2,"names":2,"ops":1}'
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
compare="$root/dist/bench/spin/compare.js"
[[ -f $compare ]] || { echo "run.sh: $compare is missing: run npm run build first" >&2; exit 2; }

install() {
  local pkg=$1
  echo "== installing $pkg (apt-get)" >&2
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq >/dev/null && apt-get install -y -qq "$pkg" >/dev/null
  else
    sudo apt-get update -qq >/dev/null && sudo apt-get install -y -qq "$pkg" >/dev/null
  fi
}
command -v spin >/dev/null || install spin
command -v gcc >/dev/null || install gcc

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# SPIN's side. Settings: -o2 keeps variables SPIN would find dead (the
# actors' counters are written by calls and never tested, yet they are part
# of the state); one process, so partial-order reduction has nothing to
# reduce (-DNOREDUCE); safety only (-DSAFETY), no array bound checks (rollcall
# makes none either), no state compression (-DNOCOMP, faster here), -E since
# a state with no move left is a finished run, not a deadlock.
spin_run() { # D NS M OPS operations... → "states seconds"
  local D=$1 NS=$2 M=$3 OPS=$4
  cp "$here/model.pml" "$work/model.pml"
  bash "$here/moves.sh" "$@" > "$work/moves.pml"
  (cd "$work" && spin -o2 -DD="$D" -DNS="$NS" -DM="$M" -DOPS="$OPS" -a model.pml >/dev/null \
    && gcc -O2 -w -DNOREDUCE -DSAFETY -DNOBOUNDCHECK -DNOFAIR -DNOCOMP -DMEMLIM=16000 -o pan pan.c \
    && ./pan -E -m1000000 -w24 > pan.out 2>&1) || { cat "$work/pan.out" >&2 2>/dev/null; echo "run.sh: spin failed" >&2; exit 2; }
  grep -q "errors: 0" "$work/pan.out" || { cat "$work/pan.out" >&2; echo "run.sh: pan reported errors" >&2; exit 1; }
  local states seconds
  states=$(awk '/states, stored/ {print $1; exit}' "$work/pan.out")
  seconds=$(awk '/elapsed time/ {print $4; exit}' "$work/pan.out")
  echo "$states $seconds"
}

# First, the two models agree on small universes (a second each).
for u in '{"drivers":2,"namespaces":2,"names":2,"ops":1,"operations":["create","getIfExists","get","call","kill","killRestart","drop","exitActor","exit","list"]}' \
         '{"drivers":2,"namespaces":1,"names":1,"ops":2,"operations":["create","getIfExists","get","call","kill","killRestart","drop","exitActor","exit","list"]}' \
         '{"drivers":3,"namespaces":2,"names":1,"ops":1,"operations":["create","getIfExists","get","kill","exit"]}'; do
  read -r -a b <<< "$(node "$compare" bounds "$u")"
  read -r s _ <<< "$(spin_run "${b[@]}")"
  r=$(node "$compare" run "$u" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).states))')
  [[ $s == "$r" ]] || { echo "run.sh: the models disagree on $u: spin $s states, rollcall $r" >&2; exit 1; }
  echo "== cross-check $u: $s states on both" >&2
done

u=${1:-}
if [[ -n $u ]]; then read -r -a b <<< "$(node "$compare" bounds "$u")"; else read -r -a b <<< "$(node "$compare" bounds)"; fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(spin -V), node $(node --version)"
echo "universe: drivers ${b[0]}, namespaces ${b[1]}, names ${b[2]}, ops ${b[3]}, operations ${b[*]:4}"
read -r spin_states spin_seconds <<< "$(spin_run "${b[@]}")"
echo "spin: $spin_states states, $spin_seconds s (pan -DNOREDUCE -DSAFETY -DNOBOUNDCHECK -DNOFAIR -DNOCOMP, depth-first)"
if [[ -n $u ]]; then json=$(node "$compare" run "$u"); else json=$(node "$compare"); fi
echo "rollcall: $json"
node -e '
const r = JSON.parse(process.argv[1]);
const spinStates = Number(process.argv[2]);
const spinSeconds = Number(process.argv[3]);
if (r.states !== spinStates) {
  console.error(`run.sh: the reachable states differ: rollcall ${r.states}, spin ${spinStates}`);
  process.exit(1);
}
const f = (x) => x.toFixed(2);
console.log(`rollcall: ${r.states} states in ${f(r.seconds)} s (${r.statesPerSecond} states/s); with symmetry ${r.symmetryStates} states in ${f(r.symmetrySeconds)} s; spin: ${Math.round(spinStates / spinSeconds)} states/s`);
console.log(`ratio rollcall/spin = ${f(r.seconds / spinSeconds)} (states rollcall ${r.states}, spin ${spinStates})`);
console.log(`ratio rollcall/spin with symmetry = ${f(r.symmetrySeconds / spinSeconds)} (states rollcall ${r.symmetryStates}, spin ${spinStates})`);
' "$json" "$spin_states" "$spin_seconds"
