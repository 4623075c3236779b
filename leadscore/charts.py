"""The dashboard's figures as pure functions: numbers in, a plotly Figure out.

No streamlit here and no model: callers pass arrays and dicts, so every chart
can be built and checked in a test without a running app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from leadscore.fields.builtin import CLASSES
from leadscore.plain_words import chance

TIER_COLOURS: dict[str, str] = {"High": "#1a7f37", "Medium": "#c98a00", "Low": "#6e7781"}
OURS = "#2463eb"
SEED = "#b4bcc7"
FONT = {"family": "Source Sans Pro, sans-serif", "size": 14}


class TierOutcome(Protocol):
    """What ``promise_vs_real`` reads of one tier of a results report (``workflows.results.TierResult`` is one;
    named here so the charts, which modeling's reports draw with, never import a workflow)."""

    @property
    def with_outcome(self) -> int: ...
    @property
    def rate(self) -> float | None: ...
    @property
    def interval(self) -> Sequence[float] | None: ...
    @property
    def expected(self) -> float | None: ...


def _layout(figure: go.Figure, height: int, legend_y: float = -0.15, **kwargs: object) -> go.Figure:
    figure.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, font=FONT,
                         plot_bgcolor="white", legend={"orientation": "h", "y": legend_y}, **kwargs)
    return figure


def _bar_colour(label: str) -> str:
    """A tier's colour for a bar labelled with the tier ("Chance of High"), else ours."""
    return next((colour for tier, colour in TIER_COLOURS.items() if label.endswith(tier)), OURS)


def chance_bars(bars: Mapping[str, float], title: str, before: Mapping[str, float] | None = None) -> go.Figure:
    """One lead's chances as horizontal bars in the order given (``LeadScore.bars``: each tier's, or the chance
    of conversion); with ``before``, the starting lead's beside them."""
    labels = list(bars)
    figure = go.Figure()
    if before is not None:
        figure.add_bar(y=labels, x=[before[k] for k in labels], orientation="h", name="Starting lead",
                       marker_color="#d0d7de", text=[chance(before[k]) for k in labels],
                       textposition="outside", hovertemplate="%{y}: %{x:.1%} (starting lead)<extra></extra>")
    figure.add_bar(y=labels, x=[bars[k] for k in labels], orientation="h", name="Now",
                   marker_color=[_bar_colour(k) for k in labels], text=[chance(bars[k]) for k in labels],
                   textposition="outside", hovertemplate="%{y}: %{x:.1%}<extra></extra>")
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(range=[0, 1.15], tickformat=".0%", showgrid=True, gridcolor="#eee")
    height = max(230, 110 + 45 * len(labels) * (2 if before is not None else 1))
    return _layout(figure, height, legend_y=-0.3, barmode="group", title=title, showlegend=before is not None)


#: A field whose contribution moves the odds by less than this (in log-odds: about 2%) may be lumped.
TINY = 0.02
#: Odds shown as x-axis ticks.
_ODDS_TICKS = (*(10.0 ** -k for k in range(6, 0, -1)), 1 / 3, 1.0, 3.0, *(10.0 ** k for k in range(1, 7)))


def times(log_ratio: float) -> str:
    """A change of odds in words a manager reads: "×2.1" for more likely, "÷2.1" for less."""
    factor = float(np.exp(abs(log_ratio)))
    number = f"{factor:,.0f}" if factor >= 100 else f"{factor:.1f}"
    return f"{'×' if log_ratio >= 0 else '÷'}{number}"


def odds_in_words(tier: str, runner_up: str, log_ratio: float) -> str:
    """The odds of a tier over its runner-up in plain words: "2.1 times as likely to be High as Medium"."""
    factor = float(np.exp(abs(log_ratio)))
    if factor < 1.05:
        return f"about as likely to be {tier} as {runner_up}"
    number = f"{factor:,.0f}" if factor >= 100 else f"{factor:.1f}"
    first, second = (tier, runner_up) if log_ratio >= 0 else (runner_up, tier)
    return f"{number} times as likely to be {first} as {second}"


def _odds_tick(odds: float) -> str:
    if odds == 1:
        return "even"
    return f"{odds:,.0f} to 1" if odds > 1 else f"1 to {1 / odds:,.0f}"


