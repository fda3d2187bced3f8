#!/usr/bin/env bash
# Start the dashboard: make .venv if needed, then run Streamlit (arguments go to streamlit run,
# e.g. `bash .ci/dashboard.sh --server.port 8600`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh
exec .venv/bin/streamlit run dashboard.py "$@"
