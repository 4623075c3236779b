"""An outcome model's training report in a few lines of plain words (command line and logs)."""

from __future__ import annotations

from typing import Any

#: A field making more than this share of the decisions (mean |SHAP|) gets a question: is it known in time?
DOMINANT_SHARE = 0.35


def dominant_field(report: dict[str, Any]) -> tuple[str, float] | None:
    """The field that makes more than DOMINANT_SHARE of the model's decisions, with its share; else None.

    A field recorded after the outcome but not decisive alone (a call's length) escapes the leakage
    screen; a model leaning on one field this much is the second sign, worth a question.
    """
    importance = report.get("test", {}).get("importance") or {}
    total = sum(importance.values())
    if not total:
        return None
    name, value = max(importance.items(), key=lambda item: item[1])
    return (name, value / total) if value / total > DOMINANT_SHARE else None


def _open_values(report: dict[str, Any]) -> str:
    """`` ('Engaging' 1,500, 'Prospecting' 589)``: the open leads by outcome value, when values were left open."""
    by_value = report.get("open_by_value", {})
    return " (" + ", ".join(f"'{v}' {n:,}" for v, n in by_value.items()) + ")" if by_value else ""


def summary_lines(report: dict[str, Any]) -> list[str]:
    """What was trained on, how it did on the test part, and what was left out and why."""
    test = report["test"]
    lines = [
        f"outcome '{report['target']}' (converted = {', '.join(report['positive'])}; "
        + (f"not converted = {', '.join(report['negative'])}; " if report.get("negative") else "")
        + "an empty value" + "".join(f", {v}" for v in report.get("open_values", []))
        + (" or any other value" if report.get("negative") else "") + " is an open lead): "
        f"{report['converted']:,} converted, {report['not_converted']:,} not converted, "
        f"{report['open_leads']:,} open leads not trained on"
        + _open_values(report),
        *(f"note: {w}" for w in report.get("warnings", []) if not w.startswith("only ")),
        f"split: {report['split']}; {report['train_rows']:,} leads to train, {report['test_rows']:,} to test",
        f"held-out ROC AUC {test['roc_auc']:.3f}, log loss {test['log_loss']:.3f}, "
        f"base rate {test['base_rate']:.3f}, mean predicted chance {test['mean_p']:.3f}",
        f"model: {report['chosen']} (chosen by out-of-fold log loss among "
        + ", ".join(f"{c['name']} {c['log_loss']:.4f}" for c in report["candidates"]) + ")",
    ]
    for tier in test["tiers"]:
        rate = tier.get("conversion_rate")
        lines.append(f"  {tier['tier']:<6} {tier['leads']:>7,} test leads ({tier['share']:.0%}), converted "
                     f"{rate:.1%}" if rate is not None else f"  {tier['tier']:<6} no test leads")
    leaks = [f for f in report["leakage"]["fields"] if f.get("flagged")]
    for leak in leaks:
        kept = leak["name"] in report["leakage"]["kept_on_purpose"]
        lines.append(f"{'kept on purpose' if kept else 'left out'}: '{leak['name']}' ({leak['reason']}); "
                     + ("" if kept else "--keep brings it back"))
    for column in report["columns"]:
        if column["role"] == "ignored" and not any(column["name"] == leak["name"] for leak in leaks):
            lines.append(f"ignored: '{column['name']}' ({column['reason']})")
    lines.extend(f"warning: {w}" for w in report.get("warnings", []))
    dominant = dominant_field(report)
    if dominant:
        lines.append(f"check: '{dominant[0]}' alone makes {dominant[1]:.0%} of the model's decisions; if it is "
                     "filled in after a lead is won or lost (a call's length, say), train again with --exclude")
    return lines
