"""Writes on bookings: creation from an approved quote, and what the payments ledger tells it.

A booking is created in the transaction of the client's approval (the
`quotation_approved` hook), with every figure frozen from the quote's current
pricing and its payment schedule built once from the rules in force. Its status
moves only forward on money: `option` until the first installment is paid,
`confirmed` from then on (the quotation becomes `booked`), `paid` once the
ledger reaches the total. The payments app is the only caller of
`booking_ledger_apply`; bookings never reads payments.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.emails import email_booking_confirmed, email_hotel_booking_request
from bookings.errors import BookingError
from bookings.events import BookingStatusChanged
from bookings.models import Booking, BookingHotel, BookingLog, BookingRoom, BookingStatus, Installment, PaymentTerms
from bookings.money import (
    DepositRule,
    ProgressRule,
    ScheduleRules,
    schedule_build,
)
from bookings.rules import schedule_changeable_by
from bookings.shares import ROOM_ORDER
from quotations.models import Quotation, QuotationStatus
from quotations.selectors import exchange_factor
from quotations.services import quotation_mark_booked
from quotations.services.references import reference_next
from quotations.services.room import room_event_record

S = BookingStatus


def booking_log(*, booking: Booking, action: str, actor: User | None, data: dict | None = None) -> BookingLog:
    """Append an audit entry; call it inside the transaction of the change it records."""
    return BookingLog.objects.create(booking=booking, action=action, actor=actor, data=data or {})


def _optional_decimal(value: str) -> Decimal | None:
    return Decimal(value) if str(value).strip() else None


def schedule_rules_for(*, quotation: Quotation) -> ScheduleRules:
    """The quotation's own payment terms where staff set them, otherwise the settings' rules."""
    terms = PaymentTerms.objects.filter(quotation=quotation).first()
    if terms is None:
        return schedule_rules_default()
    return ScheduleRules(
        deposit=DepositRule(
            percent=terms.deposit_percent,
            fixed=terms.deposit_fixed_per_person,
            per_person=True,
            whichever_higher=terms.whichever_higher,
            due_days=settings.BOOKING_DEPOSIT_DUE_DAYS,
        ),
        progress=_progress_rules(),
        balance_days_before=terms.balance_days_before,
    )


def _progress_rules() -> tuple[ProgressRule, ...]:
    return tuple(
        ProgressRule(days_before_arrival=days, percent=Decimal(percent))
        for days, percent in settings.BOOKING_PROGRESS_PAYMENTS
    )


def schedule_rules_default() -> ScheduleRules:
    """The schedule rules of settings: BOOKING_DEPOSIT_*, BOOKING_PROGRESS_PAYMENTS, BOOKING_BALANCE_DAYS_BEFORE."""
    return ScheduleRules(
        deposit=DepositRule(
            percent=_optional_decimal(settings.BOOKING_DEPOSIT_PERCENT),
            fixed=_optional_decimal(settings.BOOKING_DEPOSIT_FIXED_PER_PERSON),
            per_person=True,
            whichever_higher=settings.BOOKING_DEPOSIT_WHICHEVER_HIGHER,
            due_days=settings.BOOKING_DEPOSIT_DUE_DAYS,
        ),
        progress=_progress_rules(),
        balance_days_before=settings.BOOKING_BALANCE_DAYS_BEFORE,
    )


def _frozen_stays(pricing) -> list[dict]:
    """Each stay with its chosen hotel: what the booking bought, never a cost."""
    stays = []
    for choice in pricing.choices.select_related("stay", "bid__invitation__hotel").order_by("stay__position"):
        hotel = choice.bid.invitation.hotel
        stays.append(
            {
                "stay_id": choice.stay_id,
                "position": choice.stay.position,
                "city": choice.stay.city,
                "nights": choice.stay.nights,
                "meal_plan": choice.stay.meal_plan or pricing.quotation.meal_plan,
                "hotel_id": hotel.pk,
                "hotel_name": hotel.name,
                "invitation_id": choice.bid.invitation_id,
                "bid_id": choice.bid_id,
            }
        )
    return stays


def _rooms_and_hotels_create(*, booking: Booking) -> None:
    """The numbered rooms of the booked mix, and each chosen hotel with its own nights."""
    number = 0
    rooms = []
    for room_type in ROOM_ORDER:
        line = booking.price_lines.get(room_type)
        for _index in range((line or {}).get("rooms", 0) if isinstance(line, dict) else 0):
            number += 1
            rooms.append(BookingRoom(booking=booking, number=number, room_type=room_type))
    BookingRoom.objects.bulk_create(rooms)
    nights: dict[int, list] = {}
    day = booking.arrival
    for stay in sorted(booking.stays, key=lambda entry: entry["position"]):
        check_out = day + datetime.timedelta(days=stay["nights"])
        entry = nights.setdefault(stay["hotel_id"], [day, check_out, stay["invitation_id"]])
        entry[1] = check_out
        day = check_out
    BookingHotel.objects.bulk_create(
        BookingHotel(booking=booking, hotel_id=hotel_id, invitation_id=invitation_id, check_in=start, check_out=end)
        for hotel_id, (start, end, invitation_id) in nights.items()
    )


def booking_create_from_quotation(
    *, quotation: Quotation, by: User | None, today: datetime.date | None = None
) -> Booking:
    """The booking of an approved quote, in the caller's transaction; a second call returns the first booking."""
    existing = Booking.objects.filter(quotation=quotation).first()
    if existing is not None:
        return existing
    if quotation.status != QuotationStatus.APPROVED:
        raise BookingError(_("Only an approved quote can become a booking."), code="not_approved")
    pricing = quotation.pricings.filter(is_current=True).select_related("quotation").first()
    if pricing is None:
        raise BookingError(_("This quote has no price to book."), code="not_priced")
    today = today or timezone.localdate()
    stays = _frozen_stays(pricing)
    bid_currencies = sorted({choice.bid.currency for choice in pricing.choices.select_related("bid")})
    rates = {
        currency: str(exchange_factor(base=currency, quote=pricing.currency, on=today))
        for currency in bid_currencies
        if currency != pricing.currency
    }
    paying = sum(line["paying"] for line in pricing.room_prices.values() if isinstance(line, dict)) or quotation.pax
    total = pricing.price_total
    plans = schedule_build(
        total=total,
        paying=paying,
        arrival=quotation.arrival,
        today=today,
        rules=schedule_rules_for(quotation=quotation),
    )
    with transaction.atomic():
        booking = Booking.objects.create(
            reference=reference_next(prefix="B", year=today.year),
            quotation=quotation,
            client=quotation.client,
            owner=quotation.owner,
            group_name=quotation.group_name,
            arrival=quotation.arrival,
            departure=quotation.departure,
            pax=quotation.pax,
            paying=paying,
            currency=pricing.currency,
            total=total,
            price_lines=pricing.room_prices,
            stays=stays,
            exchange_rates=rates,
            cancellation_tiers=[
                {"min_days_before": days, "retained_percent": str(percent)}
                for days, percent in settings.CANCELLATION_TIERS
            ],
            rooming_cutoff=quotation.arrival - datetime.timedelta(days=settings.BOOKING_ROOMING_CUTOFF_DAYS),
        )
        _rooms_and_hotels_create(booking=booking)
        Installment.objects.bulk_create(
            Installment(booking=booking, position=position, kind=str(plan.kind), due_date=plan.due, amount=plan.amount)
            for position, plan in enumerate(plans, start=1)
        )
        for booked_hotel in BookingHotel.objects.filter(booking=booking).select_related("hotel"):
            email_hotel_booking_request(booked_hotel=booked_hotel)
        booking_log(
            booking=booking,
            action="booking.created",
            actor=by,
            data={
                "quotation": quotation.pk,
                "total": str(total),
                "currency": booking.currency,
                "installments": [[str(plan.kind), plan.due.isoformat(), str(plan.amount)] for plan in plans],
            },
        )
    return booking


