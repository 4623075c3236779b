"""Taking a CRM's won/lost results back, once for ``leadscore outcomes``, ``POST /v1/outcomes`` and the Results page.

The file (or the API's body as a table of text) is read with the training rules (``store.read_outcomes``: won
values named or beyond doubt, lost values named or every other filled value, empty cells open), then stored:
the latest outcome of a lead wins, importing the same outcomes twice counts nothing twice, IDs never scored are
reported and not stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from leadscore.store import ImportReport, Store, read_outcomes


@dataclass(frozen=True)
class Imported:
    """What an import did (``ImportReport``: new, unchanged, changed, unknown IDs...) and the values read as won."""

    report: ImportReport
    positive: tuple[str, ...]

    @property
    def matched(self) -> int:
        """Decided outcomes of leads the store has scored."""
        report = self.report
        return report.new + report.unchanged + report.changed + report.older_ignored

    def sentence(self) -> str:
        """One paragraph for a terminal or a page."""
        return self.report.sentence()


def import_outcomes(frame: pd.DataFrame, id_column: str, outcome_column: str, source: str,
                    store: Store | Callable[[], Store], *, positive: Sequence[str] | None = None,
                    negative: Sequence[str] | None = None, at_column: str | None = None) -> Imported:
    """Read the outcomes of ``frame`` (every cell text) and store them.

    ``store``: an open store (left open), or a function opening one, called only once the outcomes have been
    read (a file that cannot be read never waits on the database) and closed afterwards.
    Raises OutcomeError (the file, one line naming the row or the values), StoreUnavailableError.
    """
    rows = read_outcomes(frame, id_column, outcome_column, positive=positive or None, negative=negative or None,
                         at_column=at_column)
    opened = store() if callable(store) else store
    try:
        report = opened.import_outcomes(rows, source=source)
    finally:
        if opened is not store:
            opened.close()
    return Imported(report, tuple(str(p) for p in rows.positive))
