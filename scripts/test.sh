#!/usr/bin/env bash
# Set up and run every check: ruff and mypy (configured in pyproject.toml), then the whole test
# suite, browser tests included, on every core (pytest-xdist; a module's tests stay on one
# worker, so its fixtures are built once).
# Installs Debian's chromium when it is missing (needs root or sudo). Exit code 5 (no tests) fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
if [[ ! -x /usr/bin/chromium ]]; then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/mypy
# Keep compiled modules and pytest's rewritten tests between runs (some shells switch it off).
unset PYTHONDONTWRITEBYTECODE
status=0
.venv/bin/python -m pytest --numprocesses auto --dist loadscope --no-loadscope-reorder "$@" || status=$?
if [[ $status -eq 5 ]]; then
  echo "FOUT: pytest heeft geen enkele test uitgevoerd." >&2
  exit 1
fi
exit $status
