"""Publishing a trained candidate from the dashboard (built-in retrain, CRM training, results, tier bands), one way:
through the one publish gate (``leadscore.workflows.train.publish``), as ``leadscore train`` does."""

from __future__ import annotations

import logging

import streamlit as st

from leadscore.store import audit as trail
from leadscore.workflows import train
from ui import engine, guard
from ui.guard import current_guard
from ui.text import md_escape

log = logging.getLogger(__name__)

#: Said after the done words when the manager published a candidate below its rule ("Publish it anyway").
FORCED = "It was published anyway, although below the rule."


def publish_candidate(candidate: train.Candidate, session_key: str | None, done: str, *, anyway: bool = False) -> None:
    """Publish and activate ``candidate`` through the one gate, forget it (kept under ``session_key``, if any),
    show ``done``.

    ``anyway``: the manager asked to publish although the verdict did not pass (the command line's ``--force``);
    without it, a candidate below its rule is refused with the verdict's words and nothing changes.
    ``done`` may hold ``{version}`` (replaced as text, so a file name with braces is safe).
    Refused (nothing changes) when retraining was switched off since the training was admitted;
    a failed publish leaves the active model as it was (the registry's publish is atomic).
    """
    refusal = current_guard().refusal  # the setting may have changed since the training was admitted
    if refusal:
        st.error(f"{refusal} Nothing was published.")
        return
    try:
        published = train.publish(engine.registry(), candidate, force=anyway, source=guard.who())
    except train.NotPublishedError as error:
        st.error(f"{md_escape(error.verdict.sentence.rstrip('.'))}. Nothing was published; the active model is "
                 "unchanged.")
        return
    except Exception as error:  # the registry's publish is atomic: nothing changed
        log.exception("publishing failed")
        st.error(f"Publishing failed ({md_escape(error)}); the active model is unchanged.")
        return
    if session_key is not None:  # published: never offered again, whatever the audit trail says
        del st.session_state[session_key]
    said = done.replace("{version}", published.version) + (f" {FORCED}" if published.forced else "")
    guard.changed(said, trail.MODEL_PUBLISHED, {"version": published.version, "activated": published.active})
    st.rerun()
