"""Payment reminders: 7, 3 and 0 days before each due date and 2 days after, once each, never for a
booking younger than 2 hours, never while a payment of the installment is pending."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory
from bookings.factories import booking_approved
from bookings.models import Booking
from notifications.models import EmailMessage
from payments.reminders import reminder_milestone
from payments.services import payment_announce
from payments.tasks import payments_send_reminders

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("days_before_due", "milestone"),
    [(10, None), (8, None), (7, 7), (5, 7), (3, 3), (1, 3), (0, 0), (-1, 0), (-2, -2), (-30, -2)],
)
def test_the_latest_milestone_reached(days_before_due, milestone):
    due = datetime.date(2027, 3, 10)
    assert reminder_milestone(due=due, today=due - datetime.timedelta(days=days_before_due)) == milestone


def _aged(booking, *, days):
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))


def _reminders():
    return sorted(EmailMessage.objects.filter(template="payment_reminder").values_list("to_email", "dedupe_key"))


def test_a_deposit_due_in_three_days_is_reminded_once():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    _aged(booking, days=5)
    deposit = booking.installments.get(position=1)
    deposit.due_date = timezone.localdate() + 3 * DAY
    deposit.save(update_fields=["due_date"])

    first, second = payments_send_reminders(), payments_send_reminders()

    assert (first, second) == (1, 1)  # found again, but queued once
    assert _reminders() == [(contact.email, f"payment_reminder:installment:{deposit.pk}:milestone:3:user:{contact.pk}")]
    (email,) = EmailMessage.objects.filter(template="payment_reminder")
    assert booking.reference in email.body_text


def test_a_booking_younger_than_two_hours_is_not_reminded():
    booking = booking_approved()
    deposit = booking.installments.get(position=1)
    deposit.due_date = timezone.localdate()
    deposit.save(update_fields=["due_date"])

    assert payments_send_reminders() == 0
    assert _reminders() == []


def test_a_pending_payment_of_the_installment_holds_the_reminder():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    _aged(booking, days=5)
    deposit = booking.installments.get(position=1)
    deposit.due_date = timezone.localdate()
    deposit.save(update_fields=["due_date"])
    payment_announce(booking=booking, installment=deposit, by=contact)

    assert payments_send_reminders() == 0
    assert _reminders() == []


def test_an_overdue_installment_gets_the_reminder_two_days_after_and_the_paid_one_none():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    _aged(booking, days=20)
    deposit, balance = booking.installments.order_by("position")
    deposit.due_date = timezone.localdate() - 2 * DAY
    deposit.save(update_fields=["due_date"])
    balance.due_date = timezone.localdate() + 7 * DAY
    balance.paid_amount = balance.amount
    balance.save(update_fields=["due_date", "paid_amount"])

    payments_send_reminders()

    assert _reminders() == [
        (contact.email, f"payment_reminder:installment:{deposit.pk}:milestone:-2:user:{contact.pk}")
    ]
    assert Decimal(EmailMessage.objects.get(template="payment_reminder").context["amount"]) == deposit.amount
