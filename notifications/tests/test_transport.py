"""The kept email connection: one per process for many emails, a new one after any
error or a long idle, a dropped one replaced within the attempt only while the
server cannot have the email, closed when the worker shuts down."""

import json
import os

import pytest
import requests
from celery.signals import worker_process_shutdown
from django.core import mail

from notifications import services, transport
from notifications.models import EmailMessage, EmailStatus
from notifications.services import email_deliver, email_deliver_batch
from notifications.tasks import email_connections_close
from notifications.tests.backends import TRANSIENT, CountingBackend, ScriptedBackend
from notifications.tests.broker import wait_for
from notifications.tests.rows import email_rows
from notifications.tests.smtp_sink import SinkHandler, sink_drop_connections, sink_start
from notifications.transport import transport_close

pytestmark = pytest.mark.django_db


def _rows(count: int) -> list[EmailMessage]:
    return email_rows(count, key="transport")


def _state(*rows: EmailMessage) -> list[tuple[str, int]]:
    return [EmailMessage.objects.values_list("status", "attempts").get(pk=row.pk) for row in rows]


@pytest.fixture
def retries(monkeypatch) -> list[list[int]]:
    """The ids a batch hands back to the broker for a retry, recorded instead of run."""
    published: list[list[int]] = []
    monkeypatch.setattr(
        services, "email_enqueue_many", lambda *, message_ids, countdown=None: published.append(message_ids)
    )
    return published


@pytest.fixture
def counting(settings):
    settings.EMAIL_BACKEND = "notifications.tests.backends.CountingBackend"
    transport_close()  # nothing kept from an earlier test
    ScriptedBackend.script, CountingBackend.opened, CountingBackend.closed = [], 0, 0
    yield CountingBackend
    transport_close()
    ScriptedBackend.script, CountingBackend.opened, CountingBackend.closed = [], 0, 0


class Sink:
    def __init__(self, handler: SinkHandler, controller):
        self.handler, self.controller = handler, controller

    def copies(self, row: EmailMessage) -> int:
        return len(self.handler.copies(str(row.pk)))


@pytest.fixture
def sink(settings):
    handler = SinkHandler()
    controller = sink_start(handler)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 10
    transport_close()
    yield Sink(handler, controller)
    transport_close()
    controller.stop()


# --- One connection, many emails ----------------------------------------------------------


def test_one_connection_carries_every_email_of_the_process(counting):
    # given
    rows = _rows(5)
    # when: a batch of three, then two emails on their own (three tasks in one worker process)
    assert email_deliver_batch(message_ids=[row.pk for row in rows[:3]]) == {"sent": 3}
    assert [email_deliver(message_id=row.pk) for row in rows[3:]] == ["sent", "sent"]
    # then
    assert (counting.opened, counting.closed, len(mail.outbox)) == (1, 0, 5)
    assert _state(*rows) == [(EmailStatus.SENT, 1)] * 5


def test_one_smtp_session_carries_every_email(sink):
    rows = _rows(4)
    assert email_deliver_batch(message_ids=[row.pk for row in rows]) == {"sent": 4}
    assert sink.handler.connections == 1
    assert sorted(sink.handler.accepted) == sorted(str(row.pk) for row in rows)


def test_worker_shutdown_closes_the_connection(counting):
    # given: a connection kept after an email
    (row,) = _rows(1)
    assert email_deliver(message_id=row.pk) == "sent"
    assert (counting.opened, counting.closed) == (1, 0)
    # when: the pool process shuts down
    worker_process_shutdown.send(sender=None, pid=os.getpid(), exitcode=0)
    # then: closed (by email_connections_close), and nothing is left to close
    assert (counting.opened, counting.closed) == (1, 1)
    email_connections_close()
    assert counting.closed == 1


def test_worker_shutdown_says_quit_to_the_smtp_server(sink):
    (row,) = _rows(1)
    assert email_deliver(message_id=row.pk) == "sent"
    (server,) = sink.handler.servers
    assert (server.transport is not None, sink.handler.quits) == (True, 0)
    worker_process_shutdown.send(sender=None, pid=os.getpid(), exitcode=0)
    assert sink.handler.quits == 1  # QUIT is answered before the client goes on
    assert wait_for(lambda: server.transport is None, 30)


