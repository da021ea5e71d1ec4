#!/usr/bin/env bash
# Creates adapters/ray/.venv with the machine's python3 and installs the Ray
# that the bridge runs (requirements.txt: ray==2.60.0). Idempotent: does
# nothing when the venv already has that version. Set PYTHON to use another
# interpreter. Exits non-zero with a message on failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
REQS="$HERE/requirements.txt"
PY="${PYTHON:-python3}"
WANT="$(sed -n 's/^ray==\([^ ]*\).*/\1/p' "$REQS")"

say() { echo "[ray-bridge install] $*"; }
die() { echo "[ray-bridge install] error: $*" >&2; exit 1; }

[ -n "$WANT" ] || die "no 'ray==VERSION' line in $REQS"

installed_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("ray"))' 2>/dev/null || true
}

if [ -x "$VENV/bin/python" ]; then
  have="$(installed_version)"
  if [ "$have" = "$WANT" ]; then
    say "ray $WANT is already installed in $VENV: nothing to do"
    exit 0
  fi
  say "found $VENV with ray '${have:-none}', want $WANT: installing"
else
  command -v "$PY" >/dev/null 2>&1 || die "$PY not found (set PYTHON to a Python 3.9-3.13 interpreter)"
  "$PY" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 13) else 1)' \
    || die "$("$PY" -V 2>&1) is not supported by ray $WANT (needs Python 3.9-3.13); set PYTHON"
  say "creating $VENV with $("$PY" -V 2>&1) ($(command -v "$PY"))"
  "$PY" -m venv "$VENV" || die "python -m venv failed (on Debian: apt-get install python3-venv)"
fi

say "pip install -r $REQS"
"$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || say "(could not upgrade pip; going on)"
"$VENV/bin/python" -m pip install -r "$REQS" || die "pip install of ray $WANT failed"

have="$(installed_version)"
[ "$have" = "$WANT" ] || die "after pip install, the venv has ray '${have:-none}', not $WANT"
"$VENV/bin/python" -c 'import ray' || die "ray $WANT is installed but 'import ray' fails"
[ -x "$VENV/bin/ray" ] || die "the 'ray' command is missing from $VENV/bin"
say "ray $WANT installed in $VENV"
