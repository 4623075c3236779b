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
from leadscore.scoring.any_scorer import AnyScorer, is_outcome, scorer_for

from leadscore.data import csvio
from leadscore.data.export import to_safe_csv

from leadscore.registry import ModelFileError, Registry
from leadscore.scoring import triage
from leadscore.scoring.scorer import Scorer
from leadscore.scoring.whatif import MoveUp, move_up

log = logging.getLogger(__name__)

#: Rows scored per step; a progress bar shows when a list needs more than one.
CHUNK_ROWS = 5_000


def registry() -> Registry:
    """The registry folder in use ($LEADSCORE_MODELS_DIR or models/)."""
    return Registry()


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_scorer(root: str, version: str) -> AnyScorer:
    log.info("loading model version %s from %s", version, root)
    return scorer_for(Registry(root).load(version))


def load_active_scorer() -> AnyScorer:
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


def active_scorer() -> AnyScorer:
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
                _scorer: AnyScorer, _chunk: pd.DataFrame, _mapping: ColumnMapping | None,
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scored rows and rejected cells of one chunk, cached on (file, model version, mapping, chunk).

    An outcome model finds its fields among the file's own headers; ``_mapping`` is the built-in model's.
    """
    if is_outcome(_scorer):
        batch = _scorer.score(_chunk, explain=True, first_row=start + 1)
        return batch.scored, batch.problems
    built_in = _scorer.score(_chunk, explain=True, first_row=start + 1, mapping=_mapping)
    return built_in.scored, built_in.problems


def score_in_chunks(scorer: AnyScorer, table: pd.DataFrame, file_key: str, choice: tuple[tuple[str, str], ...],
                    mapping: ColumnMapping | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every row in chunks (each cached), with a progress bar when there is more than one chunk.

    ``choice`` is the manager's column matching, part of the cache key; ``mapping`` the built-in
    model's (None for an outcome model).
    """
    starts = range(0, len(table), CHUNK_ROWS)
    bar = st.progress(0.0, text=f"Scoring {len(table):,} leads…") if len(starts) > 1 else None
    scored, problems = [], []
    for i, start in enumerate(starts):
        part, bad = score_chunk(file_key, scorer.version, choice, start, scorer,
                                table.iloc[start:start + CHUNK_ROWS], mapping)
        scored.append(part)
        problems.append(bad)
        if bar is not None:
            bar.progress((i + 1) / len(starts), text=f"Scoring {len(table):,} leads…")
    if bar is not None:
        bar.empty()
    return pd.concat(scored), pd.concat(problems, ignore_index=True)


@st.cache_data(max_entries=2, show_spinner=False)
def sample_list_csv() -> bytes:
    """The generated sample list as CSV bytes (what a user would upload)."""
    return triage.sample_list().to_csv(index=False).encode("utf-8")


@st.cache_data(max_entries=8, show_spinner=False)
def safe_csv(key: str, _frame: pd.DataFrame) -> bytes:
    """A table as spreadsheet-safe CSV, cached on ``key`` (file, version, mapping, view)."""
    return to_safe_csv(_frame)


@st.cache_data(max_entries=256, show_spinner=False)
def what_would_move_up(version: str, lead: tuple[tuple[str, float], ...], _scorer: Scorer) -> MoveUp:
    """The what-if search for one lead, cached on the model version and the lead's values."""
    return move_up(_scorer, dict(lead))