def odds_waterfall(base_value: float, contributions: Mapping[str, float], tier: str, runner_up: str | None,
                   cleared: tuple[float, str] | None = None, tiny: float = TINY) -> go.Figure:
    """SHAP waterfall of the odds of ``tier`` over ``runner_up``, from the average lead to this one.

    ``cleared``: when the rule chose ``tier`` although ``runner_up`` is likelier, where the bar the lead
    cleared lies on this scale and its words: the chart marks it and its title says the lead cleared it,
    so that it argues for the tier shown rather than against it.

    ``contributions`` maps a readable label (for example "Credit score 790")
    to its exact contribution to log(P(tier) / P(runner_up)). Every field
    whose contribution is at least ``tiny`` has its own bar, largest first;
    the tiny rest are one "other fields" step, so the bars add up exactly.
    Bars are labelled by how they multiply the odds (×2.1, ÷1.5).
    """
    if runner_up is None:
        raise ValueError(f"the odds of {tier} need a runner-up tier to compare with")
    items = sorted(contributions.items(), key=lambda item: abs(item[1]), reverse=True)
    shown = [(label, value) for label, value in items if abs(value) >= tiny]
    rest = [value for _, value in items if abs(value) < tiny]
    labels = ["Average lead"] + [label for label, _ in shown]
    values = [base_value] + [value for _, value in shown]
    measures = ["absolute"] + ["relative"] * len(shown)
    if rest:
        labels.append(f"{len(rest)} other field{'s' if len(rest) != 1 else ''} "
                      f"(each moving the odds under {np.expm1(tiny):.0%})")
        values.append(float(sum(rest)))
        measures.append("relative")
    total = base_value + float(sum(contributions.values()))
    labels.append(f"This lead ({tier})")
    values.append(total)
    measures.append("total")
    text = [times(v) for v in values]
    lowest = min(0.0, *np.cumsum(values[:-1]), total)
    highest = max(0.0, *np.cumsum(values[:-1]), total)
    ticks = [t for t in _ODDS_TICKS if lowest - 1 <= np.log(t) <= highest + 1]
    figure = go.Figure(go.Waterfall(
        orientation="h", y=labels, x=values, measure=measures, text=text, textposition="outside",
        increasing={"marker": {"color": TIER_COLOURS["High"]}},
        decreasing={"marker": {"color": "#cf222e"}},
        totals={"marker": {"color": OURS}},
        connector={"line": {"color": "#aaa", "width": 1}},
        customdata=text, hovertemplate="%{y}: odds %{customdata} (log-odds %{x:+.2f})<extra></extra>",
    ))
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title=f"How much likelier {tier} is than {runner_up} for this lead", zeroline=True,
                        zerolinecolor="#888", tickvals=[float(np.log(t)) for t in ticks],
                        ticktext=[_odds_tick(t) for t in ticks], showgrid=True, gridcolor="#eee")
    title = f"Why {tier} rather than {runner_up}: this lead is {odds_in_words(tier, runner_up, total)}"
    if cleared is not None:
        position, words = cleared
        figure.add_vline(x=position, line={"color": TIER_COLOURS[tier], "dash": "dash", "width": 2},
                         annotation_text=words, annotation_position="top", annotation_font_color=TIER_COLOURS[tier])
        side = "above" if total >= position else "below"
        title = f"Why {tier}: this lead ends {side} {words}, though {runner_up} is likelier"
        lowest, highest = min(lowest, position), max(highest, position)
        ticks = [t for t in _ODDS_TICKS if lowest - 1 <= np.log(t) <= highest + 1]
        figure.update_xaxes(tickvals=[float(np.log(t)) for t in ticks], ticktext=[_odds_tick(t) for t in ticks])
    return _layout(figure, 120 + 34 * len(labels), title=title)


#: Chances of conversion shown as x-axis ticks of the outcome waterfall.
_CHANCE_TICKS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4,
                 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)


def _chance(log_odds: float) -> float:
    return float(1 / (1 + np.exp(-log_odds)))


def _tick_words(p: float) -> str:
    """An axis tick: 0.5%, 2%, 98% (the ticks below 1% need their decimal)."""
    return f"{100 * p:.1f}%".replace(".0%", "%")


