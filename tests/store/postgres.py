"""A throwaway PostgreSQL cluster for the store's tests: initdb into a temporary folder, listen on 127.0.0.1.

Used when $LEADSCORE_TEST_POSTGRES_URL is not set (.ci/run sets it), so a developer running
scripts/test.sh also tests on PostgreSQL. Debian's ``postgresql`` package provides the binaries.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    """initdb + pg_ctl start in a temporary folder; ``stop`` removes it. Runs as ``postgres`` when we are root."""

    def __init__(self) -> None:
        binaries = _binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install -y postgresql), and "
                               "LEADSCORE_TEST_POSTGRES_URL is not set: the store's tests need a real PostgreSQL")
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="leadscore-pg-"))
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            record = pwd.getpwnam(self.user)
            os.chown(self.folder, record.pw_uid, record.pw_gid)
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-U", "leadscore", "--auth=trust", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.folder / "log"), "-w", "-o",
                  f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.folder} "
                  "-c fsync=off", "start")
        self.data = data
        self.url = f"postgresql+psycopg://leadscore@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            time.sleep(0.1)
            shutil.rmtree(self.folder, ignore_errors=True)
