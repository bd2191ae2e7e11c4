"""SIGKILL a worker in the middle of a send: nothing is lost, and only the email in
flight goes out again, with the Message-ID of its first copy.

The SMTP sink holds one email after it has taken the message and before it
answers, the one window in which the outbox cannot know whether the provider
has the email. Two ways a worker dies there:

- solo: the whole worker process is killed; its task stays unacknowledged until
  the broker's visibility timeout hands it to another worker;
- prefork: only the pool child is killed; the worker rejects the task at once
  (`reject_on_worker_lost`) and runs it again in a new child.

Either way that task finds the row `sending` and leaves it; the sweeper, once
the attempt is older than STUCK_AFTER, queues the row again. The emails go one
task each, or all eight in one batch task (as a transaction's emails go): then
the batch comes back whole, and its rerun sends only the rows still `queued`.
"""

import collections
import datetime
import os
import signal

import pytest
from django.utils import timezone

from notifications.enqueue import email_enqueue_many
from notifications.models import EmailMessage, EmailStatus
from notifications.tasks import STUCK_AFTER, email_send, email_sweep_stuck
from notifications.tests.broker import (
    broker_settled,
    broker_url,
    celery_on_broker,
    key_prefix_new,
    pool_children,
    wait_for,
    worker_start,
    worker_stop,
)
from notifications.tests.rows import email_rows
from notifications.tests.smtp_sink import SinkHandler, sink_start
from spirittours.testing import current_database_url

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
EMAILS = 8
HELD = 2  # the third email is the one in flight when the worker dies
CEILING = 120  # seconds; CI shares 2 cores with PostgreSQL, Redis and the workers


def _rows() -> list[EmailMessage]:
    return email_rows(EMAILS, key="killed-worker")


def _statuses() -> collections.Counter:
    return collections.Counter(EmailMessage.objects.values_list("status", flat=True))


@pytest.mark.parametrize(
    ("pool", "visibility_timeout", "batched"),
    [
        ("solo", 5, False),  # the task comes back through the visibility timeout, shortened here
        ("prefork", 3600, False),  # the task comes back through reject_on_worker_lost alone
        ("prefork", 3600, True),  # the whole batch comes back so, its rerun sends the rest
    ],
)
def test_worker_killed_mid_send_repeats_only_that_email_with_the_same_message_id(pool, visibility_timeout, batched):
    url, prefix = broker_url(), key_prefix_new()
    held_row = _rows()[HELD]
    handler = SinkHandler(hold=str(held_row.pk))
    sink = sink_start(handler)
    env = {
        "DATABASE_URL": current_database_url(),
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": url,
        "CELERY_BROKER_KEY_PREFIX": prefix,
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
    }
    with celery_on_broker(url, key_prefix=prefix, visibility_timeout=visibility_timeout):
        first = worker_start(env, name="first", pool=pool)
        second = None
        try:
            # given: one worker sending eight emails, stopped inside the handoff of the third
            ids = list(EmailMessage.objects.order_by("pk").values_list("pk", flat=True))
            if batched:
                email_enqueue_many(message_ids=ids)
            else:
                for pk in ids:
                    email_send.delay(message_id=pk)
            assert handler.holding.wait(CEILING), "the worker never reached the SMTP sink"
            held_row.refresh_from_db()
            # the attempt was recorded before the handoff, so the row knows one may have happened
            assert (held_row.status, held_row.attempts) == (EmailStatus.SENDING, 1)
            assert held_row.last_attempt_at is not None
            # the emails after it have not been touched: one email is in flight, no more
            after = EmailMessage.objects.filter(pk__gt=held_row.pk).values_list("status", "attempts")
            assert list(after) == [(EmailStatus.QUEUED, 0)] * (EMAILS - HELD - 1)

            # when: the process sending it is killed without warning
            if pool == "solo":
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=30)
                second = worker_start(env, name="second", pool=pool)
            else:
                children = pool_children(first.pid)
                assert len(children) == 1
                os.kill(children[0], signal.SIGKILL)
            handler.release.set()

            # then: the other emails go out, and the dead attempt's task, back from the
            # broker, leaves the row alone: it is still `sending`, its attempt unfinished
            assert wait_for(lambda: _statuses()[EmailStatus.SENT] == EMAILS - 1, CEILING), _statuses()
            assert broker_settled(url, key_prefix=prefix, timeout=CEILING), "the killed task never came back"
            held_row.refresh_from_db()
            assert (held_row.status, held_row.attempts) == (EmailStatus.SENDING, 1)
            assert len(handler.copies(str(held_row.pk))) == 1
            assert email_sweep_stuck() == 0  # an attempt younger than STUCK_AFTER may still be alive

            # when: the sweeper runs once the attempt is older than STUCK_AFTER
            EmailMessage.objects.filter(pk=held_row.pk).update(
                updated_at=timezone.now() - STUCK_AFTER - datetime.timedelta(seconds=1)
            )
            assert email_sweep_stuck() == 1

            # then: every email is sent; the one in flight went out twice, both copies with
            # its Message-ID; every other email went out once
            assert wait_for(lambda: _statuses() == {EmailStatus.SENT: EMAILS}, CEILING), _statuses()
            assert broker_settled(url, key_prefix=prefix, timeout=CEILING)
        finally:
            handler.release.set()
            worker_stop(second)
            worker_stop(first)
            sink.stop()
    rows = {str(row.pk): row for row in EmailMessage.objects.all()}
    copies = collections.Counter(received.email for received in handler.received)
    assert copies == {pk: 2 if pk == str(held_row.pk) else 1 for pk in rows}
    assert all(received.message_id == rows[received.email].message_id_header for received in handler.received)
    assert len({row.message_id_header for row in rows.values()}) == EMAILS
    held_row.refresh_from_db()
    assert (held_row.attempts, held_row.last_error, held_row.provider_message_id) == (
        2,
        "",
        held_row.message_id_header,
    )
    assert {row.attempts for pk, row in rows.items() if pk != str(held_row.pk)} == {1}
