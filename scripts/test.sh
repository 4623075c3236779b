#!/usr/bin/env bash
# Set up (first run only), install Chromium for the browser tests if missing,
# then lint and run the whole test suite (in two processes). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ ! -x /usr/bin/chromium ]; then
    echo "test: installing Debian's chromium for the browser tests" >&2
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y -q chromium >/dev/null 2>&1 \
        || { $sudo_cmd apt-get update -q >/dev/null && $sudo_cmd apt-get install -y -q chromium >/dev/null; }
fi
.venv/bin/ruff check .
.venv/bin/python -m mypy leadscore
.venv/bin/python -m mypy ui app_pages app.py
# Two processes (pytest-xdist), each test module kept whole in one of them (its module-scoped servers start
# once): on 2 cores much of the suite waits on servers, browsers and subprocesses. `-n 0` runs it in one.
# Modules are handed out in the order tests/conftest.py gives them (the long browser ones first), not by count.
exec .venv/bin/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder "$@"
