"""The store: every scored lead remembered, the real outcomes taken back, results per tier, drift.

Public interface (the command line, the dashboard and the API all use only this)::

    from leadscore.store import Store, read_outcomes

    store = Store.open()                  # url=None: $LEADSCORE_DATABASE_URL, else store.sqlite3 beside the registry
    store.record(scorer.rows(scored_frame, id_column="Lead ID"), list_name="May leads")   # typed rows
    rows = read_outcomes(frame, id_column="Lead ID", outcome_column="Stage", positive=["Won"], negative=["Lost"])
    store.import_outcomes(rows, source="crm-export.csv")   # -> ImportReport (new, changed, unknown IDs...)
    store.saved_lists()                   # -> [SavedListSummary]: name, created_at, leads
    store.list_rows("May leads"); store.history("L-1001")  # -> [LeadScoring]
    store.training_frame(target="converted")             # fields as read + outcome, for the normal trainers
    store.save_drift_reference(version, reference)  # leadscore.modeling.drift_reference builds it at training

``record`` takes typed rows (``leadscore.scoring.rows``: ``ScoredRows`` for a table, ``ScoredRow`` one by one)
whose tier, chance of conversion and score the model's target defined, so the store never knows a kind of model.
Drift references are written by the trainers into ``metadata["drift_reference"]`` and kept in the store when a
version first records. The results report is built from the store's queries (``store/report.py``) by
``leadscore.workflows.results``, one model version at a time.
Retention: ``$LEADSCORE_RETENTION_DAYS`` (read through ``Settings`` when the store is opened) deletes older
scorings when new ones are recorded. Lead data never goes to the logs: only counts and model versions do.
A lead ID and a list name follow one rule on every database (``leadscore.fields.lead_id``); a database
fault is a ``StoreError`` of one line naming the cause (``faults.py``), never a value.
"""

from leadscore.store.database import StoreUnavailableError
from leadscore.store.faults import StoreError
from leadscore.store.outcomes import OutcomeRows, read_outcomes
from leadscore.store.record import RecordError
from leadscore.store.store import ImportReport, LeadScoring, Recorded, SavedListSummary, Store

__all__ = ["ImportReport", "LeadScoring", "OutcomeRows", "RecordError", "Recorded", "SavedListSummary", "Store",
           "StoreError", "StoreUnavailableError", "read_outcomes"]
