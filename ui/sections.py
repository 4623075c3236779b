"""A training report's sections (``leadscore/modeling/report.py``) on a page, in order: one renderer for every
kind of model, so the Model page never asks which kind it shows."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from leadscore.modeling.report import Chart, Choice, Columns, Folded, Metric, Metrics, Section, Table, Text
from ui.text import md_escape

NO_BAR = {"displayModeBar": False}


def markdown(text: str) -> str:
    """Report words as safe markdown: every part escaped, ``**`` spans shown bold, new lines kept."""
    return "  \n".join("".join(md_escape(part) if index % 2 == 0 else f"**{md_escape(part)}**"
                               for index, part in enumerate(line.split("**")))
                       for line in text.split("\n"))


def _text(section: Text) -> None:
    words = markdown(section.text)
    {"heading": lambda: st.markdown(f"#### {words}"), "strong": lambda: st.markdown(f"**{words}**"),
     "plain": lambda: st.markdown(words), "caption": lambda: st.caption(words),
     "warning": lambda: st.warning(words), "info": lambda: st.info(words),
     "subheader": lambda: st.subheader(words)}[section.style]()


def metric(tile: Metric, border: bool = True) -> None:
    """One figure as a tile; its note in grey under the value."""
    if tile.note:
        st.metric(tile.label, tile.value, help=tile.help or None, border=border, delta=tile.note, delta_color="off",
                  delta_arrow="off")
    else:
        st.metric(tile.label, tile.value, help=tile.help or None, border=border)


def _table(section: Table) -> None:
    config = {name: st.column_config.NumberColumn(format="percent", help=section.help.get(name))
              for name in section.percent}
    config |= {name: st.column_config.NumberColumn(format=f"%.{digits}f", help=section.help.get(name))
               for name, digits in section.decimals.items()}
    st.dataframe(pd.DataFrame(list(section.rows)), hide_index=True, column_config=config)


def render(sections: Sequence[Section], key: str) -> None:
    """Each section in order; ``key`` tells its charts and switches apart from the same report's elsewhere."""
    for section in sections:
        if isinstance(section, Text):
            _text(section)
        elif isinstance(section, Metrics):
            for column, tile in zip(st.columns(len(section.tiles)), section.tiles, strict=True):
                with column:
                    metric(tile)
        elif isinstance(section, Chart):
            st.plotly_chart(section.figure, config=NO_BAR, key=f"{key}_{section.key}")
            if section.caption:
                st.caption(markdown(section.caption))
        elif isinstance(section, Table):
            _table(section)
        elif isinstance(section, Columns):
            for column, inside in zip(st.columns(len(section.columns)), section.columns, strict=True):
                with column:
                    render(inside, key)
        elif isinstance(section, Choice):
            shown = st.radio(section.label, list(section.options), horizontal=True, key=f"{key}_{section.key}")
            render(section.options[shown], key)
        elif isinstance(section, Folded):
            with st.expander(section.title, expanded=False):
                render(section.sections, key)
