# syntax=docker/dockerfile:1
# The Spirit Tours image. One image runs every process of the stack, each with its own command
# (docker-compose.yml): the web server, the Celery worker and beat (the Procfile's lines, through
# deploy/app/run-process), the release step (deploy/app/release.sh) and the backups.
#
#   docker build -t spirittours:latest .
#
# Bookworm: its PostgreSQL client tools are version 15, the server's (pg_dump refuses a newer
# server, and pg_restore reads its own version's archives).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the virtualenv, from the pinned requirements ------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.txt constraints.txt /tmp/requirements/
# Every pinned package ships a wheel for CPython 3.11 on Linux: no compiler is needed.
RUN /opt/venv/bin/pip install -r /tmp/requirements/requirements.txt -c /tmp/requirements/constraints.txt

# --- runtime ----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
# A user of its own, without a login; the code stays root's, read-only to it.
RUN groupadd --system --gid 10001 spirittours \
    && useradd --system --uid 10001 --gid spirittours --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin spirittours
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=spirittours.settings \
    SPIRITTOURS_VAR_DIR=/var/lib/spirittours \
    STATIC_ROOT=/app/staticfiles \
    BACKUP_DIR=/var/backups/spirittours \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8000
WORKDIR /app
COPY . /app
# The static files, collected and compressed once, at build: WhiteNoise serves them from the web
# process with the manifest of this very build, and the release step copies them to nginx's
# volume. collectstatic needs settings that start, not the production secrets.
RUN DEBUG=False SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0 \
    && chmod 0755 deploy/app/run-process deploy/app/release.sh deploy/backup/backup-loop.sh \
    && install -d -o spirittours -g spirittours -m 0750 /var/lib/spirittours /var/backups/spirittours \
    && install -d -o spirittours -g spirittours -m 0755 /srv/static
USER 10001:10001
EXPOSE 8000
# The web process's own liveness (/health/web/); docker-compose.yml gives the worker, beat and
# backup containers their own checks.
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/app/healthcheck.py", "web"]
CMD ["/app/deploy/app/run-process", "web"]
