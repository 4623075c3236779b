#!/usr/bin/env bash
# Set up (first run only), install Chromium for the browser tests if missing,
# then lint and run the whole test suite. Extra arguments go to pytest.
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
exec .venv/bin/python -m pytest "$@"
