"""Delivery through a real Celery worker on the Redis broker, not eager mode."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from django.core import mail
from django.db import transaction

from notifications.models import EmailMessage, EmailStatus
from notifications.services import email_queue
from notifications.tasks import email_send
from notifications.tests.backends import PERMANENT, TRANSIENT, CountingBackend, ScriptedBackend
from notifications.tests.broker import QUEUES, broker_settled, broker_url, celery_on_broker, key_prefix_new
from notifications.transport import transport_close
from spirittours.celery import app

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker():
    return broker_url(), key_prefix_new()


@pytest.fixture
def worker(settings, broker):
    settings.EMAIL_BACKEND = "notifications.tests.backends.ScriptedBackend"
    ScriptedBackend.script = []
    url, prefix = broker
    with (
        celery_on_broker(url, key_prefix=prefix),
        start_worker(
            app, queues=list(QUEUES), pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ),
    ):
        yield ScriptedBackend
    ScriptedBackend.script = []


def _row() -> EmailMessage:
    return EmailMessage.objects.create(
        template="hotel_invitation",
        language="es",
        to_email="reservas@hotel.example",
        subject="Invitación",
        body_text="Hola",
        body_html="<p>Hola</p>",
        dedupe_key=f"worker:{time.monotonic_ns()}",
    )


def _settled(message: EmailMessage, timeout: float = 90) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status in {EmailStatus.SENT, EmailStatus.FAILED}:
            return message
        time.sleep(0.2)
    raise AssertionError(f"email still {message.status} after {timeout} s")


def test_transient_failure_is_retried_and_succeeds(worker):
    worker.script = [TRANSIENT]
    message = _row()
    email_send.delay(message_id=message.pk)
    message = _settled(message)
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailStatus.SENT, 2, 1)
    assert mail.outbox[0].extra_headers["Message-ID"] == message.message_id_header


def test_permanent_failure_fails_at_once(worker):
    worker.script = [PERMANENT]
    message = _row()
    email_send.delay(message_id=message.pk)
    message = _settled(message)
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailStatus.FAILED, 1, 0)
    assert message.last_error.startswith("SMTPRecipientsRefused")


def test_three_transient_failures_end_failed_with_the_error(worker):
    worker.script = [TRANSIENT, TRANSIENT, TRANSIENT]
    message = _row()
    email_send.delay(message_id=message.pk)
    message = _settled(message, timeout=120)
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailStatus.FAILED, 3, 0)
    assert message.last_error == "SMTPServerDisconnected: connection unexpectedly closed"


def test_a_task_run_twice_sends_once(worker, broker):
    message = _row()
    email_send.delay(message_id=message.pk)
    email_send.delay(message_id=message.pk)
    message = _settled(message)
    url, prefix = broker
    assert broker_settled(url, key_prefix=prefix, timeout=90)  # the second task has run too
    message.refresh_from_db()
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailStatus.SENT, 1, 1)


def test_the_emails_of_a_transaction_go_in_one_task_over_one_connection(worker, broker, settings):
    # given: a backend counting its connections, and a record of the tasks the worker runs
    settings.EMAIL_BACKEND = "notifications.tests.backends.CountingBackend"
    CountingBackend.opened = CountingBackend.closed = 0
    ran: list[str] = []

    def record(sender=None, **kwargs):
        ran.append(sender.name)

    task_prerun.connect(record, weak=False)
    try:
        # when: three emails are queued in one transaction
        with transaction.atomic():
            rows = [
                email_queue(
                    template="password_reset",
                    to_email=f"cliente{n}@agencia.example",
                    language="es",
                    context={"url": "https://spirittours.example/reset/", "valid_hours": 24},
                    dedupe_key=f"worker:batch:{n}",
                )
                for n in range(3)
            ]
        rows = [_settled(row) for row in rows]
        url, prefix = broker
        assert broker_settled(url, key_prefix=prefix, timeout=90)
    finally:
        task_prerun.disconnect(record)
        transport_close()  # the worker thread's connection
    # then: one task sent the three, over one connection, each once
    assert ran == ["notifications.tasks.email_send_batch"]
    assert [(row.status, row.attempts) for row in rows] == [(EmailStatus.SENT, 1)] * 3
    assert (CountingBackend.opened, len(mail.outbox)) == (1, 3)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(row.to_email for row in rows)
