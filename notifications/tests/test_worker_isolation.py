"""Two deployments on one Redis database never share work.

Another project's Celery (notifications/tests/foreign_celery.py: default queue
and key names, and a task named like ours) runs a worker on our Redis database
beside ours. Each sends its own tasks; each worker runs only its own side's.
"""

import json
import os
import subprocess
import sys

import pytest
import redis
from celery import Celery

from notifications.models import EmailMessage, EmailStatus
from notifications.tasks import email_send
from notifications.tests.broker import (
    ROOT,
    broker_settled,
    broker_url,
    celery_on_broker,
    key_prefix_new,
    wait_for,
    worker_start,
    worker_stop,
)
from notifications.tests.smtp_sink import SinkHandler, sink_start
from spirittours.testing import current_database_url

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CEILING = 120  # seconds; CI shares 2 cores with PostgreSQL, Redis and the workers
# What Celery with default settings keeps in Redis; removed afterwards if the test made them.
FOREIGN_KEYS = (
    "celery",
    "_kombu.binding.celery",
    "_kombu.binding.celery.pidbox",
    "_kombu.binding.celeryev",
    "unacked",
    "unacked_index",
    "unacked_mutex",
    "_kombu.binding_permanent.celery",
    "_kombu.binding_deadlines",
)


def _row(n: int) -> EmailMessage:
    return EmailMessage.objects.create(
        template="payment_reminder",
        language="es",
        to_email=f"cliente{n}@agencia.example",
        subject=f"Recordatorio {n}",
        body_text=f"Hola {n}",
        body_html=f"<p>Hola {n}</p>",
        dedupe_key=f"isolation:{n}",
    )


def _foreign_worker(url: str, log_path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(FOREIGN_BROKER_URL=url, FOREIGN_LOG=str(log_path))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "notifications.tests.foreign_celery",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            "-n",
            "foreign@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _foreign_ran(log_path) -> list[dict]:
    if not log_path.exists():
        return []
    return [json.loads(line) for line in log_path.read_text().splitlines()]


def test_another_stack_on_the_same_redis_database_never_takes_our_tasks_nor_we_theirs(tmp_path):
    url, prefix = broker_url(), key_prefix_new()
    client = redis.Redis.from_url(url)
    foreign_keys_before = {key for key in FOREIGN_KEYS if client.exists(key)}
    log_path = tmp_path / "foreign.jsonl"
    ours = [_row(n) for n in range(5)]
    # a row only the other stack names: if our worker ran their task, this would be sent
    theirs_by_name = _row(99)
    handler = SinkHandler()
    sink = sink_start(handler)
    env = {
        "DATABASE_URL": current_database_url(),
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": url,
        "CELERY_BROKER_KEY_PREFIX": prefix,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
    }
    foreign_app = Celery("foreign-producer", broker=url, set_as_current=False)
    with celery_on_broker(url, key_prefix=prefix):
        foreign = _foreign_worker(url, log_path)
        ours_worker = worker_start(env, name="ours")
        try:
            # given: both workers running; when: each stack sends its tasks
            for row in ours:
                email_send.delay(message_id=row.pk)
            for n in range(5):
                foreign_app.send_task("foreign.echo", args=[n])
            foreign_app.send_task("notifications.tasks.email_send", kwargs={"message_id": theirs_by_name.pk})

            # then: each side's tasks all ran, on its own side
            assert wait_for(
                lambda: (
                    EmailMessage.objects.filter(pk__in=[row.pk for row in ours], status=EmailStatus.SENT).count()
                    == len(ours)
                ),
                CEILING,
            ), list(EmailMessage.objects.values_list("pk", "status"))
            assert wait_for(lambda: len(_foreign_ran(log_path)) == 6, CEILING), _foreign_ran(log_path)
            assert broker_settled(url, key_prefix=prefix, timeout=CEILING)
            assert wait_for(lambda: client.llen("celery") == 0 and client.hlen("unacked") == 0, CEILING)

            # our broker keys all carry our prefix; none of them sits under Celery's names
            assert client.exists(f"{prefix}_kombu.binding.spirittours.email")
            assert not client.exists("_kombu.binding.spirittours.email")
        finally:
            worker_stop(ours_worker)
            worker_stop(foreign)
            sink.stop()
            foreign_app.close()
            for key in set(FOREIGN_KEYS) - foreign_keys_before:
                client.delete(key)

    # the other stack ran exactly its own six tasks, none of our five
    assert sorted(_foreign_ran(log_path), key=json.dumps) == sorted(
        [{"task": "foreign.echo", "payload": n} for n in range(5)]
        + [{"task": "notifications.tasks.email_send", "payload": {"message_id": theirs_by_name.pk}}],
        key=json.dumps,
    )
    # our worker sent our five, once each, and never ran the task they sent under our name
    assert sorted(handler.accepted) == sorted(str(row.pk) for row in ours)
    theirs_by_name.refresh_from_db()
    assert (theirs_by_name.status, theirs_by_name.attempts) == (EmailStatus.QUEUED, 0)
