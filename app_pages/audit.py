"""Audit (administrators): every change and every sign-in failure, newest first: who, when, what, from where."""

from datetime import datetime, time, timedelta, timezone

import pandas as pd
import streamlit as st

from ui import accounts

st.title("Audit")
st.caption("Every change (models published or activated, lists saved, outcomes imported, people and keys) and every "
           "sign-in, failed or not, newest first. The same trail as `leadscore audit`. Passwords are never kept.")
today = datetime.now(timezone.utc).date()
since_day = st.date_input("Since", value=today - timedelta(days=30), max_value=today, key="audit_since")
events = accounts.audit_events(since=datetime.combine(since_day, time(), timezone.utc))
failures = sum(1 for e in events if e.action == accounts.SIGN_IN_FAILED)
a, b = st.columns(2)
a.metric("Events", f"{len(events):,}")
b.metric("Failed sign-ins", f"{failures:,}")
if not events:
    st.info("Nothing happened in this period.")
else:
    st.dataframe(pd.DataFrame([{
        "When": e.at, "Who": e.actor, "What": e.action,
        "Details": ", ".join(f"{k}: {v}" for k, v in e.detail.items() if v is not None),
        "From": e.source} for e in events]), hide_index=True, height=520,
        column_config={"When": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm:ss")})