def booking_lock(*, booking: Booking) -> Booking:
    return Booking.objects.select_for_update().get(pk=booking.pk)


def booking_ledger_apply(
    *, booking: Booking, paid_total: Decimal, installment_paid: dict[int, Decimal], by: User | None
) -> Booking:
    """Store what the ledger says is paid and move the status forward on it.

    Called by the payments ledger inside its transaction, with the sums it
    computed under its own lock. The first installment paid in full confirms
    the booking (the quotation becomes booked and the client is told); the
    total paid makes it `paid`. A status never moves back here: a refund
    lowers what is paid, not the status.
    """
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        installments = list(locked.installments.order_by("position"))
        for installment in installments:
            paid = installment_paid.get(installment.pk, Decimal(0))
            if installment.paid_amount != paid:
                installment.paid_amount = paid
                installment.save(update_fields=["paid_amount"])
        locked.paid_amount = paid_total
        previous = locked.status
        if previous in (S.OPTION, S.CONFIRMED):
            if paid_total >= locked.total:
                locked.status = S.PAID
            elif installments and installments[0].paid_amount >= installments[0].amount:
                locked.status = S.CONFIRMED
        locked.save(update_fields=["paid_amount", "status", "updated_at"])
        if locked.status != previous:
            booking_log(
                booking=locked,
                action="booking.status_changed",
                actor=by,
                data={"from": previous, "to": locked.status, "paid": str(paid_total)},
            )
            room_event_record(
                quotation=locked.quotation,
                event=BookingStatusChanged(booking=locked.pk, from_=previous, to=locked.status),
            )
        if previous == S.OPTION and locked.status in (S.CONFIRMED, S.PAID):
            if locked.quotation.status == QuotationStatus.APPROVED:
                quotation_mark_booked(quotation=locked.quotation)
            email_booking_confirmed(booking=locked)
    booking.refresh_from_db()
    return booking


