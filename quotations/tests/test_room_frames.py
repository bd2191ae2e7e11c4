"""Live room frames built once per audience: the audience key of quotations/privacy/room.py and
the per-process frame cache of quotations/consumers.py.

The promise tested: viewers with the same audience for an event get byte-identical frames (so a
process may encode the frame once and send it to all of them), the live frame is the replay's,
and a hotel never shares an audience, or a frame, with another hotel for an event naming either.
"""

import itertools
import json

import pytest
from django.utils import translation

from quotations.consumers import FrameCache
from quotations.events import (
    BidRevised,
    BidSubmitted,
    BidWithdrawn,
    DeadlineChanged,
    InvitationCreated,
    InvitationDeclined,
    InvitationReminded,
    InvitationResent,
    InvitationViewed,
    InvitationWithdrawn,
    MessagePosted,
    QuoteComputed,
    RoomEventKind,
    RoomPayload,
    StatusChanged,
)
from quotations.privacy import Viewer, ViewerKind, room_event_presenter
from quotations.privacy import room as room_privacy
from quotations.privacy.room import event_names, present_event, present_event_for_audience, room_audience

AURORA, BOREAL, CENIT = 7, 8, 9

VIEWERS = {
    "staff level 8": Viewer(kind=ViewerKind.STAFF, user_id=1, staff_level=8),
    "another staff level 8": Viewer(kind=ViewerKind.STAFF, user_id=2, staff_level=8),
    "staff level 3": Viewer(kind=ViewerKind.STAFF, user_id=3, staff_level=3),
    "superuser level 1": Viewer(kind=ViewerKind.STAFF, user_id=4, staff_level=1, is_superuser=True),
    "aurora": Viewer(kind=ViewerKind.HOTEL, user_id=10, hotel_ids=frozenset({AURORA})),
    "aurora's second user": Viewer(kind=ViewerKind.HOTEL, user_id=11, hotel_ids=frozenset({AURORA})),
    "boreal": Viewer(kind=ViewerKind.HOTEL, user_id=12, hotel_ids=frozenset({BOREAL})),
    "aurora and cenit": Viewer(kind=ViewerKind.HOTEL, user_id=13, hotel_ids=frozenset({AURORA, CENIT})),
    "client contact": Viewer(kind=ViewerKind.CLIENT, user_id=20, client_ids=frozenset({5})),
    "another contact": Viewer(kind=ViewerKind.CLIENT, user_id=21, client_ids=frozenset({5})),
}
HOTEL_VIEWERS = [name for name, viewer in VIEWERS.items() if viewer.kind == ViewerKind.HOTEL]


def _message(audience: str, hotel: int | None = None, author_kind: str = "staff") -> MessagePosted:
    return MessagePosted(
        message=40,
        author_kind=author_kind,
        author_name="Lucía Comercial",
        audience=audience,
        hotel=hotel,
        hotel_name={AURORA: "Hotel Aurora", BOREAL: "Hotel Boreal", None: None}[hotel],
        body="¿Incluye parking?",
        sent_at="2026-11-22T10:00:00+00:00",
    )


def _invitation(cls, hotel: int = AURORA, **fields) -> RoomPayload:
    return cls(invitation=3, hotel=hotel, hotel_name="Hotel Aurora", **fields)


# At least one payload of every kind quotations registers; hotel-private kinds name a hotel.
PAYLOADS = [
    _message("hotels"),
    _message("hotel", AURORA),
    _message("client"),
    _message("staff", BOREAL, author_kind="hotel"),
    _message("staff", author_kind="client"),
    _invitation(BidSubmitted, bid=9, revision=1, currency="EUR"),
    _invitation(BidRevised, hotel=BOREAL, bid=9, revision=2, currency="USD"),
    _invitation(BidWithdrawn, bid=9, revision=2),
    _invitation(InvitationCreated),
    _invitation(InvitationViewed, hotel=CENIT),
    _invitation(InvitationDeclined, reason="Completo"),
    _invitation(InvitationWithdrawn),
    _invitation(InvitationResent),
    _invitation(InvitationReminded),
    DeadlineChanged(bid_deadline="2026-12-01T18:00:00+00:00"),
    StatusChanged(from_="draft", to="bidding"),
    StatusChanged(from_="quoted", to="sent"),
    QuoteComputed(pricing=4, price_per_person="812.40", currency="EUR"),
]


