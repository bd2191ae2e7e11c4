"""The live room over WebSocket, with Channels' communicator against the real ASGI app.

Service calls run inside `django_capture_on_commit_callbacks(execute=True)` so
that the after-commit publish really happens, as it does in production.
"""

import asyncio
import datetime
import json
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone
from uvicorn.protocols.utils import ClientDisconnected

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from quotations import consumers
from quotations.factories import ClientFactory, HotelFactory, bid_lines_full, quotation_make
from quotations.models import HotelBid, InvitationStatus, RoomEvent
from quotations.privacy import ViewerKind
from quotations.services import (
    bid_revise,
    invitation_withdraw,
    message_post,
    quotation_extend_deadline,
    quotation_price,
    quotation_send,
    room_group,
)
from quotations.tests.conftest import HOTELS
from spirittours.asgi import application

# Consumers close stale connections around their database work, as in production;
# inside a test transaction that would close the test's own connection.
pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")
TIMEOUT = 3


@pytest.fixture(autouse=True)
def _no_heartbeat_unless_asked(settings):
    # A heartbeat frame in the middle of a scenario would be noise; the tests of the
    # heartbeat set their own interval.
    settings.ROOM_HEARTBEAT_SECONDS = 3600


def _cookie_for(user) -> tuple[bytes, bytes]:
    http = HttpClient()
    http.force_login(user)
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME].value}".encode())


class Socket:
    """One WebsocketCommunicator; use it inside a scenario run by `run`, on one event loop."""

    def __init__(self, quotation_id: int, user=None, *, origin=ORIGIN, last_seq: int | None = None):
        path = f"/ws/quotations/{quotation_id}/" + (f"?last_seq={last_seq}" if last_seq is not None else "")
        headers = [origin] + ([_cookie_for(user)] if user is not None else [])
        self.communicator = WebsocketCommunicator(application, path, headers=headers)

    async def connect(self):
        return await self.communicator.connect(timeout=TIMEOUT)

    async def receive(self) -> dict:
        return await self.communicator.receive_json_from(timeout=TIMEOUT)

    async def receive_output(self) -> dict:
        return await self.communicator.receive_output(timeout=TIMEOUT)

    async def nothing(self) -> bool:
        return await self.communicator.receive_nothing(timeout=0.3)

    async def close(self):
        await self.communicator.disconnect()


def run(scenario):
    """Run an async scenario; its database work comes back to this thread (and transaction)."""
    async_to_sync(scenario)()


def db(function, *args, **kwargs):
    return database_sync_to_async(function)(*args, **kwargs)


async def _joined(quotation_id, user, last_seq=None) -> tuple[Socket, dict]:
    socket = Socket(quotation_id, user, last_seq=last_seq)
    connected, _ = await socket.connect()
    assert connected
    return socket, await socket.receive()


async def _refused_code(socket: Socket) -> int:
    connected, code = await socket.connect()
    if not connected:
        return code
    output = await socket.receive_output()
    assert output["type"] == "websocket.close"
    return output["code"]


@pytest.fixture
def room(bidding_round, django_capture_on_commit_callbacks):
    r = bidding_round

    def committed(work):
        """Run `work` and then its after-commit callbacks, as a real commit would."""

        def inner():
            with django_capture_on_commit_callbacks(execute=True):
                return work()

        return db(inner)

    r.committed = committed
    return r


# --- Who may join ---------------------------------------------------------------------


def test_refusals(room):
    r = room
    foreign_client = ClientContactFactory()
    ClientFactory(contacts=[foreign_client])
    uninvited = HotelUserFactory()
    HotelFactory(city="Sevilla", members=[uninvited])
    pk = r.quotation.pk
    sockets = {
        "no session": Socket(pk),
        "own client before the quote is sent": Socket(pk, r.contact),
        "client of another quotation": Socket(pk, foreign_client),
        "uninvited hotel": Socket(pk, uninvited),
    }
    foreign_origin = Socket(pk, r.staff, origin=(b"origin", b"https://evil.example"))

    async def scenario():
        codes = {name: await _refused_code(socket) for name, socket in sockets.items()}
        assert codes == dict.fromkeys(sockets, 4403)
        connected, _ = await foreign_origin.connect()
        assert connected is False

    run(scenario)


