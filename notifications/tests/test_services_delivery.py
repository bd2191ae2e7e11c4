"""Delivery from the outbox: retries, permanent failures, idempotency, suppression."""

import smtplib

import pytest
from django.core import mail

from notifications.errors import TransientSendError
from notifications.models import EmailMessage, EmailStatus, EmailSuppression
from notifications.services import MAX_ATTEMPTS, email_deliver
from notifications.tests.backends import PERMANENT, TRANSIENT, ScriptedBackend


@pytest.fixture
def scripted(settings):
    settings.EMAIL_BACKEND = "notifications.tests.backends.ScriptedBackend"
    ScriptedBackend.script = []
    yield ScriptedBackend
    ScriptedBackend.script = []


def _row(**fields) -> EmailMessage:
    return EmailMessage.objects.create(
        template="hotel_invitation",
        language="es",
        to_email=fields.pop("to_email", "reservas@hotel.example"),
        subject="Invitación a ofertar",
        body_text="Hola",
        body_html="<p>Hola</p>",
        dedupe_key=fields.pop("dedupe_key", "test:1"),
        **fields,
    )


@pytest.mark.django_db
def test_sent_once_then_skipped(scripted):
    message = _row()
    assert email_deliver(message_id=message.pk) == "sent"
    assert email_deliver(message_id=message.pk) == "skipped"
    message.refresh_from_db()
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailStatus.SENT, 1, 1)
    assert message.provider_message_id == mail.outbox[0].extra_headers["Message-ID"]
    assert mail.outbox[0].alternatives == [("<p>Hola</p>", "text/html")]


@pytest.mark.django_db
def test_transient_failure_retries_and_keeps_the_error(scripted):
    scripted.script = [TRANSIENT]
    message = _row()
    with pytest.raises(TransientSendError):
        email_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailStatus.QUEUED, 1, 0)
    assert message.last_error == "SMTPServerDisconnected: connection unexpectedly closed"
    assert email_deliver(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error, len(mail.outbox)) == (EmailStatus.SENT, 2, "", 1)


@pytest.mark.django_db
def test_three_transient_failures_end_failed(scripted):
    scripted.script = [TRANSIENT] * MAX_ATTEMPTS
    message = _row()
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(TransientSendError):
            email_deliver(message_id=message.pk)
    assert email_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailStatus.FAILED, 3, 0)
    assert "SMTPServerDisconnected" in message.last_error
    assert message.failed_at is not None


@pytest.mark.django_db
def test_permanent_failure_fails_at_once(scripted):
    scripted.script = [PERMANENT]
    message = _row(to_email="nadie@hotel.example")
    assert email_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailStatus.FAILED, 1, 0)
    assert message.last_error.startswith("SMTPRecipientsRefused")


@pytest.mark.django_db
def test_suppressed_address_is_never_sent(scripted):
    EmailSuppression.objects.create(email="rebota@hotel.example", reason="bounced")
    message = _row(to_email="Rebota@Hotel.example")
    assert email_deliver(message_id=message.pk) == "suppressed"
    message.refresh_from_db()
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailStatus.SUPPRESSED, 0, 0)


@pytest.mark.django_db
def test_temporary_recipient_refusal_is_retried(scripted):
    scripted.script = [smtplib.SMTPRecipientsRefused({"reservas@hotel.example": (451, b"4.3.0 try again later")})]
    message = _row()
    with pytest.raises(TransientSendError):
        email_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailStatus.QUEUED, 1)
