#!/bin/sh
# Prometheus reads secrets from files only: write the ones its configuration names from the
# environment (docker-compose.yml), readable by Prometheus alone, on a tmpfs, then start it.
set -eu
umask 077
printf '%s' "${METRICS_TOKEN:?METRICS_TOKEN is not set}" > /run/prometheus/metrics_token
printf '%s' "${FLOWER_USER:?FLOWER_USER is not set}" > /run/prometheus/flower_user
printf '%s' "${FLOWER_PASSWORD:?FLOWER_PASSWORD is not set}" > /run/prometheus/flower_password
exec /bin/prometheus "$@"
