"""The Celery settings a production worker runs with (Redis broker), read in a fresh
process as `celery -A spirittours worker` would read them."""

import json
import os
import subprocess
import sys

import pytest

from notifications.tasks import STUCK_AFTER
from notifications.tests.broker import ROOT

SCRIPT = """
import json
import django
django.setup()
from spirittours.celery import app
from notifications.services import BATCH_SECONDS
from notifications.tasks import email_send, email_send_batch, email_sweep_stuck
conf = app.conf
print(json.dumps({
    "transport": conf.broker_transport_options,
    "default_queue": conf.task_default_queue,
    "queues": sorted(app.amqp.queues),
    "routes": {
        t.name: app.amqp.router.route({}, t.name)["queue"].name
        for t in (email_send, email_send_batch, email_sweep_stuck)
    },
    "other": app.amqp.router.route({}, "quotations.tasks.quotations_expire_due")["queue"].name,
    "acks_late": [email_send.acks_late, email_send_batch.acks_late],
    "reject_on_worker_lost": [email_send.reject_on_worker_lost, email_send_batch.reject_on_worker_lost],
    "retry_backoff_max": email_send.retry_backoff_max,
    "batch_seconds": BATCH_SECONDS,
}))
"""


def _production_conf(**env) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CELERY_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="spirittours.settings", CELERY_BROKER_URL="redis://127.0.0.1:6379/0", **env
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def conf() -> dict:
    return _production_conf()


def test_our_tasks_go_to_our_own_queues_under_our_key_prefix(conf):
    assert conf["transport"]["global_keyprefix"] == "spirittours:"
    assert (conf["default_queue"], conf["queues"]) == (
        "spirittours.default",
        ["spirittours.default", "spirittours.email"],
    )
    assert conf["routes"] == {
        "notifications.tasks.email_send": "spirittours.email",
        "notifications.tasks.email_send_batch": "spirittours.email",
        "notifications.tasks.email_sweep_stuck": "spirittours.email",
    }
    assert conf["other"] == "spirittours.default"
    assert "celery" not in conf["queues"]


def test_a_lost_email_task_comes_back_before_the_sweeper_and_a_waiting_one_never_runs_twice(conf):
    assert (conf["acks_late"], conf["reject_on_worker_lost"]) == ([True, True], [True, True])
    # retry countdown < visibility timeout < the sweeper's age
    assert conf["retry_backoff_max"] < conf["transport"]["visibility_timeout"] < STUCK_AFTER.total_seconds()
    # a batch stops taking emails well before the broker would hand it to another worker
    assert conf["batch_seconds"] <= conf["transport"]["visibility_timeout"] / 4
    assert conf["transport"]["visibility_timeout"] == 120


def test_each_deployment_sets_its_own_prefix():
    conf = _production_conf(CELERY_BROKER_KEY_PREFIX="spirittours-staging:")
    assert conf["transport"]["global_keyprefix"] == "spirittours-staging:"
