"""Recording a bank transfer on the staff's booking page over HTTP; a refused one changes nothing."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.factories import booking_approved
from bookings.models import BookingStatus
from payments.models import Payment

pytestmark = pytest.mark.django_db


def _http(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def test_staff_record_the_deposit_transfer_on_the_booking_page():
    staff = StaffFactory(language="en")
    booking = booking_approved()
    deposit = booking.installments.get(position=1)
    http = _http(staff)

    response = http.post(
        f"/staff/payments/bookings/{booking.pk}/transfer/",
        {
            "installment": deposit.pk,
            "amount": str(deposit.amount),
            "received_on": timezone.localdate().isoformat(),
            "reference": "BBVA 4411",
        },
    )

    assert response.status_code == 302 and response["Location"] == f"/staff/bookings/{booking.pk}/"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    page = http.get(f"/staff/bookings/{booking.pk}/").content.decode()
    assert "BBVA 4411" in page and page.count('data-testid="ledger-row"') == 1


def test_a_refused_transfer_shows_its_error_and_writes_nothing():
    staff = StaffFactory(language="en")
    booking = booking_approved()
    deposit = booking.installments.get(position=1)

    http = _http(staff)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = http.post(
        f"/staff/payments/bookings/{booking.pk}/transfer/",
        {
            "installment": deposit.pk,
            "amount": str(booking.total + Decimal("1.00")),
            "received_on": timezone.localdate().isoformat(),
            "reference": "X-1",
        },
    )

    assert response.status_code == 400
    assert "more than the booking still owes" in response.content.decode()
    assert Payment.objects.count() == 0


def test_a_client_cannot_post_a_transfer():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)

    response = _http(contact).post(
        f"/staff/payments/bookings/{booking.pk}/transfer/",
        {"installment": 1, "amount": "10", "received_on": "2026-01-01", "reference": "X"},
    )

    assert response.status_code == 404
    assert Payment.objects.count() == 0


def test_staff_record_a_transfer_in_the_back_office_through_the_same_service():
    staff = StaffFactory(is_staff=True, is_superuser=True)
    booking = booking_approved()
    deposit = booking.installments.get(position=1)
    http = _http(staff)

    form = http.get(f"/admin/payments/payment/record/{booking.pk}/")
    done = http.post(
        f"/admin/payments/payment/record/{booking.pk}/",
        {
            "installment": deposit.pk,
            "amount": str(deposit.amount),
            "received_on": timezone.localdate().isoformat(),
            "reference": "ADMIN-1",
        },
    )
    twice = http.post(
        f"/admin/payments/payment/record/{booking.pk}/",
        {
            "installment": deposit.pk,
            "amount": "1.00",
            "received_on": timezone.localdate().isoformat(),
            "reference": "admin 1",
        },
    )

    assert form.status_code == 200 and 'data-testid="admin-transfer-form"' in form.content.decode()
    assert done.status_code == 302
    assert twice.status_code == 200  # the same transfer: shown again with the refusal
    assert Payment.objects.get().provider_reference == "ADMIN-1"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("status", ["confirmed", "created"])
def test_the_return_page_promises_the_receipt_to_whoever_gets_it(status):
    from bookings.services import TravellerInput, traveller_add
    from payments.travellers import payment_return_token

    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact)
    ana = traveller_add(
        booking=booking,
        data=TravellerInput(full_name="Ana Ruiz Gómez", room_type="double", email="ana@viajeros.example"),
        by=contact,
    )
    installment = booking.installments.order_by("position").first()

    def paid(key: str, traveller) -> Payment:
        return Payment.objects.create(
            booking=booking,
            installment=installment,
            traveller=traveller,
            amount=Decimal("30.00"),
            currency=booking.currency,
            provider="stripe",
            status=status,
            receipt_number=f"R-{key}" if status == "confirmed" else None,
            idempotency_key=key,
            provider_reference=f"cs_test_{key}",
        )

    def page(payment: Payment, http: HttpClient) -> str:
        url = f"/pay/return/{payment_return_token(payment=payment)}/"
        return http.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    by_traveller = page(paid("ana", ana), HttpClient())
    by_leader = page(paid("leader", None), _http(contact))
    by_traveller_as_leader = page(paid("ana-leader", ana), _http(contact))

    organiser = "the group's organiser receives the receipt by email"
    to_you = "we email you the receipt" if status == "created" else "We have emailed you the receipt"
    assert organiser in by_traveller.lower() and to_you not in by_traveller
    assert to_you in by_leader and organiser not in by_leader.lower()
    assert to_you in by_traveller_as_leader
