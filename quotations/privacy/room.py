"""What each viewer may see of a quotation's live room: who may join, each
event's frame for that viewer, the snapshot, and the replay after a reconnect.

Frames are built from scratch; nothing here mutates the incoming event dict
(the in-memory layer and older channels-redis versions hand one dict to every
consumer of a process). Events a viewer may not see give None and are not sent.

Audience. A frame is built for a `RoomAudience`, never for the person: the
viewer's kind, staff level, language, and of its hotels and clients only those
the event names (the `hotel`/`hotels`, `client`/`clients` fields of its data).
Presenters are handed a Viewer rebuilt from the audience (no user id, no other
hotel), so a frame is a function of the event and the audience alone: viewers
with the same audience for an event get the same frame, byte for byte, and a
live room may build and encode it once for all of them (quotations/consumers.py).
A hotel the event names has an audience of its own, which no other hotel shares.
"""

import copy
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.utils import translation

from quotations.events import RoomEventKind
from quotations.models import (
    MessageAudience,
    Quotation,
    QuotationStatus,
    RoomEvent,
    RoomMessage,
)
from quotations.privacy.access import (
    CLIENT_STATUSES,
    Viewer,
    ViewerKind,
    invitations_visible,
    quotations_visible,
)
from quotations.selectors import room_latest_seq

# A client further behind than this gets a fresh snapshot instead of a replay.
REPLAY_LIMIT = 200
SNAPSHOT_MESSAGES = 100
K = RoomEventKind
HOTEL_OWN_EVENTS = frozenset(
    {
        K.BID_SUBMITTED,
        K.BID_REVISED,
        K.BID_WITHDRAWN,
        K.INVITATION_CREATED,
        K.INVITATION_VIEWED,
        K.INVITATION_DECLINED,
        K.INVITATION_WITHDRAWN,
    }
)

# invitation.resent and invitation.reminded are not among them: what staff email a hotel is
# staff's own bookkeeping (the hotel has the email itself), so only staff have a presenter.

# How each kind of event is shown to each kind of viewer: kind -> viewer kind -> presenter.
# A presenter builds a NEW payload dict from the event's data, or returns None (nothing sent).
# It sees the audience's Viewer (see the module docstring): no user id, and of the viewer's
# hotels and clients only those the event names, so it asks "is the hotel this event names
# one of the viewer's?", which is all it may ask. A kind or viewer without a presenter sees
# nothing. Another app registers its own kinds (payments: "payment.received") from its own
# privacy code with `room_event_presenter`.
EventPresenter = Callable[[Viewer, dict], dict | None]
_PRESENTERS: dict[str, dict[ViewerKind, EventPresenter]] = {}


def room_event_presenter(*kinds: str, viewers: Iterable[ViewerKind]) -> Callable[[EventPresenter], EventPresenter]:
    """Register the decorated function as the presenter of `kinds` for `viewers`."""

    def register(presenter: EventPresenter) -> EventPresenter:
        for kind in kinds:
            for viewer_kind in viewers:
                if viewer_kind in _PRESENTERS.get(kind, {}):
                    raise ValueError(f"{kind} already has a presenter for {viewer_kind}")
                _PRESENTERS.setdefault(kind, {})[viewer_kind] = presenter
        return presenter

    return register


def room_may_join(*, viewer: Viewer, quotation_id: int) -> bool:
    if viewer.kind == ViewerKind.STAFF:
        return Quotation.objects.filter(pk=quotation_id).exists()
    if viewer.kind == ViewerKind.CLIENT:
        return quotations_visible(viewer=viewer).filter(pk=quotation_id).exists()
    if viewer.kind == ViewerKind.HOTEL:
        return invitations_visible(viewer=viewer).filter(quotation_id=quotation_id).exists()
    return False


def message_visible(*, viewer: Viewer, audience: str, author_kind: str, hotel_id: int | None) -> bool:
    """Staff read everything; a hotel reads what went to every hotel, to it, or its own
    questions; a client reads what went to the client and its own messages."""
    if viewer.kind == ViewerKind.STAFF:
        return True
    if viewer.kind == ViewerKind.HOTEL:
        if audience == MessageAudience.ALL_HOTELS:
            return True
        own = hotel_id is not None and hotel_id in viewer.hotel_ids
        return own and (
            audience == MessageAudience.HOTEL or (audience == MessageAudience.STAFF and author_kind == "hotel")
        )
    if viewer.kind == ViewerKind.CLIENT:
        return audience == MessageAudience.CLIENT or (audience == MessageAudience.STAFF and author_kind == "client")
    return False


