"""The dashboard's entrypoint: page navigation and the sidebar every page shares.

Run from the repository root: ``streamlit run app.py`` (or scripts/dashboard.sh).

The page files live in ``app_pages/``, not ``pages/``: Streamlit still runs a
fresh server's first session in its old multipage mode when a ``pages/``
folder exists, so a bookmarked page opened first after a restart would bypass
this entrypoint (no sidebar, a different menu).
"""

import logging

import streamlit as st

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="Lead scoring", page_icon=":material/leaderboard:", layout="wide")

# The first visit to a fresh server waits several seconds for the engine's libraries and the model (and trains
# the built-in model on an empty registry): say so. A spinner shows only when the wait is longer than a moment.
with st.spinner("Getting the lead-scoring model ready: the first visit takes about 10 seconds…"):
    from ui import engine, sidebar, versions  # noqa: E402 (imported under the spinner: the slow part of a first visit)

    page = st.navigation([
        st.Page("app_pages/score.py", title="Score a lead", icon=":material/person_search:", default=True),
        st.Page("app_pages/triage.py", title="Triage a lead list", icon=":material/format_list_numbered:"),
        st.Page("app_pages/results.py", title="Results", icon=":material/fact_check:"),
        st.Page("app_pages/model.py", title="Model", icon=":material/monitoring:"),
    ])
    # The Model page can still list the versions and activate a good one when the active model is damaged.
    sidebar.show_active_model(versions.active_scorer_or_recovery() if page.url_path == "model"
                              else engine.active_scorer())
page.run()
