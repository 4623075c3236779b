"""Two processes writing to one SQLite store at once (WAL + busy timeout): nothing lost, no 'database is locked'."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from leadscore.store import Store
from leadscore.store.tables import Scoring
from tests.processes import processes
from tests.store.test_store import builtin_batch

BATCHES = 15
ROWS = 200


def _writer(url: str, name: str) -> None:
    store = Store.open(url)
    for batch in range(BATCHES):
        ids = [f"{name}-{batch}-{i}" for i in range(ROWS)]
        store.record(builtin_batch(ids, ["Low"] * ROWS, version=name, seed=batch), list_name=f"list-{name}")
    store.close()


def test_two_processes_write_at_once_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"  # not created yet: both processes migrate it on first use
    context = processes()
    writers = [context.Process(target=_writer, args=(url, name)) for name in ("dashboard", "cli")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    assert [w.exitcode for w in writers] == [0, 0]
    store = Store.open(url)
    with store.engine.connect() as connection:
        counts = dict(connection.execute(select(Scoring.model_version, func.count())
                                         .group_by(Scoring.model_version)).all())
    store.close()
    assert counts == {"dashboard": BATCHES * ROWS, "cli": BATCHES * ROWS}
