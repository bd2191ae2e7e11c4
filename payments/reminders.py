"""Payment reminders: which installments are due a reminder today, and the email, each once.

Milestones are 7, 3 and 0 days before an installment's due date and 2 days
after it. A milestone is sent on its day or later (a job that missed a day
catches up), at most once, only the latest one that has come, and never:
for a booking younger than 2 hours or created on or after the milestone's
day, for an installment fully paid, or while a payment of it is pending.
"""

import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from bookings.emails import email_booking_contacts
from bookings.models import BookingStatus, Installment
from payments.models import Payment, PaymentStatus

MILESTONES = (7, 3, 0, -2)  # days before the due date; negative: after it
MIN_AGE = datetime.timedelta(hours=2)
OPEN = (BookingStatus.OPTION, BookingStatus.CONFIRMED)


def reminder_milestone(*, due: datetime.date, today: datetime.date) -> int | None:
    """The latest milestone (days before `due`) whose day has come, or None before the first."""
    reached = [days for days in MILESTONES if due - datetime.timedelta(days=days) <= today]
    return reached[-1] if reached else None


def installments_due_reminder(*, now: datetime.datetime) -> list[tuple[Installment, int]]:
    today = timezone.localdate(now)
    window_end = today + datetime.timedelta(days=max(MILESTONES))
    candidates = (
        Installment.objects.select_related("booking", "booking__client")
        .filter(booking__status__in=OPEN, booking__created_at__lte=now - MIN_AGE, due_date__lte=window_end)
        .order_by("due_date", "pk")
    )
    due = []
    for installment in candidates:
        if installment.paid_amount >= installment.amount:
            continue
        milestone = reminder_milestone(due=installment.due_date, today=today)
        if milestone is None:
            continue
        milestone_day = installment.due_date - datetime.timedelta(days=milestone)
        if timezone.localdate(installment.booking.created_at) >= milestone_day:
            continue
        if Payment.objects.filter(installment=installment, status=PaymentStatus.PENDING).exists():
            continue
        due.append((installment, milestone))
    return due


def email_payment_reminder(*, installment: Installment, milestone: int) -> None:
    booking = installment.booking
    confirmed = Payment.objects.filter(installment=installment, status=PaymentStatus.CONFIRMED)
    paid = confirmed.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    email_booking_contacts(
        booking=booking,
        template="payment_reminder",
        context={"amount": installment.amount - paid, "currency": booking.currency, "due_date": installment.due_date},
        dedupe_key=f"payment_reminder:installment:{installment.pk}:milestone:{milestone}",
    )
