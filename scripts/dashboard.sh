#!/usr/bin/env bash
# Set up (first run only) and start the dashboard on http://localhost:8501.
# The first start trains the built-in model (a few seconds); extra arguments go to streamlit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/streamlit run app.py "$@"
