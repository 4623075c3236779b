"""Each job of the product, written once: the command line, the API and the dashboard call these and only render.

- ``export``: a saved list's latest scores as a file a CRM imports (xlsx or CSV).
- ``webhooks``: deliver the webhook outbox (signed POSTs, retried with backoff).

Library functions returning typed results; no printing, no streamlit. See docs/architecture.md, "Workflows".
"""
