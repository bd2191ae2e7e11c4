"""The payments ledger: record, confirm and refund, each in one transaction with its audit entry.

What a booking has paid is the sum of its confirmed payments minus its done
refunds, computed here under the booking's lock and handed to the booking
(`booking_ledger_apply`), which moves its status. Confirming a payment locks
its row and is a no-op the second time; a transfer is known by its bank
reference, so two staff recording the same transfer make one payment.
"""

import datetime
import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from bookings.emails import email_payment_received
from bookings.models import Booking, BookingStatus, Installment
from bookings.services import booking_ledger_apply, booking_lock, booking_log
from payments.errors import PaymentError
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from quotations.services.references import reference_next

OPEN_FOR_PAYMENT = (BookingStatus.OPTION, BookingStatus.CONFIRMED, BookingStatus.TRAVELLING)


def _staff_require(user: User) -> None:
    if user.role != Role.STAFF or not user.is_active:
        raise PaymentError(_("Only active staff may do this."), code="forbidden")


def ledger_totals(*, booking: Booking) -> tuple[Decimal, dict[int, Decimal]]:
    """(confirmed payments − done refunds, confirmed payments per installment) of a booking."""
    confirmed = Payment.objects.filter(booking=booking, status=PaymentStatus.CONFIRMED)
    paid = confirmed.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    refunded = Refund.objects.filter(payment__booking=booking, status=RefundStatus.DONE).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)
    per_installment = {
        row["installment_id"]: row["total"]
        for row in confirmed.values("installment_id").annotate(total=Sum("amount")).order_by()
    }
    return paid - refunded, per_installment


def _ledger_apply(*, booking: Booking, by: User | None) -> Booking:
    paid, per_installment = ledger_totals(booking=booking)
    return booking_ledger_apply(booking=booking, paid_total=paid, installment_paid=per_installment, by=by)


def transfer_key(*, booking: Booking, reference: str) -> str:
    """One bank transfer, however its reference is typed: only its letters and digits count, in any case."""
    compact = re.sub(r"[^0-9A-Za-z]", "", reference).upper()
    return f"manual:{booking.pk}:{compact}"


def payment_record_transfer(
    *,
    booking: Booking,
    installment: Installment,
    amount: Decimal,
    received_on: datetime.date,
    reference: str,
    by: User,
) -> Payment:
    """A bank transfer that staff saw arrive: recorded and confirmed at once (the manual provider).

    Refused when the booking takes no more money, when the amount is not
    positive or exceeds what the booking still owes, when the date lies in the
    future, or when that transfer (same booking, same bank reference) is
    already recorded.
    """
    _staff_require(by)
    reference = reference.strip()
    if not reference:
        raise PaymentError(_("Give the bank reference of the transfer."), field="reference")
    if amount <= 0 or amount.as_tuple().exponent < -2:
        raise PaymentError(_("The amount must be greater than zero, with at most 2 decimals."), field="amount")
    if received_on > timezone.localdate():
        raise PaymentError(_("The transfer cannot have arrived in the future."), field="received_on")
    if installment.booking_id != booking.pk:
        raise PaymentError(_("Choose an installment of this booking."), field="installment")
    key = transfer_key(booking=booking, reference=reference)
    try:
        with transaction.atomic():
            locked = booking_lock(booking=booking)
            if locked.status not in OPEN_FOR_PAYMENT:
                raise PaymentError(_("This booking takes no more payments."), code="closed")
            if Payment.objects.filter(idempotency_key=key).exists():
                raise PaymentError(_("This transfer is already recorded."), field="reference", code="duplicate")
            paid, _per_installment = ledger_totals(booking=locked)
            if amount > locked.total - paid:
                raise PaymentError(
                    _("The amount is more than the booking still owes."), field="amount", code="overpaid"
                )
            payment = Payment.objects.create(
                booking=locked,
                installment=installment,
                amount=amount,
                currency=locked.currency,
                provider="manual",
                status=PaymentStatus.PENDING,
                provider_reference=reference,
                received_on=received_on,
                idempotency_key=key,
                created_by=by,
            )
            booking_log(
                booking=locked,
                action="payment.recorded",
                actor=by,
                data={"payment": payment.pk, "amount": str(amount), "provider": "manual", "reference": reference},
            )
            payment_confirm(payment=payment, by=by)
    except IntegrityError:  # the same transfer recorded at the same moment by someone else
        raise PaymentError(_("This transfer is already recorded."), field="reference", code="duplicate") from None
    payment.refresh_from_db()
    return payment


def payment_confirm(*, payment: Payment, by: User | None) -> Payment:
    """Mark a payment confirmed, number its receipt, update the booking and tell the client.

    Locks the payment row first: a second confirmation (a replayed
    notification, a double click) finds it confirmed and changes nothing.
    """
    with transaction.atomic():
        booking = booking_lock(booking=payment.booking)
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == PaymentStatus.CONFIRMED:
            return locked
        if locked.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING):
            raise PaymentError(_("This payment can no longer be confirmed."), code="final")
        now = timezone.now()
        locked.status = PaymentStatus.CONFIRMED
        locked.confirmed_at = now
        locked.receipt_number = reference_next(prefix="R", year=timezone.localdate().year)
        locked.save(update_fields=["status", "confirmed_at", "receipt_number", "updated_at"])
        booking_log(
            booking=booking,
            action="payment.confirmed",
            actor=by,
            data={"payment": locked.pk, "amount": str(locked.amount), "receipt": locked.receipt_number},
        )
        booking = _ledger_apply(booking=booking, by=by)
        email_payment_received(booking=booking, payment_id=locked.pk, amount=locked.amount, currency=locked.currency)
    return locked
