"""Running the dashboard under AppTest."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from leadscore.plain_words import ANALYST_TERMS

#: The analysts' terms (leadscore.plain_words.ANALYST_TERMS, and a few spellings of them).
JARGON = re.compile("|".join([rf"\b{re.escape(term)}\b" for term in ANALYST_TERMS]
                             + [r"\bAUC\b", r"mean \|SHAP\|", r"weighted F1", r"xgboost-depth\d"]), re.IGNORECASE)

APP = Path(__file__).resolve().parents[2] / "app.py"

#: Generous: one script run (a retrain) can take over a minute on a busy 2-core machine.
TIMEOUT = 180


def open_page(page: str | None = None) -> AppTest:
    """The app run once, then switched to ``app_pages/<page>.py`` when given."""
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.run()
    if page:
        app.switch_page(f"app_pages/{page}.py")
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def shown_tier(app: AppTest) -> str:
    """The tier on the (first) tier badge."""
    badges = [h.proto.body for h in app.get("html") if "tier-badge" in h.proto.body]
    assert badges, "no tier badge on the page"
    return badges[0].split('data-tier="', 1)[1].split('"', 1)[0]


def texts(app: AppTest) -> str:
    """All markdown, captions, alerts and metric values on the page, as one string, as the user reads them
    (markdown's backslash escapes removed)."""
    parts = [m.value for m in (*app.markdown, *app.caption, *app.title, *app.header, *app.subheader)]
    parts += [a.value for kind in ("error", "warning", "info", "success") for a in app.get(kind)]
    parts += [f"{m.label}={m.value}" for m in app.metric]
    return plain("\n".join(str(p) for p in parts))


def plain(markdown: str) -> str:
    """Markdown as the user reads it: its backslash escapes removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def metric(app: AppTest, label: str) -> str:
    """A metric's value by its label."""
    values = [m.value for m in app.metric if m.label == label]
    assert values, f"no metric {label!r}"
    return values[0]
