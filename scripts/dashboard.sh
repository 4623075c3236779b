#!/usr/bin/env bash
# Set up (first run only) and start the dashboard on http://localhost:8501.
# The first start trains the built-in model (a few seconds); extra arguments go to streamlit.
# It listens on this machine only (127.0.0.1). To serve a team, set LEADSCORE_RETRAIN_PASSWORD and
# pass --server.address 0.0.0.0 (without a password, a shared dashboard refuses model changes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
case " $* " in
    *" --server.address"*) exec .venv/bin/streamlit run app.py "$@" ;;
    *) exec .venv/bin/streamlit run app.py --server.address 127.0.0.1 "$@" ;;
esac