def test_snapshot_per_viewer(room):
    r = room
    staff_socket, boreal_socket = Socket(r.quotation.pk, r.staff), Socket(r.quotation.pk, r.users["boreal"])

    async def scenario():
        await r.committed(
            lambda: message_post(
                quotation=r.quotation, author=r.users["aurora"], body="¿Incluye parking?", audience="staff"
            )
        )
        for socket in (staff_socket, boreal_socket):
            assert (await socket.connect())[0]
        staff_snapshot, boreal_snapshot = await staff_socket.receive(), await boreal_socket.receive()
        assert staff_snapshot["type"] == boreal_snapshot["type"] == "snapshot"
        assert {i["hotel_name"] for i in staff_snapshot["data"]["invitations"]} == {
            name for name, *_ in HOTELS.values()
        }
        assert [m["body"] for m in staff_snapshot["data"]["messages"]] == ["¿Incluye parking?"]
        assert boreal_snapshot["data"] == {
            "bidding_open": True,
            "bid_deadline": r.quotation.bid_deadline.isoformat(),
            "messages": [],
        }
        await staff_socket.close()
        await boreal_socket.close()

    run(scenario)


# --- Live frames, filtered per viewer ---------------------------------------------------


def _revise(r, key, rates):
    return bid_revise(
        invitation=r.invitations[key],
        lines=bid_lines_full(quotation=r.quotation, hotel=r.hotels[key], rates={**rates, "twin": "1", "triple": "1"}),
        currency=r.hotels[key].currency,
        valid_until=timezone.localdate() + datetime.timedelta(days=15),
        by=r.users[key],
    )


def _sockets(r, *keys):
    return [Socket(r.quotation.pk, r.staff if key == "staff" else r.users[key]) for key in keys]


async def _join_all(sockets):
    for socket in sockets:
        assert (await socket.connect())[0]
        snapshot = await socket.receive()
        assert snapshot["type"] == "snapshot"
        socket.last_seq = snapshot["seq"]


def test_bid_frames_are_filtered_per_viewer(room):
    r = room
    staff, aurora, boreal = _sockets(r, "staff", "aurora", "boreal")

    async def scenario():
        await _join_all([staff, aurora, boreal])
        bid = await r.committed(lambda: _revise(r, "aurora", {"single": "79.99", "double": "94.44"}))
        staff_frame, aurora_frame = await staff.receive(), await aurora.receive()
        assert staff_frame["kind"] == aurora_frame["kind"] == "bid.revised"
        assert (staff_frame["data"]["hotel_name"], staff_frame["data"]["bid"]) == ("Hotel Aurora Triana", bid.pk)
        assert aurora_frame["data"] == {"revision": 2}
        assert await boreal.nothing()
        for socket in (staff, aurora, boreal):
            await socket.close()

    run(scenario)


def test_messages_reach_only_their_audience(room):
    r = room
    staff, aurora, boreal = _sockets(r, "staff", "aurora", "boreal")

    async def scenario():
        await _join_all([staff, aurora, boreal])
        await r.committed(
            lambda: message_post(
                quotation=r.quotation, author=r.users["boreal"], body="¿Aceptan 3 dobles más?", audience="staff"
            )
        )
        assert (await staff.receive())["data"]["body"] == "¿Aceptan 3 dobles más?"
        assert (await boreal.receive())["data"]["body"] == "¿Aceptan 3 dobles más?"  # its own question
        assert await aurora.nothing()

        answer = await r.committed(
            lambda: message_post(
                quotation=r.quotation, author=r.staff, body="Sí, hasta 12.", audience="hotel", hotel=r.hotels["boreal"]
            )
        )
        assert (await boreal.receive())["data"] == {
            "id": answer.pk,
            "author_kind": "staff",
            "author_name": r.staff.full_name,
            "audience": "hotel",
            "body": "Sí, hasta 12.",
            "sent_at": answer.created_at.isoformat(),
        }
        assert (await staff.receive())["data"]["hotel_name"] == "Hotel Boreal Macarena"
        assert await aurora.nothing()

        await r.committed(
            lambda: message_post(
                quotation=r.quotation, author=r.staff, body="Recordatorio del plazo", audience="hotels"
            )
        )
        bodies = [(await socket.receive())["data"]["body"] for socket in (aurora, boreal, staff)]
        assert bodies == ["Recordatorio del plazo"] * 3
        for socket in (staff, aurora, boreal):
            await socket.close()

    run(scenario)


