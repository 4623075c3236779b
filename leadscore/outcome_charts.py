"""Figures of an outcome model's training report as pure functions: report rows in, a plotly Figure out.

The built-in model's figures are in ``charts.py``; these read the report that
``modeling/outcome.py`` writes (calibration bins, gain points, tiers, importance).
No streamlit and no model here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from leadscore.charts import FONT, OURS, SEED, TIER_COLOURS


def _layout(figure: go.Figure, height: int, **kwargs: object) -> go.Figure:
    figure.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, font=FONT,
                         plot_bgcolor="white", legend={"orientation": "h", "y": -0.2}, **kwargs)
    return figure


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
    return _layout(figure, 360, title="Are its chances honest?")


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
    return _layout(figure, 380, title="Who to call first: conversions caught")


def tier_conversion(tiers: Sequence[Mapping[str, object]], base_rate: float | None = None) -> go.Figure:
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
    return _layout(figure, 340, title="How each tier really converted")


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
    return _layout(figure, 120 + 26 * len(ordered), title="What the model looks at")
