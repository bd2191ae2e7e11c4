"""The booking's room events: recorded in the quotation's live room, presented by bookings/room.py.

Each kind is an enum value and a frozen payload; the services record them
with `room_event_record` in the transaction of their change.
"""

from dataclasses import dataclass
from enum import StrEnum

from quotations.events import RoomPayload


class BookingEventKind(StrEnum):
    STATUS_CHANGED = "booking.status_changed"
    PAYMENT_RECEIVED = "booking.payment_received"
    PAYMENT_UPDATED = "booking.payment_updated"
    ROOMING_CHANGED = "booking.rooming_changed"


@dataclass(frozen=True)
class BookingStatusChanged(RoomPayload):
    kind = BookingEventKind.STATUS_CHANGED
    booking: int
    from_: str
    to: str


@dataclass(frozen=True)
class BookingPaymentReceived(RoomPayload):
    """Money: for staff and the client, never a hotel."""

    kind = BookingEventKind.PAYMENT_RECEIVED
    booking: int
    amount: str
    currency: str
    paid: str


@dataclass(frozen=True)
class BookingPaymentUpdated(RoomPayload):
    """A gateway moved a payment (processing, failed, cancelled, flagged): for staff and the client."""

    kind = BookingEventKind.PAYMENT_UPDATED
    booking: int
    payment: int
    status: str


@dataclass(frozen=True)
class BookingRoomingChanged(RoomPayload):
    """The rooming list changed: staff, the client, and each hotel of the booking (its own list)."""

    kind = BookingEventKind.ROOMING_CHANGED
    booking: int
    hotels: list[int]