def test_a_connection_idle_too_long_is_replaced_before_the_next_email(counting, monkeypatch):
    # given: an email sent, then a wait longer than the idle limit (none here: a limit of 0)
    first, second = _rows(2)
    assert email_deliver(message_id=first.pk) == "sent"
    monkeypatch.setattr(transport, "IDLE_SECONDS", -1.0)
    # when
    assert email_deliver(message_id=second.pk) == "sent"
    # then: the idle one closed, a new one opened; each email sent once, on its first attempt
    assert (counting.opened, counting.closed, len(mail.outbox)) == (2, 1, 2)
    assert _state(first, second) == [(EmailStatus.SENT, 1), (EmailStatus.SENT, 1)]


# --- Errors --------------------------------------------------------------------------------


def test_an_error_closes_the_connection_and_the_next_email_opens_a_new_one(counting, retries):
    # given: the second send fails
    ScriptedBackend.script = [None, TRANSIENT, None]
    rows = _rows(3)
    # when
    outcomes = [email_deliver_batch(message_ids=[row.pk]) for row in rows]
    # then: the failed email goes back to queued for its retry, alone; the third went
    # out over a new connection
    assert outcomes == [{"sent": 1}, {"retry": 1}, {"sent": 1}]
    assert (counting.opened, counting.closed) == (2, 1)
    assert _state(*rows) == [(EmailStatus.SENT, 1), (EmailStatus.QUEUED, 1), (EmailStatus.SENT, 1)]
    assert retries == [[rows[1].pk]]
    assert [int(sent.extra_headers["X-Spirittours-Email"]) for sent in mail.outbox] == [rows[0].pk, rows[2].pk]


def test_a_refused_email_leaves_the_smtp_session_to_the_next_one(sink, retries):
    # given: the server refuses the second email's recipient with a temporary 451
    rows = _rows(3)
    assert email_deliver_batch(message_ids=[rows[0].pk]) == {"sent": 1}
    sink.handler.fail_rate = 1.0
    # when
    assert email_deliver_batch(message_ids=[rows[1].pk]) == {"retry": 1}
    sink.handler.fail_rate = 0.0
    assert email_deliver_batch(message_ids=[rows[2].pk]) == {"sent": 1}
    # then: smtplib reset the session after the refusal; the third email went over it
    assert sink.handler.connections == 1
    assert [sink.copies(row) for row in rows] == [1, 0, 1]
    assert _state(*rows) == [(EmailStatus.SENT, 1), (EmailStatus.QUEUED, 1), (EmailStatus.SENT, 1)]
    assert EmailMessage.objects.get(pk=rows[1].pk).last_error.startswith("SMTPRecipientsRefused")
    assert retries == [[rows[1].pk]]


@pytest.fixture
def reconnections(caplog):
    """How many times an email was sent again on a new connection within its attempt."""
    caplog.set_level("INFO", logger="notifications.transport")
    return lambda: sum("email connection dropped by the server" in r.getMessage() for r in caplog.records)


def test_a_connection_the_server_dropped_while_idle_is_replaced_within_the_attempt(sink, retries, reconnections):
    # given: an email sent, then the server drops the kept connection (its idle timeout)
    first, second = _rows(2)
    assert email_deliver(message_id=first.pk) == "sent"
    assert sink_drop_connections(sink.controller, sink.handler) == 1
    # when: the next email goes out; its MAIL FROM meets the dropped connection
    outcome = email_deliver(message_id=second.pk)
    # then: sent once, over a second connection, on its first attempt, no retry
    assert (outcome, reconnections()) == ("sent", 1)
    assert (sink.handler.connections, sink.copies(second)) == (2, 1)
    assert _state(first, second) == [(EmailStatus.SENT, 1), (EmailStatus.SENT, 1)]
    assert EmailMessage.objects.get(pk=second.pk).last_error == ""
    assert retries == []


