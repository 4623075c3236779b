"""What each role may do, and what each API key scope opens: the one table the CLI, the API and the dashboard ask.

Roles, each including the one below it:

- ``viewer``: the Model and Results pages (totals, no lead rows);
- ``rep``: also lead rows, saved lists and exports, but only the leads whose owner is the rep's owner value;
- ``manager``: every lead, outcomes, saved lists, results and exports for everyone;
- ``admin``: also people, API keys, training, publishing, activating and retraining models.

Pages and commands ask ``may(role, permission)``, never the role's name. API keys carry scopes instead
(``SCOPES``): ``score``, ``record``, ``outcomes``, ``models``. No import beyond the standard library, so the
command line builds its help without loading the store.
"""

from __future__ import annotations

from collections.abc import Mapping

ADMIN, MANAGER, REP, VIEWER = "admin", "manager", "rep", "viewer"
ROLES = (ADMIN, MANAGER, REP, VIEWER)

#: The Model page (what the model does, its versions) and the Results page's totals.
MODEL_PAGE, RESULTS = "model page", "results"
#: Lead rows: only one's own (a rep: the leads whose owner is theirs), or every lead.
OWN_LEADS, EVERY_LEAD = "own leads", "every lead"
SAVED_LISTS, OUTCOMES, EXPORTS = "saved lists", "outcomes", "exports"
PEOPLE, KEYS, TRAINING, PUBLISHING, ACTIVATING, RETRAINING = ("people", "keys", "training", "publishing",
                                                              "activating", "retraining")

_VIEWER = frozenset({MODEL_PAGE, RESULTS})
_REP = _VIEWER | {OWN_LEADS, SAVED_LISTS, EXPORTS}
_MANAGER = _REP | {EVERY_LEAD, OUTCOMES}
_ADMIN = _MANAGER | {PEOPLE, KEYS, TRAINING, PUBLISHING, ACTIVATING, RETRAINING}
#: The role -> permissions table.
PERMISSIONS: Mapping[str, frozenset[str]] = {VIEWER: _VIEWER, REP: _REP, MANAGER: _MANAGER, ADMIN: _ADMIN}
#: What each role is, in a sales team's words (help texts, the sidebar).
ROLE_WORDS = {ADMIN: "administrator: people, API keys and model changes, and everything a manager does",
              MANAGER: "manager: every lead, saved lists, outcomes, results and exports",
              REP: "sales rep: only the leads whose owner is theirs",
              VIEWER: "viewer: the Model and Results pages, no lead rows"}

#: API key scopes: what each opens.
SCORE, RECORD, OUTCOMES_SCOPE, MODELS = "score", "record", "outcomes", "models"
SCOPES = (SCORE, RECORD, OUTCOMES_SCOPE, MODELS)
SCOPE_WORDS = {SCORE: "POST /v1/score and /v1/score/batch",
               RECORD: "the leads it scores are recorded when the server records (LEADSCORE_RECORD=1)",
               OUTCOMES_SCOPE: "POST /v1/outcomes", MODELS: "GET /v1/model"}


def permissions(role: str) -> frozenset[str]:
    """What ``role`` may do (an unknown role: nothing)."""
    return PERMISSIONS.get(role, frozenset())


def may(role: str, permission: str) -> bool:
    """Whether ``role`` grants ``permission``."""
    return permission in permissions(role)