def conversion_waterfall(base_value: float, contributions: Mapping[str, float], tier: str,
                         runner_up: str | None = None, cleared: tuple[float, str] | None = None,
                         tiny: float = TINY) -> go.Figure:
    """SHAP waterfall of an outcome model's chance of conversion, from the average lead to this one.

    ``contributions`` maps a readable label ("Job: retired") to its exact
    contribution to the calibrated log-odds of conversion; ``base_value`` is
    the average lead's log-odds. The bars start at the average lead (a dashed
    line) and add up exactly to this lead's log-odds (the last bar spans the
    whole way); the axis reads as the chance of conversion, each bar as how
    it multiplies the odds of converting (×1.6, ÷1.4).
    """
    items = sorted(contributions.items(), key=lambda item: abs(item[1]), reverse=True)
    shown = [(label, value) for label, value in items if abs(value) >= tiny]
    rest = [value for _, value in items if abs(value) < tiny]
    labels = [label for label, _ in shown]
    values = [value for _, value in shown]
    if rest:
        labels.append(f"{len(rest)} other field{'s' if len(rest) != 1 else ''} "
                      f"(each moving the odds under {np.expm1(tiny):.0%})")
        values.append(float(sum(rest)))
    total = base_value + float(sum(contributions.values()))
    labels.append(f"This lead ({tier})")
    values.append(total - base_value)
    text = [times(v) for v in values[:-1]] + [f"{chance(_chance(total))} chance"]
    running = base_value + np.concatenate([[0.0], np.cumsum(values[:-1])])
    lowest, highest = float(running.min()), float(running.max())
    pad = max(0.15, 0.12 * (highest - lowest))
    ticks = [t for t in _CHANCE_TICKS if lowest - pad <= np.log(t / (1 - t)) <= highest + pad]
    figure = go.Figure(go.Waterfall(
        orientation="h", y=labels, x=values, base=base_value, measure=["relative"] * (len(values) - 1) + ["total"],
        text=text, textposition="outside", cliponaxis=False,
        increasing={"marker": {"color": TIER_COLOURS["High"]}},
        decreasing={"marker": {"color": "#cf222e"}},
        totals={"marker": {"color": OURS}},
        connector={"line": {"color": "#aaa", "width": 1}},
        customdata=text, hovertemplate="%{y}: %{customdata} (log-odds %{x:+.2f})<extra></extra>",
    ))
    figure.add_vline(x=base_value, line={"color": "#57606a", "dash": "dash", "width": 1},
                     annotation_text=f"average lead {chance(_chance(base_value))}",
                     annotation_position="top", annotation_font_color="#57606a")
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title="Chance of conversion", showgrid=True, gridcolor="#eee",
                        range=[lowest - 1.6 * pad, highest + 1.6 * pad],
                        tickvals=[float(np.log(t / (1 - t))) for t in ticks],
                        ticktext=[_tick_words(t) for t in ticks])
    title = f"Why a {chance(_chance(total))} chance of conversion (the average lead: {chance(_chance(base_value))})"
    return _layout(figure, 150 + 34 * len(labels), title=title)


#: The waterfall of one lead, by what its target explains (``Target.explains``): the odds of its tier over
#: the runner-up (three tiers), or its chance of conversion (won/lost). Each takes (base_value, contributions
#: by label, tier, runner_up, cleared).
LEAD_WATERFALLS: dict[str, Callable[..., go.Figure]] = {"odds": odds_waterfall, "chance": conversion_waterfall}


def lead_waterfall(explains: str, base_value: float, contributions: Mapping[str, float], tier: str,
                   runner_up: str | None = None, cleared: tuple[float, str] | None = None) -> go.Figure:
    """The waterfall for one lead, chosen by what the target explains (``LEAD_WATERFALLS``)."""
    return LEAD_WATERFALLS[explains](base_value, contributions, tier, runner_up, cleared)


def tier_distribution(counts: Mapping[str, int]) -> go.Figure:
    """How many leads fall in each tier, High first."""
    tiers = list(reversed(CLASSES))
    total = max(1, sum(counts.values()))
    figure = go.Figure(go.Bar(
        x=tiers, y=[counts.get(t, 0) for t in tiers], marker_color=[TIER_COLOURS[t] for t in tiers],
        text=[f"{counts.get(t, 0):,} ({counts.get(t, 0) / total:.0%})" for t in tiers],
        textposition="outside", hovertemplate="%{x}: %{y:,} leads<extra></extra>"))
    figure.update_yaxes(title="Leads", range=[0, 1.2 * max(1, *counts.values())], gridcolor="#eee")
    return _layout(figure, 300, title="Leads per tier")


