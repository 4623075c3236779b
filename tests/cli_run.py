"""The leadscore command run in the test's own process: what `python -m leadscore.cli ARGS` prints and returns,
without starting Python and importing pandas, XGBoost and SQLAlchemy again (seconds per command on a busy
machine).

For tests of a command's behaviour: its output, exit code and files. What only a real process shows (the
installed entry point, signals, crashes, two processes at once, the output's encoding) is tested with one
(tests/test_cli.py, tests/store/test_store_faults_cli.py, tests/store/test_team_cli.py, ...).
"""

from __future__ import annotations

import io
import logging
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from leadscore.cli import main


def run_cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``leadscore ARGS`` with the variables ``env`` added, in this process: its exit code and everything it
    wrote to stdout and stderr, as `subprocess.run(..., capture_output=True, text=True)` gives them.

    The command configures logging as in a process of its own (``main``'s ``logging.basicConfig``: its log
    lines go to its stderr): the root logger's handlers (pytest's) are set aside while it runs and put back
    after. An exception the command does not turn into an exit code fails the test with its traceback.
    """
    argv = [str(arg) for arg in args]
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    with pytest.MonkeyPatch.context() as environment:
        for name, value in (env or {}).items():
            environment.setenv(name, value)
        root.handlers.clear()
        try:
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exit_:  # argparse's usage errors and --help
                    code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
                    if isinstance(exit_.code, str):  # as Python does: the text on stderr, exit code 1
                        print(exit_.code, file=err)
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
    return subprocess.CompletedProcess(["leadscore", *argv], code, out.getvalue(), err.getvalue())
