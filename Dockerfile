# The lead scoring API and dashboard in one image (docs/api.md#docker). Untested here: Docker
# cannot run on the machines this was written on.
#
#   docker build -t leadscore .
#   docker run -p 8000:8000 -v leadscore-models:/app/models leadscore          # the REST API (default)
#   docker run -p 8501:8501 -v leadscore-models:/app/models -e LEADSCORE_RETRAIN_PASSWORD=... leadscore \
#       streamlit run app.py --server.address 0.0.0.0 --server.port 8501       # the dashboard
#
# The dashboard listens on 0.0.0.0 here, not on loopback, so training or activating a model from
# its Model page needs LEADSCORE_RETRAIN_PASSWORD (without it the page only shows the model).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LEADSCORE_MODELS_DIR=/app/models

WORKDIR /app

# Dependencies first, so editing the dashboard does not reinstall them.
COPY pyproject.toml README.md constraints.txt ./
COPY leadscore/ leadscore/
RUN pip install -c constraints.txt .

# The dashboard's files (app.py, app_pages/, ui/, .streamlit/); .dockerignore keeps the rest out.
COPY . .

# A non-root user owns only the model registry (mount a volume there to keep models).
RUN useradd --create-home --uid 10001 leadscore \
    && mkdir -p /app/models \
    && chown leadscore:leadscore /app/models
USER leadscore

EXPOSE 8000 8501

# On first start with an empty registry the built-in model is trained (seconds); /readyz says when.
CMD ["leadscore", "serve", "--host", "0.0.0.0", "--port", "8000"]