def matrix_heatmap(matrix: Sequence[Sequence[float]], row_title: str, column_title: str,
                   normalise: bool = False, title: str = "") -> go.Figure:
    """A tier-by-tier matrix (confusion or tier change) as a heatmap; rows and columns in CLASSES order.

    ``normalise`` shows each row as shares of its total, with the counts in the hover.
    """
    counts = np.asarray(matrix, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    z = shares if normalise else counts
    text = [[f"{shares[i, j]:.0%}" if normalise else f"{int(counts[i, j]):,}" for j in range(len(CLASSES))]
            for i in range(len(CLASSES))]
    figure = go.Figure(go.Heatmap(
        z=z, x=list(CLASSES), y=list(CLASSES), text=text, texttemplate="%{text}", textfont={"size": 16},
        colorscale="Blues", showscale=False, customdata=counts,
        hovertemplate=f"{row_title}: %{{y}}<br>{column_title}: %{{x}}<br>%{{customdata:,}} leads<extra></extra>"))
    figure.update_yaxes(title=row_title, autorange="reversed")
    figure.update_xaxes(title=column_title, side="bottom")
    return _layout(figure, 340, title=title)


def per_class_bars(ours: Mapping[str, Mapping[str, float]], seed: Mapping[str, Mapping[str, float]]) -> go.Figure:
    """Recall, precision and F1 per tier: ours beside the seed's reported figures."""
    metrics = (("recall", "Recall: share of each tier caught"),
               ("precision", "Precision: share of calls that were right"),
               ("f1-score", "F1: balance of the two"))
    figure = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in metrics], shared_yaxes=True)
    tiers = list(reversed(CLASSES))
    for col, (metric, _) in enumerate(metrics, start=1):
        for name, source, colour in (("This model", ours, OURS), ("Original study", seed, SEED)):
            values = [source[t][metric] for t in tiers]
            figure.add_bar(x=tiers, y=values, name=name, marker_color=colour, showlegend=col == 1,
                           text=[f"{v:.2f}" for v in values], textposition="outside",
                           hovertemplate=f"{name} %{{x}}: %{{y:.2f}}<extra></extra>", row=1, col=col)
    figure.update_yaxes(range=[0, 1.12], gridcolor="#eee")
    figure.update_annotations(font_size=13)
    return _layout(figure, 360, barmode="group")


def importance_bars(ours: Mapping[str, float], seed: Mapping[str, float] | None = None) -> go.Figure:
    """Each feature's share of the model's decisions, with the seed's top five beside ours when given.

    Keys are readable labels; ``seed`` may hold only some of them.
    """
    labels = sorted(ours, key=lambda label: ours[label])
    figure = go.Figure()
    if seed:
        figure.add_bar(y=labels, x=[seed.get(label) for label in labels], orientation="h",
                       name="Original study's top five", marker_color=SEED,
                       hovertemplate="%{y}: %{x:.1%} (original study)<extra></extra>")
    figure.add_bar(y=labels, x=[ours[label] for label in labels], orientation="h", name="This model",
                   marker_color=OURS, text=[f"{ours[label]:.0%}" for label in labels], textposition="outside",
                   hovertemplate="%{y}: %{x:.1%}<extra></extra>")
    figure.update_xaxes(tickformat=".0%", gridcolor="#eee", title="Share of the model's decisions")
    return _layout(figure, 460, barmode="group")


def calibration_chart(calibration: Mapping[str, Mapping[str, Sequence[float]]]) -> go.Figure:
    """Reliability chart: predicted chance of a tier against how often it was that tier."""
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="Perfectly honest",
                       line={"color": "#999", "dash": "dash"}, hoverinfo="skip")
    for tier in reversed(CLASSES):
        table = calibration[tier]
        figure.add_scatter(
            x=table["predicted"], y=table["observed"], mode="lines+markers", name=tier,
            line={"color": TIER_COLOURS[tier]}, customdata=table["count"],
            hovertemplate=f"{tier}: predicted %{{x:.0%}}, observed %{{y:.0%}} (%{{customdata}} leads)<extra></extra>")
    figure.update_xaxes(title="Predicted chance", tickformat=".0%", range=[0, 1], gridcolor="#eee")
    figure.update_yaxes(title="Observed share", tickformat=".0%", range=[0, 1], gridcolor="#eee")
    return _layout(figure, 380)


