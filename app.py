"""The dashboard's entrypoint: sign-in, the pages the visitor's role may open, and the sidebar every page shares.

Run from the repository root: ``streamlit run app.py`` (or scripts/dashboard.sh).

The page files live in ``app_pages/``, not ``pages/``: Streamlit still runs a
fresh server's first session in its old multipage mode when a ``pages/``
folder exists, so a bookmarked page opened first after a restart would bypass
this entrypoint (no sidebar, a different menu, no sign-in).
"""

import logging

import streamlit as st

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="Lead scoring", page_icon=":material/leaderboard:", layout="wide")

# The first visit to a fresh server waits several seconds for the engine's libraries and the model (and trains
# the built-in model on an empty registry): say so. A spinner shows only when the wait is longer than a moment.
with st.spinner("Getting the lead-scoring model ready: the first visit takes about 10 seconds…"):
    from ui import accounts, engine, sidebar, signin, versions  # noqa: E402 (imported under the spinner)

    visitor = signin.admit()  # the sign-in screen, until someone signs in (or no account is needed)
    pages = {
        "leads": st.Page("app_pages/leads.py", title="My leads" if visitor.role == accounts.REP else "Leads",
                         icon=":material/contacts:", url_path="leads", default=visitor.role == accounts.REP),
        "score": st.Page("app_pages/score.py", title="Score a lead", icon=":material/person_search:",
                         url_path="score", default=visitor.role not in (accounts.REP, accounts.VIEWER)),
        "triage": st.Page("app_pages/triage.py", title="Triage a lead list", icon=":material/format_list_numbered:",
                          url_path="triage"),
        "results": st.Page("app_pages/results.py", title="Results", icon=":material/fact_check:",
                           url_path="results"),
        "model": st.Page("app_pages/model.py", title="Model", icon=":material/monitoring:", url_path="model",
                         default=visitor.role == accounts.VIEWER),
        "audit": st.Page("app_pages/audit.py", title="Audit", icon=":material/history:", url_path="audit"),
    }
    page = st.navigation([pages[name] for name in accounts.pages_for(visitor)])
    signin.sidebar(visitor)
    # The Model page can still list the versions and activate a good one when the active model is damaged.
    sidebar.show_active_model(versions.active_scorer_or_recovery() if page.url_path == "model"
                              else engine.active_scorer())
signin.no_account_banner(visitor)
page.run()
