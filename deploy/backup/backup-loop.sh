#!/bin/sh
# The `backup` service: a backup of the database every day at BACKUP_AT (UTC), keeping the
# newest BACKUP_KEEP in BACKUP_DIR (a volume). A failed backup is tried twice more, 10 minutes
# apart; the container's health check turns unhealthy when the newest backup is older than
# BACKUP_MAX_AGE_HOURS. At start, a backup is taken at once unless one from the last day
# is there.
set -u
at=${BACKUP_AT:-03:00}
keep=${BACKUP_KEEP:-14}
dir=${BACKUP_DIR:?BACKUP_DIR is not set}
# Stopping the container ends the wait at once, and the sleep with it.
trap 'kill $! 2>/dev/null; exit 0' TERM INT

backup() {
    for attempt in 1 2 3; do
        if python /app/manage.py backup_database --keep "$keep"; then
            return 0
        fi
        echo "backup: attempt $attempt failed" >&2
        [ "$attempt" -lt 3 ] && { sleep 600 & wait $!; }
    done
    return 1
}

if ! find "$dir" -maxdepth 1 -name '*.dump' -mmin -1440 2>/dev/null | grep -q .; then
    backup || true
fi
while :; do
    now=$(date -u +%s)
    next=$(date -u -d "$(date -u +%F) $at" +%s)
    [ "$next" -gt "$now" ] || next=$((next + 86400))
    echo "backup: next backup at $(date -u -d "@$next" '+%F %H:%M') UTC"
    sleep $((next - now)) & wait $!
    backup || true
done
