#!/usr/bin/env bash
# Start the dashboard: make .venv if needed, then run Streamlit (arguments go to streamlit run,
# e.g. `bash .ci/dashboard.sh --server.port 8600`). app_pages/serve.py refuses to listen on any
# address but this computer's own (127.0.0.1, .streamlit/config.toml) until sign-in is configured.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh
exec .venv/bin/python -m app_pages.serve "$@"
