"""`/health/`: whether the stack behind this web process works, as JSON for probes.

Each part is a check (django-health-check's `HealthCheck`): the database, the cache,
the Celery broker, a live worker consuming our queues, the channel layer and the
email outbox (`notifications.health`). Which parts a page checks is a setting, one
dict of name to dotted path: `HEALTH_CHECKS` for `/health/`, `HEALTH_CHECKS_WEB` for
`/health/web/` (only what this process needs to serve pages: a container's liveness
probe, which must not restart the web when a worker is down). The checks run at once,
each within its own time limit; the answer is 200 when all pass and 503 naming the
failing parts:

    {"status": "unavailable", "failing": ["worker"],
     "checks": {"database": {"status": "ok", "seconds": 0.002}, ...,
                "worker": {"status": "unavailable", "error": "no worker answered within 2 s"}}}

An error says which part failed and how, never a connection string or a stack trace.
"""

import asyncio
import dataclasses
import datetime

from asgiref.sync import sync_to_async
from celery import current_app
from channels.layers import get_channel_layer
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe
from health_check.base import HealthCheck, HealthCheckResult
from health_check.checks import Cache as CacheCheck
from health_check.checks import Database as DatabaseCheck
from health_check.exceptions import ServiceUnavailable

# The group a health check publishes to: no consumer ever joins it.
HEALTH_GROUP = "health.probe"
WORKER_TIMEOUT = datetime.timedelta(seconds=2)


class Database(DatabaseCheck):
    """`SELECT 1` on the default database, in the request's own thread (its connection)."""

    async def run(self) -> None:
        await sync_to_async(super().run)()


class Cache(CacheCheck):
    """A key set and read back in the default cache."""


@dataclasses.dataclass
class Broker(HealthCheck):
    """A connection to the Celery broker (Redis, RabbitMQ or the file-system broker)."""

    timeout = datetime.timedelta(seconds=3)

    def run(self) -> None:
        try:
            with current_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=0, timeout=self.timeout.total_seconds())
        except Exception as error:
            raise ServiceUnavailable(f"cannot reach the broker ({type(error).__name__})") from error


@dataclasses.dataclass
class Worker(HealthCheck):
    """A Celery worker answers and consumes every one of our queues.

    The file-system broker of `make run` carries no remote control: there the worker
    cannot be asked, and the email outbox's oldest queued age is what shows a stopped
    worker.
    """

    timeout = WORKER_TIMEOUT + datetime.timedelta(seconds=2)

    def run(self) -> None:
        if not settings.CELERY_WORKER_ENABLE_REMOTE_CONTROL or settings.CELERY_TASK_ALWAYS_EAGER:
            self.details = {"checked": False}
            return
        wanted = set(settings.CELERY_TASK_QUEUES)
        seconds = WORKER_TIMEOUT.total_seconds()
        try:
            # The first worker to answer is usually enough (each consumes both queues);
            # if it does not cover them all, ask every worker.
            answers = current_app.control.inspect(timeout=seconds, limit=1).active_queues() or {}
            if answers and not wanted <= _queues(answers):
                answers = current_app.control.inspect(timeout=seconds).active_queues() or {}
        except Exception as error:
            raise ServiceUnavailable(f"cannot ask the workers ({type(error).__name__})") from error
        if not answers:
            raise ServiceUnavailable(f"no worker answered within {seconds:g} s")
        missing = wanted - _queues(answers)
        if missing:
            raise ServiceUnavailable(f"no worker consumes {', '.join(sorted(missing))}")
        self.details = {"workers": len(answers)}


def _queues(answers: dict) -> set[str]:
    return {queue["name"] for queues in answers.values() for queue in queues}


@dataclasses.dataclass
class ChannelLayer(HealthCheck):
    """A message published through the channel layer (to a group no one joins)."""

    timeout = datetime.timedelta(seconds=3)

    async def run(self) -> None:
        layer = get_channel_layer()
        if layer is None:
            raise ServiceUnavailable("no channel layer is configured")
        try:
            await layer.group_send(HEALTH_GROUP, {"type": "health.probe"})
        except Exception as error:
            raise ServiceUnavailable(f"cannot publish ({type(error).__name__})") from error


def _checks(setting: str) -> dict[str, HealthCheck]:
    return {name: import_string(path)() for name, path in getattr(settings, setting).items()}


def _present(result: HealthCheckResult) -> dict:
    details = getattr(result.check, "details", None) or {}
    if result.error is None:
        return {"status": "ok", "seconds": round(result.time_taken, 3), **details}
    return {"status": "unavailable", "error": result.error.message, "seconds": round(result.time_taken, 3), **details}


async def _answer(setting: str) -> JsonResponse:
    checks = _checks(setting)
    results = await asyncio.gather(*(check.get_result() for check in checks.values()))
    parts = {name: _present(result) for name, result in zip(checks, results, strict=True)}
    failing = [name for name, part in parts.items() if part["status"] != "ok"]
    body = {"status": "unavailable" if failing else "ok", "failing": failing, "checks": parts}
    response = JsonResponse(body, status=503 if failing else 200)
    add_never_cache_headers(response)
    return response


@require_safe
async def health(request: HttpRequest) -> JsonResponse:
    """Every part of the stack: for monitoring and for the stack's readiness."""
    return await _answer("HEALTH_CHECKS")


@require_safe
async def health_web(request: HttpRequest) -> JsonResponse:
    """What this web process needs to serve pages: for its liveness probe."""
    return await _answer("HEALTH_CHECKS_WEB")
