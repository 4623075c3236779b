#!/usr/bin/env bash
# Set up (first run only) and start the dashboard on http://localhost:8501.
# On an empty registry (a fresh clone) the built-in model is trained beside the server, at once (about 15
# seconds, once); a page opened meanwhile says so and fills in when it is ready. Extra arguments go to streamlit.
# It listens on this machine only (127.0.0.1). To serve a team, set LEADSCORE_RETRAIN_PASSWORD and
# pass --server.address 0.0.0.0 (without a password, a shared dashboard refuses model changes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m ui.startup &
case " $* " in
    *" --server.address"*) exec .venv/bin/streamlit run app.py "$@" ;;
    *) exec .venv/bin/streamlit run app.py --server.address 127.0.0.1 "$@" ;;
esac
