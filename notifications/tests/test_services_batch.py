"""Delivering a batch: each email claimed and recorded on its own, only the failed ones
retried (after their backoff), a crash leaving at most the email in flight `sending`,
a long batch handing the rest on."""

import pytest
from django.core import mail

from notifications import services
from notifications.models import EmailMessage, EmailStatus, EmailSuppression
from notifications.services import MAX_ATTEMPTS, email_deliver_batch
from notifications.tests.backends import PERMANENT, TRANSIENT, ScriptedBackend
from notifications.tests.rows import email_rows

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The process dying mid-send, as far as this process can tell (SIGKILL runs nothing)."""


@pytest.fixture
def republished(monkeypatch) -> list[tuple[list[int], float | None]]:
    """The ids a batch hands back to the broker, with their countdown, recorded instead of run."""
    calls: list[tuple[list[int], float | None]] = []
    monkeypatch.setattr(
        services, "email_enqueue_many", lambda *, message_ids, countdown=None: calls.append((message_ids, countdown))
    )
    return calls


def _rows(count: int, **fields) -> list[EmailMessage]:
    return email_rows(count, key="batch", **fields)


def _state(rows: list[EmailMessage]) -> list[tuple[str, int]]:
    by_pk = dict(EmailMessage.objects.values_list("pk", "status"))
    attempts = dict(EmailMessage.objects.values_list("pk", "attempts"))
    return [(by_pk[row.pk], attempts[row.pk]) for row in rows]


def _sent_ids() -> list[int]:
    return [int(sent.extra_headers["X-Spirittours-Email"]) for sent in mail.outbox]


def test_a_batch_sends_each_email_once_and_retries_only_the_one_that_failed(scripted, republished):
    # given: the second of three fails for now
    scripted.script = [None, TRANSIENT, None]
    rows = _rows(3)
    # when
    outcome = email_deliver_batch(message_ids=[row.pk for row in rows])
    # then: two sent; the failed one back to queued, handed alone to a task after its backoff
    assert outcome == {"sent": 2, "retry": 1}
    assert _state(rows) == [(EmailStatus.SENT, 1), (EmailStatus.QUEUED, 1), (EmailStatus.SENT, 1)]
    assert _sent_ids() == [rows[0].pk, rows[2].pk]
    ((ids, countdown),) = republished
    assert ids == [rows[1].pk]
    assert 0 <= countdown <= 2
    assert EmailMessage.objects.get(pk=rows[1].pk).last_error.startswith("SMTPServerDisconnected")


def test_failures_are_retried_by_attempt_with_a_longer_wait_after_the_second(scripted, republished):
    # given: one email on its first attempt, one on its second, one on its last; all fail
    scripted.script = [TRANSIENT] * 3
    first, second, last = _rows(3)
    EmailMessage.objects.filter(pk=second.pk).update(attempts=1)
    EmailMessage.objects.filter(pk=last.pk).update(attempts=MAX_ATTEMPTS - 1)
    # when
    outcome = email_deliver_batch(message_ids=[first.pk, second.pk, last.pk])
    # then: the two with attempts left go in two tasks (up to 2 s, up to 4 s); the last fails
    assert outcome == {"retry": 2, "failed": 1}
    assert _state([first, second, last]) == [
        (EmailStatus.QUEUED, 1),
        (EmailStatus.QUEUED, 2),
        (EmailStatus.FAILED, MAX_ATTEMPTS),
    ]
    assert [ids for ids, _countdown in republished] == [[first.pk], [second.pk]]
    assert 0 <= republished[0][1] <= 2 and 0 <= republished[1][1] <= 4
    assert mail.outbox == []


def test_a_permanent_failure_fails_that_email_alone(scripted, republished):
    scripted.script = [PERMANENT, None]
    refused, fine = _rows(2)
    assert email_deliver_batch(message_ids=[refused.pk, fine.pk]) == {"failed": 1, "sent": 1}
    assert _state([refused, fine]) == [(EmailStatus.FAILED, 1), (EmailStatus.SENT, 1)]
    assert (republished, _sent_ids()) == ([], [fine.pk])


def test_a_crash_mid_batch_leaves_only_the_email_in_flight_sending(scripted, republished):
    # given: the process dies while handing over the third email of five
    scripted.script = [None, None, Killed()]
    rows = _rows(5)
    ids = [row.pk for row in rows]
    # when
    with pytest.raises(Killed):
        email_deliver_batch(message_ids=ids)
    # then: two sent, the third `sending` (its attempt may have reached the provider),
    # the last two untouched and still queued
    assert _state(rows) == [
        (EmailStatus.SENT, 1),
        (EmailStatus.SENT, 1),
        (EmailStatus.SENDING, 1),
        (EmailStatus.QUEUED, 0),
        (EmailStatus.QUEUED, 0),
    ]
    assert _sent_ids() == ids[:2]

    # when: the broker hands the unacknowledged batch out again (acks_late)
    outcome = email_deliver_batch(message_ids=ids)

    # then: the two still queued go out; the sent ones and the one in flight are left
    # alone (the sweeper takes that one after STUCK_AFTER); nothing went out twice
    assert outcome == {"skipped": 3, "sent": 2}
    assert _state(rows)[2:] == [(EmailStatus.SENDING, 1), (EmailStatus.SENT, 1), (EmailStatus.SENT, 1)]
    assert _sent_ids() == [ids[0], ids[1], ids[3], ids[4]]
    assert republished == []


def test_a_batch_past_its_time_hands_the_rest_on(scripted, republished, monkeypatch):
    # given: a batch whose time is up as soon as it starts
    monkeypatch.setattr(services, "BATCH_SECONDS", -1.0)
    rows = _rows(4)
    ids = [row.pk for row in rows]
    # when
    outcome = email_deliver_batch(message_ids=ids)
    # then: one email sent (a batch always makes progress), the rest published again at once
    assert outcome == {"sent": 1, "handed_on": 3}
    assert _state(rows) == [(EmailStatus.SENT, 1)] + [(EmailStatus.QUEUED, 0)] * 3
    assert republished == [(ids[1:], None)]


def test_rows_not_queued_are_left_alone_and_a_suppressed_address_is_not_sent(scripted, republished):
    # given: one sent already, one claimed by another task, one to a suppressed address, one queued
    sent, claimed, suppressed, queued = _rows(4)
    EmailMessage.objects.filter(pk=sent.pk).update(status=EmailStatus.SENT, attempts=1)
    EmailMessage.objects.filter(pk=claimed.pk).update(status=EmailStatus.SENDING, attempts=1)
    EmailSuppression.objects.create(email=suppressed.to_email.upper(), reason="bounced")
    # when
    outcome = email_deliver_batch(message_ids=[sent.pk, claimed.pk, suppressed.pk, queued.pk])
    # then
    assert outcome == {"skipped": 2, "suppressed": 1, "sent": 1}
    assert _state([sent, claimed, suppressed, queued]) == [
        (EmailStatus.SENT, 1),
        (EmailStatus.SENDING, 1),
        (EmailStatus.SUPPRESSED, 0),
        (EmailStatus.SENT, 1),
    ]
    assert (_sent_ids(), republished) == ([queued.pk], [])


def test_a_row_that_moved_on_since_the_batch_read_it_is_claimed_as_it_is_now(scripted, republished, monkeypatch):
    # given: between the batch's read and the first claim, one row went through an attempt
    # elsewhere and came back queued (attempt 1), and another was claimed by another task
    moved, taken = _rows(2)
    claim = services._claim

    def after_a_while(**kwargs):
        if not EmailMessage.objects.filter(attempts__gt=0).exists():
            EmailMessage.objects.filter(pk=moved.pk).update(attempts=1, last_error="SMTPServerDisconnected")
            EmailMessage.objects.filter(pk=taken.pk).update(status=EmailStatus.SENDING, attempts=1)
        return claim(**kwargs)

    monkeypatch.setattr(services, "_claim", after_a_while)
    # when
    outcome = email_deliver_batch(message_ids=[moved.pk, taken.pk])
    # then: the first is sent on its second attempt; the second is left to the task that has it
    assert outcome == {"sent": 1, "skipped": 1}
    assert _state([moved, taken]) == [(EmailStatus.SENT, 2), (EmailStatus.SENDING, 1)]
    assert _sent_ids() == [moved.pk]


def test_an_address_suppressed_while_the_batch_runs_gets_no_email_once_read_again(scripted, republished, monkeypatch):
    # given: while the first email goes out, the second address bounces elsewhere (a webhook)
    first, second, third = _rows(3)
    monkeypatch.setattr(services, "SUPPRESSIONS_FRESH_SECONDS", -1.0)  # read again before each email
    send = ScriptedBackend.send_messages

    def bounce_meanwhile(self, messages):
        EmailSuppression.objects.get_or_create(email=second.to_email, defaults={"reason": "bounced"})
        return send(self, messages)

    monkeypatch.setattr(ScriptedBackend, "send_messages", bounce_meanwhile)
    # when
    outcome = email_deliver_batch(message_ids=[first.pk, second.pk, third.pk])
    # then
    assert outcome == {"sent": 2, "suppressed": 1}
    assert _state([first, second, third]) == [(EmailStatus.SENT, 1), (EmailStatus.SUPPRESSED, 0), (EmailStatus.SENT, 1)]
    assert _sent_ids() == [first.pk, third.pk]
