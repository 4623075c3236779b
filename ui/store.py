"""The store as the dashboard sees it: one open Store per process, and a scored list recorded like the command line.

The store is opened with the registry's folder (an SQLite file beside the models unless
$LEADSCORE_DATABASE_URL names another database) and cached with ``st.cache_resource`` on that folder and
URL, so every session of the server shares one connection pool and a changed setting opens a new one.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from leadscore.scoring.scorer import Scorer
from leadscore.settings import Settings, SettingsError
from leadscore.store import Recorded, Store, StoreUnavailableError
from ui import engine
from ui.text import md_escape

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(root: str, url: str) -> Store:
    log.info("opening the store for the registry at %s", root)
    return Store.open(url or None, models_dir=root)


def store() -> Store:
    """The store of the registry in use; when it cannot be opened, says so and stops the page."""
    try:
        return _open(str(engine.registry().root), Settings.from_environment().database_url or "")
    except (StoreUnavailableError, SettingsError) as error:
        st.error(f"The results store cannot be opened: {md_escape(error)}")
        st.stop()
        raise  # st.stop() does not return


def record_list(scorer: Scorer, scored: pd.DataFrame, headers: dict[str, str], name: str,
                id_column: str | None, owner_column: str | None = None) -> Recorded:
    """Record a scored list as ``leadscore score --record --list NAME`` does.

    ``scored`` has the file's own headers; ``headers`` maps each field to its header. The fields are recorded
    under the model's own names (a file may spell them its own way), so outcomes, drift and retraining read
    them whatever the file called them. The version's drift reference is kept the first time it is used.
    ``owner_column`` (the file's own header) says whose lead each one is, so a rep sees it.
    Raises RecordError (a missing or empty ID) with a message naming the row and the column.
    """
    found = store()
    found.keep_drift_reference(scorer.version, scorer.drift_reference)
    as_fields = {header: field for field, header in headers.items() if header != field}
    frame = scored.reset_index(drop=True).rename(columns=as_fields)
    rows = scorer.rows(frame, as_fields.get(id_column, id_column) if id_column else None,
                       as_fields.get(owner_column, owner_column) if owner_column else None)
    return found.record(rows, list_name=name)
