"""Structured logs: one JSON object a line, the request id on every line of a request,
carried in the header of the tasks the request publishes and bound while they run."""

import io
import json
import logging
import logging.config
import re

import pytest
import structlog
from celery import shared_task

from spirittours.logs import (
    _task_carries_request_id,
    logging_config,
    request_id_current,
)


@shared_task(name="spirittours.tests.test_logs.log_something")
def log_something() -> str | None:
    logging.getLogger("spirittours.tests.task").info("inside the task")
    return request_id_current()


@pytest.fixture(autouse=True)
def _no_context_left():
    """A request made by an earlier test in this thread leaves its id bound until the next one."""
    structlog.contextvars.clear_contextvars()
    yield
    structlog.contextvars.clear_contextvars()


@pytest.fixture
def json_lines():
    """The project's JSON logging, into a buffer; the test's loggers put back afterwards."""
    stream = io.StringIO()
    config = logging_config(level="INFO", fmt="json")
    config["handlers"]["console"]["stream"] = stream
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    structlog.contextvars.clear_contextvars()


def test_a_stdlib_log_line_is_one_json_object_with_the_bound_context(json_lines):
    structlog.contextvars.bind_contextvars(request_id="req-0123456789")
    logger = logging.getLogger("spirittours.tests.logs")
    logger.warning("email %s not enqueued", 42, extra={"quotation": 7})
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("it failed")

    first, second = json_lines()
    assert first["event"] == "email 42 not enqueued"
    assert first["level"] == "warning"
    assert first["logger"] == "spirittours.tests.logs"
    assert first["request_id"] == "req-0123456789"
    assert first["quotation"] == 7
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", first["timestamp"])
    assert second["level"] == "error"
    assert "ValueError: boom" in second["exception"]


@pytest.mark.django_db
def test_every_response_carries_its_request_id(client):
    made = client.get("/accounts/login/")
    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="edge-4f2a9c1b")
    forged = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\nlevel=error")

    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])
    assert kept["X-Request-ID"] == "edge-4f2a9c1b"
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])
    assert made["X-Request-ID"] != forged["X-Request-ID"]
    structlog.contextvars.clear_contextvars()


@pytest.mark.django_db
def test_the_request_id_is_bound_while_a_view_logs(client, json_lines):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="edge-77aa88bb")
    client.get("/no-such-page/")

    first, second = [line for line in json_lines() if line["logger"] == "django.request"]
    assert first["event"] == second["event"] == "Not Found: /no-such-page/"
    assert first["request_id"] == "edge-77aa88bb"
    assert re.fullmatch(r"[0-9a-f]{32}", second["request_id"])  # the next request's own


def test_a_task_published_in_a_request_carries_its_id_and_binds_it_while_it_runs():
    headers: dict = {}
    structlog.contextvars.bind_contextvars(request_id="req-aaaabbbbcccc")
    _task_carries_request_id(headers=headers)
    structlog.contextvars.clear_contextvars()
    assert headers == {"request_id": "req-aaaabbbbcccc"}

    # The worker side: the header arrives as the task's request attribute.
    result = log_something.apply(headers=headers)

    assert result.result == "req-aaaabbbbcccc"
    assert request_id_current() is None  # unbound once the task ended


def test_a_task_run_inside_a_request_leaves_the_request_context_as_it_was():
    structlog.contextvars.bind_contextvars(request_id="req-outer-1234")

    assert log_something.apply().result == "req-outer-1234"
    assert structlog.contextvars.get_contextvars() == {"request_id": "req-outer-1234"}
    structlog.contextvars.clear_contextvars()


def test_without_a_request_a_task_publishes_no_request_id():
    headers: dict = {}
    _task_carries_request_id(headers=headers)
    assert headers == {}
