"""The live room when Redis dies under a running web server and comes back.

A Redis of the test's own (the shared one serves everybody else), a real web server (the Procfile's)
on the pub/sub layer, three sockets (staff, a hotel, the client) on the
`websockets` client with session cookies. Events recorded while Redis is down
are rows whose publish failed; once Redis is back every socket must have every
event it may see, exactly once, in order. The heartbeat is set to an hour, so
what heals the sockets is the layer's reconnect notice.
"""

import contextlib
import datetime
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone
from playwright.sync_api import expect
from websockets.sync.client import connect

from quotations.models import RoomEvent
from quotations.services import message_post, quotation_price, quotation_send
from quotations.tests.browser import WebServer, csp_violations, open_page
from spirittours.tests.redis_process import RedisProcess

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
CEILING = 60  # seconds for any one wait; CI shares two cores with everything else


@pytest.fixture
def redis_process():
    process = RedisProcess()
    yield process
    process.stop()


def _pubsub_layer(url: str) -> dict:
    """The production pub/sub layer (same prefix as the server's), pointed at `url`."""
    return {
        "default": {
            "BACKEND": "spirittours.channel_layers.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": url, "socket_timeout": 30}],
                "prefix": "spirittours",
                "on_reconnect": "layer.reconnected",
            },
        }
    }


class ServerLog:
    """The server's stderr, drained by a thread so the pipe never fills and blocks the server."""

    def __init__(self, process):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._drain, args=(process.stderr,), daemon=True)
        self.thread.start()

    def _drain(self, stream):
        for line in iter(stream.readline, b""):
            self.lines.append(line.decode(errors="replace"))

    def text(self) -> str:
        return "".join(self.lines)


@pytest.fixture
def server(redis_process, settings):
    settings.CHANNEL_LAYERS = _pubsub_layer(redis_process.url)  # this process publishes there too
    web = WebServer(
        env={
            "REDIS_URL": redis_process.url,
            "CHANNEL_LAYER": "pubsub",
            "ROOM_HEARTBEAT_SECONDS": "3600",
            "SECRET_KEY": settings.SECRET_KEY,  # the session cookies made here must verify there
            "LOG_LEVEL": "WARNING",
        }
    )
    log = ServerLog(web.process)
    yield web, log
    web.stop()
    log.thread.join(timeout=10)


class Member:
    """One viewer's socket; `frames` is everything it received, in order."""

    def __init__(self, sockets: contextlib.ExitStack, base_url: str, quotation_id: int, user):
        http = HttpClient()
        http.force_login(user)
        cookie = f"{settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME].value}"
        self.socket = sockets.enter_context(
            connect(
                base_url.replace("http://", "ws://") + f"/ws/quotations/{quotation_id}/",
                origin=base_url,
                additional_headers={"Cookie": cookie},
                open_timeout=CEILING,
            )
        )
        self.frames: list[dict] = []

    def until(self, predicate) -> None:
        deadline = time.monotonic() + CEILING
        while not any(predicate(frame) for frame in self.frames):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"gave up waiting; received {self.frames}"
            try:
                self.frames.append(json.loads(self.socket.recv(timeout=remaining)))
            except TimeoutError:
                continue

    def until_body(self, body: str) -> None:
        self.until(lambda frame: frame["type"] == "event" and frame["data"].get("body") == body)

    def bodies(self) -> list[str]:
        return [frame["data"]["body"] for frame in self.frames if frame["type"] == "event"]

    def positions(self) -> list[tuple[int, int]]:
        return [(frame["after"], frame["seq"]) for frame in self.frames if frame["type"] == "event"]


@pytest.fixture
def sockets(server):
    """Closes the test's sockets before the server stops."""
    with contextlib.ExitStack() as stack:
        yield stack


