#!/usr/bin/env bash
# Create .venv if missing and install pinned requirements (runtime, or dev with "dev").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
req=requirements.txt
[ "${1:-}" = "dev" ] && req=requirements-dev.txt
stamp=".venv/.installed-$(basename "$req" .txt)"
# Reinstall only when the requirements changed since the last install.
if [ ! -f "$stamp" ] || [ "$req" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
    .venv/bin/python -m pip install --disable-pip-version-check -q -r "$req"
    touch "$stamp"
fi
