"""The live room's socket guarantees through the production web server (the Procfile's), not
Channels' in-process communicator: what the server does with the handshake, the close codes
and the frames is part of the guarantee (daphne forwards only 1000 and 3000-4999 from the
application; uvicorn has its own handshake, limits and close handling).

Origin check and login before any frame, 4403/4400/4413 closes reaching the browser, the
replay after ?last_seq=, ping/pong, and a hotel withdrawn mid-session closed with 4403.
"""

import contextlib
import datetime
import json

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from accounts.factories import HotelUserFactory
from quotations.factories import HotelFactory
from quotations.services import invitation_withdraw, message_post, quotation_extend_deadline
from quotations.tests.browser import WebServer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CEILING = 60  # seconds for any one wait; CI shares two cores with everything else


@pytest.fixture
def server(settings):
    web = WebServer(env={"SECRET_KEY": settings.SECRET_KEY, "ROOM_HEARTBEAT_SECONDS": "3600", "LOG_LEVEL": "WARNING"})
    yield web
    web.stop()


def _open(server, quotation_id: int, user=None, *, origin: str | None = None, last_seq: int | None = None):
    headers = {}
    if user is not None:
        http = HttpClient()
        http.force_login(user)
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME].value}"
    query = f"?last_seq={last_seq}" if last_seq is not None else ""
    return connect(
        server.url.replace("http://", "ws://") + f"/ws/quotations/{quotation_id}/{query}",
        origin=origin or server.url,
        additional_headers=headers,
        open_timeout=CEILING,
        close_timeout=CEILING,
    )


def _close_code(socket) -> int:
    """Read until the server closes; the code it closed with."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            socket.recv(timeout=CEILING)
    return closed.value.rcvd.code


def _frame(socket) -> dict:
    return json.loads(socket.recv(timeout=CEILING))


def test_a_foreign_origin_is_refused_at_the_handshake_and_no_login_or_no_invitation_gets_4403(bidding_round, server):
    # given: a user of a hotel that was not invited
    r = bidding_round
    uninvited = HotelUserFactory()
    HotelFactory(city="Sevilla", members=[uninvited])

    # then: another site's page cannot even open the socket
    with pytest.raises(InvalidStatus) as refused:
        _open(server, r.quotation.pk, r.staff, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    # and a socket without a login, or of a hotel not invited, is closed with 4403 before any frame
    for user in (None, uninvited):
        with _open(server, r.quotation.pk, user) as socket:
            assert _close_code(socket) == 4403


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param(b"\x00\x01binary", 4400, id="binary"),
        pytest.param("not json", 4400, id="not json"),
        pytest.param("[1, 2, 3]", 4400, id="json but not an object"),
        pytest.param(json.dumps({"type": "ping", "pad": "x" * 4096}), 4413, id="over 4 KiB"),
    ],
)
def test_a_bad_frame_closes_the_socket_with_its_code(bidding_round, server, frame, code):
    # given: a joined socket
    r = bidding_round
    with _open(server, r.quotation.pk, r.staff) as socket:
        assert _frame(socket)["type"] == "snapshot"
        # when
        socket.send(frame)
        # then
        assert _close_code(socket) == code


def test_the_replay_after_last_seq_is_exactly_the_missed_events_filtered_and_ping_is_answered(bidding_round, server):
    # given: Aurora's socket saw the room up to its snapshot, then dropped
    r = bidding_round
    with _open(server, r.quotation.pk, r.users["aurora"]) as socket:
        seen = _frame(socket)["seq"]

    # when: three events happen meanwhile, one of them not Aurora's business, and it comes back
    message_post(quotation=r.quotation, author=r.staff, body="Uno", audience="hotels")
    message_post(quotation=r.quotation, author=r.staff, body="Para Boreal", audience="hotel", hotel=r.hotels["boreal"])
    quotation_extend_deadline(
        quotation=r.quotation, bid_deadline=timezone.now() + datetime.timedelta(days=4), by=r.staff
    )
    with _open(server, r.quotation.pk, r.users["aurora"], last_seq=seen) as socket:
        frames = [_frame(socket), _frame(socket)]
        socket.send(json.dumps({"type": "ping"}))
        pong = _frame(socket)

    # then: exactly its two, in order, each after the position before it, and the pong
    assert [(f["kind"], f["data"].get("body"), f["after"], f["seq"]) for f in frames] == [
        ("message.posted", "Uno", seen, seen + 1),
        ("deadline.changed", None, seen + 1, seen + 3),
    ]
    assert pong == {"type": "pong"}


@pytest.mark.redis
def test_a_hotel_withdrawn_mid_session_is_closed_with_4403(bidding_round, server):
    # given: Aurora and Boreal in the room; the events reach the server through Redis
    r = bidding_round
    with contextlib.ExitStack() as sockets:
        aurora = sockets.enter_context(_open(server, r.quotation.pk, r.users["aurora"]))
        boreal = sockets.enter_context(_open(server, r.quotation.pk, r.users["boreal"]))
        start = _frame(aurora)["seq"]
        _frame(boreal)

        # when: staff withdraw Aurora's invitation, then write to every hotel
        invitation_withdraw(invitation=r.invitations["aurora"], reason="Sin respuesta", by=r.staff)
        message_post(quotation=r.quotation, author=r.staff, body="Quedan cuatro", audience="hotels")

        # then: Aurora is closed with 4403 and Boreal reads on, its position unbroken
        assert _close_code(aurora) == 4403
        frame = _frame(boreal)
        assert (frame["data"]["body"], frame["after"], frame["seq"]) == ("Quedan cuatro", start, start + 2)
