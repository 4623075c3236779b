"""The REST API: the FastAPI app, request models from the active schema, middleware, the current model."""