def baselines_chart(rows: Mapping[str, Mapping[str, float]], bayes_accuracy: float | None = None) -> go.Figure:
    """Accuracy, macro recall and High recall per model; the Bayes accuracy as the ceiling line."""
    metrics = (("accuracy", "Accuracy"), ("macro_recall", "Average recall"), ("high_recall", "High recall"))
    names = list(rows)
    figure = go.Figure()
    for (key, label), colour in zip(metrics, ("#2463eb", "#7c3aed", TIER_COLOURS["High"]), strict=True):
        values = [rows[n][key] for n in names]
        figure.add_bar(x=names, y=values, name=label, marker_color=colour, text=[f"{v:.2f}" for v in values],
                       textposition="outside", hovertemplate=f"%{{x}}<br>{label}: %{{y:.3f}}<extra></extra>")
    if bayes_accuracy is not None:
        figure.add_scatter(x=names, y=[bayes_accuracy] * len(names), mode="lines", name=(
            f"Best possible accuracy on this data (Bayes): {bayes_accuracy:.2f}"),
            line={"color": "#cf222e", "dash": "dash"}, hoverinfo="skip")
    figure.update_yaxes(range=[0, 1.15], gridcolor="#eee")
    return _layout(figure, 420, barmode="group")


# ---- a won/lost model's training report (report rows in, figure out) ----------------------------------
def calibration(bins: Sequence[Mapping[str, float]]) -> go.Figure:
    """Mean predicted chance against the share that really converted, one point per bin of test leads."""
    predicted = [b["mean_p"] for b in bins]
    observed = [b["observed"] for b in bins]
    top = max([*predicted, *observed, 0.05]) * 1.1
    figure = go.Figure()
    figure.add_scatter(x=[0, top], y=[0, top], mode="lines", name="Perfectly honest",
                       line={"dash": "dash", "color": SEED}, hoverinfo="skip")
    figure.add_scatter(x=predicted, y=observed, mode="lines+markers", name="This model", marker_color=OURS,
                       customdata=[b.get("leads", 0) for b in bins],
                       hovertemplate="predicted %{x:.1%}, converted %{y:.1%} (%{customdata} leads)<extra></extra>")
    figure.update_xaxes(title="Chance the model gave", tickformat=".0%", range=[0, top], gridcolor="#eee")
    figure.update_yaxes(title="Share that converted", tickformat=".0%", range=[0, top], gridcolor="#eee")
    return _layout(figure, 360, legend_y=-0.2, title="Are its chances honest?")


def gain(points: Sequence[Mapping[str, float]], cuts: Sequence[tuple[str, float]] = ()) -> go.Figure:
    """Share of leads called, best first, against share of conversions caught; ``cuts`` mark where tiers end.

    ``cuts``: (tier, share of leads called where it ends) pairs, e.g. ("High", 0.2).
    """
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="Calling in random order",
                       line={"dash": "dash", "color": SEED}, hoverinfo="skip")
    figure.add_scatter(x=[p["share_called"] for p in points], y=[p["share_caught"] for p in points],
                       mode="lines+markers", name="Calling the model's best first", marker_color=OURS,
                       hovertemplate="call %{x:.0%} of leads: catch %{y:.0%} of conversions<extra></extra>")
    for label, share in cuts:
        figure.add_vline(x=share, line={"color": TIER_COLOURS.get(label, "#444"), "width": 2},
                         annotation_text=f"end of {label}: {share:.0%}", annotation_position="bottom right")
    figure.update_xaxes(title="Share of leads called", tickformat=".0%", range=[0, 1], gridcolor="#eee")
    figure.update_yaxes(title="Share of conversions caught", tickformat=".0%", range=[0, 1.05], gridcolor="#eee")
    return _layout(figure, 380, legend_y=-0.2, title="Who to call first: conversions caught")


