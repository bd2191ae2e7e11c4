#!/bin/sh
# The release step (the `migrate` service): runs once per deployment, before the web, worker
# and beat containers start, which wait for it to succeed (docker-compose.yml).
set -eu
cd /app
# Refuses a production configuration with errors (a missing secret, an unsafe setting).
python manage.py check --deploy
python manage.py migrate --noinput
python manage.py install_schedules
# nginx serves /static/ from a volume: this release's files are added beside the previous
# release's. Hashed names never collide, so pages served by a web process still running the
# previous release keep finding their CSS and scripts during the upgrade.
if [ -n "${STATIC_VOLUME:-}" ]; then
    cp -R "$STATIC_ROOT"/. "$STATIC_VOLUME"/
    echo "Static files copied to $STATIC_VOLUME."
fi