def test_client_sees_status_and_its_messages_not_prices(room):
    r = room
    r.close()

    def price_and_send():
        quotation_price(quotation=r.quotation, by=r.staff)
        quotation_send(quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=5), by=r.staff)

    client = Socket(r.quotation.pk, r.contact)

    async def scenario():
        await r.committed(price_and_send)
        assert (await client.connect())[0]
        snapshot = await client.receive()
        assert (snapshot["data"]["status"], snapshot["data"]["messages"]) == ("sent", [])
        await r.committed(
            lambda: message_post(
                quotation=r.quotation, author=r.staff, body="Le enviamos la cotización.", audience="client"
            )
        )
        await r.committed(lambda: message_post(quotation=r.quotation, author=r.staff, body="Nota", audience="hotels"))
        frame = await client.receive()
        assert (frame["kind"], frame["data"]["body"]) == ("message.posted", "Le enviamos la cotización.")
        assert await client.nothing()
        await client.close()

    run(scenario)


# --- Replay after a dropped socket ------------------------------------------------------


def test_reconnect_gets_exactly_the_missed_events_filtered(room):
    r = room

    def missed_events():
        message_post(quotation=r.quotation, author=r.staff, body="Uno", audience="hotels")
        _revise(r, "boreal", {"single": "84.00", "double": "99.00"})  # not Aurora's business
        quotation_extend_deadline(
            quotation=r.quotation, bid_deadline=timezone.now() + datetime.timedelta(days=4), by=r.staff
        )
        message_post(quotation=r.quotation, author=r.staff, body="Tres", audience="hotel", hotel=r.hotels["aurora"])

    async def scenario():
        first = await db(Socket, r.quotation.pk, r.users["aurora"])
        assert (await first.connect())[0]
        snapshot = await first.receive()
        await first.close()  # the socket dies mid-stream
        await r.committed(missed_events)
        again = await db(Socket, r.quotation.pk, r.users["aurora"], last_seq=snapshot["seq"])
        assert (await again.connect())[0]
        frames = [await again.receive() for _ in range(3)]
        assert [(f["kind"], f["data"].get("body")) for f in frames] == [
            ("message.posted", "Uno"),
            ("deadline.changed", None),
            ("message.posted", "Tres"),
        ]
        assert [f["seq"] for f in frames] == sorted(f["seq"] for f in frames)
        assert await again.nothing()
        await again.close()

    run(scenario)


def test_far_behind_or_future_seq_gets_a_snapshot(room):
    r = room
    latest = RoomEvent.objects.filter(quotation=r.quotation).count()
    socket = Socket(r.quotation.pk, r.staff, last_seq=latest + 50)

    async def scenario():
        assert (await socket.connect())[0]
        frame = await socket.receive()
        assert (frame["type"], frame["seq"]) == ("snapshot", latest)
        await socket.close()

    run(scenario)


# --- Losing access mid-session ----------------------------------------------------------


def test_withdrawn_hotel_is_closed_with_4403(room):
    r = room
    aurora, boreal = _sockets(r, "aurora", "boreal")
    later = Socket(r.quotation.pk, r.users["aurora"])

    async def scenario():
        await _join_all([aurora, boreal])
        await r.committed(
            lambda: invitation_withdraw(invitation=r.invitations["aurora"], reason="Sin respuesta", by=r.staff)
        )
        assert await aurora.receive_output() == {"type": "websocket.close", "code": 4403}
        assert await boreal.nothing()
        assert await _refused_code(later) == 4403
        await boreal.close()

    run(scenario)
    r.invitations["aurora"].refresh_from_db()
    assert r.invitations["aurora"].status == InvitationStatus.WITHDRAWN
    assert HotelBid.objects.get(pk=r.bids["aurora"].pk).status == "withdrawn"


# --- The same filtering on channels-redis ----------------------------------------------