def booking_schedule_change(*, booking: Booking, rules: ScheduleRules, by: User) -> Booking:
    """Staff from BOOKING_SCHEDULE_EDIT_FROM_LEVEL build a booking's schedule again with other rules,
    while no payment of it exists (once money moved, the schedule it was paid against stays)."""
    if not schedule_changeable_by(by=by):
        raise BookingError(_("Your permission level does not allow changing a payment schedule."), code="forbidden")
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        if locked.status not in (S.OPTION,) or any(i.payments.exists() for i in locked.installments.all()):
            raise BookingError(_("This schedule already has payments: it can no longer be changed."), code="paid")
        plans = schedule_build(
            total=locked.total, paying=locked.paying, arrival=locked.arrival, today=timezone.localdate(), rules=rules
        )
        locked.installments.all().delete()
        Installment.objects.bulk_create(
            Installment(booking=locked, position=position, kind=str(plan.kind), due_date=plan.due, amount=plan.amount)
            for position, plan in enumerate(plans, start=1)
        )
        booking_log(
            booking=locked,
            action="booking.schedule_changed",
            actor=by,
            data={"installments": [[str(plan.kind), plan.due.isoformat(), str(plan.amount)] for plan in plans]},
        )
    booking.refresh_from_db()
    return booking


def bookings_travel_progress(*, today: datetime.date) -> int:
    """Confirmed or paid bookings travel from their arrival day and are completed after their departure day.

    A booking still owing money travels all the same (the group is on its way); staff see the balance.
    Returns how many moved.
    """
    moved = 0
    due = Booking.objects.filter(status__in=(S.CONFIRMED, S.PAID, S.TRAVELLING), arrival__lte=today).order_by(
        "arrival", "pk"
    )
    for booking in due:
        with transaction.atomic():
            locked = booking_lock(booking=booking)
            target = S.COMPLETED if today > locked.departure else S.TRAVELLING
            if locked.status == target or locked.status not in (S.CONFIRMED, S.PAID, S.TRAVELLING):
                continue
            previous = locked.status
            locked.status = target
            locked.save(update_fields=["status", "updated_at"])
            booking_log(
                booking=locked, action="booking.status_changed", actor=None, data={"from": previous, "to": target}
            )
            room_event_record(
                quotation=locked.quotation, event=BookingStatusChanged(booking=locked.pk, from_=previous, to=target)
            )
            moved += 1
    return moved