def _event(payload: RoomPayload, seq: int = 12) -> dict:
    return {
        "type": "room.event",
        "quotation": 1,
        "seq": seq,
        "kind": payload.kind,
        "data": payload.data(),
        "at": "2026-11-22T10:00:00+00:00",
    }


def _text(event: dict, viewer: Viewer, language: str) -> str | None:
    audience = room_audience(viewer=viewer, names=event_names(event), language=language)
    frame = present_event_for_audience(audience=audience, event=event)
    return None if frame is None else json.dumps(frame)


def test_every_kind_of_quotations_is_covered():
    assert {payload.kind for payload in PAYLOADS} == set(RoomEventKind)


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{p.kind}-{p.data().get('audience', '')}")
def test_viewers_of_one_audience_get_byte_identical_frames_and_the_replay_gets_the_same(payload):
    # given: every kind of viewer, in both languages
    event = _event(payload)
    names = event_names(event)
    seen = [(name, language) for name in VIEWERS for language in ("es", "en")]
    texts = {(name, language): _text(event, VIEWERS[name], language) for name, language in seen}

    for (name, language), (other, other_language) in itertools.combinations(seen, 2):
        same = room_audience(viewer=VIEWERS[name], names=names, language=language) == room_audience(
            viewer=VIEWERS[other], names=names, language=other_language
        )
        # then: one audience, one frame, byte for byte
        if same:
            assert texts[(name, language)] == texts[(other, other_language)], (name, other)
    for name, language in seen:
        # and the frame a socket replays after a gap (built per viewer) is the live one
        with translation.override(language):
            replayed = present_event(viewer=VIEWERS[name], event=event)
        assert texts[(name, language)] == (None if replayed is None else json.dumps(replayed))


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{p.kind}-{p.data().get('audience', '')}")
def test_a_hotel_the_event_names_shares_its_audience_with_no_other_hotel(payload):
    event = _event(payload)
    names = event_names(event)
    for name, other in itertools.combinations(HOTEL_VIEWERS, 2):
        named, other_named = VIEWERS[name].hotel_ids & names.hotels, VIEWERS[other].hotel_ids & names.hotels
        if named != other_named:
            # then: a different key, and whatever one gets is never handed to the other
            a = room_audience(viewer=VIEWERS[name], names=names, language="es")
            b = room_audience(viewer=VIEWERS[other], names=names, language="es")
            assert a != b, (name, other)


def test_a_private_message_to_one_hotel_is_built_for_its_users_and_never_reaches_another_hotel():
    # given: one process's cache, and a message to Aurora alone
    cache = FrameCache()
    event = _event(_message("hotel", AURORA))

    def text(name):
        return cache.text_for(quotation_id=1, event=dict(event), viewer=VIEWERS[name], language="es")

    # when: Aurora's users, then Boreal, then a user of Aurora and Cenit ask for their frame
    aurora, second, boreal, both = (
        text("aurora"),
        text("aurora's second user"),
        text("boreal"),
        text("aurora and cenit"),
    )

    # then: Aurora's users share one encoded frame (the same object), Boreal gets nothing
    assert aurora == (
        '{"type": "event", "seq": 12, "kind": "message.posted", "at": "2026-11-22T10:00:00+00:00", '
        '"data": {"id": 40, "author_kind": "staff", "author_name": "Luc\\u00eda Comercial", "audience": "hotel", '
        '"body": "\\u00bfIncluye parking?", "sent_at": "2026-11-22T10:00:00+00:00"}'
    )
    assert second is aurora and both is aurora
    assert boreal is None
    assert "Hotel Aurora" not in aurora


