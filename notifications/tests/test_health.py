"""`/health/` and `/health/web/` in process: the JSON, the status code, the outbox's figures.

The parts stopping for real (a worker, Redis) are in quotations/tests/test_health_server.py.
"""

import datetime

import pytest
from django.utils import timezone

from notifications.models import EmailMessage, EmailStatus
from notifications.selectors import email_backlog, email_counts_by_status

pytestmark = pytest.mark.django_db

ALL_PARTS = ["database", "cache", "broker", "worker", "channel_layer", "email_outbox"]


def _row(n: int, *, status: str = EmailStatus.QUEUED, waited: float = 0) -> EmailMessage:
    row = EmailMessage.objects.create(
        template="payment_reminder",
        language="es",
        to_email=f"cliente{n}@example.com",
        subject="Recordatorio",
        body_text="Texto",
        body_html="<p>Texto</p>",
        dedupe_key=f"health:{n}",
        status=status,
    )
    EmailMessage.objects.filter(pk=row.pk).update(updated_at=timezone.now() - datetime.timedelta(seconds=waited))
    return row


def test_every_part_ok_answers_200_with_each_part_named(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert list(body["checks"]) == ALL_PARTS
    assert {part["status"] for part in body["checks"].values()} == {"ok"}
    # The tests run tasks eagerly: there is no worker to ask, and the answer says so.
    assert body["checks"]["worker"]["checked"] is False
    assert body["checks"]["email_outbox"] | {"seconds": 0} == {
        "status": "ok",
        "seconds": 0,
        "queued": 0,
        "sending": 0,
        "oldest_queued_seconds": None,
    }


def test_an_email_waiting_too_long_fails_the_outbox_alone(client, settings):
    settings.HEALTH_EMAIL_OLDEST_QUEUED_SECONDS = 600
    _row(1, waited=650)
    _row(2, waited=10)
    _row(3, status=EmailStatus.SENDING, waited=700)
    _row(4, status=EmailStatus.SENT, waited=5000)

    response = client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["email_outbox"]
    outbox = body["checks"]["email_outbox"]
    assert outbox["status"] == "unavailable"
    assert outbox["queued"] == 2
    assert outbox["sending"] == 1
    assert 650 <= outbox["oldest_queued_seconds"] < 700
    assert outbox["error"] == f"an email has waited {outbox['oldest_queued_seconds']} s in the queue"
    assert body["checks"]["database"]["status"] == "ok"


def test_an_email_waiting_less_than_the_limit_is_no_fault(client, settings):
    settings.HEALTH_EMAIL_OLDEST_QUEUED_SECONDS = 600
    _row(1, waited=500)

    response = client.get("/health/")

    assert response.status_code == 200
    assert 500 <= response.json()["checks"]["email_outbox"]["oldest_queued_seconds"] < 600


def test_a_backlog_over_the_limit_fails_the_outbox(client, settings):
    settings.HEALTH_EMAIL_BACKLOG_MAX = 2
    for n in range(3):
        _row(n)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["failing"] == ["email_outbox"]
    assert response.json()["checks"]["email_outbox"]["error"] == "3 emails are queued"


def test_the_web_probe_checks_only_what_serving_pages_needs(client, settings):
    settings.HEALTH_EMAIL_OLDEST_QUEUED_SECONDS = 600
    _row(1, waited=5000)  # the outbox is failing; the web process can still serve

    response = client.get("/health/web/")

    assert response.status_code == 200
    assert list(response.json()["checks"]) == ["database", "cache", "channel_layer"]


def test_a_broker_that_cannot_be_reached_is_named_without_its_address(client):
    from notifications.tests.broker import _drop_pools
    from spirittours.celery import app
    from spirittours.testing import free_port

    saved = app.conf.broker_url
    app.conf.broker_url = f"redis://:s3cret-password@127.0.0.1:{free_port()}/0"
    _drop_pools()
    try:
        response = client.get("/health/")
    finally:
        app.conf.broker_url = saved
        _drop_pools()

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]  # tasks run eagerly here: no worker is asked
    assert body["checks"]["broker"]["error"] == "cannot reach the broker (OperationalError)"
    assert "s3cret" not in response.content.decode()


def test_only_get_and_head(client):
    assert client.post("/health/").status_code == 405
    assert client.head("/health/").status_code == 200


def test_backlog_and_counts_read_every_status():
    _row(1, waited=30)
    _row(2, status=EmailStatus.SENDING)
    _row(3, status=EmailStatus.FAILED)
    _row(4, status=EmailStatus.SENT)
    _row(5, status=EmailStatus.SENT)

    backlog = email_backlog()

    assert (backlog.queued, backlog.sending) == (1, 1)
    assert datetime.timedelta(seconds=30) <= backlog.oldest_queued_age < datetime.timedelta(seconds=60)
    assert email_counts_by_status() == {status: 0 for status in EmailStatus.values} | {
        EmailStatus.QUEUED: 1,
        EmailStatus.SENDING: 1,
        EmailStatus.FAILED: 1,
        EmailStatus.SENT: 2,
    }
