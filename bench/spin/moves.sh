#!/usr/bin/env bash
# Writes the do-loop options of model.pml for the bounds D NS M OPS and the
# operations given as flags (create getIfExists get call kill killRestart drop
# exitActor list exit): one d_step per move, guard then effect, the moves a
# driver of checker/universe.ts may make, one for one.
set -euo pipefail
D=$1 NS=$2 M=$3 OPS=$4
shift 4
has() { [[ " $* " == *" $OP "* ]]; }
declare -A op=()
for o in "$@"; do op[$o]=1; done
K=$((D * OPS))
for ((i = 0; i < D; i++)); do
  for ((n = 0; n < NS; n++)); do
    if ((n == 0)); then echo "  :: d_step { slotJob[$i] == 0 -> start($i, 0) }"
    else echo "  :: d_step { slotJob[$i] == 0 && NS_USED($((n - 1))) -> start($i, $n) }"; fi
  done
  echo "  :: d_step { slotJob[$i] != 0 && !jobFin[JI($i)] && jobInfl[JI($i)] != 0 && !BLOCKED(JI($i)) -> continueCreate($i) }"
  for ((n = 0; n < M; n++)); do
    for gie in 0 1; do
      if ((gie == 0)) && [[ -z ${op[create]:-} ]]; then continue; fi
      if ((gie == 1)) && [[ -z ${op[getIfExists]:-} ]]; then continue; fi
      for det in 0 1; do echo "  :: d_step { READY($i) && !BLOCKED(JI($i)) -> create($i, $n, $gie, $det) }"; done
    done
    [[ -n ${op[get]:-} ]] && echo "  :: d_step { READY($i) && !BLOCKED(JI($i)) -> get($i, $n) }"
  done
  for ((k = 0; k < K; k++)); do
    [[ -n ${op[call]:-} ]] && echo "  :: d_step { READY($i) && !BLOCKED(JI($i)) && HOLDS($i, $k) && !WAITING($k) -> call($i, $k) }"
    [[ -n ${op[kill]:-} ]] && echo "  :: d_step { READY($i) && !BLOCKED(JI($i)) && HOLDS($i, $k) -> kill($i, $k, 1) }"
    [[ -n ${op[killRestart]:-} ]] && echo "  :: d_step { READY($i) && !BLOCKED(JI($i)) && HOLDS($i, $k) -> kill($i, $k, 0) }"
    [[ -n ${op[drop]:-} ]] && echo "  :: d_step { READY($i) && !BLOCKED(JI($i)) && HOLDS($i, $k) -> drop($i, $k) }"
    [[ -n ${op[exitActor]:-} ]] && echo "  :: d_step { READY($i) && HOLDS($i, $k) && !WAITING($k) -> exitActor($i, $k) }"
  done
  [[ -n ${op[list]:-} ]] && echo "  :: d_step { READY($i) && !BLOCKED(JI($i)) -> list($i) }"
  [[ -n ${op[exit]:-} ]] && echo "  :: d_step { READY($i) && !BLOCKED(JI($i)) -> exitDriver($i) }"
done
for ((k = 0; k < K; k++)); do
  echo "  :: d_step { LIVE($k) && OWNER_GONE($k) -> destroy($k, OWNER_DIED) }"
  echo "  :: d_step { LIVE($k) && !OWNER_GONE($k) && !aDet[$k] && hd[aCreator[$k] * K + $k] != STRONG -> destroy($k, OUT_OF_SCOPE) }"
  echo "  :: d_step { LIVE($k) && !OWNER_GONE($k) && !aDet[$k] && hd[aCreator[$k] * K + $k] != STRONG -> destroy($k, REF_DELETED) }"
  echo "  :: d_step { LIVE($k) && !OWNER_GONE($k) && aLife[$k] == LU -> aLife[$k] = LP }"
  echo "  :: d_step { LIVE($k) && !OWNER_GONE($k) && aLife[$k] == LP -> aLife[$k] = LA; aData[$k] = 1 + aGie[$k] }"
done
for ((p = 0; p < D; p++)); do
  echo "  :: d_step { kBy[$p] != 0 -> killProcessed($p) }"
done
