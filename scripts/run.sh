#!/usr/bin/env bash
# Set up, create the database (with the bundled samples on first start) and serve the dashboard on :8501.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p data
.venv/bin/python -m review init --samples
log_dir=$(dirname "${TABAYYUN_DB:-data/tabayyun.db}")
# The job worker runs imports started on the Import page, and the background work: coverage matching of the claims
# a bulk import left pending, then embeddings (claims first, then titles, leads, deeper passages), queued here with
# --pending; cross-language and meaning matches appear as they land (until then matching is lexical and the pages
# say so). The whole desk follows the jobs on the Jobs page.
# It runs in its own process group (setsid), a child of this script, not of Streamlit: this script reaps it when it
# ends (no <defunct> zombie) and stops the whole group when the dashboard stops; a job it was running is queued
# again when it next starts.
setsid .venv/bin/python -m review worker --pending > "$log_dir/jobs.log" 2>&1 &
background=$!
dashboard=""
stop_all() {
    [ -n "$dashboard" ] && kill -TERM "$dashboard" 2>/dev/null || true
    kill -TERM -- "-$background" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Only this machine can reach the dashboard unless TABAYYUN_ADDRESS says otherwise (e.g. 0.0.0.0 behind an https
# proxy): on first start anyone who reaches it can create the first admin.
.venv/bin/streamlit run dashboard.py --server.address "${TABAYYUN_ADDRESS:-127.0.0.1}" \
    --server.port "${PORT:-8501}" --browser.gatherUsageStats false "$@" &
dashboard=$!
wait "$dashboard"
