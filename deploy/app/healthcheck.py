"""Container health checks of the Spirit Tours image (Dockerfile, docker-compose.yml).

    python deploy/app/healthcheck.py web|worker|beat|backup

Exits 0 when healthy; otherwise 1, with one line saying what is wrong (`docker inspect`
shows it). Each check asks the one thing its container is for:

- web: `/health/web/` answers 200, i.e. this process can serve pages (database, cache,
  channel layer). The full `/health/` also asks for a worker; a web container is not
  unhealthy because a worker is down.
- worker: this container's Celery worker answers a ping through the broker.
- beat: an enabled periodic job was sent recently (django-celery-beat records each run;
  jobs run every minute, and beat writes their times down every few minutes).
- backup: the newest backup in BACKUP_DIR is younger than BACKUP_MAX_AGE_HOURS.
"""

import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[2]


class Unhealthy(Exception):
    pass


def web() -> str:
    # Django answers only for its ALLOWED_HOSTS: ask as the public host name.
    hosts = [host.strip().lstrip(".") for host in os.environ.get("ALLOWED_HOSTS", "").split(",")]
    host = next((host for host in hosts if host and host != "*"), "localhost")
    url = f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8000')}/health/web/"
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=8) as response:  # noqa: S310 (a fixed http URL)
            return f"{url}: {response.status}"
    except urllib.error.HTTPError as error:
        try:
            failing = json.load(error).get("failing")
        except ValueError:
            failing = None
        detail = f", failing: {', '.join(failing)}" if failing else ""
        raise Unhealthy(f"{url} answered {error.code}{detail}") from None
    except OSError as error:
        raise Unhealthy(f"{url}: {error}") from error


def worker() -> str:
    sys.path.insert(0, str(APP_DIR))
    from spirittours.celery import app

    node = f"celery@{socket.gethostname()}"
    answers = app.control.ping(destination=[node], timeout=10)
    if not answers:
        raise Unhealthy(f"{node} did not answer a ping within 10 s")
    return f"{node}: pong"


def beat() -> str:
    sys.path.insert(0, str(APP_DIR))
    import django

    django.setup()
    from django.db.models import Max
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    limit = int(os.environ.get("BEAT_MAX_SILENCE_SECONDS", "600"))
    latest = PeriodicTask.objects.filter(enabled=True).aggregate(latest=Max("last_run_at"))["latest"]
    if latest is None:
        raise Unhealthy("no enabled periodic job has run yet")
    silence = (timezone.now() - latest).total_seconds()
    if silence > limit:
        raise Unhealthy(f"no periodic job sent for {silence:.0f} s (limit {limit} s)")
    return f"last periodic job sent {silence:.0f} s ago"


def backup() -> str:
    directory = Path(os.environ.get("BACKUP_DIR", "/var/backups/spirittours"))
    limit = float(os.environ.get("BACKUP_MAX_AGE_HOURS", "26")) * 3600
    backups = [path for pattern in ("*.dump", "*.sqlite3") for path in directory.glob(pattern)]
    ages = [time.time() - path.stat().st_mtime for path in backups]
    if not ages:
        raise Unhealthy(f"no backup in {directory}")
    if min(ages) > limit:
        raise Unhealthy(f"the newest backup in {directory} is {min(ages) / 3600:.1f} h old")
    return f"newest backup {min(ages) / 3600:.1f} h old"


CHECKS = {"web": web, "worker": worker, "beat": beat, "backup": backup}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in CHECKS:
        print(f"usage: healthcheck.py {'|'.join(CHECKS)}", file=sys.stderr)
        return 2
    try:
        print(CHECKS[argv[1]]())
    except Unhealthy as problem:
        print(f"unhealthy: {problem}")
        return 1
    except Exception as error:  # any failure of the check itself is an unhealthy container too
        print(f"unhealthy: {type(error).__name__}: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
