"""Delivery from the outbox: retries, permanent failures, idempotency, suppression,
the attempt recorded before the handoff, one Message-ID per email, the sweeper."""

import datetime
import re
import smtplib
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from notifications.errors import TransientSendError
from notifications.models import EmailMessage, EmailStatus, EmailSuppression
from notifications.services import INTERRUPTED, MAX_ATTEMPTS, email_deliver, email_stuck_recover
from notifications.tasks import STUCK_AFTER, email_sweep_stuck
from notifications.tests.backends import PERMANENT, TRANSIENT, ScriptedBackend


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
    assert message.provider_message_id == mail.outbox[0].extra_headers["Message-ID"] == message.message_id_header
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


class RecordingBackend(ScriptedBackend):
    """Scripted, and keeps every message it was asked to send, sent or not; with
    `watch`, also the row as another database connection sees it at that moment."""

    asked: list = []
    watch = False
    row_seen: list = []

    def send_messages(self, messages):
        RecordingBackend.asked.extend(messages)
        if RecordingBackend.watch:
            pk = int(messages[0].extra_headers["X-Spirittours-Email"])
            thread = threading.Thread(target=self._look, args=(pk,))
            thread.start()
            thread.join()
        return super().send_messages(messages)

    @staticmethod
    def _look(pk: int) -> None:  # a thread has its own connection: it sees committed rows only
        try:
            RecordingBackend.row_seen.append(EmailMessage.objects.values_list("status", "attempts").get(pk=pk))
        finally:
            connection.close()


@pytest.fixture
def recording(settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_services_delivery.RecordingBackend"
    ScriptedBackend.script, RecordingBackend.asked, RecordingBackend.row_seen = [], [], []
    RecordingBackend.watch = False
    yield RecordingBackend
    ScriptedBackend.script, RecordingBackend.asked, RecordingBackend.row_seen = [], [], []
    RecordingBackend.watch = False


@pytest.mark.django_db
def test_message_id_is_fixed_when_queued_and_sent_on_every_attempt(recording):
    # given: a row, with its Message-ID from the moment it is queued
    ScriptedBackend.script = [TRANSIENT]
    message = _row()
    assert re.fullmatch(r"<[0-9a-f]{32}@spirittours\.example>", message.message_id_header)
    # when: the first attempt fails and the second goes through
    with pytest.raises(TransientSendError):
        email_deliver(message_id=message.pk)
    assert email_deliver(message_id=message.pk) == "sent"
    # then: both attempts carried the row's Message-ID, which is also the provider id for SMTP
    message.refresh_from_db()
    assert [mail.extra_headers["Message-ID"] for mail in recording.asked] == [message.message_id_header] * 2
    assert message.provider_message_id == message.message_id_header


@pytest.mark.django_db
def test_each_row_gets_its_own_message_id_on_the_sending_domain(settings):
    settings.DEFAULT_FROM_EMAIL = "Spirit Tours <viajes@tours.example.com>"
    first, second = _row(dedupe_key="test:1"), _row(dedupe_key="test:2")
    assert first.message_id_header != second.message_id_header
    assert first.message_id_header.endswith("@tours.example.com>")


@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_committed_before_the_handoff(recording):
    # given
    recording.watch = True
    message = _row()
    # when
    assert email_deliver(message_id=message.pk) == "sent"
    # then: while the provider had the email, the database already said `sending`, attempt 1
    assert recording.row_seen == [(EmailStatus.SENDING, 1)]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailStatus.SENT, 1)
    assert message.last_attempt_at is not None


@pytest.mark.django_db
def test_a_row_being_sent_by_another_attempt_is_left_alone(recording):
    # given: another worker has claimed the row and not reported yet
    message = _row(status=EmailStatus.SENDING, attempts=1)
    # when
    outcome = email_deliver(message_id=message.pk)
    # then
    message.refresh_from_db()
    assert outcome == "skipped"
    assert (message.status, message.attempts, recording.asked) == (EmailStatus.SENDING, 1, [])


