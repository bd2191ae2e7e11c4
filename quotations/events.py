"""The events of a quotation's live room: their kinds and the payload of each.

Only the room service builds them (`room_event_record(quotation=, event=...)`),
so every event of a kind carries the same fields. The row keeps `data()`, the
payload as JSON; how each kind is shown to each viewer is registered in the
privacy module (quotations/privacy/room.py). Another app adds its own kinds
with its own enum and payload classes, and registers their presentation from
its own privacy code, without editing this module.
"""

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, ClassVar


class RoomEventKind(StrEnum):
    BID_SUBMITTED = "bid.submitted"
    BID_REVISED = "bid.revised"
    BID_WITHDRAWN = "bid.withdrawn"
    INVITATION_CREATED = "invitation.created"
    INVITATION_VIEWED = "invitation.viewed"
    INVITATION_DECLINED = "invitation.declined"
    INVITATION_WITHDRAWN = "invitation.withdrawn"
    INVITATION_RESENT = "invitation.resent"
    INVITATION_REMINDED = "invitation.reminded"
    DEADLINE_CHANGED = "deadline.changed"
    STATUS_CHANGED = "status.changed"
    QUOTE_COMPUTED = "quote.computed"
    MESSAGE_POSTED = "message.posted"


@dataclass(frozen=True)
class RoomPayload:
    """The base of every payload; a subclass names its kind."""

    kind: ClassVar[str]

    def data(self) -> dict[str, Any]:
        """The payload as stored and sent: a trailing underscore is dropped (`from_` → "from")."""
        return {name.rstrip("_"): value for name, value in asdict(self).items()}


@dataclass(frozen=True)
class InvitationPayload(RoomPayload):
    invitation: int
    hotel: int
    hotel_name: str


@dataclass(frozen=True)
class InvitationCreated(InvitationPayload):
    kind = RoomEventKind.INVITATION_CREATED


@dataclass(frozen=True)
class InvitationViewed(InvitationPayload):
    kind = RoomEventKind.INVITATION_VIEWED


@dataclass(frozen=True)
class InvitationWithdrawn(InvitationPayload):
    kind = RoomEventKind.INVITATION_WITHDRAWN


@dataclass(frozen=True)
class InvitationResent(InvitationPayload):
    """Staff emailed the hotel its link again; staff's own bookkeeping, shown to staff only."""

    kind = RoomEventKind.INVITATION_RESENT


@dataclass(frozen=True)
class InvitationReminded(InvitationPayload):
    """Staff reminded the hotel of the deadline; shown to staff only."""

    kind = RoomEventKind.INVITATION_REMINDED


@dataclass(frozen=True)
class InvitationDeclined(InvitationPayload):
    kind = RoomEventKind.INVITATION_DECLINED
    reason: str


@dataclass(frozen=True)
class BidPayload(InvitationPayload):
    bid: int
    revision: int


@dataclass(frozen=True)
class BidSubmitted(BidPayload):
    kind = RoomEventKind.BID_SUBMITTED
    currency: str


@dataclass(frozen=True)
class BidRevised(BidPayload):
    kind = RoomEventKind.BID_REVISED
    currency: str


@dataclass(frozen=True)
class BidWithdrawn(BidPayload):
    kind = RoomEventKind.BID_WITHDRAWN


@dataclass(frozen=True)
class DeadlineChanged(RoomPayload):
    kind = RoomEventKind.DEADLINE_CHANGED
    bid_deadline: str  # ISO 8601


@dataclass(frozen=True)
class StatusChanged(RoomPayload):
    kind = RoomEventKind.STATUS_CHANGED
    from_: str
    to: str


@dataclass(frozen=True)
class QuoteComputed(RoomPayload):
    kind = RoomEventKind.QUOTE_COMPUTED
    pricing: int
    price_per_person: str  # a Decimal, as text
    currency: str


@dataclass(frozen=True)
class MessagePosted(RoomPayload):
    kind = RoomEventKind.MESSAGE_POSTED
    message: int
    author_kind: str
    author_name: str
    audience: str
    hotel: int | None
    hotel_name: str | None
    body: str
    sent_at: str  # ISO 8601
