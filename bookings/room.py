"""How each viewer sees the booking's room events (registered with quotations' room privacy).

Staff see every one; the client sees its booking's status, payments and
rooming list; a hotel sees only that the rooming list of a booking it hosts
changed, never a payment or a status.
"""

from bookings.events import BookingEventKind
from quotations.privacy import Viewer, ViewerKind
from quotations.privacy.room import room_event_presenter


@room_event_presenter(*BookingEventKind, viewers=(ViewerKind.STAFF, ViewerKind.CLIENT))
def _booking_for_staff_and_client(viewer: Viewer, data: dict) -> dict:
    return dict(data)  # a new dict per viewer: the incoming event is never handed on


@room_event_presenter(BookingEventKind.ROOMING_CHANGED, viewers=(ViewerKind.HOTEL,))
def _rooming_for_hotel(viewer: Viewer, data: dict) -> dict | None:
    if not set(data["hotels"]) & set(viewer.hotel_ids):
        return None
    return {"booking": data["booking"]}