def _message_frame(*, viewer: Viewer, data: dict) -> dict:
    frame = {
        "id": data["message"],
        "author_kind": data["author_kind"],
        "author_name": data["author_name"],
        "audience": data["audience"],
        "body": data["body"],
        "sent_at": data["sent_at"],
    }
    if viewer.kind == ViewerKind.STAFF:
        frame["hotel_name"] = data["hotel_name"]
    return frame


@room_event_presenter(K.MESSAGE_POSTED, viewers=(ViewerKind.STAFF, ViewerKind.HOTEL, ViewerKind.CLIENT))
def _message_posted(viewer: Viewer, data: dict) -> dict | None:
    visible = message_visible(
        viewer=viewer, audience=data["audience"], author_kind=data["author_kind"], hotel_id=data["hotel"]
    )
    return _message_frame(viewer=viewer, data=data) if visible else None


@room_event_presenter(*(kind for kind in K if kind != K.MESSAGE_POSTED), viewers=(ViewerKind.STAFF,))
def _everything_for_staff(viewer: Viewer, data: dict) -> dict:
    return copy.deepcopy(data)


@room_event_presenter(*HOTEL_OWN_EVENTS, viewers=(ViewerKind.HOTEL,))
def _own_invitation_for_hotel(viewer: Viewer, data: dict) -> dict | None:
    # Only its own invitation, and of its own bids only the revision number.
    if data.get("hotel") not in viewer.hotel_ids:
        return None
    return {"revision": data["revision"]} if "revision" in data else {}


@room_event_presenter(K.DEADLINE_CHANGED, viewers=(ViewerKind.HOTEL,))
def _deadline_for_hotel(viewer: Viewer, data: dict) -> dict:
    return {"bid_deadline": data["bid_deadline"]}


@room_event_presenter(K.STATUS_CHANGED, viewers=(ViewerKind.HOTEL,))
def _bidding_for_hotel(viewer: Viewer, data: dict) -> dict | None:
    # A hotel learns only that bidding opened or closed, never where the quote went next.
    if QuotationStatus.BIDDING not in (data["from"], data["to"]):
        return None
    return {"bidding_open": data["to"] == QuotationStatus.BIDDING}


@room_event_presenter(K.STATUS_CHANGED, viewers=(ViewerKind.CLIENT,))
def _status_for_client(viewer: Viewer, data: dict) -> dict | None:
    if data["to"] not in CLIENT_STATUSES:
        return None
    return {"status": data["to"], "status_label": str(QuotationStatus(data["to"]).label)}


# The data fields through which an event names hotels and clients (an id or a list of ids).
NAMED_HOTEL_FIELDS = ("hotel", "hotels")
NAMED_CLIENT_FIELDS = ("client", "clients")


class EventNames(NamedTuple):
    """The hotels and clients a room event names."""

    hotels: frozenset[int]
    clients: frozenset[int]


def _named(data: dict, fields: tuple[str, ...]) -> frozenset[int]:
    ids: set[int] = set()
    for field in fields:
        value = data.get(field)
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, list | tuple):
            ids.update(v for v in value if isinstance(v, int))
    return frozenset(ids)


def event_names(event: dict) -> EventNames:
    data = event["data"]
    return EventNames(hotels=_named(data, NAMED_HOTEL_FIELDS), clients=_named(data, NAMED_CLIENT_FIELDS))


class RoomAudience(NamedTuple):
    """Everything a room event's frame depends on besides the event (see the module docstring)."""

    kind: ViewerKind
    staff_level: int
    is_superuser: bool
    hotel_ids: frozenset[int]
    client_ids: frozenset[int]
    language: str

    def viewer(self) -> Viewer:
        return Viewer(
            kind=self.kind,
            staff_level=self.staff_level,
            is_superuser=self.is_superuser,
            hotel_ids=self.hotel_ids,
            client_ids=self.client_ids,
        )


