#!/usr/bin/env bash
# Installs the Ray that the bridge runs (requirements.txt: ray==VERSION) into
# a virtual environment in the per-user cache:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/rollcall/ray-VERSION
# (ROLLCALL_RAY_VENV names another folder). Idempotent: does nothing when
# that environment already has that Ray. Works from a checkout and from an
# installed package (it finds its own folder; nothing is written there).
#
#   bash install.sh                   the pinned version
#   bash install.sh --version 2.61.0  another one, in its own cache folder
#                                     (point RAY_BRIDGE_PYTHON at it to use it)
#
# PYTHON names the interpreter (default python3; Ray needs 3.9-3.13).
# Exit status: 0 installed (or already there), 2 no usable python3 or venv,
# 1 the installation itself failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQS="$HERE/requirements.txt"
PY="${PYTHON:-python3}"

say() { echo "[ray-bridge install] $*"; }
die() { echo "[ray-bridge install] error: $*" >&2; exit 1; }
unusable() { echo "[ray-bridge install] error: $*" >&2; exit 2; }

PINNED="$(sed -n 's/^[[:space:]]*ray==\([^[:space:];#]*\).*/\1/p' "$REQS" | head -n 1)"
[ -n "$PINNED" ] || die "no 'ray==VERSION' line in $REQS"
WANT="$PINNED"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || unusable "--version needs a Ray version, e.g. --version $PINNED"; WANT="$2"; shift 2 ;;
    --version=*) WANT="${1#--version=}"; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) unusable "unknown argument '$1' (usage: install.sh [--version VERSION])" ;;
  esac
done
[[ "$WANT" =~ ^[0-9]+(\.[0-9]+)*([a-z0-9.+-]*)$ ]] || unusable "'$WANT' is not a Ray version (e.g. $PINNED)"

CACHE="${XDG_CACHE_HOME:-}"
case "$CACHE" in /*) ;; *) CACHE="$HOME/.cache" ;; esac
VENV="${ROLLCALL_RAY_VENV:-$CACHE/rollcall/ray-$WANT}"

# GCS fault tolerance (scenarios/15-gcs) needs a redis-server: Debian's package, installed when
# missing and apt-get can (as root, or with sudo); without it the bridge runs everything else
# and its hello leaves out the feature gcs, so those scenarios are reported SKIP.
if ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    say "redis-server not found: installing Debian's redis-server (for GCS fault tolerance)"
    if [ "$(id -u)" = 0 ]; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null || say "could not install redis-server: scenarios with GCS restarts will be skipped"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null || say "could not install redis-server: scenarios with GCS restarts will be skipped"
    else
      say "redis-server not found and apt-get needs root: scenarios with GCS restarts will be skipped (apt-get install redis-server)"
    fi
  else
    say "redis-server not found: scenarios with GCS restarts will be skipped (install Redis's redis-server)"
  fi
fi

installed_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("ray"))' 2>/dev/null || true
}

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  have="$(installed_version)"
  if [ "$have" = "$WANT" ]; then
    say "ray $WANT is already installed in $VENV: nothing to do"
    exit 0
  fi
  say "found $VENV with ray '${have:-none}', want $WANT: installing"
else
  command -v "$PY" >/dev/null 2>&1 \
    || unusable "$PY not found: install Python 3.9-3.13 (on Debian or Ubuntu: apt-get install python3 python3-venv), or set PYTHON to one"
  "$PY" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 13) else 1)' \
    || unusable "$("$PY" -V 2>&1) is not supported by ray $WANT (it needs Python 3.9-3.13): set PYTHON to one"
  "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1 \
    || unusable "$("$PY" -V 2>&1) cannot make virtual environments (its venv/ensurepip modules are missing). On Debian or Ubuntu: apt-get install python3-venv"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")" || unusable "cannot create $(dirname "$VENV")"
  say "creating $VENV with $("$PY" -V 2>&1) ($(command -v "$PY"))"
  if ! "$PY" -m venv "$VENV"; then
    rm -rf "$VENV"
    unusable "'$PY -m venv $VENV' failed (on Debian or Ubuntu: apt-get install python3-venv)"
  fi
fi

say "pip install ray==$WANT (from PyPI; a few minutes the first time)"
"$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || say "(could not upgrade pip; going on)"
if [ "$WANT" = "$PINNED" ]; then
  "$VENV/bin/python" -m pip install -r "$REQS" || die "pip install of ray $WANT failed"
else
  "$VENV/bin/python" -m pip install "ray==$WANT" || die "pip install of ray $WANT failed"
fi

have="$(installed_version)"
[ "$have" = "$WANT" ] || die "after pip install, $VENV has ray '${have:-none}', not $WANT"
"$VENV/bin/python" -c 'import ray' || die "ray $WANT is installed but 'import ray' fails"
[ -x "$VENV/bin/ray" ] || die "the 'ray' command is missing from $VENV/bin"
say "ray $WANT installed in $VENV"
if [ "$WANT" != "$PINNED" ]; then
  say "the bridge is pinned to ray $PINNED; to run it on $WANT: export RAY_BRIDGE_PYTHON=$VENV/bin/python"
fi
