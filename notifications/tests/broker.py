"""A real Redis broker for worker tests: our app pointed at it, worker processes, waits.

Each test gets its own broker key prefix (kombu's `global_keyprefix`) on the
Redis database of REDIS_URL, as a deployment gets its own in production: tests
never flush a database, and remove only their own keys afterwards.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings

from spirittours.celery import app

ROOT = Path(__file__).resolve().parents[2]
QUEUES = ("spirittours.default", "spirittours.email")
KEYS = ("broker_url", "task_always_eager", "broker_transport_options")


def _drop_pools() -> None:
    # Producers and connections are pooled for the broker the app first connected
    # to; forget them (without closing: a worker thread may still hold one) so the
    # next task goes to the broker configured now.
    app._pool = None
    app.amqp._producer_pool = None


def broker_url() -> str:
    return settings.REDIS_URL


def key_prefix_new() -> str:
    return f"spirittours-test-{uuid.uuid4().hex[:12]}:"


@contextmanager
def celery_on_broker(url: str, *, key_prefix: str, visibility_timeout: int = 3600):
    """Send our tasks to `url` under `key_prefix`; remove every key under it afterwards."""
    saved = {key: app.conf[key] for key in KEYS}
    app.conf.update(
        broker_url=url,
        task_always_eager=False,
        broker_transport_options={
            "visibility_timeout": visibility_timeout,
            "unacked_restore_throttle": 1,
            "global_keyprefix": key_prefix,
        },
    )
    _drop_pools()
    try:
        yield app
    finally:
        app.conf.update(saved)
        _drop_pools()
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(match=f"{key_prefix}*", count=500):
            client.delete(key)


def broker_pending(url: str, *, key_prefix: str) -> int:
    """Tasks waiting in our queues plus tasks delivered to a worker and not acknowledged."""
    client = redis.Redis.from_url(url)
    waiting = sum(client.llen(f"{key_prefix}{queue}") for queue in QUEUES)
    return waiting + client.hlen(f"{key_prefix}unacked")


def broker_settled(url: str, *, key_prefix: str, timeout: float) -> bool:
    """True once nothing is pending on three polls in a row (a worker pops a task
    a moment before it records it as unacknowledged)."""
    quiet = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        quiet = quiet + 1 if broker_pending(url, key_prefix=key_prefix) == 0 else 0
        if quiet == 3:
            return True
        time.sleep(0.3)
    return False


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def worker_start(env: dict, *, name: str, pool: str = "solo", concurrency: int = 1) -> subprocess.Popen:
    """A `celery worker` process consuming our queues, as the Procfile starts it."""
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    return subprocess.Popen(  # noqa: S603 (our own worker)
        [
            celery,
            "-A",
            "spirittours",
            "worker",
            "-Q",
            ",".join(QUEUES),
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            "-n",
            f"{name}@%h",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def worker_stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def pool_children(pid: int) -> list[int]:
    """Process ids of the prefork pool children of worker `pid`."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return children
