"""The booking's room events reach staff and the client; a hotel sees only its own rooming list changing."""

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from bookings.factories import booking_approved
from bookings.services import TravellerInput, traveller_add
from payments.services import payment_record_transfer
from quotations.factories import HotelFactory
from quotations.models import RoomEvent
from quotations.privacy import viewer_for
from quotations.privacy.room import present_event

pytestmark = pytest.mark.django_db


def _event(row: RoomEvent) -> dict:
    return {"type": "room.event", "seq": row.seq, "kind": row.kind, "at": "now", "data": row.data}


def test_payments_and_status_reach_staff_and_client_and_the_rooming_list_its_hotel_only():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    hotel = booking.hotels.get().hotel
    member = HotelUserFactory()
    hotel.members.add(member)
    stranger = HotelUserFactory()
    HotelFactory(members=[stranger])
    deposit = booking.installments.get(position=1)

    payment_record_transfer(
        booking=booking,
        installment=deposit,
        amount=deposit.amount,
        received_on=timezone.localdate(),
        reference="T-1",
        by=StaffFactory(),
    )
    traveller_add(booking=booking, data=TravellerInput(full_name="Ana", room_type="double"), by=contact)

    rows = {row.kind: row for row in RoomEvent.objects.filter(quotation=booking.quotation, kind__startswith="booking.")}
    assert set(rows) == {"booking.payment_received", "booking.status_changed", "booking.rooming_changed"}
    staff, client = viewer_for(StaffFactory()), viewer_for(contact)
    hotel_viewer, other_hotel = viewer_for(member), viewer_for(stranger)
    for kind in rows:
        assert present_event(viewer=staff, event=_event(rows[kind])) is not None
        assert present_event(viewer=client, event=_event(rows[kind])) is not None
    assert present_event(viewer=hotel_viewer, event=_event(rows["booking.payment_received"])) is None
    assert present_event(viewer=hotel_viewer, event=_event(rows["booking.status_changed"])) is None
    assert present_event(viewer=hotel_viewer, event=_event(rows["booking.rooming_changed"]))["data"] == {
        "booking": booking.pk
    }
    assert present_event(viewer=other_hotel, event=_event(rows["booking.rooming_changed"])) is None
