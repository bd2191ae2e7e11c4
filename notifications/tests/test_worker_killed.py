"""SIGKILL a worker while it holds an email, start another: the email is sent exactly once."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from notifications.models import EmailMessage, EmailStatus
from notifications.tasks import STUCK_AFTER, email_send, email_sweep_stuck
from notifications.tests.broker import celery_on_broker
from notifications.tests.smtp_sink import SinkHandler, sink_start
from spirittours.testing import current_database_url

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _worker(env: dict) -> subprocess.Popen:
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    return subprocess.Popen(  # noqa: S603 (our own worker)
        [
            celery,
            "-A",
            "spirittours",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_killed_mid_send_then_sent_exactly_once(settings):
    broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/12"
    redis.Redis.from_url(broker).flushdb()
    handler = SinkHandler(hold_first=True)
    sink = sink_start(handler)
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
    }
    message = EmailMessage.objects.create(
        template="hotel_invitation",
        language="es",
        to_email="reservas@hotel.example",
        subject="Invitación",
        body_text="Hola",
        body_html="<p>Hola</p>",
        dedupe_key="killed-worker:1",
    )
    first = _worker(env)
    second = None
    on_broker = celery_on_broker(broker, visibility_timeout=3)
    on_broker.__enter__()
    try:
        # given: the first worker is in the middle of sending, holding the row
        email_send.delay(message_id=message.pk)
        assert handler.holding.wait(60), "the worker never reached the SMTP server"
        # when: it is killed without warning, and another worker starts
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        handler.release.set()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (EmailStatus.QUEUED, 0)  # its transaction died with it
        second = _worker(env)
        # The broker keeps the dead worker's message unacknowledged until its visibility
        # timeout; the outbox sweeper re-enqueues the row once it has waited 5 minutes.
        EmailMessage.objects.filter(pk=message.pk).update(updated_at=timezone.now() - STUCK_AFTER)
        assert email_sweep_stuck() == 1
        # then: it is sent once, whichever of the redelivered and the swept task runs first
        assert _wait(lambda: EmailMessage.objects.get(pk=message.pk).status == EmailStatus.SENT, 60)
        time.sleep(8)  # past the 3 s visibility timeout: the original message may run too
        message.refresh_from_db()
        assert handler.accepted == [str(message.pk)]
        assert (message.status, message.attempts) == (EmailStatus.SENT, 1)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
        sink.stop()
        on_broker.__exit__(None, None, None)