@pytest.mark.redis
@pytest.mark.parametrize(
    "backend", ["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"]
)
def test_redis_layer_shared_dict_never_leaks_between_viewers(room, settings, backend):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": backend,
            "CONFIG": {
                "hosts": [{"address": settings.REDIS_URL, "socket_timeout": 30}],
                "prefix": "spirittours-test",
            },
        }
    }
    r = room
    # A hotel and staff in one process: channels-redis hands both the same dict.
    boreal, staff, aurora = _sockets(r, "boreal", "staff", "aurora")

    def two_revisions():
        _revise(r, "boreal", {"single": "83.33", "double": "98.88"})
        _revise(r, "aurora", {"single": "77.77", "double": "93.33"})

    async def scenario():
        await _join_all([boreal, staff, aurora])
        await r.committed(two_revisions)
        boreal_frame, aurora_frame = await boreal.receive(), await aurora.receive()
        staff_frames = [await staff.receive(), await staff.receive()]
        assert boreal_frame["data"] == aurora_frame["data"] == {"revision": 2}
        assert [f["data"]["hotel_name"] for f in staff_frames] == ["Hotel Boreal Macarena", "Hotel Aurora Triana"]
        assert all(set(f["data"]) >= {"hotel", "hotel_name", "bid", "revision", "currency"} for f in staff_frames)
        assert await boreal.nothing() and await aurora.nothing()
        for socket in (boreal, staff, aurora):
            await socket.close()

    run(scenario)


# --- Frames from the browser ------------------------------------------------------------


@pytest.fixture
def draft_room():
    staff = StaffFactory()
    return SimpleNamespace(quotation=quotation_make(owner=staff), staff=staff)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param({"bytes": b"\x00\x01binary"}, 4400, id="binary"),
        pytest.param({"text": "not json"}, 4400, id="not json"),
        pytest.param({"text": ""}, 4400, id="empty"),
        pytest.param({"text": "[1, 2, 3]"}, 4400, id="json but not an object"),
        pytest.param({"text": json.dumps({"type": "ping", "pad": "x" * 4096})}, 4413, id="over 4 KiB"),
        pytest.param(
            {"text": json.dumps({"type": "ping", "pad": "ñ" * 2100}, ensure_ascii=False)},
            4413,
            id="2,100 characters but over 4 KiB in UTF-8",
        ),
    ],
)
def test_a_bad_frame_closes_the_socket_with_its_code(draft_room, frame, code):
    # given: a joined socket
    socket = Socket(draft_room.quotation.pk, draft_room.staff)

    async def scenario():
        await socket.connect()
        assert (await socket.receive())["type"] == "snapshot"
        # when: the frame as daphne hands it over (send_to cannot send an empty text)
        await socket.communicator.send_input({"type": "websocket.receive", **frame})
        # then: the next and only output is the close, and the consumer ends without raising
        assert await socket.receive_output() == {"type": "websocket.close", "code": code}
        await socket.close()  # re-raises anything the consumer raised
        assert socket.communicator.future.exception() is None

    run(scenario)


def test_unknown_frames_are_ignored_and_ping_is_answered(draft_room):
    socket = Socket(draft_room.quotation.pk, draft_room.staff)

    async def scenario():
        await socket.connect()
        await socket.receive()
        for content in ({"type": "subscribe", "room": 7}, {"no": "type"}, {"type": "ping"}):
            await socket.communicator.send_json_to(content)
        assert await socket.receive() == {"type": "pong"}  # the first answer is the ping's
        assert await socket.nothing()
        await socket.close()

    run(scenario)


# --- Lost channel-layer messages --------------------------------------------------------

CEILING = 30  # seconds, for waits on the heartbeat; CI shares two cores


@pytest.fixture
def lossy_layer(monkeypatch):
    """The channel layer loses group messages while `losing` is set, as Redis does
    during an outage; `deliver` sends a message anyway (late, or a layer's notice)."""
    layer = get_channel_layer()
    deliver = layer.group_send
    state = SimpleNamespace(losing=False, lost=[], deliver=deliver)

    async def group_send(group, message):
        if state.losing:
            state.lost.append(message)
            return
        await deliver(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)
    return state


@pytest.fixture
def catch_ups(monkeypatch):
    """Every database read the consumer makes to catch up, by kind."""
    calls = []
    catch_up, latest = consumers.room_catch_up, consumers.room_latest_seq

    def counted_catch_up(**kwargs):
        calls.append("catch_up")
        return catch_up(**kwargs)

    def counted_latest(*, quotation_id):
        calls.append("latest")
        return latest(quotation_id=quotation_id)

    monkeypatch.setattr(consumers, "room_catch_up", counted_catch_up)
    monkeypatch.setattr(consumers, "room_latest_seq", counted_latest)
    return calls


def _post(r, body, audience="hotels", hotel=None, author=None):
    return r.committed(
        lambda: message_post(quotation=r.quotation, author=author or r.staff, body=body, audience=audience, hotel=hotel)
    )


