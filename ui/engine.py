"""The engine as the dashboard sees it: one cached scorer per model version, cached tables.

The scorer is loaded once per process (``st.cache_resource``) and keyed on the
registry folder and the active version, so publishing or re-activating a model
is picked up on the next rerun by every session. Tables derived from an
upload are cached with ``st.cache_data`` on the file's bytes and the model
version.
"""

from __future__ import annotations

import hashlib
import io
import logging

import pandas as pd
import streamlit as st

from leadscore.data import csvio
from leadscore.data.export import to_safe_csv
from leadscore.registry import ModelFileError, Registry
from leadscore.scoring import triage
from leadscore.scoring.scorer import Scorer
from leadscore.scoring.whatif import MoveUp, move_up
from leadscore.workflows import score_file

log = logging.getLogger(__name__)

#: Rows scored per step; a progress bar shows when a list needs more than one.
CHUNK_ROWS = 5_000


def registry() -> Registry:
    """The registry folder in use ($LEADSCORE_MODELS_DIR or models/)."""
    return Registry()


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_scorer(root: str, version: str) -> Scorer:
    log.info("loading model version %s from %s", version, root)
    return Scorer(Registry(root).load(version))


def load_active_scorer() -> Scorer:
    """The active model's scorer; on an empty registry, trains the built-in model first.

    Raises ModelFileError when the active model cannot be loaded.
    """
    models = registry()
    version = models.active_version()
    if version is None:
        with st.spinner("First start: training the built-in model on 10,000 generated leads "
                        "(a few seconds, only once)…"):
            models.load_or_train_default()
        version = models.active_version()
    return _load_scorer(str(models.root), str(version))


def active_scorer() -> Scorer:
    """The active model's scorer; when it cannot be loaded, says so and stops the page."""
    try:
        return load_active_scorer()
    except ModelFileError as error:
        log.exception("cannot load the active model")
        st.error(f"The active model cannot be loaded: {error}. Make an earlier version active on the "
                 "Model page, or retrain.")
        st.stop()
        raise  # st.stop() does not return; this line keeps type checkers honest


def digest(content: bytes) -> str:
    """A short fingerprint of a file's bytes (the cache key of its derived tables)."""
    return hashlib.sha256(content).hexdigest()[:20]


@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(content: bytes, name: str) -> tuple[pd.DataFrame, list[tuple[int, str, str, str]]]:
    """The uploaded file as a table of text, and the rows rejected for having more or fewer cells than the
    header (row, column, value, reason); raises csvio.TableError with a readable message."""
    source = io.BytesIO(content)
    source.name = name
    rejected: list[tuple[int, str, str, str]] = []
    return csvio.read_table(source, rejected=rejected), rejected


@st.cache_data(max_entries=64, show_spinner=False)
def score_chunk(file_key: str, version: str, extra: tuple[tuple[str, str], ...], start: int,
                _scorer: Scorer, _chunk: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scored rows and rejected cells of one chunk (``workflows.score_file.score_chunk``: rows numbered as in
    the file), cached on (file, model version, column matching, chunk).

    ``extra`` maps a file header to a field by hand (the manager's column matching).
    """
    done = score_file.score_chunk(_scorer, _chunk, explain=True, extra=dict(extra))
    return done.scored, done.problems


def score_in_chunks(scorer: Scorer, table: pd.DataFrame, file_key: str, extra: tuple[tuple[str, str], ...]
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every row in chunks (each cached; ``workflows.score_file.score_table``), with a progress bar when
    there is more than one chunk. ``extra`` is the manager's column matching (header -> field), part of the key.
    """
    words = f"Scoring {len(table):,} leads…"
    bar = st.progress(0.0, text=words) if len(table) > CHUNK_ROWS else None

    def cached(model: Scorer, chunk: pd.DataFrame, start: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        return score_chunk(file_key, model.version, extra, start, model, chunk)

    try:
        return score_file.score_table(scorer, table, CHUNK_ROWS, cached,
                                      None if bar is None else lambda share: bar.progress(share, text=words))
    finally:
        if bar is not None:
            bar.empty()


@st.cache_data(max_entries=2, show_spinner=False)
def sample_list_csv() -> bytes:
    """The generated sample list as CSV bytes (what a user would upload)."""
    return triage.sample_list().to_csv(index=False).encode("utf-8")


@st.cache_data(max_entries=8, show_spinner=False)
def safe_csv(key: str, _frame: pd.DataFrame, rounded: tuple[str, ...] = ()) -> bytes:
    """A table as spreadsheet-safe CSV (``rounded``: its chance columns), cached on ``key`` (file, version,
    mapping, view)."""
    return to_safe_csv(_frame, rounded=rounded)


@st.cache_data(max_entries=256, show_spinner=False)
def what_would_move_up(version: str, lead: tuple[tuple[str, str], ...], _scorer: Scorer) -> MoveUp:
    """The what-if search for one lead, cached on the model version and the lead's values."""
    return move_up(_scorer, dict(lead))

