#!/usr/bin/env bash
# Runs the Ray bridge's tests (tests/) with pytest, without Ray or a cluster.
# Makes (once) and reuses a small virtual environment with only
# requirements-test.txt in ${XDG_CACHE_HOME:-$HOME/.cache}/rollcall/bridge-test;
# it is made again when requirements-test.txt changes. PYTHON names the
# interpreter (default python3). Arguments go to pytest.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQS="$HERE/requirements-test.txt"
PY="${PYTHON:-python3}"
CACHE="${XDG_CACHE_HOME:-}"
case "$CACHE" in /*) ;; *) CACHE="$HOME/.cache" ;; esac
VENV="$CACHE/rollcall/bridge-test"
STAMP="$VENV/.requirements-test.txt"

say() { echo "[ray-bridge tests] $*"; }
die() { echo "[ray-bridge tests] error: $*" >&2; exit 2; }

if ! [ -x "$VENV/bin/python" ] || ! cmp -s "$REQS" "$STAMP"; then
  command -v "$PY" >/dev/null 2>&1 || die "$PY not found: install Python 3.8 or later (or set PYTHON to one)"
  "$PY" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 8) else 1)' \
    || die "$("$PY" -V 2>&1) is too old: the bridge needs Python 3.8 or later (set PYTHON)"
  if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    die "$("$PY" -V 2>&1) cannot make virtual environments (its venv/ensurepip modules are missing). On Debian or Ubuntu: apt-get install python3-venv"
  fi
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  say "creating $VENV with $("$PY" -V 2>&1) and $(grep -v '^#' "$REQS" | tr '\n' ' ')"
  "$PY" -m venv "$VENV" \
    || die "'$PY -m venv $VENV' failed. On Debian or Ubuntu: apt-get install python3-venv"
  "$VENV/bin/python" -m pip install --quiet -r "$REQS" \
    || { rm -rf "$VENV"; die "pip could not install $REQS (it needs PyPI)"; }
  cp "$REQS" "$STAMP"
fi

cd "$HERE"
exec "$VENV/bin/python" -m pytest -p no:cacheprovider tests "$@"
