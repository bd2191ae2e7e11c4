"""Cancelling a booking keeps what its tier retains; staff refund the rest by transfer, each refund
numbered as a credit note, the client told once, and receipts and credit notes downloadable as PDF."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from pypdf import PdfReader

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.errors import BookingError
from bookings.factories import booking_approved
from bookings.models import BookingLog, BookingStatus
from bookings.services import booking_cancel, booking_cancellation_terms
from notifications.models import EmailMessage
from payments.errors import PaymentError
from payments.models import Payment, Refund
from payments.services import payment_record_transfer, refund_issue

pytestmark = pytest.mark.django_db


def _paid_deposit(contact=None):
    contact = contact or ClientContactFactory(language="en")
    booking = booking_approved(contact=contact)  # arrival in 150 days: 25 % retained
    deposit = booking.installments.get(position=1)
    payment_record_transfer(
        booking=booking,
        installment=deposit,
        amount=deposit.amount,
        received_on=timezone.localdate(),
        reference="DEP-1",
        by=StaffFactory(),
    )
    booking.refresh_from_db()
    return booking, contact


def test_the_terms_shown_are_the_terms_recorded():
    booking, contact = _paid_deposit()
    shown = booking_cancellation_terms(booking=booking)

    recorded = booking_cancel(booking=booking, reason="The parish postponed the trip", by=contact)

    retained = (booking.total * Decimal("0.25")).quantize(Decimal("0.01"))
    assert recorded == shown
    assert (recorded.retained, recorded.paid) == (retained, booking.paid_amount)
    assert recorded.refund == max(booking.paid_amount - retained, Decimal(0))
    booking.refresh_from_db()
    assert (booking.status, booking.retained_amount) == (BookingStatus.CANCELLED, retained)
    assert EmailMessage.objects.filter(template="cancellation_notice", to_email=contact.email).count() == 1


def test_a_cancelled_booking_takes_no_more_payments_and_cannot_be_cancelled_twice():
    booking, contact = _paid_deposit()
    booking_cancel(booking=booking, reason="Postponed", by=contact)

    with pytest.raises(BookingError):
        booking_cancel(booking=booking, reason="Again", by=contact)
    with pytest.raises(PaymentError):
        payment_record_transfer(
            booking=booking,
            installment=booking.installments.get(position=2),
            amount=Decimal("10.00"),
            received_on=timezone.localdate(),
            reference="LATE",
            by=StaffFactory(),
        )
    assert Payment.objects.count() == 1


def test_cancelling_needs_a_reason_and_writes_nothing_without_one():
    booking, contact = _paid_deposit()
    logs = BookingLog.objects.count()

    with pytest.raises(BookingError):
        booking_cancel(booking=booking, reason="  ", by=contact)

    booking.refresh_from_db()
    assert (booking.status, BookingLog.objects.count()) == (BookingStatus.CONFIRMED, logs)


def test_refunding_what_is_owed_numbers_a_credit_note_and_tells_the_client_once():
    # given a booking with its deposit and a 100.00 part of the balance paid, then cancelled
    booking, contact = _paid_deposit()
    staff = StaffFactory()
    payment_record_transfer(
        booking=booking,
        installment=booking.installments.get(position=2),
        amount=Decimal("100.00"),
        received_on=timezone.localdate(),
        reference="BAL-1",
        by=staff,
    )
    booking.refresh_from_db()
    terms = booking_cancel(booking=booking, reason="Postponed", by=contact)
    booking.refresh_from_db()
    owed = booking.refund_owed
    assert owed == terms.refund

    # when staff refund it
    refunds = refund_issue(booking=booking, amount=owed, reference="REF-77", by=staff)

    # then newest payment first, each with a gap-free credit note number, and nothing more is owed
    year = timezone.localdate().year
    assert [r.credit_note_number for r in refunds] == [f"CN-{year}-{n:05d}" for n in range(1, len(refunds) + 1)]
    assert refunds[0].payment.provider_reference == "BAL-1"
    assert sum(r.amount for r in refunds) == owed
    booking.refresh_from_db()
    assert (booking.paid_amount, booking.refund_owed) == (terms.retained, 0)
    assert EmailMessage.objects.filter(template="refund_processed", to_email=contact.email).count() == 1


def test_a_refund_beyond_what_was_paid_is_refused_and_writes_nothing():
    booking, _contact = _paid_deposit()

    with pytest.raises(PaymentError):
        refund_issue(booking=booking, amount=booking.paid_amount + Decimal("0.01"), reference="X", by=StaffFactory())

    assert Refund.objects.count() == 0


def test_the_client_downloads_the_receipt_and_credit_note_and_no_one_else_can():
    booking, contact = _paid_deposit()
    booking_cancel(booking=booking, reason="Postponed", by=contact)
    booking.refresh_from_db()
    (refund,) = refund_issue(booking=booking, amount=Decimal("50.00"), reference="R-1", by=StaffFactory())
    payment = Payment.objects.get()
    http = HttpClient()
    http.force_login(contact)

    receipt = http.get(f"/client/payments/bookings/{booking.pk}/receipts/{payment.pk}.pdf")
    note = http.get(f"/client/payments/bookings/{booking.pk}/credit-notes/{refund.pk}.pdf")
    stranger = HttpClient()
    stranger.force_login(ClientContactFactory())
    refused = stranger.get(f"/client/payments/bookings/{booking.pk}/receipts/{payment.pk}.pdf")

    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(receipt.content)).pages[0].extract_text().split())
    assert payment.receipt_number in text and booking.reference in text
    note_text = " ".join(PdfReader(io.BytesIO(note.content)).pages[0].extract_text().split())
    assert refund.credit_note_number in note_text and payment.receipt_number in note_text
    assert refused.status_code == 404


def test_the_cancellation_page_shows_the_terms_and_cancels_on_confirmation():
    booking, contact = _paid_deposit()
    http = HttpClient()
    http.force_login(contact)

    page = http.get(f"/client/bookings/{booking.pk}/cancel/")
    done = http.post(f"/client/bookings/{booking.pk}/cancel/", {"reason": "Postponed to next year"})

    assert page.status_code == 200 and 'data-testid="cancel-refund"' in page.content.decode()
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert (booking.arrival - booking.cancelled_at.date()) >= datetime.timedelta(days=60)
