"""The dashboard's entrypoint: sign-in, the pages the visitor's role may open, and the sidebar every page shares.

Run from the repository root: ``streamlit run app.py`` (or scripts/dashboard.sh).

The page files live in ``app_pages/``, not ``pages/``: Streamlit still runs a
fresh server's first session in its old multipage mode when a ``pages/``
folder exists, so a bookmarked page opened first after a restart would bypass
this entrypoint (no sidebar, a different menu, no sign-in).

The first visit to a fresh server shows its page's title and a word at once, before the engine's libraries
are imported (seconds); on an empty registry the page says the built-in model is being prepared
(ui/startup.py) and fills in by itself when it is ready.
"""

import logging
import sys
from urllib.parse import urlparse

import streamlit as st

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="Lead scoring", page_icon=":material/leaderboard:", layout="wide")

#: Each page's address and title, known before the engine is imported (the first visit's word on screen).
TITLES = {"leads": "Leads", "score": "Score a lead", "triage": "Triage a lead list", "results": "Results",
          "model": "Model", "audit": "Audit"}

waiting = st.empty()
if "ui.engine" not in sys.modules:  # the first visit to this server: the engine's libraries take seconds
    with waiting.container():
        st.title(TITLES.get(urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1], "Score a lead"))
        st.info("Getting the lead-scoring model ready (a few seconds)…")

from ui import accounts, engine, sidebar, signin, startup, store_faults, versions  # noqa: E402 (after the word: the slow part)

waiting.empty()


@st.fragment(run_every=1)
def _preparing() -> None:
    """How long the built-in model has been training; the whole page runs again once it is ready."""
    preparation = startup.preparing(engine.registry())
    if preparation is None:
        st.rerun()
    elif preparation.error:
        st.error(f"The built-in model could not be prepared: {preparation.error}. The server's log has the details.")
        if st.button("Try again"):
            startup.preparing(engine.registry(), retry=True)
    else:
        st.progress(min(preparation.seconds / 20, 0.95), text=f"Waiting for it: {preparation.seconds:.0f} s")


# A store fault met while signing in, on the sidebar or on the page shows its one line, not a traceback
# (a fragment's own reruns: ui.store_faults.fragment).
with store_faults.shown_in_one_line():
    visitor = signin.admit()  # the sign-in screen, until someone signs in (or no account is needed)
    pages = {
        "leads": st.Page("app_pages/leads.py", title="My leads" if visitor.role == accounts.REP else TITLES["leads"],
                         icon=":material/contacts:", url_path="leads", default=visitor.role == accounts.REP),
        "score": st.Page("app_pages/score.py", title=TITLES["score"], icon=":material/person_search:",
                         url_path="score", default=visitor.role not in (accounts.REP, accounts.VIEWER)),
        "triage": st.Page("app_pages/triage.py", title=TITLES["triage"], icon=":material/format_list_numbered:",
                          url_path="triage"),
        "results": st.Page("app_pages/results.py", title=TITLES["results"], icon=":material/fact_check:",
                           url_path="results"),
        "model": st.Page("app_pages/model.py", title=TITLES["model"], icon=":material/monitoring:", url_path="model",
                         default=visitor.role == accounts.VIEWER),
        "audit": st.Page("app_pages/audit.py", title=TITLES["audit"], icon=":material/history:", url_path="audit"),
    }
    page = st.navigation([pages[name] for name in accounts.pages_for(visitor)])
    signin.sidebar(visitor)
    if startup.preparing(engine.registry()) is not None:
        st.title(page.title)
        st.info(f"Preparing the built-in model, {startup.TRAINING_WORDS}: it is trained once, on 10,000 generated "
                "leads, the first time the dashboard starts. This page fills in by itself when it is ready.")
        _preparing()
        with st.sidebar:
            st.subheader("Active model")
            st.caption("Preparing the built-in model…")
        st.stop()
    # The Model page can still list the versions and activate a good one when the active model is damaged.
    sidebar.show_active_model(versions.active_scorer_or_recovery() if page.url_path == "model"
                              else engine.active_scorer())
    signin.no_account_banner(visitor)
    page.run()
