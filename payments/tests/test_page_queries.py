"""The booking pages read a booking's travellers, shares and payments in a fixed number of queries:
as many for a group of two as for a group of six."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.guides import guide_link_token
from bookings.models import Booking, Guide
from bookings.services import TravellerInput, guide_assign, traveller_add
from payments.services import payment_announce, payment_record_transfer
from payments.travellers import traveller_link_token
from quotations.factories import ClientFactory, quotation_sent
from quotations.services import quotation_approve

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    staff = StaffFactory()
    contact = ClientContactFactory()
    quotation = quotation_sent(
        client=ClientFactory(contacts=[contact]),
        owner=staff,
        arrival=timezone.localdate() + datetime.timedelta(days=150),
    )
    quotation_approve(quotation=quotation, by=contact)
    booking = Booking.objects.get(quotation=quotation)
    deposit = booking.installments.get(position=1)
    payment_record_transfer(
        booking=booking,
        installment=deposit,
        amount=deposit.amount,
        received_on=timezone.localdate(),
        reference="TRF 0042",
        by=staff,
    )
    guide = Guide.objects.create(full_name="Javier Ortega", email="javier@guias.example")
    guide_assign(booking=booking, guide=guide, by=staff)
    return booking, staff, contact, guide


def _join(booking, contact, count: int) -> None:
    """`count` more travellers; the last one announces their share of the next installment."""
    travellers = [
        traveller_add(
            booking=booking,
            data=TravellerInput(full_name=f"Viajero {booking.travellers.count()} {n}", room_type="double"),
            by=contact,
        )
        for n in range(count)
    ]
    upcoming = booking.installments.get(position=2)
    payment_announce(booking=booking, installment=upcoming, traveller=travellers[-1], by=None)


def _queries(url: str, user=None) -> int:
    http = HttpClient()
    if user is not None:
        http.force_login(user)
    http.get(url)  # anything done once per session (the language cookie) is done
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def _pages(booking, staff, contact, guide) -> dict[str, int]:
    traveller = booking.travellers.order_by("pk").first()
    return {
        "client booking": _queries(f"/client/bookings/{booking.pk}/", contact),
        "staff booking": _queries(f"/staff/bookings/{booking.pk}/", staff),
        "traveller": _queries(f"/pay/{traveller_link_token(traveller=traveller)}/"),
        "guide": _queries(f"/guide/{guide_link_token(booking=booking, guide=guide)}/"),
    }


def test_the_booking_pages_read_a_group_of_six_in_the_queries_of_a_group_of_two(group):
    # given: a booking with two travellers, one of whom announced a share
    booking, staff, contact, guide = group
    _join(booking, contact, 2)
    two = _pages(booking, staff, contact, guide)

    # when: four more travellers join, one more announcing a share
    _join(booking, contact, 4)
    six = _pages(booking, staff, contact, guide)

    # then: every page makes as many queries as before
    assert booking.travellers.count() == 6
    assert six == two