def tier_conversion(tiers: Sequence[Mapping[str, Any]], base_rate: float | None = None) -> go.Figure:
    """Each tier's measured conversion rate on the test leads (its number of leads under its name)."""
    names = [f"{t['tier']}<br>{int(t['leads']):,} leads" for t in tiers]
    measured = [t.get("conversion_rate") for t in tiers]
    rates = [float(r) if r is not None else 0.0 for r in measured]
    figure = go.Figure()
    figure.add_bar(x=names, y=rates, marker_color=[TIER_COLOURS.get(str(t["tier"]), OURS) for t in tiers],
                   text=[f"{r:.0%}" if m is not None else "no leads" for r, m in zip(rates, measured, strict=True)],
                   textposition="outside", hovertemplate="%{y:.1%} converted<extra></extra>", showlegend=False)
    if base_rate is not None:
        figure.add_scatter(x=names, y=[base_rate] * len(names), mode="lines", line={"dash": "dash", "color": "#444"},
                           name=f"All test leads: {base_rate:.0%} converted", hoverinfo="skip")
    figure.update_yaxes(title="Converted", tickformat=".0%", range=[0, max([*rates, 0.05]) * 1.25],
                        gridcolor="#eee")
    return _layout(figure, 340, legend_y=-0.2, title="How each tier really converted")


def field_importance(importance: Mapping[str, float], fill_rates: Mapping[str, float]) -> go.Figure:
    """Each field's share of the model's decisions, largest on top, with how often it is filled in."""
    total = sum(importance.values()) or 1.0
    ordered = sorted(importance, key=lambda name: importance[name])
    shares = [importance[n] / total for n in ordered]
    figure = go.Figure()
    figure.add_bar(y=ordered, x=shares, orientation="h", marker_color=OURS, showlegend=False,
                   text=[f"{s:.0%} · filled in {fill_rates.get(n, 1.0):.0%}" for n, s in zip(ordered, shares,
                                                                                             strict=True)],
                   textposition="outside", hovertemplate="%{y}: %{x:.1%} of the decisions<extra></extra>")
    figure.update_xaxes(title="Share of the model's decisions", tickformat=".0%", range=[0, max([*shares, 0.1]) * 1.5],
                        gridcolor="#eee")
    return _layout(figure, 120 + 26 * len(ordered), legend_y=-0.2, title="What the model looks at")


def promise_vs_real(tiers: Mapping[str, TierOutcome]) -> go.Figure:
    """Each tier's real conversion (bar, with its 95% range as an error bar) and its promise (a diamond).

    ``tiers``: the results report's tiers (``rate``, ``interval``, ``expected``, ``with_outcome``); a tier with
    no outcome yet has no bar.
    """
    rates = [row.rate for row in tiers.values()]
    # The rate is written under the bar, not on it: a low promise's marker would cover a label at the bar's foot.
    names = [f"<b>{tier}</b><br>" + (f"{r:.0%} of {row.with_outcome:,} converted" if r is not None
                                     else "no outcomes yet")
             for (tier, row), r in zip(tiers.items(), rates, strict=True)]
    intervals = [row.interval or [r or 0, r or 0] for r, row in zip(rates, tiers.values(), strict=True)]
    figure = go.Figure()
    figure.add_bar(
        x=names, y=[r if r is not None else 0 for r in rates], name="Really converted",
        marker_color=[TIER_COLOURS.get(t, OURS) for t in tiers],
        error_y={"type": "data", "symmetric": False, "color": "#444",
                 "array": [hi - (r or 0) for (_, hi), r in zip(intervals, rates, strict=True)],
                 "arrayminus": [(r or 0) - lo for (lo, _), r in zip(intervals, rates, strict=True)]},
        hovertemplate="%{y:.1%} converted<extra></extra>")
    figure.add_scatter(x=names, y=[row.expected for row in tiers.values()], mode="markers",
                       name="Promised", marker={"symbol": "diamond", "size": 14, "color": "#111"},
                       hovertemplate="promised %{y:.1%}<extra></extra>")
    top = max([hi for _, hi in intervals] + [float(row.expected or 0) for row in tiers.values()] + [0.05])
    figure.update_yaxes(title="Converted", tickformat=".0%", range=[0, top * 1.15], gridcolor="#eee")
    return _layout(figure, 360, legend_y=-0.25, title="Each tier: promised and really converted")