def test_events_recorded_while_redis_is_down_reach_every_socket_once_in_order(
    bidding_round, redis_process, server, sockets, caplog
):
    # given: a quote sent to the client, so staff, a hotel and the client may all watch
    r = bidding_round
    r.close()
    quotation_price(quotation=r.quotation, by=r.staff)
    quotation_send(quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=5), by=r.staff)
    web, log = server
    staff, aurora, client = (
        Member(sockets, web.url, r.quotation.pk, user) for user in (r.staff, r.users["aurora"], r.contact)
    )
    for member in (staff, aurora, client):
        member.until(lambda frame: frame["type"] == "snapshot")
    start = staff.frames[0]["seq"]

    def post(body: str, audience: str):
        message_post(quotation=r.quotation, author=r.staff, body=body, audience=audience)

    post("Antes, hoteles", "hotels")
    post("Antes, cliente", "client")
    for member, last in ((staff, "Antes, cliente"), (aurora, "Antes, hoteles"), (client, "Antes, cliente")):
        member.until_body(last)

    # when: Redis dies, two events are recorded meanwhile, and Redis comes back
    redis_process.kill()
    with caplog.at_level(logging.WARNING, logger="quotations.services.room"):
        post("Durante, hoteles", "hotels")
        post("Durante, cliente", "client")
    assert [rec.getMessage() for rec in caplog.records if rec.name == "quotations.services.room"] == [
        f"room event {r.quotation.pk}#{start + 3} not published",
        f"room event {r.quotation.pk}#{start + 4} not published",
    ]
    assert RoomEvent.objects.filter(quotation=r.quotation, seq__gt=start).count() == 4
    redis_process.start()

    # then: the outage's events arrive once the layer is back...
    for member, last in ((staff, "Durante, cliente"), (aurora, "Durante, hoteles"), (client, "Durante, cliente")):
        member.until_body(last)
    # ...and life goes on through Redis
    post("Después, hoteles", "hotels")
    post("Después, cliente", "client")
    for member, last in ((staff, "Después, cliente"), (aurora, "Después, hoteles"), (client, "Después, cliente")):
        member.until_body(last)

    # every socket has what it may see, exactly once, in order, each frame following the last
    assert staff.bodies() == [
        "Antes, hoteles",
        "Antes, cliente",
        "Durante, hoteles",
        "Durante, cliente",
        "Después, hoteles",
        "Después, cliente",
    ]
    assert staff.positions() == [(start + n, start + n + 1) for n in range(6)]
    assert aurora.bodies() == ["Antes, hoteles", "Durante, hoteles", "Después, hoteles"]
    assert aurora.positions() == [(start, start + 1), (start + 1, start + 3), (start + 3, start + 5)]
    assert client.bodies() == ["Antes, cliente", "Durante, cliente", "Después, cliente"]
    assert client.positions() == [(start, start + 2), (start + 2, start + 4), (start + 4, start + 6)]
    for member in (staff, aurora, client):
        assert [frame["type"] for frame in member.frames] == ["snapshot"] + ["event"] * len(member.bodies())
    # and no consumer failed on the way (channels-redis's own log of the outage is expected)
    assert "Exception inside application" not in log.text()


@pytest.mark.browser
def test_the_browser_resumes_from_its_own_position_when_a_frame_goes_missing(
    bidding_round, server, browser, live_server_cookie
):
    # given: the staff page's room socket, through a route that loses the frame of "Dos"
    r = bidding_round
    web, log = server
    opened, lost = [], []

    def route(page_socket):
        opened.append(page_socket.url)
        server_socket = page_socket.connect_to_server()

        def from_server(message):
            frame = json.loads(message)
            if frame["type"] == "event" and frame["data"].get("body") == "Dos" and not lost:
                lost.append(frame)
                return
            page_socket.send(message)

        server_socket.on_message(from_server)

    page = open_page(browser)
    page.context.add_cookies([live_server_cookie(web.url, r.staff)])
    page.set_default_timeout(CEILING * 1000)
    page.route_web_socket("**/ws/quotations/**", route)
    page.goto(f"{web.url}/staff/quotations/{r.quotation.pk}/")
    page.wait_for_selector("[data-room=indicator][data-state=live]")
    messages = page.locator("[data-room=messages] [data-message-id] .room-message-body")

    def post(body: str):
        # Playwright runs an event loop in this thread, and the publish after commit
        # needs a thread without one, as a web or worker process has.
        def work():
            try:
                message_post(quotation=r.quotation, author=r.staff, body=body, audience="hotels")
            finally:
                connection.close()

        with ThreadPoolExecutor(1) as pool:
            pool.submit(work).result()

    post("Uno")
    messages.filter(has_text="Uno").wait_for()
    uno = RoomEvent.objects.get(quotation=r.quotation, kind="message.posted", data__body="Uno").seq

    # when: "Dos" is lost on the way and "Tres" arrives
    post("Dos")
    post("Tres")

    # then: the page sees that Tres does not follow what it has, reconnects from Uno,
    # and shows all three once, in order
    expect(messages).to_have_text(["Uno", "Dos", "Tres"], timeout=CEILING * 1000)
    assert [frame["seq"] for frame in lost] == [uno + 1]
    assert opened == [
        f"{web.url.replace('http://', 'ws://')}/ws/quotations/{r.quotation.pk}/",
        f"{web.url.replace('http://', 'ws://')}/ws/quotations/{r.quotation.pk}/?last_seq={uno}",
    ]
    assert csp_violations(browser) == []
    assert "Exception inside application" not in log.text()


@pytest.fixture
def live_server_cookie():
    def cookie(base_url: str, user) -> dict:
        http = HttpClient()
        http.force_login(user)
        return {
            "name": settings.SESSION_COOKIE_NAME,
            "value": http.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": base_url,
        }

    return cookie
