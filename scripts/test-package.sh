#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, installed with --omit=dev into a
# fresh folder, and every command run from another folder. Fails on a
# non-zero exit (but where a command is expected to find something) or on
# any stack trace in what a command prints.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$repo"
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
echo "== packed $tarball ($(du -k "$work/$tarball" | cut -f1) kB)"
mkdir "$work/app" "$work/elsewhere"
(cd "$work/app" && npm init -y >/dev/null && npm install --omit=dev --no-audit --no-fund "$work/$tarball" >/dev/null)
bin="$work/app/node_modules/.bin/rollcall"
pkg="$work/app/node_modules/rollcall"
for f in vitest.config.ts tsconfig.json dist/bench; do
  if [ -e "$pkg/$f" ]; then echo "the package ships $f"; exit 1; fi
done
if find "$pkg" -name '*.test.*' | grep -q .; then echo "the package ships tests:"; find "$pkg" -name '*.test.*' | head; exit 1; fi
cd "$work/elsewhere"
cp "$pkg/scenarios/00-seed/01-name-then-get.json" scenario.json
out="$work/out.txt"
# step NAME EXPECTED-EXIT COMMAND...: runs it, checks the exit code and that no stack trace was printed.
step() {
  local name="$1" want="$2"; shift 2
  set +e; "$@" >"$out" 2>&1; local code=$?; set -e
  if [ "$code" != "$want" ]; then echo "FAIL $name: exit $code (wanted $want)"; cat "$out"; exit 1; fi
  if grep -Eq '^\s+at .+:[0-9]+:[0-9]+\)?$|ERR_MODULE_NOT_FOUND' "$out"; then echo "FAIL $name: a stack trace"; cat "$out"; exit 1; fi
  echo "ok   $name (exit $code): $(tail -1 "$out" | cut -c1-100)"
}
step "run a scenario" 0 "$bin" run scenario.json
step "run the shipped corpus" 0 "$bin" run "$pkg/scenarios"
# The Node runtime from the installed package (its processes, and node-redis for GCS restarts: a dependency).
step "run --target node" 0 "$bin" run --target node "$pkg/scenarios/16-constructor-failures"
if command -v redis-server >/dev/null 2>&1; then
  step "run --target node, GCS restarts with Redis" 0 "$bin" run --target node "$pkg/scenarios/15-gcs"
else
  echo "skip run --target node on 15-gcs: no redis-server on this machine"
fi
step "check (default bounds)" 0 "$bin" check --quiet
step "check --workers 2 (the worker script ships in the package)" 0 "$bin" check --quiet --workers 2
step "check --mutant (a counterexample)" 1 "$bin" check --quiet --mutant "$("$bin" check --list-mutants --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8"))[0].name)')" --out cx
step "simulate" 0 "$bin" simulate --seed 3 --steps 300 --log sim.jsonl
step "replay" 0 "$bin" replay sim.jsonl
step "explain" 0 "$bin" explain scenario.json
step "export --itf" 0 "$bin" export --itf sim.jsonl --out sim.itf.json
step "fuzz --target model" 0 "$bin" fuzz --target model --runs 20 --seed 1 --out fuzz-out
step "serve-model" 0 sh -c "printf '%s\n' '{\"id\":1,\"type\":\"hello\",\"protocol\":1}' | '$bin' serve-model | grep '\"ok\":true'"
step "help" 0 "$bin" --help
step "ray-install --help" 0 "$bin" ray-install --help
# web: serves the page; fetch it once, then stop the server.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$bin" web scenario.json --port "$port" >"$work/web.txt" 2>&1 &
web=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
if ! curl -sf "http://127.0.0.1:$port/" | grep -qi "<html"; then echo "FAIL web: no page"; cat "$work/web.txt"; kill $web; exit 1; fi
kill -INT $web; wait $web || true
echo "ok   web (served the page on 127.0.0.1:$port)"
if find "$pkg" -name ".venv*" -o -name "__pycache__" | grep -q .; then echo "FAIL: a venv or cache inside the installed package"; exit 1; fi
echo "package: every command ran from another folder"
