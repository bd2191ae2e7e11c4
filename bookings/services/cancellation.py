"""Cancelling a whole booking: the tier of the day decides what is retained; the ledger refunds the rest.

What the client would get back is shown before they confirm
(`booking_cancellation_terms`, the same figures the cancellation then
records), so the page and the refund can never disagree.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from bookings.emails import booking_client_url, booking_contacts
from bookings.errors import BookingError
from bookings.models import Booking, BookingStatus
from bookings.money import CancellationTier, cancellation_retained, cancellation_tier_for, refund_due
from bookings.services.bookings import booking_lock, booking_log
from notifications.services import email_queue


@dataclass(frozen=True)
class CancellationTerms:
    days_before: int
    retained_percent: Decimal
    retained: Decimal
    paid: Decimal
    refund: Decimal


def booking_tiers(*, booking: Booking) -> list[CancellationTier]:
    return [
        CancellationTier(min_days_before=tier["min_days_before"], retained_percent=Decimal(tier["retained_percent"]))
        for tier in booking.cancellation_tiers
    ]


def booking_cancellation_terms(*, booking: Booking, today: datetime.date | None = None) -> CancellationTerms:
    today = today or timezone.localdate()
    days = (booking.arrival - today).days
    tiers = booking_tiers(booking=booking)
    retained = cancellation_retained(total=booking.total, days_before=days, tiers=tiers)
    return CancellationTerms(
        days_before=days,
        retained_percent=cancellation_tier_for(days_before=days, tiers=tiers).retained_percent,
        retained=retained,
        paid=booking.paid_amount,
        refund=refund_due(paid=booking.paid_amount, retained=retained),
    )


def booking_may_cancel(*, booking: Booking, by: User) -> bool:
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.TRAVELLING):
        return False
    if by.role == Role.STAFF:
        return by.is_active
    return by.role == Role.CLIENT and booking.client.contacts.filter(pk=by.pk, is_active=True).exists()


def booking_cancel(*, booking: Booking, reason: str, by: User) -> CancellationTerms:
    """Cancel the whole booking; returns the terms recorded (what is retained, what is to be refunded)."""
    if not reason.strip():
        raise BookingError(_("Tell us why the booking is cancelled."), field="reason")
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        if not booking_may_cancel(booking=locked, by=by):
            raise BookingError(_("This booking can no longer be cancelled here."), code="closed")
        terms = booking_cancellation_terms(booking=locked)
        locked.status = BookingStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason.strip()
        locked.retained_amount = terms.retained
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason", "retained_amount", "updated_at"])
        booking_log(
            booking=locked,
            action="booking.cancelled",
            actor=by,
            data={
                "reason": reason.strip(),
                "days_before": terms.days_before,
                "retained": str(terms.retained),
                "refund_due": str(terms.refund),
            },
        )
        for contact in booking_contacts(booking=locked):
            email_queue(
                template="cancellation_notice",
                to_email=contact.email,
                to_name=contact.get_full_name(),
                language=contact.language,
                context={
                    "booking_reference": locked.reference,
                    "group_name": locked.group_name,
                    "reason": reason.strip(),
                    "refund_amount": terms.refund,
                    "currency": locked.currency,
                    "url": booking_client_url(booking=locked),
                },
                dedupe_key=f"cancellation_notice:booking:{locked.pk}:user:{contact.pk}",
            )
    booking.refresh_from_db()
    return terms
