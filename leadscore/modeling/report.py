"""A model's training report, typed: what every target's report offers the faces, and how it is saved.

A report is saved in the version's ``metadata.json`` as ``metadata["report"]``, a JSON object whose keys are
the trainer's (documented, never renamed). Each target reads it into its own type, in its own folder
(``three_tiers/report.py: TiersReport``, ``won_lost/report.py: WonLostReport``), through ``Target.read_report``:

- missing keys take defaults (older versions wrote fewer), unknown keys are kept (``extra="allow"``), and
  ``to_dict`` writes back exactly the keys that were read or set (``exclude_unset``), so an old file's report
  saved again (new tier bands) is the same document;
- every face asks the report, never its kind: ``headline`` (the figure that says how good the model is, in one
  plain line), ``quality`` (the sidebar's figure and the line on what it predicts), ``training_lines`` (what the
  command line prints after training), ``sections`` (the Model page's "How good is it", in order: titles,
  sentences, tables, charts from ``charts.py``), ``tools`` (the Model page's tabs of this kind of model),
  ``evaluation_summary`` (the figures ``/v1/model`` returns) and ``outcome`` (what it predicts, for names).

``Evaluation`` is what ``Target.evaluate`` returns for ``leadscore evaluate``: its printed lines and its JSON.
Sections are plain data; the dashboard renders them (``ui/sections.py``) and the engine never imports streamlit.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, Self

import pandas as pd
import plotly.graph_objects as go
from pydantic import BaseModel, ConfigDict, ValidationError

log = logging.getLogger(__name__)


class Part(BaseModel):
    """A part of a saved report: missing keys take defaults, unknown keys are kept (module docstring)."""

    # defer_build: a report's validators are built when a report is first read, not when the command line starts
    # (building every part's at import was about 0.2 s of each command's start, `leadscore score` included).
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    def to_dict(self) -> dict[str, Any]:
        """The part as saved: the keys it was read with or given, under their saved names."""
        return self.model_dump(by_alias=True, exclude_unset=True)


# ---- what the faces render ------------------------------------------------------------------------
TextStyle = Literal["heading", "strong", "plain", "caption", "warning", "info", "subheader"]


@dataclass(frozen=True)
class Text:
    """Words: a heading, a bold line, a plain line, a caption, a warning or a note, as plain text (the face
    escapes it)."""

    text: str
    style: TextStyle = "plain"


@dataclass(frozen=True)
class Metric:
    """One figure as a tile: its label, value, what it means, and an optional grey note under it."""

    label: str
    value: str
    help: str = ""
    note: str = ""


@dataclass(frozen=True)
class Metrics:
    """Figures side by side."""

    tiles: tuple[Metric, ...]


@dataclass(frozen=True)
class Chart:
    """A figure from ``charts.py`` (``key`` tells it apart on a page), with words under it."""

    figure: go.Figure
    key: str
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """Rows of a table; ``percent`` columns hold shares shown as percents, ``decimals`` a number's decimals."""

    rows: tuple[dict[str, Any], ...]
    percent: tuple[str, ...] = ()
    decimals: Mapping[str, int] = field(default_factory=dict)
    help: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Columns:
    """Sections side by side, one list per column."""

    columns: tuple[tuple[Section, ...], ...]


@dataclass(frozen=True)
class Choice:
    """One of several views of the same thing, chosen by a switch (``key`` names the switch)."""

    label: str
    key: str
    options: Mapping[str, tuple[Section, ...]]


@dataclass(frozen=True)
class Folded:
    """Sections folded under a title, closed until opened (details for analysts)."""

    title: str
    sections: tuple[Section, ...]


Section = Text | Metrics | Chart | Table | Columns | Choice | Folded


@dataclass(frozen=True)
class Quality:
    """How good a model is, as the sidebar says it: one figure, what it means, and what the model is."""

    metric: Metric
    #: What the model is or predicts, as a label and its words: ("Predicts", "Converted = Yes").
    about: tuple[str, str]
    #: The figure in a list of versions (the Model page, the stakeholders' report): "right tier for 87% of leads",
    #: "ranks right 78% of the time", "not measured".
    line: str
    #: The same figure as analysts write it, for the command line's table: "accuracy 0.870", "AUC 0.812".
    figure: str
    #: What the model is, short, in a list of versions: "built-in", "CRM: Converted".
    kind: str


@dataclass(frozen=True)
class Evaluation:
    """A model measured on labeled leads (``leadscore evaluate``): the lines to print and the JSON document."""

    lines: tuple[str, ...]
    document: dict[str, Any]


class EvaluationError(ValueError):
    """Leads that cannot evaluate the model (no label column, no closed lead, every row rejected), in one line."""


class ScoredLeads(Protocol):
    """What an evaluation reads of a scored batch (``scoring.ScoredBatch``)."""

    @property
    def scored(self) -> pd.DataFrame: ...

    @property
    def rejected_rows(self) -> int: ...

    @property
    def problems(self) -> pd.DataFrame: ...


class Scores(Protocol):
    """What an evaluation asks of the scorer: its version, and to score a batch."""

    @property
    def version(self) -> str: ...

    def score(self, frame: pd.DataFrame, explain: bool = False) -> ScoredLeads: ...


# ---- the report -----------------------------------------------------------------------------------
class TrainingReport(Part, ABC):
    """What every target's training report offers (module docstring)."""

    @classmethod
    def read(cls, document: object) -> Self:
        """The report from its saved JSON object; a missing or damaged one reads as an empty report (logged),
        so a version whose report cannot be read still scores and says "not measured"."""
        if not isinstance(document, Mapping):
            return cls()
        try:
            return cls.model_validate(dict(document))
        except ValidationError as error:
            log.warning("a saved training report could not be read (%s); shown as not measured",
                        str(error).splitlines()[0])
            return cls()

    @property
    @abstractmethod
    def headline(self) -> str:
        """The figure that says how good the model is, in one plain line."""

    @property
    @abstractmethod
    def measured(self) -> bool:
        """Whether the report holds the figure its headline states (False for an empty or damaged report)."""

    @abstractmethod
    def quality(self) -> Quality:
        """How good the model is, once for every face: the sidebar's figure and the line on what the model is, and
        the figure and kind in a list of versions (``Quality``)."""

    @abstractmethod
    def training_lines(self) -> list[str]:
        """What the command line prints after training (without the gate's verdict)."""

    @abstractmethod
    def sections(self, about: Mapping[str, Any]) -> list[Section]:
        """The Model page's "How good is it", in order; ``about`` is the version's metadata (its data source,
        preset, decision rule)."""

    @abstractmethod
    def evaluation_summary(self) -> dict[str, Any]:
        """The headline figures ``/v1/model`` returns under ``evaluation`` (the saved keys' names)."""

    @property
    def held_out_accuracy(self) -> float | None:
        """The share of held-out leads put in their true tier, where the model has true tiers; else None."""
        return None

    @property
    def held_out_auc(self) -> float | None:
        """How well it ranks held-out leads (ROC AUC), where they have an outcome; else None."""
        return None

    @property
    def outcome(self) -> str:
        """The column the model predicts, as its report names it ("" when the report does not)."""
        return ""

    #: The Model page's tabs for this kind of model, after "How good is it" and "Versions".
    tools: ClassVar[tuple[str, ...]] = ()


def summary_of(parts: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """``keys`` found in ``parts`` (dicts as saved), a later part's value over an earlier one's."""
    return {key: part[key] for part in parts for key in keys if key in part}
