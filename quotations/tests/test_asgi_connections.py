"""The web server's pool keeps PostgreSQL's connections bounded however many clients come at once.

Each ASGI request runs its sync code on a thread of its own; with persistent connections
(CONN_MAX_AGE > 0) every such thread would leave its connection open, and a few concurrent
clients would exhaust PostgreSQL's max_connections within seconds. The Procfile's web
process borrows connections from a pool of DATABASE_POOL_SIZE per process instead: 50
clients at once share at most that many, and stopping the server closes them.
"""

import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from accounts.factories import StaffFactory
from quotations.tests.browser import WebServer
from spirittours.testing import current_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 50
ROUNDS = 4  # each client: the login page and the staff workspace, this many times
POOL = 6  # the server's DATABASE_POOL_SIZE, far below the 50 clients
REQUEST_TIMEOUT = 30


def _staff_session_cookie() -> str:
    staff = StaffFactory()
    session = SessionStore()
    session[SESSION_KEY] = str(staff.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class ConnectionSampler(threading.Thread):
    """Counts the test database's connections other than this test's own, until stopped."""

    def __init__(self, *, exclude_pid: int, server: WebServer):
        super().__init__(daemon=True)
        self.exclude_pid = exclude_pid
        self.server = server
        self.stopped = threading.Event()
        self.samples: list[int] = []
        self.database = connection.settings_dict["NAME"]

    def count(self, db) -> int:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND pid <> %s"
        return db.execute(query, [self.database, self.exclude_pid]).fetchone()[0]

    def run(self) -> None:
        with psycopg.connect(current_database_url(), autocommit=True) as db:
            while not self.stopped.is_set():
                self.samples.append(self.count(db))
                if self.samples[-1] > POOL:
                    # Leaking: end the server (and its connections) before PostgreSQL runs out of slots.
                    self.server.process.kill()
                    return
                self.stopped.wait(0.05)

    def wait_until_at_most(self, limit: int, *, timeout: float) -> int:
        """Polls until at most `limit` connections remain (or `timeout` passes); the last count."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(current_database_url(), autocommit=True) as db:
            while (current := self.count(db)) > limit and time.monotonic() < deadline:
                self.stopped.wait(0.2)
            return current


def _get(url: str, cookie: str | None) -> tuple[int, str]:
    """(status, path answered), following redirects; (0, reason) when the server did not answer."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            response.read()
            return response.status, urllib.parse.urlsplit(response.geturl()).path
    except urllib.error.HTTPError as error:
        return error.code, urllib.parse.urlsplit(error.geturl()).path
    except OSError as error:
        return 0, type(error).__name__


def test_fifty_concurrent_clients_keep_database_connections_bounded():
    # given the web server on the test database with a pool of 6 connections, and a staff session
    cookie = _staff_session_cookie()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    server = WebServer(env={"DATABASE_POOL_SIZE": str(POOL)})
    sampler = ConnectionSampler(exclude_pid=own_pid, server=server)

    def client(_: int) -> list[tuple[int, str]]:
        pages = [(f"{server.url}/accounts/login/", None), (f"{server.url}/staff/", cookie)]
        return [_get(url, with_cookie) for _ in range(ROUNDS) for url, with_cookie in pages]

    try:
        # when 50 clients load the login page and the staff workspace at once
        sampler.start()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = [result for batch in pool.map(client, range(CLIENTS)) for result in batch]
        sampler.stopped.set()
        sampler.join(timeout=10)
    finally:
        server.stop()
    after = sampler.wait_until_at_most(0, timeout=15)

    # then every request was answered, none with a server error, the pool was used and never exceeded,
    # and no connection outlived the server
    assert 0 < max(sampler.samples) <= POOL, f"peak {max(sampler.samples)} connections: {sampler.samples}"
    assert [result for result in results if result[0] >= 500] == []
    assert sorted(set(results)) == [(200, "/accounts/login/"), (200, "/staff/")]
    assert len(results) == CLIENTS * ROUNDS * 2
    assert after == 0
