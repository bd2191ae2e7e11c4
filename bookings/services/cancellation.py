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
from bookings.emails import email_booking_contacts
from bookings.errors import BookingError
from bookings.models import Booking, BookingStatus, Traveller
from bookings.money import CancellationTier, cancellation_retained, cancellation_tier_for, refund_due
from bookings.services.bookings import booking_lock, booking_log
from quotations.models import RoomType
from quotations.rooms import ROOM_OCCUPANCY


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
        email_booking_contacts(
            booking=locked,
            template="cancellation_notice",
            context={"reason": reason.strip(), "refund_amount": terms.refund, "currency": locked.currency},
            dedupe_key=f"cancellation_notice:booking:{locked.pk}",
        )
    booking.refresh_from_db()
    return terms


# --- One traveller ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    kind: str  # "cancellation" | "single_use"
    label: str
    amount: Decimal


@dataclass(frozen=True)
class TravellerCancellationTerms:
    """What cancelling one traveller does to the booking, shown before it is confirmed and then recorded.

    The traveller's price leaves the total; the tier of the day retains its
    share of that price; a roommate left alone in a shared room pays for the
    room alone: the booking's single price where it has singles, otherwise the
    whole room (their price × the room's beds).
    """

    traveller_id: int
    price: Decimal
    retained_percent: Decimal
    retained: Decimal
    adjustments: tuple[Adjustment, ...]
    old_total: Decimal
    new_total: Decimal


def _price_of(booking: Booking, room_type: str, *, free: bool) -> Decimal:
    line = booking.price_lines.get(room_type)
    return Decimal(0) if free or not isinstance(line, dict) else Decimal(line["per_person"])


def traveller_cancellation_terms(
    *, traveller: Traveller, today: datetime.date | None = None
) -> TravellerCancellationTerms:
    booking = traveller.booking
    today = today or timezone.localdate()
    days = (booking.arrival - today).days
    tiers = booking_tiers(booking=booking)
    tier = cancellation_tier_for(days_before=days, tiers=tiers)
    price = _price_of(booking, traveller.room_type, free=traveller.is_free_place)
    retained = cancellation_retained(total=price, days_before=days, tiers=tiers)
    adjustments = [
        Adjustment(
            kind="cancellation",
            label=_("Cancellation of %(name)s: %(percent)s %% retained")
            % {"name": traveller.full_name, "percent": f"{tier.retained_percent.normalize():f}"},
            amount=retained - price,
        )
    ]
    if traveller.room_id is not None:
        roommates = [
            t
            for t in traveller.room.travellers.filter(cancelled_at__isnull=True).exclude(pk=traveller.pk)
            if not t.is_free_place
        ]
        if len(roommates) == 1 and ROOM_OCCUPANCY[traveller.room.room_type] > 1:
            alone = roommates[0]
            now_pays = (
                _price_of(booking, RoomType.SINGLE, free=False)
                if isinstance(booking.price_lines.get(RoomType.SINGLE), dict)
                and booking.price_lines[RoomType.SINGLE].get("rooms")
                else _price_of(booking, alone.room_type, free=False) * ROOM_OCCUPANCY[traveller.room.room_type]
            )
            supplement = now_pays - _price_of(booking, alone.room_type, free=False)
            if supplement > 0:
                adjustments.append(
                    Adjustment(
                        kind="single_use",
                        label=_("%(name)s alone in room %(number)s")
                        % {"name": alone.full_name, "number": traveller.room.number},
                        amount=supplement,
                    )
                )
    delta = sum((a.amount for a in adjustments), Decimal(0))
    return TravellerCancellationTerms(
        traveller_id=traveller.pk,
        price=price,
        retained_percent=tier.retained_percent,
        retained=retained,
        adjustments=tuple(adjustments),
        old_total=booking.total,
        new_total=booking.total + delta,
    )


def _schedule_shift(*, booking: Booking, delta: Decimal) -> None:
    """Move the schedule by `delta`, from the last installment back, never below what each has had paid."""
    for installment in booking.installments.order_by("-position"):
        if delta == 0:
            break
        new_amount = max(installment.amount + delta, installment.paid_amount)
        delta -= new_amount - installment.amount
        if new_amount != installment.amount:
            installment.amount = new_amount
            installment.save(update_fields=["amount"])


def traveller_cancel(*, traveller: Traveller, by: User) -> TravellerCancellationTerms:
    """Cancel one traveller's place, repricing the booking by the terms shown (see TravellerCancellationTerms)."""
    with transaction.atomic():
        locked = booking_lock(booking=traveller.booking)
        if not booking_may_cancel(booking=locked, by=by):
            raise BookingError(_("This booking can no longer be changed here."), code="closed")
        current = Traveller.objects.select_for_update().get(pk=traveller.pk)
        if current.cancelled_at is not None:
            raise BookingError(_("This place is already cancelled."), code="cancelled")
        current.booking = locked
        terms = traveller_cancellation_terms(traveller=current)
        locked.adjustments = [
            *locked.adjustments,
            *({"kind": a.kind, "label": a.label, "amount": str(a.amount)} for a in terms.adjustments),
        ]
        locked.total = terms.new_total
        locked.save(update_fields=["adjustments", "total", "updated_at"])
        _schedule_shift(booking=locked, delta=terms.new_total - terms.old_total)
        current.cancelled_at = timezone.now()
        current.room = None
        current.save(update_fields=["cancelled_at", "room", "updated_at"])
        booking_log(
            booking=locked,
            action="traveller.cancelled",
            actor=by,
            data={
                "traveller": current.pk,
                "retained": str(terms.retained),
                "old_total": str(terms.old_total),
                "new_total": str(terms.new_total),
            },
        )
    return terms
