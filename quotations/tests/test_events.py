"""Room event kinds and payloads, and the registry that presents each kind to each viewer."""

import dataclasses

import pytest

from quotations.events import (
    BidSubmitted,
    BidWithdrawn,
    InvitationDeclined,
    MessagePosted,
    RoomEventKind,
    RoomPayload,
    StatusChanged,
)
from quotations.privacy import Viewer, ViewerKind, present_event, room_event_presenter
from quotations.privacy import room as room_privacy

STAFF = Viewer(kind=ViewerKind.STAFF, user_id=1, staff_level=8)
HOTEL = Viewer(kind=ViewerKind.HOTEL, user_id=2, hotel_ids=frozenset({7}))
OTHER_HOTEL = Viewer(kind=ViewerKind.HOTEL, user_id=3, hotel_ids=frozenset({8}))
CLIENT = Viewer(kind=ViewerKind.CLIENT, user_id=4, client_ids=frozenset({5}))


def _event(payload: RoomPayload) -> dict:
    return {"type": "room.event", "quotation": 1, "seq": 3, "kind": payload.kind, "data": payload.data(), "at": "now"}


def test_every_kind_has_one_payload_class_and_payloads_serialise_with_their_field_names():
    # Quotations' own payloads (other apps, such as bookings, add theirs with their own kinds).
    kinds = {cls.kind for cls in _payload_classes() if cls.__module__ == "quotations.events"}
    assert kinds == set(RoomEventKind)
    assert StatusChanged(from_="bidding", to="quoted").data() == {"from": "bidding", "to": "quoted"}
    bid = BidSubmitted(invitation=1, hotel=7, hotel_name="Aurora", bid=9, revision=2, currency="EUR")
    assert bid.data() == {
        "invitation": 1,
        "hotel": 7,
        "hotel_name": "Aurora",
        "bid": 9,
        "revision": 2,
        "currency": "EUR",
    }


def _payload_classes() -> list[type[RoomPayload]]:
    found, todo = [], [RoomPayload]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if "kind" in vars(cls):
            found.append(cls)
    return found


def test_payloads_are_frozen():
    payload = BidWithdrawn(invitation=1, hotel=7, hotel_name="Aurora", bid=9, revision=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        payload.revision = 3


def test_each_viewer_gets_what_its_presenter_builds_and_nothing_else():
    declined = _event(InvitationDeclined(invitation=1, hotel=7, hotel_name="Aurora", reason="Completo"))

    assert present_event(viewer=STAFF, event=declined)["data"] == declined["data"]
    assert present_event(viewer=HOTEL, event=declined)["data"] == {}
    assert present_event(viewer=OTHER_HOTEL, event=declined) is None
    assert present_event(viewer=CLIENT, event=declined) is None


def test_a_message_to_the_client_reaches_staff_and_the_client_only():
    message = _event(
        MessagePosted(
            message=4,
            author_kind="staff",
            author_name="Lucía",
            audience="client",
            hotel=None,
            hotel_name=None,
            body="Su presupuesto",
            sent_at="now",
        )
    )
    assert present_event(viewer=CLIENT, event=message)["data"]["body"] == "Su presupuesto"
    assert present_event(viewer=STAFF, event=message)["data"]["body"] == "Su presupuesto"
    assert present_event(viewer=HOTEL, event=message) is None


def test_another_app_registers_its_own_kind_and_an_unregistered_kind_reaches_no_one(monkeypatch):
    # given: a fresh registry holding what quotations registered
    monkeypatch.setattr(room_privacy, "_PRESENTERS", {k: dict(v) for k, v in room_privacy._PRESENTERS.items()})
    payment = {"type": "room.event", "seq": 9, "kind": "payment.received", "at": "now", "data": {"amount": "100.00"}}
    unknown = {**payment, "kind": "nobody.registered.this"}

    # when: another app registers how its kind is shown to the client
    @room_event_presenter("payment.received", viewers=(ViewerKind.CLIENT,))
    def _payment_for_client(viewer, data):
        return {"amount": data["amount"]}

    # then: only the registered viewer gets a frame; a second registration is refused
    assert present_event(viewer=CLIENT, event=payment)["data"] == {"amount": "100.00"}
    assert present_event(viewer=STAFF, event=payment) is None
    assert [present_event(viewer=v, event=unknown) for v in (STAFF, HOTEL, CLIENT)] == [None, None, None]
    with pytest.raises(ValueError, match="already has a presenter"):
        room_event_presenter("payment.received", viewers=(ViewerKind.CLIENT,))(_payment_for_client)
