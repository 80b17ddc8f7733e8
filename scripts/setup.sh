#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install the dependencies. Usage: scripts/setup.sh [dev]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
if [[ "${1:-}" == "dev" ]]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi
# Compile the second-nearest search once now (numba caches it), not during the first page view.
.venv/bin/python -c "from analysis.second_search import warm_up; warm_up()"
