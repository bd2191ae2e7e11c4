"""Structured logs: every log line (ours, Django's, Celery's) through structlog, as one
JSON object per line in production, with the request id it belongs to.

- `logging_config()` builds settings.LOGGING: stdlib loggers render through
  structlog's ProcessorFormatter, JSON (`LOG_FORMAT=json`, the default without DEBUG)
  or readable key=value lines (`console`, the default with DEBUG).
- `RequestIdMiddleware` takes the proxy's `X-Request-ID` when it is a sane token, or
  makes one, binds it to the log context for the request and returns it in the
  response's `X-Request-ID`.
- A task published while a request is handled carries the request id in a message
  header; the worker binds it (with the task's id and name) while the task runs, so
  the email a page queued logs under the page's request id.
"""

import re
import uuid

import structlog
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from the proxy is kept only if it is a plain token (no spaces or
# control characters to forge log lines with).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
]


def logging_config(*, level: str, fmt: str) -> dict:
    """settings.LOGGING for `fmt` "json" or "console"."""
    renderer = structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": _SHARED,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
    }


def structlog_configure() -> None:
    """structlog's own loggers (`structlog.get_logger()`) go through the same handler."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def request_id_current() -> str | None:
    return structlog.contextvars.get_contextvars().get("request_id")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
        request.request_id = request_id
        # Cleared when the next request starts, not when this one ends: Django logs a
        # 4xx or 5xx response after the middlewares are done with it.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@before_task_publish.connect(dispatch_uid="spirittours.logs.publish")
def _task_carries_request_id(headers: dict | None = None, **kwargs) -> None:
    request_id = request_id_current()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


_bound: dict[str, object] = {}  # task id -> the context tokens its prerun bound


@task_prerun.connect(dispatch_uid="spirittours.logs.prerun")
def _task_binds_request_id(task_id: str | None = None, task=None, **kwargs) -> None:
    context = {"task_id": task_id, "task": getattr(task, "name", None)}
    request = getattr(task, "request", None)
    # A worker puts a message's own headers on the request; `apply()` (eager) keeps them in `headers`.
    request_id = getattr(request, "request_id", None) or (getattr(request, "headers", None) or {}).get("request_id")
    if request_id and _REQUEST_ID.match(str(request_id)):
        context["request_id"] = request_id
    # Bound on top of what is there: a task run eagerly inside a request keeps the
    # request's context once it ends (postrun resets exactly these).
    _bound[task_id] = structlog.contextvars.bind_contextvars(**context)


@task_postrun.connect(dispatch_uid="spirittours.logs.postrun")
def _task_unbinds(task_id: str | None = None, **kwargs) -> None:
    tokens = _bound.pop(task_id, None)
    if tokens is not None:
        structlog.contextvars.reset_contextvars(**tokens)
