"""The booking pages' privacy matrix: each hotel reaches only its own rooming list and never a client
price; guessed booking, traveller, payment and receipt ids answer 404 and change nothing."""

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from bookings.factories import booking_approved
from bookings.models import Traveller
from bookings.services import TravellerInput, traveller_add
from payments.models import Payment
from payments.services import payment_record_transfer
from spirittours.templatetags.figures import money_format

pytestmark = pytest.mark.django_db


def _http(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.fixture
def two_bookings():
    leaders = [ClientContactFactory(), ClientContactFactory()]
    bookings = [booking_approved(contact=leader) for leader in leaders]
    members = []
    for booking in bookings:
        member = HotelUserFactory()
        booking.hotels.get().hotel.members.add(member)
        members.append(member)
    staff = StaffFactory()
    for booking, leader in zip(bookings, leaders, strict=True):
        traveller_add(
            booking=booking, data=TravellerInput(full_name=f"Viajero {booking.pk}", room_type="double"), by=leader
        )
        deposit = booking.installments.get(position=1)
        payment_record_transfer(
            booking=booking,
            installment=deposit,
            amount=deposit.amount,
            received_on=timezone.localdate(),
            reference=f"T-{booking.pk}",
            by=staff,
        )
    return bookings, leaders, members


def test_a_hotel_reads_its_own_rooming_list_without_a_price_and_never_another_hotels(two_bookings):
    bookings, _leaders, members = two_bookings
    own, other = (b.hotels.get() for b in bookings)

    page = _http(members[0]).get(f"/portal/bookings/{own.pk}/")
    export = _http(members[0]).get(f"/portal/bookings/{own.pk}/rooming.csv")

    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="hotel-rooming"' in html
    for amount in (bookings[0].total, bookings[0].installments.get(position=1).amount):
        assert money_format(amount, "EUR").replace("\xa0", " ") not in html.replace("\xa0", " ")
    assert bookings[0].client.name not in html
    assert export.status_code == 200
    assert _http(members[0]).get(f"/portal/bookings/{other.pk}/").status_code == 404
    assert _http(members[0]).get(f"/portal/bookings/{other.pk}/rooming.xlsx").status_code == 404
    assert _http(members[0]).get(f"/client/bookings/{bookings[0].pk}/").status_code == 404


def test_guessed_ids_of_another_booking_answer_404_and_change_nothing(two_bookings):
    bookings, leaders, _members = two_bookings
    http = _http(leaders[0])
    foreign = bookings[1]
    foreign_traveller = Traveller.objects.get(booking=foreign)
    foreign_payment = Payment.objects.get(booking=foreign)
    own = bookings[0]

    answers = [
        http.get(f"/client/bookings/{foreign.pk}/").status_code,
        http.get(f"/client/bookings/{foreign.pk}/cancel/").status_code,
        http.post(f"/client/bookings/{own.pk}/travellers/{foreign_traveller.pk}/remove/").status_code,
        http.get(f"/client/bookings/{own.pk}/travellers/{foreign_traveller.pk}/cancel/").status_code,
        http.get(f"/client/payments/bookings/{own.pk}/receipts/{foreign_payment.pk}.pdf").status_code,
        http.get(f"/client/payments/bookings/{foreign.pk}/receipts/{foreign_payment.pk}.pdf").status_code,
        http.post(
            f"/client/payments/bookings/{own.pk}/installments/{foreign.installments.first().pk}/announce/"
        ).status_code,
        http.post(f"/staff/payments/bookings/{own.pk}/payments/{foreign_payment.pk}/confirm/").status_code,
    ]

    assert answers == [404] * len(answers)
    assert Traveller.objects.filter(booking=foreign, cancelled_at__isnull=True).count() == 1
    assert Payment.objects.count() == 2
