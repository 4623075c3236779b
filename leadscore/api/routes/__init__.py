"""The API's routes, one module per resource: scoring, outcomes, the model, operations (probes)."""
