"""What a hotel sees of a booking: its own nights and its rooming list, never a price, the client or another hotel.

The one place that decides a hotel's access to a booked stay (`booked_hotel_get_for_hotel`)
and builds the export of a hotel's list for staff and for that hotel alike.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from bookings.models import BookingHotel, BookingStatus
from bookings.rooming_export import RoomingGuest, RoomingList, RoomingRoom
from quotations.models import MealPlan, RoomType
from quotations.privacy import Viewer, ViewerKind
from quotations.privacy.presented import Label, Presented
from spirittours.errors import NotVisible


def booked_hotels_visible(*, viewer: Viewer) -> QuerySet[BookingHotel]:
    if viewer.kind == ViewerKind.STAFF:
        return BookingHotel.objects.all()
    if viewer.kind == ViewerKind.HOTEL:
        return BookingHotel.objects.filter(hotel_id__in=viewer.hotel_ids)
    return BookingHotel.objects.none()


def booked_hotel_get(*, viewer: Viewer, pk: int) -> BookingHotel:
    found = booked_hotels_visible(viewer=viewer).select_related("booking", "hotel").filter(pk=pk).first()
    if found is None:
        raise NotVisible
    return found


@dataclass(frozen=True)
class PresentedBookedStayForHotel(Presented):
    id: int
    hotel_name: str
    booking_reference: str
    group_name: str
    check_in: datetime.date
    check_out: datetime.date
    meal_plan_label: Label
    cancelled: bool
    rooming_sent_at: datetime.datetime | None
    rooming_changed_at: datetime.datetime | None  # changed after it was sent
    rooms: tuple[RoomingRoom, ...]


def _meal_plan(booked: BookingHotel) -> str:
    plans = [s["meal_plan"] for s in booked.booking.stays if s["hotel_id"] == booked.hotel_id]
    return plans[0] if plans else MealPlan.BED_AND_BREAKFAST


def _rooms(booked: BookingHotel) -> tuple[RoomingRoom, ...]:
    rooms = booked.booking.rooms.prefetch_related("travellers").order_by("number")
    return tuple(
        RoomingRoom(
            number=room.number,
            room_type=room.room_type,
            room_type_label=str(RoomType(room.room_type).label),
            guests=tuple(
                RoomingGuest(
                    full_name=t.full_name,
                    nationality=t.nationality,
                    date_of_birth=t.date_of_birth,
                    document_number=t.document_number,
                    dietary_needs=t.dietary_needs,
                    accessibility_needs=t.accessibility_needs,
                )
                for t in sorted(room.travellers.all(), key=lambda t: (t.full_name, t.pk))
                if t.cancelled_at is None
            ),
        )
        for room in rooms
    )


def present_booked_stay_for_hotel(*, booked: BookingHotel) -> PresentedBookedStayForHotel:
    changed = booked.rooming_changed_at
    return PresentedBookedStayForHotel(
        id=booked.pk,
        hotel_name=booked.hotel.name,
        booking_reference=booked.booking.reference,
        group_name=booked.booking.group_name,
        check_in=booked.check_in,
        check_out=booked.check_out,
        meal_plan_label=MealPlan(_meal_plan(booked)).label,
        cancelled=booked.booking.status == BookingStatus.CANCELLED,
        rooming_sent_at=booked.rooming_sent_at,
        rooming_changed_at=changed if changed and booked.rooming_sent_at and changed > booked.rooming_sent_at else None,
        rooms=_rooms(booked),
    )


def rooming_list_for(*, booked: BookingHotel, language: str) -> RoomingList:
    return RoomingList(
        hotel_name=booked.hotel.name,
        booking_reference=booked.booking.reference,
        group_name=booked.booking.group_name,
        check_in=booked.check_in,
        check_out=booked.check_out,
        meal_plan_label=str(MealPlan(_meal_plan(booked)).label),
        rooms=_rooms(booked),
        language=language,
    )


def rooming_status_label(stay: PresentedBookedStayForHotel) -> str:
    if stay.rooming_changed_at:
        return _("Changed since it was sent")
    return _("Sent") if stay.rooming_sent_at else _("Not sent yet")
