"""Headers, file names and lead names from an upload are shown as text, never as markdown (no images, no links)."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from leadscore.scoring import triage
from tests.app.helpers import open_page, texts
from ui.text import md_escape

pytestmark = pytest.mark.usefixtures("models_dir")

IMAGE_HEADER = "![x](http://example.com/a.png)"
LINK_NAME = "[click me](http://evil.example/)"
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _elements(markdown: str) -> list[str]:
    """The kinds of inline elements CommonMark makes of ``markdown`` (besides plain text)."""
    return [child.type for token in MARKDOWN.parse(markdown) for child in token.children or []
            if child.type not in ("text", "softbreak")]


def _markdown_shown(app: AppTest) -> list[str]:
    """Every string on the page that Streamlit renders as markdown, widget labels included."""
    parts = [m.value for m in (*app.markdown, *app.caption, *app.title, *app.header, *app.subheader)]
    parts += [a.value for kind in ("error", "warning", "info", "success") for a in app.get(kind)]
    parts += [w.label for w in (*app.selectbox, *app.metric, *app.expander)]
    return [str(p) for p in parts]


def test_md_escape_makes_markup_literal() -> None:
    for hostile in (IMAGE_HEADER, LINK_NAME, "<img src=x>", "**bold** _it_ `code` $x$ :red[red]",
                    "# heading", "- item", "1. item", "a\nb"):
        escaped = md_escape(hostile)
        assert _elements(escaped) == [], (hostile, escaped)
        assert "".join(c.content for t in MARKDOWN.parse(escaped) for c in t.children or []) == " ".join(
            hostile.split())


def test_uploaded_header_and_lead_name_are_shown_literally() -> None:
    leads = triage.sample_list(6, seed=5).rename(columns={"owner": IMAGE_HEADER}).drop(columns=["lead_id", "email"])
    leads["name"] = LINK_NAME
    app = open_page("triage")
    app.file_uploader(key="upload.0").set_value(("[file](http://evil.example).csv",
                                               leads.to_csv(index=False).encode(), "text/csv")).run()
    assert not app.exception
    shown = _markdown_shown(app)
    assert [s for s in shown if "example" in s], "the header and the name are on the page"
    for text in shown:
        assert not {"image", "link_open", "html_inline"} & set(_elements(text)), text
    page = texts(app)
    assert IMAGE_HEADER in [s.replace("\\", "") for s in shown]  # the owner column's filter, by its header
    assert f"3. Why this tier: {LINK_NAME} (row" in page
    assert "[file](http://evil.example).csv" in page
