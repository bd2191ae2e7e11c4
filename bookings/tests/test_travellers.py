"""The manifest and rooming list: the group leader names travellers until the cut-off, a CSV is all
or nothing, documents expiring before the return are flagged, rooms hold only their own type."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.utils import timezone, translation

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.errors import BookingError
from bookings.factories import booking_approved
from bookings.models import BookingHotel, BookingLog, BookingRoom, Traveller
from bookings.privacy import present_travellers
from bookings.services import (
    TravellerInput,
    rooming_assign,
    traveller_add,
    traveller_cancel,
    traveller_cancellation_terms,
    travellers_import_csv,
)

pytestmark = pytest.mark.django_db

CSV = (
    "full_name,room_type,nationality,date_of_birth,document_number,document_expiry,dietary_needs\n"
    "Ana Ruiz,double,ES,1980-02-01,X123,2035-01-01,\n"
    "Luis Pérez,doble,ES,02/03/1979,Y456,01/01/2030,sin gluten\n"
)


@pytest.fixture
def trip():
    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact)  # 2 singles and 9 doubles: 20 beds
    return booking, contact


def test_the_booked_rooms_are_numbered_from_the_room_mix(trip):
    booking, _contact = trip
    assert list(BookingRoom.objects.filter(booking=booking).values_list("number", "room_type")) == [
        (1, "single"),
        (2, "single"),
        *((n, "double") for n in range(3, 12)),
    ]
    assert BookingHotel.objects.filter(booking=booking).count() == 1


def test_the_leader_adds_a_traveller_and_a_document_expiring_before_the_return_is_flagged(trip):
    booking, contact = trip
    expiry = booking.departure - datetime.timedelta(days=1)

    traveller = traveller_add(
        booking=booking,
        data=TravellerInput(full_name="  Marta   Gil ", room_type="single", nationality="es", document_expiry=expiry),
        by=contact,
    )

    assert (traveller.full_name, traveller.nationality) == ("Marta Gil", "ES")
    (presented,) = present_travellers(booking=booking)
    assert presented.document_expires_before_return is True
    assert BookingLog.objects.filter(booking=booking, action="traveller.added").count() == 1


def test_no_bed_of_a_room_type_left_refuses_the_traveller(trip):
    booking, contact = trip
    for name in ("Uno", "Dos"):
        traveller_add(booking=booking, data=TravellerInput(full_name=name, room_type="single"), by=contact)

    with pytest.raises(BookingError) as refused:
        traveller_add(booking=booking, data=TravellerInput(full_name="Tres", room_type="single"), by=contact)

    assert refused.value.field == "room_type"
    assert Traveller.objects.filter(booking=booking).count() == 2


def test_after_the_cut_off_the_leader_is_refused_and_staff_are_not(trip):
    booking, contact = trip
    booking.rooming_cutoff = timezone.localdate() - datetime.timedelta(days=1)
    booking.save(update_fields=["rooming_cutoff"])

    with pytest.raises(BookingError) as refused:
        traveller_add(booking=booking, data=TravellerInput(full_name="Tarde", room_type="double"), by=contact)
    traveller_add(booking=booking, data=TravellerInput(full_name="Por teléfono", room_type="double"), by=StaffFactory())

    assert refused.value.code == "cutoff"
    assert list(Traveller.objects.values_list("full_name", flat=True)) == ["Por teléfono"]


def test_another_clients_contact_may_not_add_travellers(trip):
    booking, _contact = trip
    with pytest.raises(BookingError):
        traveller_add(
            booking=booking, data=TravellerInput(full_name="Intruso", room_type="double"), by=ClientContactFactory()
        )
    assert Traveller.objects.count() == 0


def test_a_good_csv_adds_every_row(trip):
    booking, contact = trip

    created, errors = travellers_import_csv(booking=booking, content=CSV.encode(), by=contact)

    assert errors == []
    assert [(t.full_name, t.room_type, t.date_of_birth, t.dietary_needs) for t in created] == [
        ("Ana Ruiz", "double", datetime.date(1980, 2, 1), ""),
        ("Luis Pérez", "double", datetime.date(1979, 3, 2), "sin gluten"),
    ]


def test_a_csv_with_bad_rows_lists_each_reason_and_saves_nothing(trip):
    booking, contact = trip
    content = CSV + ",double,ES,,,,\nEva Sanz,suite,ES,,,,\nJon Vega,double,ESP,31/02/1990,,,\n"

    with translation.override("en"):
        created, errors = travellers_import_csv(booking=booking, content=content.encode(), by=contact)

    assert created == []
    assert [(e.line, e.message) for e in errors] == [
        (4, "Give the traveller's full name."),
        (5, "Choose one of the booked room types."),
        (6, "31/02/1990 is not a date."),
    ]
    assert Traveller.objects.count() == 0


def test_a_csv_with_semicolons_and_a_byte_order_mark_is_read(trip):
    booking, contact = trip
    content = "\ufeffnombre;habitacion\nAna Ruiz;individual\n".encode()

    created, errors = travellers_import_csv(booking=booking, content=content, by=contact)

    assert (errors, [(t.full_name, t.room_type) for t in created]) == ([], [("Ana Ruiz", "single")])


def test_rooming_puts_travellers_in_rooms_of_their_type_up_to_the_beds(trip):
    booking, contact = trip
    a, b, c = (
        traveller_add(booking=booking, data=TravellerInput(full_name=n, room_type="double"), by=contact)
        for n in ("Ana", "Bea", "Carla")
    )
    single = BookingRoom.objects.get(booking=booking, number=1)
    double = BookingRoom.objects.get(booking=booking, number=3)

    with pytest.raises(BookingError):
        rooming_assign(booking=booking, assignments={a.pk: single.pk}, by=contact)
    with pytest.raises(BookingError):
        rooming_assign(booking=booking, assignments={a.pk: double.pk, b.pk: double.pk, c.pk: double.pk}, by=contact)
    rooming_assign(booking=booking, assignments={a.pk: double.pk, b.pk: double.pk}, by=contact)

    assert sorted(double.travellers.values_list("full_name", flat=True)) == ["Ana", "Bea"]
    assert Traveller.objects.get(pk=c.pk).room is None


def test_a_change_after_the_hotel_had_its_list_is_flagged(trip):
    booking, contact = trip
    BookingHotel.objects.filter(booking=booking).update(rooming_sent_at=timezone.now())

    traveller_add(booking=booking, data=TravellerInput(full_name="Nueva", room_type="double"), by=contact)

    assert BookingHotel.objects.get(booking=booking).rooming_changed_at is not None


def test_the_leader_uploads_a_bad_csv_over_http_and_sees_every_row(trip):
    booking, contact = trip
    http = HttpClient()
    http.force_login(contact)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("list.csv", b"full_name,room_type\nAna,suite\n", content_type="text/csv")
    response = http.post(f"/client/bookings/{booking.pk}/travellers/import/", {"file": upload})

    assert response.status_code == 400
    assert 'data-testid="csv-errors"' in response.content.decode()
    assert Traveller.objects.count() == 0


def test_the_leader_adds_a_traveller_and_places_them_over_http(trip):
    booking, contact = trip
    http = HttpClient()
    http.force_login(contact)

    added = http.post(
        f"/client/bookings/{booking.pk}/travellers/add/", {"full_name": "Ana Ruiz", "room_type": "double"}
    )
    traveller = Traveller.objects.get()
    room = BookingRoom.objects.get(booking=booking, number=3)
    placed = http.post(f"/client/bookings/{booking.pk}/rooming/", {f"room_{traveller.pk}": str(room.pk)})
    page = http.get(f"/client/bookings/{booking.pk}/").content.decode()

    assert added.status_code == 302 and placed.status_code == 302
    assert Traveller.objects.get().room == room
    assert page.count('data-testid="traveller-row"') == 1


def test_cancelling_a_traveller_reprices_the_booking_as_shown_and_the_schedule_still_adds_up(trip):
    # given two travellers sharing double room 3, 150 days before arrival (25 % retained)
    booking, contact = trip
    ana, bea = (
        traveller_add(booking=booking, data=TravellerInput(full_name=n, room_type="double"), by=contact)
        for n in ("Ana", "Bea")
    )
    room = BookingRoom.objects.get(booking=booking, number=3)
    rooming_assign(booking=booking, assignments={ana.pk: room.pk, bea.pk: room.pk}, by=contact)
    ana.refresh_from_db()
    shown = traveller_cancellation_terms(traveller=ana)
    double = Decimal(booking.price_lines["double"]["per_person"])
    single = Decimal(booking.price_lines["single"]["per_person"])
    old_total = booking.total

    # when the leader cancels Ana's place
    recorded = traveller_cancel(traveller=ana, by=contact)

    # then Ana's price leaves the total but for the 25 % retained, and Bea pays the single price
    retained = (double * Decimal("0.25")).quantize(Decimal("0.01"))
    assert recorded == shown
    assert [a.amount for a in recorded.adjustments] == [retained - double, single - double]
    booking.refresh_from_db()
    assert booking.total == old_total - double + retained + (single - double) == recorded.new_total
    lines = sum(Decimal(line["total"]) for line in booking.price_lines.values())
    assert lines + sum(Decimal(a["amount"]) for a in booking.adjustments) == booking.total
    assert sum(i.amount for i in booking.installments.all()) == booking.total
    ana.refresh_from_db()
    assert ana.cancelled_at is not None and ana.room is None