@pytest.mark.django_db
def test_a_late_outcome_does_not_overwrite_the_attempt_that_took_over(recording, monkeypatch):
    # given: while this attempt is with the provider, the sweeper hands the row to a
    # second attempt (this one looked dead), which claims it
    message = _row()
    send = RecordingBackend.send_messages

    def slow_then_taken_over(self, messages):
        EmailMessage.objects.filter(pk=message.pk).update(status=EmailStatus.SENDING, attempts=2)
        return send(self, messages)

    monkeypatch.setattr(RecordingBackend, "send_messages", slow_then_taken_over)
    # when: the first attempt finishes
    outcome = email_deliver(message_id=message.pk)
    # then: it records nothing; the row belongs to the second attempt
    message.refresh_from_db()
    assert outcome == "superseded"
    assert (message.status, message.attempts, message.sent_at, message.provider_message_id) == (
        EmailStatus.SENDING,
        2,
        None,
        "",
    )


def _aged(message: EmailMessage, **fields) -> EmailMessage:
    EmailMessage.objects.filter(pk=message.pk).update(
        updated_at=timezone.now() - STUCK_AFTER - datetime.timedelta(seconds=1), **fields
    )
    message.refresh_from_db()
    return message


@pytest.mark.django_db
def test_sweeper_requeues_an_attempt_that_never_reported(scripted):
    # given: a worker died mid-send more than STUCK_AFTER ago
    message = _aged(_row(), status=EmailStatus.SENDING, attempts=1)
    # when
    stuck = email_stuck_recover(stuck_after=STUCK_AFTER)
    # then: queued again with the reason, the attempt kept in the count, nothing sent yet
    message.refresh_from_db()
    assert stuck == [message.pk]
    assert (message.status, message.attempts, message.last_error, len(mail.outbox)) == (
        EmailStatus.QUEUED,
        1,
        INTERRUPTED,
        0,
    )


@pytest.mark.django_db
def test_sweeper_leaves_a_recent_attempt_alone(scripted):
    message = _row(status=EmailStatus.SENDING, attempts=1)
    assert email_stuck_recover(stuck_after=STUCK_AFTER) == []
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (EmailStatus.SENDING, 1, "")


@pytest.mark.django_db
def test_sweeper_fails_an_attempt_interrupted_on_the_last_try(scripted):
    message = _aged(_row(), status=EmailStatus.SENDING, attempts=MAX_ATTEMPTS)
    assert email_stuck_recover(stuck_after=STUCK_AFTER) == []
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (EmailStatus.FAILED, MAX_ATTEMPTS, INTERRUPTED)
    assert message.failed_at is not None


@pytest.mark.django_db
def test_sweeper_task_sends_stuck_rows_once_each(scripted):
    # given: one row whose task was lost, one whose worker died mid-send, one sent, one fresh
    lost = _aged(_row(dedupe_key="test:lost"))
    interrupted = _aged(_row(dedupe_key="test:interrupted"), status=EmailStatus.SENDING, attempts=1)
    sent = _aged(_row(dedupe_key="test:sent"), status=EmailStatus.SENT, attempts=1)
    fresh = _row(dedupe_key="test:fresh")
    # when: the beat job runs (tasks run eagerly here)
    swept = email_sweep_stuck()
    # then
    assert swept == 2
    statuses = dict(EmailMessage.objects.values_list("dedupe_key", "status"))
    assert statuses == {
        "test:lost": EmailStatus.SENT,
        "test:interrupted": EmailStatus.SENT,
        "test:sent": EmailStatus.SENT,
        "test:fresh": EmailStatus.QUEUED,
    }
    assert sorted(int(m.extra_headers["X-Spirittours-Email"]) for m in mail.outbox) == sorted([lost.pk, interrupted.pk])
    assert {sent.pk, fresh.pk}.isdisjoint(int(m.extra_headers["X-Spirittours-Email"]) for m in mail.outbox)
