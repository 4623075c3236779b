"""The rejected rows of a scored list, shown the same way for both kinds of model."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from leadscore.data.export import to_safe_csv


def show_rejected_rows(problems: pd.DataFrame, rejected: int) -> None:
    """Say how many rows were not scored and why (row, column, reason), with a download; nothing when none."""
    if not rejected:
        return
    st.warning(f"{rejected:,} row(s) were not scored. Each problem below names the row (as numbered in the "
               "file, not counting the header), the column and the reason. Fix them and upload again.")
    st.dataframe(problems, hide_index=True, height=min(300, 40 + 35 * len(problems)))
    st.download_button("Download the rejected rows (CSV)", to_safe_csv(problems), "rejected-rows.csv", "text/csv")
