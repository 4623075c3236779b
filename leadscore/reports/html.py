"""The stakeholders' report: one self-contained HTML file a manager hands over or opens in a demo.

It tells in plain words what the model does, how good it is on real outcomes (each tier's promise against
what happened, with its likely range and counts; the gain chart; how well it ranks), what moved (drift) and
what changed between versions. Everything is inside the file: plotly.js is inlined once, there is no
stylesheet, font, image or script from any host, and a chart's "Produced with Plotly" link is off, so it opens
offline and makes no request when opened.

Renders what ``workflows/stakeholders.py`` gathers (``StakeholderMaterial``: the typed results report, a
``VersionResults`` per version with its ``tiers``, ``ranking``, ``gain``, ``drift``, ``drift_about``; the
registry's versions; what each model does). No streamlit; the command line (``leadscore report --html FILE``)
and the dashboard's "Download for stakeholders" button both call ``stakeholder_report`` on it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from numbers import Integral
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from leadscore import charts
from leadscore.results_words import DRIFT_WORDS, drift_sentence, tier_table, tier_verdict
from leadscore.results_words import ranking_sentence as results_ranking_sentence

if TYPE_CHECKING:  # what this renders (a face: the workflows gather it and never import this module)
    from leadscore.registry import VersionInfo
    from leadscore.workflows.results import Filters, TierResult, VersionResults
    from leadscore.workflows.stakeholders import ModelAbout, StakeholderMaterial

#: Chart options: no mode bar (its logo links to plotly's site), a static size that prints.
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False, "responsive": True}
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0 auto;
       max-width: 960px; padding: 24px; color: #1f2328; line-height: 1.5; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
.meta { color: #59636e; } .verdict { margin: 0.3em 0; }
table { border-collapse: collapse; margin: 0.8em 0; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 6px 10px; text-align: left; } th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #59636e; font-size: 0.9em; }
@media print { .chart { page-break-inside: avoid; } }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _chart(figure: go.Figure) -> str:
    body = figure.to_html(full_html=False, include_plotlyjs=False, config=CHART_CONFIG,
                          default_width="100%", default_height=f"{figure.layout.height or 380}px")
    return f'<div class="chart">{body}</div>'


def _what_it_does(about: ModelAbout) -> str:
    shown = ", ".join(about.fields[:8]) + (f" and {len(about.fields) - 8} more" if len(about.fields) > 8 else "")
    if about.kind == "three_tiers":
        does = (f"It sorts each new lead into <b>High</b>, <b>Medium</b> or <b>Low</b> priority from "
                f"{len(about.fields)} facts the CRM already holds ({_e(shown)}), and gives the reasons for each "
                "lead in plain words, so the team calls the most promising leads first.")
    else:
        does = (f"It gives each new lead a <b>chance of becoming a customer</b> (a score from 0 to 100), learned "
                f"from the team's own past leads and whether they were won (the CRM's column "
                f"“{_e(about.outcome)}”). It reads {len(about.fields)} facts the CRM holds ({_e(shown)}), sorts "
                "the leads into <b>High</b>, <b>Medium</b> and <b>Low</b> by that chance, and gives the reasons "
                "for each lead in plain words.")
    trained = f"It learned from {_e(about.trained_on)}" if about.trained_on else "It was trained"
    when = f" on {_e(about.created_at[:10])}" if about.created_at else ""
    return (f"<p>{does}</p><p>{trained}{when}. When it was trained: {_e(about.quality)}</p>")


def _tier_table(tiers: Mapping[str, TierResult]) -> str:
    """The dashboard's tier table (``results_words.tier_table``), as HTML."""
    table = tier_table(tiers)
    head = "".join(f"<th>{_e(column)}</th>" for column in table.columns)
    rows = []
    for values in table.itertuples(index=False):
        cells = [f"<td><b>{_e(values[0])}</b></td>"]
        cells += [f"<td class=num>{value:,}</td>" if isinstance(value, Integral) else f"<td class=num>{_e(value)}</td>"
                  for value in values[1:]]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>" + "".join(rows) + "</table>"


