"""Each person's saved views of a page (filters, sort, columns), kept in the store's ``saved_views`` table.

A view is plain JSON (lists, strings, numbers): what the page needs to draw its widgets as the person left them.
It holds no lead data. The dashboard keeps one view per person and page under the name ``last``.

    from leadscore.store import views
    views.save(store, "ana@example.com", "leads", {"tiers": ["High"], "sort": "chance"})
    views.load(store, "ana@example.com", "leads")    # -> {"tiers": ["High"], "sort": "chance"} or None
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from leadscore.store.faults import StoreError
from leadscore.store.tables import SavedView

if TYPE_CHECKING:
    from leadscore.store.store import Store

#: The name of the view a page restores on the next visit.
LAST = "last"


def load(store: Store, email: str, page: str, name: str = LAST) -> dict[str, Any] | None:
    """The view ``email`` keeps for ``page`` under ``name``, or None."""
    with store.reading("read the saved view") as connection:
        text = connection.execute(select(SavedView.view).where(
            SavedView.user_email == email, SavedView.page == page, SavedView.name == name)).scalar()
    value = json.loads(text) if text else None
    return value if isinstance(value, dict) else None


def save(store: Store, email: str, page: str, view: dict[str, Any], name: str = LAST) -> None:
    """Keep ``view`` as ``email``'s view of ``page`` under ``name`` (replacing the one kept)."""
    text, now = json.dumps(view, sort_keys=True), datetime.now(timezone.utc)
    same = (SavedView.user_email == email, SavedView.page == page, SavedView.name == name)
    try:
        with store.writing("save the view") as connection:
            if not connection.execute(update(SavedView).where(*same).values(view=text, updated_at=now)).rowcount:
                connection.execute(insert(SavedView).values(user_email=email, page=page, name=name, view=text,
                                                            updated_at=now))
    except StoreError as error:
        if not isinstance(error.__cause__, IntegrityError):
            raise
        # the same person's other tab inserted it at the same moment: this one wins
        with store.writing("save the view") as connection:
            connection.execute(update(SavedView).where(*same).values(view=text, updated_at=now))