def _event_bodies(frames):
    return [(f["seq"], f["after"], f["data"].get("body")) for f in frames if f["type"] == "event"]


def test_in_order_events_read_nothing_and_a_hole_in_the_numbers_is_filled_from_the_database(
    room, lossy_layer, catch_ups
):
    r = room
    staff, boreal = _sockets(r, "staff", "boreal")

    async def scenario():
        await _join_all([staff, boreal])
        start = staff.last_seq
        del catch_ups[:]
        # given: an event delivered in order costs no database read
        await _post(r, "Uno")
        assert [(await s.receive())["data"]["body"] for s in (staff, boreal)] == ["Uno", "Uno"]
        assert catch_ups == []

        # when: the next event is lost on the way and the one after it arrives
        lossy_layer.losing = True
        await _post(r, "Dos")
        lossy_layer.losing = False
        await _post(r, "Tres", audience="client")  # not Boreal's business

        # then: each socket fills the hole from the database, in order, once
        staff_frames = [await staff.receive(), await staff.receive()]
        boreal_frame = await boreal.receive()
        assert _event_bodies(staff_frames) == [(start + 2, start + 1, "Dos"), (start + 3, start + 2, "Tres")]
        assert _event_bodies([boreal_frame]) == [(start + 2, start + 1, "Dos")]
        assert catch_ups == ["catch_up", "catch_up"]

        # and the lost message, should it turn up late, is not shown twice
        (late,) = lossy_layer.lost
        await lossy_layer.deliver(room_group(r.quotation.pk), late)
        assert await staff.nothing() and await boreal.nothing()
        for socket in (staff, boreal):
            await socket.close()

    run(scenario)


def test_the_layers_reconnect_notice_replays_what_was_lost_per_viewer(room, lossy_layer):
    r = room
    staff, aurora, boreal = _sockets(r, "staff", "aurora", "boreal")

    async def scenario():
        await _join_all([staff, aurora, boreal])
        start = staff.last_seq
        # given: two events lost while Redis was away
        lossy_layer.losing = True
        await _post(r, "Para Aurora", audience="hotel", hotel=r.hotels["aurora"])
        await _post(r, "Para todos")
        lossy_layer.losing = False
        assert await staff.nothing() and await aurora.nothing() and await boreal.nothing()

        # when: the layer tells every consumer it is connected again
        await lossy_layer.deliver(room_group(r.quotation.pk), {"type": "layer.reconnected"})

        # then
        assert _event_bodies([await staff.receive(), await staff.receive()]) == [
            (start + 1, start, "Para Aurora"),
            (start + 2, start + 1, "Para todos"),
        ]
        assert _event_bodies([await aurora.receive(), await aurora.receive()]) == [
            (start + 1, start, "Para Aurora"),
            (start + 2, start + 1, "Para todos"),
        ]
        assert _event_bodies([await boreal.receive()]) == [(start + 2, start, "Para todos")]
        assert await staff.nothing() and await aurora.nothing() and await boreal.nothing()
        for socket in (staff, aurora, boreal):
            await socket.close()

    run(scenario)


def test_a_hotel_withdrawn_during_the_gap_is_closed_not_caught_up(room, lossy_layer):
    r = room
    aurora, boreal = _sockets(r, "aurora", "boreal")

    async def scenario():
        await _join_all([aurora, boreal])
        lossy_layer.losing = True
        await r.committed(
            lambda: invitation_withdraw(invitation=r.invitations["aurora"], reason="Sin respuesta", by=r.staff)
        )
        await _post(r, "Solo quedan cuatro hoteles")
        lossy_layer.losing = False
        await lossy_layer.deliver(room_group(r.quotation.pk), {"type": "layer.reconnected"})
        assert await aurora.receive_output() == {"type": "websocket.close", "code": 4403}
        assert (await boreal.receive())["data"]["body"] == "Solo quedan cuatro hoteles"
        await boreal.close()

    run(scenario)


