"""Each job of the product, written once: the command line, the API and the dashboard call these and only render.

- ``score_file``: score a lead file in chunks, with the rejected rows apart, optionally recorded (all or nothing).
- ``gate``: the one publish gate (built-in, a team's history, retraining from results) and its ``Verdict``.
- ``train``: train the built-in model, a model of a team's history, a model of the recorded results.
- ``outcomes``: take a CRM's won/lost results back into the store.
- ``results``: the results report of one model version or several, never blended.
- ``export``: a saved list's latest scores as a file a CRM imports (xlsx or CSV).
- ``webhooks``: deliver the webhook outbox (signed POSTs, retried with backoff).

Library functions returning typed results; no printing, no streamlit. See docs/architecture.md, "Workflows".
"""