def room_audience(*, viewer: Viewer, names: EventNames, language: str) -> RoomAudience:
    """The audience `viewer` belongs to for an event naming `names`, reading it in `language`."""
    return RoomAudience(
        viewer.kind,
        viewer.staff_level,
        viewer.is_superuser,
        viewer.hotel_ids & names.hotels,
        viewer.client_ids & names.clients,
        language,
    )


def _present(audience: RoomAudience, event: dict) -> dict | None:
    kind = event["kind"]
    presenter = _PRESENTERS.get(kind, {}).get(audience.kind)
    payload = presenter(audience.viewer(), event["data"]) if presenter is not None else None
    if payload is None:
        return None
    return {"type": "event", "seq": event["seq"], "kind": kind, "at": event["at"], "data": payload}


def present_event_for_audience(*, audience: RoomAudience, event: dict) -> dict | None:
    """The frame every viewer of `audience` gets for a room event, as a new dict; None if none."""
    with translation.override(audience.language):
        return _present(audience, event)


def present_event(*, viewer: Viewer, event: dict) -> dict | None:
    """The frame `viewer` gets for a room event in the active language, as a new dict; None if
    it gets nothing. The same frame as its audience's (`present_event_for_audience`)."""
    audience = room_audience(viewer=viewer, names=event_names(event), language=translation.get_language())
    return _present(audience, event)


def present_messages(*, viewer: Viewer, quotation_id: int) -> list[dict]:
    """The room messages this viewer may read, oldest first (the newest 100)."""
    rows = (
        RoomMessage.objects.filter(quotation_id=quotation_id)
        .select_related("author", "hotel")
        .order_by("-created_at", "-id")[: SNAPSHOT_MESSAGES * 4]
    )
    visible = [
        _message_frame(
            viewer=viewer,
            data={
                "message": m.pk,
                "author_kind": m.author_kind,
                "author_name": m.author.get_full_name() or m.author.email,
                "audience": m.audience,
                "hotel_name": m.hotel.name if m.hotel else None,
                "body": m.body,
                "sent_at": m.created_at.isoformat(),
            },
        )
        for m in rows
        if message_visible(viewer=viewer, audience=m.audience, author_kind=m.author_kind, hotel_id=m.hotel_id)
    ]
    return list(reversed(visible[:SNAPSHOT_MESSAGES]))


def present_room_snapshot(*, viewer: Viewer, quotation_id: int, seq: int) -> dict:
    """Where the room stands now, for this viewer."""
    quotation = Quotation.objects.get(pk=quotation_id)
    deadline = quotation.bid_deadline.isoformat() if quotation.bid_deadline else None
    if viewer.kind == ViewerKind.STAFF:
        data = {
            "status": quotation.status,
            "status_label": str(quotation.get_status_display()),
            "bid_deadline": deadline,
            "invitations": [
                {
                    "id": inv.pk,
                    "hotel_name": inv.hotel.name,
                    "status": inv.status,
                    "status_label": str(inv.get_status_display()),
                }
                for inv in quotation.invitations.select_related("hotel").order_by("hotel__name")
            ],
        }
    elif viewer.kind == ViewerKind.HOTEL:
        data = {"bidding_open": quotation.status == QuotationStatus.BIDDING, "bid_deadline": deadline}
    else:
        data = {"status": quotation.status, "status_label": str(quotation.get_status_display())}
    data["messages"] = present_messages(viewer=viewer, quotation_id=quotation_id)
    return {"type": "snapshot", "seq": seq, "data": data}


def room_catch_up(*, viewer: Viewer, quotation_id: int, last_seq: int | None) -> tuple[list[dict], int]:
    """Frames for a (re)connecting viewer and the sequence number they bring it up to.

    With a recent `last_seq`: the events after it, filtered. Otherwise (first
    connection, too far behind, or a number from the future): a snapshot.
    """
    latest = room_latest_seq(quotation_id=quotation_id)
    if last_seq is None or last_seq > latest or latest - last_seq > REPLAY_LIMIT:
        return [present_room_snapshot(viewer=viewer, quotation_id=quotation_id, seq=latest)], latest
    events = RoomEvent.objects.filter(quotation_id=quotation_id, seq__gt=last_seq, seq__lte=latest).order_by("seq")
    frames = [frame for event in events if (frame := present_event(viewer=viewer, event=event.as_message()))]
    return frames, latest
