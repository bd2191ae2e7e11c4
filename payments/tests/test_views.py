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