def test_sockets_of_one_audience_share_one_encoded_frame_each_with_its_own_position(room, monkeypatch):
    # given: staff, two users of Aurora and Boreal's user in one process, counting the frames built
    r = room
    second = HotelUserFactory(full_name="Recepción Aurora")
    r.hotels["aurora"].members.add(second)
    built = []
    present = consumers.present_event_for_audience

    def counted(*, audience, event):
        built.append((event["data"]["body"], audience.kind, sorted(audience.hotel_ids)))
        return present(audience=audience, event=event)

    monkeypatch.setattr(consumers, "present_event_for_audience", counted)
    consumers.FRAMES.clear()
    staff, aurora, boreal = _sockets(r, "staff", "aurora", "boreal")
    aurora_again = Socket(r.quotation.pk, second)

    async def texts(socket, count):
        return [(await socket.receive_output())["text"] for _ in range(count)]

    async def scenario():
        await _join_all([staff, aurora, aurora_again, boreal])
        start = staff.last_seq
        # when: a message to Aurora alone, then one to every hotel
        private = await _post(r, "Solo Aurora", audience="hotel", hotel=r.hotels["aurora"])
        everyone = await _post(r, "Todos")
        staff_texts, aurora_texts = await texts(staff, 2), await texts(aurora, 2)
        aurora_again_texts, boreal_texts = await texts(aurora_again, 2), await texts(boreal, 1)
        assert await boreal.nothing()

        # then: each socket's frame is the presented frame with its own position last
        def frame(message, seq, after, **extra):
            data = {
                "id": message.pk,
                "author_kind": "staff",
                "author_name": r.staff.full_name,
                "audience": message.audience,
                **extra,
                "body": message.body,
                "sent_at": message.created_at.isoformat(),
            }
            at = RoomEvent.objects.get(quotation=r.quotation, seq=seq).created_at.isoformat()
            return json.dumps(
                {"type": "event", "seq": seq, "kind": "message.posted", "at": at, "data": data, "after": after}
            )

        expected = await db(
            lambda: {
                "aurora": [frame(private, start + 1, start), frame(everyone, start + 2, start + 1)],
                "boreal": [frame(everyone, start + 2, start)],
                "staff": [
                    frame(private, start + 1, start, hotel_name="Hotel Aurora Triana"),
                    frame(everyone, start + 2, start + 1, hotel_name=None),
                ],
            }
        )
        assert aurora_texts == aurora_again_texts == expected["aurora"]
        assert boreal_texts == expected["boreal"]
        # staff's frames carry the hotel's name, in the field order the presenter builds
        assert [json.loads(t) for t in staff_texts] == [json.loads(t) for t in expected["staff"]]

        # and each event was presented once per audience: Aurora's two users and, for the
        # message to every hotel, all three hotel sockets shared one
        aurora_id = r.hotels["aurora"].pk
        assert sorted(built) == [
            ("Solo Aurora", ViewerKind.HOTEL, []),
            ("Solo Aurora", ViewerKind.HOTEL, [aurora_id]),
            ("Solo Aurora", ViewerKind.STAFF, []),
            ("Todos", ViewerKind.HOTEL, []),
            ("Todos", ViewerKind.STAFF, []),
        ]
        for socket in (staff, aurora, aurora_again, boreal):
            await socket.close()

    run(scenario)


async def _until_heartbeat(socket: "Socket", seq: int) -> list[dict]:
    """Frames up to and including the first heartbeat at `seq` or later."""
    frames = []
    async with asyncio.timeout(CEILING):
        while not frames or frames[-1]["type"] != "heartbeat" or frames[-1]["seq"] < seq:
            frames.append(await socket.communicator.receive_json_from(timeout=CEILING))
    return frames


def test_the_heartbeat_catches_up_a_quiet_socket(room, lossy_layer, settings, catch_ups):
    settings.ROOM_HEARTBEAT_SECONDS = 0.2
    r = room
    staff, aurora, boreal = _sockets(r, "staff", "aurora", "boreal")

    async def scenario():
        await _join_all([staff, aurora, boreal])
        start = staff.last_seq
        # given: the last event of a quiet spell is lost; nothing comes after it
        lossy_layer.losing = True
        await _post(r, "Último aviso", audience="hotel", hotel=r.hotels["aurora"])

        # then: within a beat each socket is served up to it, from the database
        staff_frames, aurora_frames, boreal_frames = [
            await _until_heartbeat(socket, start + 1) for socket in (staff, aurora, boreal)
        ]
        for frames in (staff_frames, aurora_frames):
            assert _event_bodies(frames) == [(start + 1, start, "Último aviso")]
            assert frames[-1] == {"type": "heartbeat", "seq": start + 1, "after": start + 1}
        # Boreal may not read it: its heartbeat moves it past the event, and it is no gap
        assert _event_bodies(boreal_frames) == []
        assert boreal_frames[-1] == {"type": "heartbeat", "seq": start + 1, "after": start}
        # every beat before it found nothing new and sent only itself
        assert all(f == {"type": "heartbeat", "seq": start, "after": start} for f in boreal_frames[:-1])
        assert catch_ups.count("catch_up") == 3 + 3  # one on joining and one on catching up, per socket
        for socket in (staff, aurora, boreal):
            await socket.close()

    run(scenario)