def test_a_message_to_every_hotel_is_built_once_for_all_of_them():
    # given: a message no hotel is named in
    cache = FrameCache()
    event = _event(_message("hotels"))

    # when: every hotel user and staff ask for their frame
    texts = {
        name: cache.text_for(quotation_id=1, event=dict(event), viewer=VIEWERS[name], language="es") for name in VIEWERS
    }

    # then: one frame for every hotel, another for staff (with the hotel's name field), none for clients
    assert len({id(texts[name]) for name in HOTEL_VIEWERS}) == 1
    assert json.loads(texts["aurora"] + "}")["data"] == {
        "id": 40,
        "author_kind": "staff",
        "author_name": "Lucía Comercial",
        "audience": "hotels",
        "body": "¿Incluye parking?",
        "sent_at": "2026-11-22T10:00:00+00:00",
    }
    assert json.loads(texts["staff level 8"] + "}")["data"]["hotel_name"] is None
    assert texts["client contact"] is None and texts["another contact"] is None


def test_the_language_is_part_of_the_audience():
    # given: the quote sent to the client, whose frame carries a translated label
    cache = FrameCache()
    event = _event(StatusChanged(from_="quoted", to="sent"))

    # when
    spanish = cache.text_for(quotation_id=1, event=event, viewer=VIEWERS["client contact"], language="es")
    english = cache.text_for(quotation_id=1, event=event, viewer=VIEWERS["another contact"], language="en")

    # then
    assert json.loads(spanish + "}")["data"] == {"status": "sent", "status_label": "Enviada al cliente"}
    assert json.loads(english + "}")["data"] == {"status": "sent", "status_label": "Sent to client"}


def test_another_apps_kind_naming_hotels_by_list_is_keyed_by_the_named_hotels(monkeypatch):
    # given: another app's kind for each hotel among those it names (as bookings' rooming list)
    monkeypatch.setattr(room_privacy, "_PRESENTERS", {k: dict(v) for k, v in room_privacy._PRESENTERS.items()})

    @room_event_presenter("rooming.changed", viewers=(ViewerKind.HOTEL,))
    def _rooming_for_hotel(viewer, data):
        return {"booking": data["booking"]} if set(data["hotels"]) & viewer.hotel_ids else None

    cache = FrameCache()
    event = {**_event(_message("hotels")), "kind": "rooming.changed", "data": {"booking": 2, "hotels": [BOREAL, CENIT]}}

    # when
    texts = {
        name: cache.text_for(quotation_id=1, event=event, viewer=VIEWERS[name], language="es") for name in HOTEL_VIEWERS
    }

    # then: Boreal and the user of Aurora and Cenit each get it, Aurora's users do not
    assert json.loads(texts["boreal"] + "}")["data"] == {"booking": 2}
    assert texts["aurora and cenit"] == texts["boreal"] and texts["aurora and cenit"] is not texts["boreal"]
    assert texts["aurora"] is None and texts["aurora's second user"] is None


def test_a_reused_number_never_serves_the_frame_of_another_event():
    # given: a frame cached for event 12 of quotation 1
    cache = FrameCache()
    first = _event(_message("hotels"))
    cache.text_for(quotation_id=1, event=first, viewer=VIEWERS["aurora"], language="es")

    # when: another event arrives under the same number (a database flushed under a running server)
    second = _event(_message("hotel", BOREAL))
    text = cache.text_for(quotation_id=1, event=second, viewer=VIEWERS["aurora"], language="es")

    # then: it is presented afresh: not for Aurora
    assert text is None


def test_the_cache_keeps_only_the_most_recent_events():
    cache = FrameCache(size=2)
    for seq in (1, 2, 3):
        cache.text_for(
            quotation_id=1, event=_event(_message("hotels"), seq=seq), viewer=VIEWERS["aurora"], language="es"
        )
    assert list(cache.events) == [(1, 2), (1, 3)]
