#!/usr/bin/env bash
# Set up (first run only) and start the dashboard on http://localhost:8501.
# The first start trains the built-in model (a few seconds); extra arguments go to streamlit.
# It listens on this machine only (127.0.0.1) and needs no sign-in while the store has no account. To serve
# a team, add accounts (leadscore users add you@example.com --role admin --password-stdin) and pass
# --server.address 0.0.0.0 (README: Serving the dashboard to a team).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
case " $* " in
    *" --server.address"*) exec .venv/bin/streamlit run app.py "$@" ;;
    *) exec .venv/bin/streamlit run app.py --server.address 127.0.0.1 "$@" ;;
esac