def test_the_heartbeat_leaves_events_in_flight_to_the_layer(room, lossy_layer, settings, catch_ups, monkeypatch):
    settings.ROOM_HEARTBEAT_SECONDS = 0.2
    monkeypatch.setattr(consumers, "IN_FLIGHT_SECONDS", CEILING)
    r = room
    staff, boreal = _sockets(r, "staff", "boreal")

    async def scenario():
        await _join_all([staff, boreal])
        start = staff.last_seq
        # given: an event recorded but held up on its way through the layer
        lossy_layer.losing = True
        await _post(r, "En camino")
        lossy_layer.losing = False
        del catch_ups[:]
        # when: each socket's heartbeat has read the room ahead of it, and then the event arrives
        async with asyncio.timeout(CEILING):
            while catch_ups.count("latest") < 2:
                await asyncio.sleep(0.05)
        (held,) = lossy_layer.lost
        await lossy_layer.deliver(room_group(r.quotation.pk), held)

        # then: each socket gets it live, once, and its heartbeat read nothing more from the database
        for socket in (staff, boreal):
            frames = await _until_heartbeat(socket, start + 1)
            assert _event_bodies(frames) == [(start + 1, start, "En camino")]
            assert frames[-1] == {"type": "heartbeat", "seq": start + 1, "after": start + 1}
        assert "catch_up" not in catch_ups
        for socket in (staff, boreal):
            await socket.close()

    run(scenario)


class BrowserGone:
    """The server's end of one socket, which refuses sends once the browser has gone, as uvicorn does."""

    def __init__(self, refusal: Exception):
        self.refusal = refusal
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.sent: list[dict] = []
        self.refused = 0
        self.gone = False

    async def receive(self) -> dict:
        return await self.inbox.get()

    async def send(self, message: dict) -> None:
        if self.gone:
            self.refused += 1
            raise self.refusal
        self.sent.append(message)


async def _until(condition) -> None:
    async with asyncio.timeout(CEILING):
        while not condition():
            await asyncio.sleep(0.01)


def _beats() -> list[asyncio.Task]:
    return [task for task in asyncio.all_tasks() if task.get_coro().__qualname__ == "QuotationRoomConsumer._beat"]


@pytest.mark.parametrize(
    ("refusal", "ends_with"),
    [
        pytest.param(ClientDisconnected(), None, id="uvicorn: the browser closed"),
        pytest.param(
            RuntimeError("Unexpected ASGI message 'websocket.send', after sending 'websocket.close'."),
            None,
            id="uvicorn: it read the close first",
        ),
        pytest.param(ValueError("anything else"), ValueError, id="an error of the consumer"),
    ],
)
def test_a_socket_whose_browser_has_gone_ends_and_its_heartbeat_with_it(room, settings, refusal, ends_with):
    settings.ROOM_HEARTBEAT_SECONDS = 0.2
    r = room
    path = f"/ws/quotations/{r.quotation.pk}/"
    scope = {
        "type": "websocket",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [ORIGIN, _cookie_for(r.staff)],
        "subprotocols": [],
    }

    async def scenario():
        # given: staff's socket, joined, beating
        server = BrowserGone(refusal)
        consumer = asyncio.create_task(application(scope, server.receive, server.send))
        await server.inbox.put({"type": "websocket.connect"})
        await _until(lambda: len(server.sent) == 2 and _beats())
        assert [m["type"] for m in server.sent] == ["websocket.accept", "websocket.send"]

        # when: the browser goes, an event is sent its way, and the server's disconnect follows
        server.gone = True
        await _post(r, "Nadie lo leerá")
        await _until(lambda: server.refused)
        await server.inbox.put({"type": "websocket.disconnect", "code": 1006})

        # then: the consumer ends (quietly, unless the error was its own) and no heartbeat outlives it
        if ends_with is None:
            await asyncio.wait_for(consumer, CEILING)
        else:
            with pytest.raises(ends_with):
                await asyncio.wait_for(consumer, CEILING)
        await _until(lambda: not _beats())

    run(scenario)