def _how_good(section: VersionResults) -> str:
    tiers, known = section.tiers, section.with_outcome
    if not section.leads:
        return ("<p>No scored lead has been recorded yet, so there is nothing to compare with real outcomes. "
                "Save the scored lists (or score with <code>--record</code>), then bring back the CRM's won/lost "
                "export.</p>")
    parts = [f"<p>{section.leads:,} leads were scored and recorded; the real outcome (won or lost) is "
             f"known for {known:,} of them. For each tier, the model's promise (the average chance it gave those "
             "leads) is set against how many really converted, with the range the true rate very likely lies in "
             "(the fewer leads, the wider it is).</p>"]
    parts += [f'<p class="verdict">{_e(tier_verdict(tier, row))}</p>' for tier, row in tiers.items()]
    parts.append(_tier_table(tiers))
    if known:
        parts.append(_chart(charts.promise_vs_real(tiers)))
    ranking = section.ranking
    said = (results_ranking_sentence(ranking) if ranking.leads else
            "No outcome is known yet, so how well it ranks the leads cannot be measured.")
    parts.append(f"<h3>Who to call first</h3><p>{_e(said)}</p>")
    gain = section.gain
    if gain and ranking.converted:
        points = [{"share_called": p.leads_share, "share_caught": p.converted_share} for p in gain]
        tenth = next((p for p in points if p["share_called"] >= 0.2), None)
        if tenth is not None:
            parts.append(f"<p>Calling the model's best {tenth['share_called']:.0%} of these leads first reaches "
                         f"{tenth['share_caught']:.0%} of the customers among them (calling in random order "
                         f"would reach about {tenth['share_called']:.0%}).</p>")
        parts.append(_chart(charts.gain(points)))
    return "".join(parts)


def _drift(section: VersionResults, titles: Mapping[str, str]) -> str:
    entries, about = section.drift, section.drift_about
    text = f"<p>{_e(drift_sentence(entries, about, titles))}</p>"
    judged = [(e, e.psi) for e in entries if e.psi is not None]
    if not judged:
        return text
    score = "Score (the model’s own chance)"
    rows = "".join(f"<tr><td>{_e(score if e.field == 'score' else titles.get(e.field, e.field))}</td>"
                   f"<td>{_e(DRIFT_WORDS.get(e.status, e.status))}</td><td class=num>{psi:.3f}</td></tr>"
                   for e, psi in judged)
    return (text + "<table><tr><th>Field</th><th>Compared with the leads it learned from</th>"
            "<th>Change index</th></tr>" + rows + "</table><p class=note>Change index: below 0.10 unchanged, "
            "0.10 to 0.25 moved a little, above 0.25 moved a lot.</p>")


def _versions(versions: Sequence[VersionInfo]) -> str:
    if not versions:
        return "<p>No model version is published.</p>"
    rows = []
    for row in versions:
        quality = (f"ranks right {row.auc:.0%} of the time" if row.auc is not None
                   else f"{row.accuracy:.0%} in their true tier" if row.accuracy is not None else "–")
        rows.append(f"<tr><td>{_e(row.name)}{' <b>(in use)</b>' if row.active else ''}</td>"
                    f"<td>{_e(row.created_at[:16].replace('T', ' '))}</td><td>{_e(row.change or '–')}</td>"
                    f"<td>{_e(quality)}</td><td>{'yes' if row.problem is None else 'no: damaged'}</td></tr>")
    return ("<p>Each version the team has published, newest first: what it changed and how good it was on its "
            "own test leads when it was trained.</p><table><tr><th>Version</th><th>Published</th>"
            "<th>What changed</th><th>Quality when trained</th><th>Usable</th></tr>" + "".join(rows) + "</table>")


def _section(section: VersionResults, about: ModelAbout | None, titles: Mapping[str, str]) -> str:
    heading = f"<h2>{_e(about.name)}</h2>" if about else ""
    does = f"<h3>What the model does</h3>{_what_it_does(about)}" if about else ""
    return (heading + does + "<h3>How good it is on real outcomes</h3>" + _how_good(section)
            + "<h3>What moved</h3>" + _drift(section, titles))


def _filters(filters: Filters) -> str:
    words = []
    if filters.list:
        words.append(f"the saved list “{_e(filters.list)}”")
    if filters.since:
        words.append(f"leads scored from {_e(filters.since.isoformat()[:10])}")
    if filters.until:
        words.append(f"leads scored before {_e(filters.until.isoformat()[:10])}")
    return ("Covering " + ", ".join(words) + ".") if words else "Covering every recorded lead."


def stakeholder_report(material: StakeholderMaterial, generated_at: datetime | None = None,
                       title: str = "Lead scoring: how the model is doing") -> str:
    """The whole HTML document (module docstring) of ``workflows.stakeholders.stakeholder_material``."""
    results, versions, about = material.results, material.versions, material.about
    moment = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    body = []
    for section in results.versions:
        model = about.get(section.model.version) or (next(iter(about.values())) if len(about) == 1 else None)
        titles = {} if model is None else dict(model.titles)
        body.append(_section(section, model, titles))
    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{STYLE}</style>
<script>{get_plotlyjs()}</script>
</head><body>
<h1>{_e(title)}</h1>
<p class="meta">Made {moment:%Y-%m-%d %H:%M} UTC. {_filters(results.filters)} Every figure counts
each lead once, with its latest scoring.</p>
{''.join(body)}
<h2>What changed between versions</h2>
{_versions(versions)}
<p class="note">A tier's promise is the average chance of conversion the model gave its leads; the likely range is
a 95% interval around the real rate. This file is self-contained: it opens without a network.</p>
</body></html>
"""
    return document
