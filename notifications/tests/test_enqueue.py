"""Bulk enqueue: the emails of a transaction go to the broker once it commits, together,
in batches over one producer; nothing on rollback; the sweeper's rows in batches too."""

import base64
import datetime
import json

import pytest
import redis
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import enqueue
from notifications.enqueue import email_enqueue_many
from notifications.models import EmailMessage, EmailStatus
from notifications.services import email_deliver_batch, email_queue
from notifications.tasks import STUCK_AFTER, email_send_batch, email_sweep_stuck
from notifications.tests.broker import broker_url, celery_on_broker, key_prefix_new

pytestmark = pytest.mark.django_db(transaction=True)  # real commits and rollbacks


@pytest.fixture
def published(monkeypatch) -> list[tuple[list[int], float | None, object]]:
    """What goes to the broker: (ids, countdown, producer) of each batch task published."""
    calls: list[tuple[list[int], float | None, object]] = []

    def apply_async(*, kwargs, countdown=None, producer=None):
        calls.append((kwargs["message_ids"], countdown, producer))

    monkeypatch.setattr(email_send_batch, "apply_async", apply_async)
    return calls


def _queue(n: int) -> EmailMessage:
    return email_queue(
        template="password_reset",
        to_email=f"cliente{n}@agencia.example",
        language="es",
        context={"url": "https://spirittours.example/reset/", "valid_hours": 24},
        dedupe_key=f"enqueue:{n}",
    )


def _ids(calls) -> list[list[int]]:
    return [ids for ids, _countdown, _producer in calls]


def test_the_emails_of_a_transaction_are_published_once_together_after_it_commits(published):
    # when: three emails queued in one transaction
    with transaction.atomic():
        rows = [_queue(n) for n in range(3)]
        assert published == []  # nothing before the commit
    # then: one task with the three ids, in order, not delayed
    assert _ids(published) == [[row.pk for row in rows]]
    assert published[0][1] is None
    assert EmailMessage.objects.filter(status=EmailStatus.QUEUED).count() == 3


def test_nothing_is_published_when_the_transaction_rolls_back(published):
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue(1)
        _queue(2)
        raise RuntimeError("the business change failed")
    assert (published, EmailMessage.objects.count()) == ([], 0)


def test_each_transaction_publishes_its_own_emails(published):
    with transaction.atomic():
        first = _queue(1)
    with transaction.atomic():
        second, third = _queue(2), _queue(3)
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue(4)
        raise RuntimeError
    with transaction.atomic():
        fourth = _queue(5)
    assert _ids(published) == [[first.pk], [second.pk, third.pk], [fourth.pk]]


def test_outside_a_transaction_each_email_is_published_at_once(published):
    first = _queue(1)
    assert _ids(published) == [[first.pk]]
    second = _queue(2)
    assert _ids(published) == [[first.pk], [second.pk]]


def test_a_savepoint_rolled_back_first_leaves_the_other_emails_published(published):
    # given: the transaction's first email is queued in a savepoint that rolls back
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            _queue(1)
            raise RuntimeError
        kept = [_queue(2), _queue(3)]
    # then: the other two go out, once
    assert _ids(published) == [[row.pk for row in kept]]
    assert list(EmailMessage.objects.values_list("dedupe_key", flat=True).order_by("pk")) == [
        "enqueue:2",
        "enqueue:3",
    ]


# PostgreSQL: SQLite gives the rolled-back row's id to the next row, so the ids would not be distinct.
@pytest.mark.postgres
def test_a_savepoint_rolled_back_in_the_middle_sends_only_the_rows_that_exist(published):
    # given: the middle email of three is queued in a savepoint that rolls back
    with transaction.atomic():
        first = _queue(1)
        with pytest.raises(RuntimeError), transaction.atomic():
            gone = _queue(2)
            raise RuntimeError
        last = _queue(3)
    # then: the id of the rolled-back row rides along with the first (their hooks were
    # one until the rollback) and its task finds no row; the last starts a new batch
    assert _ids(published) == [[first.pk, gone.pk], [last.pk]]
    assert [email_deliver_batch(message_ids=ids) for ids in _ids(published)] == [
        {"sent": 1, "skipped": 1},
        {"sent": 1},
    ]
    assert [int(m.extra_headers["X-Spirittours-Email"]) for m in mail.outbox] == [first.pk, last.pk]


def test_many_ids_go_as_batches_over_one_producer(published, monkeypatch):
    monkeypatch.setattr(enqueue, "BATCH_SIZE", 2)
    email_enqueue_many(message_ids=[11, 12, 13, 12, 14, 15])
    assert _ids(published) == [[11, 12], [13, 14], [15]]  # each id once
    producers = {id(producer) for _ids, _countdown, producer in published}
    assert len(producers) == 1 and published[0][2] is not None


def test_a_broker_that_is_down_leaves_the_rows_queued_for_the_sweeper(monkeypatch, caplog):
    def down(**kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(email_send_batch, "apply_async", down)
    with transaction.atomic():
        row = _queue(1)
    # the commit went through; the row waits, queued, for the sweeper
    assert EmailMessage.objects.values_list("status", "attempts").get(pk=row.pk) == (EmailStatus.QUEUED, 0)
    assert "emails not enqueued" in caplog.text


def test_the_sweeper_publishes_the_stuck_rows_together(published):
    rows = [_queue(n) for n in range(3)]
    published.clear()
    EmailMessage.objects.update(updated_at=timezone.now() - STUCK_AFTER - datetime.timedelta(seconds=1))
    assert email_sweep_stuck() == 3
    assert sorted(_ids(published)[0]) == sorted(row.pk for row in rows)
    assert len(published) == 1


@pytest.mark.redis
def test_the_batches_reach_the_email_queue_of_the_broker(monkeypatch):
    # given: our app on a real Redis broker, not eager
    url, prefix = broker_url(), key_prefix_new()
    monkeypatch.setattr(enqueue, "BATCH_SIZE", 2)
    with celery_on_broker(url, key_prefix=prefix):
        # when
        email_enqueue_many(message_ids=[21, 22, 23])
        # then: two task messages on the email queue, nothing elsewhere
        client = redis.Redis.from_url(url)
        queued = [json.loads(raw) for raw in client.lrange(f"{prefix}spirittours.email", 0, -1)]
        assert client.llen(f"{prefix}spirittours.default") == 0
    bodies = sorted(json.loads(base64.b64decode(message["body"]))[1]["message_ids"] for message in queued)
    assert bodies == [[21, 22], [23]]
    assert {message["headers"]["task"] for message in queued} == {"notifications.tasks.email_send_batch"}
