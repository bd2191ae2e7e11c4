"""The ledger with the manual provider: a transfer recorded by staff is confirmed once, moves the
booking forward on what is paid, numbers its receipt and tells the client; bad input moves no money."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.factories import booking_approved
from bookings.models import BookingLog, BookingStatus
from notifications.models import EmailMessage
from payments.errors import PaymentError
from payments.models import Payment, PaymentStatus
from payments.services import payment_confirm, payment_record_transfer
from quotations.models import QuotationStatus

TODAY = datetime.date.today


def _record(booking, staff, *, amount, reference="TRF-0001", installment=None, received_on=None):
    return payment_record_transfer(
        booking=booking,
        installment=installment or booking.installments.order_by("position").first(),
        amount=Decimal(amount),
        received_on=received_on or timezone.localdate(),
        reference=reference,
        by=staff,
    )


@pytest.mark.django_db
def test_a_deposit_transfer_confirms_the_booking_and_books_the_quotation():
    # given a booking in option and its client contact
    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact)
    deposit = booking.installments.get(position=1)
    staff = StaffFactory()

    # when staff record the deposit's transfer
    payment = _record(booking, staff, amount=deposit.amount)

    # then it is confirmed with a numbered receipt, and the booking is confirmed
    assert (payment.status, payment.provider, payment.amount) == (PaymentStatus.CONFIRMED, "manual", deposit.amount)
    assert payment.receipt_number == f"R-{timezone.localdate().year}-00001"
    booking.refresh_from_db()
    deposit.refresh_from_db()
    assert (booking.status, booking.paid_amount, deposit.paid_amount) == (
        BookingStatus.CONFIRMED,
        deposit.amount,
        deposit.amount,
    )
    assert booking.quotation.status == QuotationStatus.BOOKED
    # and the client has one "booking confirmed" and one "payment received" email, in their language
    emails = EmailMessage.objects.filter(to_email=contact.email, template__in=["booking_confirmed", "payment_received"])
    assert sorted((e.template, e.language) for e in emails) == [("booking_confirmed", "en"), ("payment_received", "en")]
    assert list(BookingLog.objects.filter(booking=booking).values_list("action", flat=True).order_by("id")) == [
        "booking.created",
        "payment.recorded",
        "payment.confirmed",
        "booking.status_changed",
    ]


@pytest.mark.django_db
def test_paying_the_whole_total_makes_the_booking_paid():
    booking = booking_approved()
    staff = StaffFactory()
    deposit, balance = booking.installments.order_by("position")

    _record(booking, staff, amount=deposit.amount, reference="A-1")
    _record(booking, staff, amount=balance.amount, reference="A-2", installment=balance)

    booking.refresh_from_db()
    assert (booking.status, booking.paid_amount, booking.balance) == (BookingStatus.PAID, booking.total, Decimal(0))


@pytest.mark.django_db
def test_a_part_payment_of_the_deposit_leaves_the_booking_in_option():
    booking = booking_approved()

    _record(booking, StaffFactory(), amount="100.00")

    booking.refresh_from_db()
    assert (booking.status, booking.paid_amount) == (BookingStatus.OPTION, Decimal("100.00"))
    assert booking.quotation.status == QuotationStatus.APPROVED
    assert not EmailMessage.objects.filter(template="booking_confirmed").exists()


@pytest.mark.django_db
def test_confirming_twice_changes_nothing_the_second_time():
    booking = booking_approved()
    payment = _record(booking, StaffFactory(), amount="100.00")
    emails = EmailMessage.objects.count()
    log = BookingLog.objects.count()

    again = payment_confirm(payment=payment, by=None)

    assert (again.status, again.receipt_number) == (PaymentStatus.CONFIRMED, payment.receipt_number)
    assert (EmailMessage.objects.count(), BookingLog.objects.count()) == (emails, log)
    booking.refresh_from_db()
    assert booking.paid_amount == Decimal("100.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "reference", "received_in_days", "field"),
    [
        ("0", "T-1", 0, "amount"),
        ("-5.00", "T-1", 0, "amount"),
        ("10.001", "T-1", 0, "amount"),
        ("999999.00", "T-1", 0, "amount"),
        ("10.00", "   ", 0, "reference"),
        ("10.00", "T-1", 1, "received_on"),
    ],
)
def test_a_bad_transfer_is_refused_and_writes_nothing(amount, reference, received_in_days, field):
    booking = booking_approved()
    log = BookingLog.objects.count()

    with pytest.raises(PaymentError) as refused:
        _record(
            booking,
            StaffFactory(),
            amount=amount,
            reference=reference,
            received_on=timezone.localdate() + datetime.timedelta(days=received_in_days),
        )

    assert refused.value.field == field
    assert Payment.objects.count() == 0
    assert BookingLog.objects.count() == log
    booking.refresh_from_db()
    assert (booking.paid_amount, booking.status) == (Decimal(0), BookingStatus.OPTION)


@pytest.mark.django_db
def test_the_same_transfer_recorded_twice_is_one_payment():
    booking = booking_approved()
    _record(booking, StaffFactory(), amount="100.00", reference="ES-778 12")

    with pytest.raises(PaymentError) as refused:
        _record(booking, StaffFactory(), amount="100.00", reference="es778 12")

    assert refused.value.code == "duplicate"
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_only_staff_record_transfers():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)

    with pytest.raises(PaymentError):
        _record(booking, contact, amount="100.00")

    assert Payment.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_recording_the_same_transfer_at_once_make_one_payment():
    # given a booking and two staff members, each on their own PostgreSQL connection
    booking = booking_approved()
    staff = [StaffFactory(), StaffFactory()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def record(member):
        try:
            barrier.wait()
            _record(booking, member, amount="250.00", reference="SAME-REF")
            outcomes.append("recorded")
        except PaymentError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(member,)) for member in staff]
    # when both press "record" at the same moment
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one payment, one refusal, and the booking counts the money once
    assert sorted(outcomes) == ["duplicate", "recorded"]
    assert Payment.objects.count() == 1
    booking.refresh_from_db()
    assert booking.paid_amount == Decimal("250.00")
    assert EmailMessage.objects.filter(template="payment_received").count() == 1
