"""The stakeholders' report as one job: the results report, the registry's versions and what each model does.

``stakeholder_material`` gathers them (the engine's part); ``reports/html.py`` (``stakeholder_report``) renders
them as one HTML file. ``leadscore report --html FILE`` and the dashboard's "Download for stakeholders" (Results
and Model pages) call the one, then the other.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from leadscore.plain_words import data_words
from leadscore.registry import ModelFileError, Registry, VersionInfo
from leadscore.store import Store
from leadscore.workflows.results import Results, results_report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelAbout:
    """What the report says about the model a section covers."""

    version: str
    name: str
    #: "three_tiers" (the built-in model) or "won_lost" (a model of the team's own history).
    kind: str
    #: The fields it reads: name -> the title a manager reads, in the model's order.
    titles: Mapping[str, str]
    #: What it predicts: the outcome column of a team's model ("" for the built-in model).
    outcome: str = ""
    trained_on: str = ""
    created_at: str = ""
    #: How good it was on its test leads when trained, in words.
    quality: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields' titles."""
        return tuple(self.titles.values())


@dataclass(frozen=True)
class StakeholderMaterial:
    """Everything the stakeholders' report tells: the results (one section per version), every published version,
    and what the model of each covered version does (a damaged version has none)."""

    results: Results
    versions: Sequence[VersionInfo]
    about: Mapping[str, ModelAbout]


def describe(registry: Registry, version: str) -> ModelAbout:
    """The model ``version`` in the words the report uses (loads it once to read its fields)."""
    model = registry.load(version)
    metadata = model.metadata
    report = model.report
    name = registry.name(version, metadata)
    titles = {f.name: f.title for f in model.schema.fields}
    return ModelAbout(version=version, name=name, kind=model.target.kind, titles=titles,
                      outcome=report.outcome, trained_on=data_words(metadata.get("data_source", "")),
                      created_at=str(metadata.get("created_at", "")), quality=report.headline)


def _versions_in(results: Results, fallback: str | None) -> list[str]:
    """The model versions a results report covers (one section each), else the active one."""
    found = [section.model.version for section in results.versions if section.model.version]
    return found or ([fallback] if fallback else [])


def stakeholder_material(store: Store, registry: Registry, model: str | Sequence[str] | None = None,
                         list_name: str | None = None, since: datetime | None = None,
                         until: datetime | None = None) -> StakeholderMaterial:
    """What the report tells on the recorded leads within the filters: the active model's version by default, else
    the versions ``model`` names (``workflows.results``; ResultsError)."""
    results = results_report(store, registry, model=model, since=since, until=until, list_name=list_name)
    about: dict[str, ModelAbout] = {}
    for version in _versions_in(results, registry.active_version()):
        try:
            about[version] = describe(registry, version)
        except ModelFileError as error:  # a damaged version: the report still tells its results
            log.warning("stakeholder report: version %s cannot be described (%s)", version, error)
    log.info("stakeholder report: %d leads, %d model version(s) described",
             sum(section.leads for section in results.versions), len(about))
    return StakeholderMaterial(results, registry.versions(), about)