def test_a_421_at_mail_from_on_a_kept_connection_is_sent_again_on_a_new_one(sink, reconnections):
    # given: after one email, the server answers the next MAIL FROM with 421 (closing)
    first, second = _rows(2)
    assert email_deliver(message_id=first.pk) == "sent"
    sink.handler.refuse_mail = 1
    # when
    assert email_deliver(message_id=second.pk) == "sent"
    # then
    assert (sink.handler.connections, sink.copies(second), sink.handler.refuse_mail) == (2, 1, 0)
    assert reconnections() == 1
    assert _state(second) == [(EmailStatus.SENT, 1)]


def test_a_fresh_connection_refused_at_mail_from_costs_the_attempt(sink, retries, reconnections):
    # given: a server answering 421 on a connection just opened: not a stale connection
    (row,) = _rows(1)
    sink.handler.refuse_mail = 1
    # when
    outcome = email_deliver_batch(message_ids=[row.pk])
    # then: one attempt, counted; nothing sent again within it
    assert (outcome, reconnections()) == ({"retry": 1}, 0)
    assert (sink.handler.connections, sink.copies(row)) == (1, 0)
    assert _state(row) == [(EmailStatus.QUEUED, 1)]
    assert EmailMessage.objects.get(pk=row.pk).last_error.startswith("SMTPSenderRefused: (421")
    assert retries == [[row.pk]]


def test_a_connection_lost_after_the_data_is_not_sent_again_within_the_attempt(sink, retries, reconnections):
    # given: a kept connection; the server takes the next email and hangs up before answering
    first, second, third = _rows(3)
    assert email_deliver(message_id=first.pk) == "sent"
    sink.handler.hang_up_after_data.add(str(second.pk))
    # when
    outcome = email_deliver_batch(message_ids=[second.pk, third.pk])
    # then: the server has it, but we cannot know: the attempt counts and the email waits
    # for its retry (a second copy then, with the same Message-ID); never sent twice at once.
    # The next email went out on a new connection.
    assert (outcome, reconnections()) == ({"retry": 1, "sent": 1}, 0)
    assert (sink.copies(second), sink.copies(third), sink.handler.connections) == (1, 1, 2)
    assert _state(second, third) == [(EmailStatus.QUEUED, 1), (EmailStatus.SENT, 1)]
    assert EmailMessage.objects.get(pk=second.pk).last_error.startswith("SMTPServerDisconnected")
    assert retries == [[second.pk]]


# --- An ESP through django-anymail -----------------------------------------------------------


def test_an_esp_backend_keeps_one_http_session(settings, monkeypatch):
    # given: Postmark through anymail, its API answering as it does (recorded shape)
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "server-token"}
    transport_close()
    sessions, posted = [], []

    def request(session, method, url, **kwargs):
        sessions.append(session)
        posted.append(json.loads(kwargs["data"]))
        response = requests.Response()
        response.status_code, response.url = 200, url
        response._content = json.dumps(
            {
                "To": posted[-1]["To"],
                "SubmittedAt": "2025-03-03T10:00:00.0000000Z",
                "MessageID": f"pm-{len(posted)}",
                "ErrorCode": 0,
                "Message": "OK",
            }
        ).encode()
        return response

    monkeypatch.setattr(requests.Session, "request", request)
    rows = _rows(3)
    try:
        # when
        outcome = email_deliver_batch(message_ids=[row.pk for row in rows])
    finally:
        transport_close()
    # then: three posts over one session; the provider's ids recorded
    assert outcome == {"sent": 3}
    assert (len(posted), len(set(map(id, sessions)))) == (3, 1)
    assert [{h["Name"]: h["Value"] for h in post["Headers"]} for post in posted] == [
        {"Message-ID": row.message_id_header, "X-Spirittours-Email": str(row.pk)} for row in rows
    ]
    assert list(EmailMessage.objects.order_by("pk").values_list("provider_message_id", flat=True)) == [
        "pm-1",
        "pm-2",
        "pm-3",
    ]
