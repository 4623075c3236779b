"""The stakeholders' report as one job: the results report and the registry's versions, rendered to one HTML file.

``leadscore report --html FILE`` and the dashboard's "Download for stakeholders" (Results and Model pages) call
``stakeholder_html``; the rendering is ``reports/html.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from leadscore.registry import ModelFileError, Registry
from leadscore.reports.html import ModelAbout, describe, stakeholder_report
from leadscore.store import Store
from leadscore.workflows.results import Results, results_report

log = logging.getLogger(__name__)


def _versions_in(results: Results, fallback: str | None) -> list[str]:
    """The model versions a results report covers (one section each), else the active one."""
    found = [section.model.version for section in results.versions if section.model.version]
    return found or ([fallback] if fallback else [])


def stakeholder_html(store: Store, registry: Registry, model: str | Sequence[str] | None = None,
                     list_name: str | None = None, since: datetime | None = None, until: datetime | None = None) -> str:
    """The report (``reports/html.py``) on the recorded leads within the filters, as an HTML document: the active
    model's version by default, else the versions ``model`` names (``workflows.results``; ResultsError)."""
    results = results_report(store, registry, model=model, since=since, until=until, list_name=list_name)
    about: dict[str, ModelAbout] = {}
    for version in _versions_in(results, registry.active_version()):
        try:
            about[version] = describe(registry, version)
        except ModelFileError as error:  # a damaged version: the report still tells its results
            log.warning("stakeholder report: version %s cannot be described (%s)", version, error)
    log.info("stakeholder report: %d leads, %d model version(s) described",
             sum(section.leads for section in results.versions), len(about))
    return stakeholder_report(results, registry.versions(), about)
