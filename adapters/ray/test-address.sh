#!/usr/bin/env bash
# --address on a user's own cluster: starts a separate local Ray cluster (the
# bridge's keeper, so it is stopped whatever happens), makes a named detached
# "bystander" actor there in a namespace of its own and changes its state,
# runs the given scenarios (default: the whole corpus) with
# `rollcall run --target ray --address`, then checks that the bystander is
# ALIVE with the state it had. Exit 0 when both hold. Needs Ray installed
# (npm run ray:install) and the build (npm run build).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${XDG_CACHE_HOME:-}"; case "$CACHE" in /*) ;; *) CACHE="$HOME/.cache" ;; esac
VERSION="$(sed -n 's/^[[:space:]]*ray==\([^[:space:];#]*\).*/\1/p' "$HERE/requirements.txt" | head -n 1)"
PY="${RAY_BRIDGE_PYTHON:-$CACHE/rollcall/ray-$VERSION/bin/python}"
[ -x "$PY" ] || { echo "test-address: no Ray at $PY (npm run ray:install)" >&2; exit 2; }
tmp="$(mktemp -d /tmp/rca-XXXXXX)"
port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# The keeper stops the cluster when its stdin closes: a fifo held open by this script.
mkfifo "$tmp/stdin"
"$PY" "$HERE/rollcall_ray/keeper.py" "$(dirname "$PY")/ray" "$tmp/r" "$port" 8 < "$tmp/stdin" > "$tmp/keeper.out" 2> "$tmp/keeper.err" &
keeper=$!
exec 9> "$tmp/stdin"
cleanup() { exec 9>&-; wait "$keeper" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
for _ in $(seq 1 600); do grep -q . "$tmp/keeper.out" 2>/dev/null && break; sleep 0.2; done
read -r ready address < "$tmp/keeper.out" || true
[ "${ready:-}" = READY ] || { echo "test-address: the user's cluster did not start" >&2; cat "$tmp/keeper.err" >&2; exit 1; }
echo "== a user's cluster at $address; the bystander:"
"$PY" "$HERE/tests/address/bystander.py" "$address" make 2>/dev/null
shift_paths=("$@"); [ ${#shift_paths[@]} -gt 0 ] || shift_paths=("$ROOT/scenarios")
node "$ROOT/dist/cli/main.js" run --target ray --address "$address" --logs "$tmp/logs" "${shift_paths[@]}" | tail -1
out="$("$PY" "$HERE/tests/address/bystander.py" "$address" check 2>/dev/null | tail -1)"
echo "$out"
[ "$out" = "check value 42 state ['ALIVE']" ] || { echo "test-address: the bystander did not survive unchanged" >&2; exit 1; }
echo "== the bystander survived, unchanged"
