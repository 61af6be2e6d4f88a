#!/usr/bin/env bash
# Set up, create the database (with the bundled samples on first start) and serve the dashboard on :8501.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p data
.venv/bin/python -m review init --samples
# Claims a bulk import left pending get their coverage in the background while the dashboard serves.
# Then embeddings (claims first, then titles, leads, deeper passages): cross-language and meaning matches appear as
# they land; until then matching is lexical and the pages say so.
(.venv/bin/python -m review match --pending && .venv/bin/python -m review embed --pending) > data/match-pending.log 2>&1 &
# Only this machine can reach the dashboard unless TABAYYUN_ADDRESS says otherwise (e.g. 0.0.0.0 behind an https
# proxy): on first start anyone who reaches it can create the first admin.
exec .venv/bin/streamlit run dashboard.py --server.address "${TABAYYUN_ADDRESS:-127.0.0.1}" \
    --server.port "${PORT:-8501}" --browser.gatherUsageStats false "$@"
