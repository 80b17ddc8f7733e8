#!/usr/bin/env bash
# Set up and start the dashboard on http://localhost:8501.
# With an empty store and ../shared/data present, the whole country is imported first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [[ -z "$(.venv/bin/python -m loaders list --quiet 2>/dev/null)" && -d ../shared/data ]]; then
  .venv/bin/python -m loaders import --from ../shared/data --nl
fi
# One server process serves every user; fewer malloc arenas return memory after busy moments.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec .venv/bin/streamlit run dashboard.py \
  --server.headless true --browser.gatherUsageStats false "$@"
