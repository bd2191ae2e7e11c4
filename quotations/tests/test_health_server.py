"""`/health/` on the production web server while a worker and Redis stop and come back.

A Redis of the test's own serves as cache, channel layer and Celery broker for a real
web server (the Procfile's) and a real worker; the test stops each and asks `/health/`
as a probe would: 503 naming exactly the parts that failed, 200 again once they are back.
"""

import json
import urllib.error
import urllib.request

import pytest

from notifications.tests.broker import key_prefix_new, wait_for, worker_start, worker_stop
from quotations.tests.browser import WebServer
from quotations.tests.test_consumers_faults import ServerLog
from spirittours.tests.redis_process import RedisProcess

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CEILING = 120  # seconds for any one wait; CI shares two cores with everything else
REDIS_PARTS = ["cache", "broker", "worker", "channel_layer"]


def _health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/health/", timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def stack():
    redis_process = RedisProcess()
    env = {
        "REDIS_URL": redis_process.url,
        "CELERY_BROKER_URL": redis_process.url,
        "CELERY_BROKER_KEY_PREFIX": key_prefix_new(),
    }
    web = WebServer(env=env)
    log = ServerLog(web.process)
    worker = worker_start(env, name="health")
    parts = {"web": web, "worker": worker, "env": env, "redis": redis_process}
    yield parts
    worker_stop(parts["worker"])
    web.stop()
    log.thread.join(timeout=10)
    redis_process.stop()


def test_health_names_the_stopped_worker_and_redis_and_recovers(stack):
    web = stack["web"]
    answers: list[tuple[int, dict]] = []

    def answers_with(status: int, failing: list[str]) -> bool:
        answers.append(_health(web.url))
        code, body = answers[-1]
        return code == status and body["failing"] == failing

    # Everything up: 200, and the worker is really asked.
    assert wait_for(lambda: answers_with(200, []), CEILING), answers[-1]
    assert answers[-1][1]["checks"]["worker"]["workers"] == 1

    # The worker stops: only the worker fails.
    worker_stop(stack["worker"])
    assert wait_for(lambda: answers_with(503, ["worker"]), CEILING), answers[-1]
    assert answers[-1][1]["checks"]["worker"]["error"] == "no worker answered within 2 s"
    assert answers[-1][1]["checks"]["database"]["status"] == "ok"

    # It comes back.
    stack["worker"] = worker_start(stack["env"], name="health-again")
    assert wait_for(lambda: answers_with(200, []), CEILING), answers[-1]

    # Redis stops: every part that lives on it fails, the database and the outbox do not.
    stack["redis"].kill()
    assert wait_for(lambda: answers_with(503, REDIS_PARTS), CEILING), answers[-1]
    assert answers[-1][1]["status"] == "unavailable"
    assert {name: part["status"] for name, part in answers[-1][1]["checks"].items()} == {
        "database": "ok",
        "cache": "unavailable",
        "broker": "unavailable",
        "worker": "unavailable",
        "channel_layer": "unavailable",
        "email_outbox": "ok",
    }

    # Redis comes back (empty): the web process and the worker reconnect on their own.
    stack["redis"].start()
    assert wait_for(lambda: answers_with(200, []), CEILING), answers[-1]
