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
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from bookings.emails import email_booking_contacts, email_payment_received
from bookings.events import BookingPaymentReceived
from bookings.models import Booking, BookingStatus, Installment, Traveller
from bookings.services import booking_ledger_apply, booking_lock, booking_log
from bookings.shares import installment_shares
from payments.emails import email_traveller_payment_link
from payments.errors import PaymentError
from payments.models import Payment, PaymentStatus, Refund, RefundSource, RefundStatus
from payments.providers import provider_get
from payments.providers.base import ProviderPayment, ProviderPaymentStatus
from payments.services.later import task_enqueue
from payments.travellers import transfer_reference
from quotations.services.references import reference_next
from quotations.services.room import room_event_record

OPEN_FOR_PAYMENT = (BookingStatus.OPTION, BookingStatus.CONFIRMED, BookingStatus.TRAVELLING)
# The payments that count against what is owed: received, or announced and on their way.
ANNOUNCED = (PaymentStatus.CONFIRMED, PaymentStatus.PENDING)


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
        room_event_record(
            quotation=booking.quotation,
            event=BookingPaymentReceived(
                booking=booking.pk, amount=str(locked.amount), currency=locked.currency, paid=str(booking.paid_amount)
            ),
        )
        email_payment_received(
            booking=booking,
            payment_id=locked.pk,
            amount=locked.amount,
            currency=locked.currency,
            attachments=[{"kind": "receipt", "id": locked.pk}],
        )
    return locked


def _open_check(booking: Booking) -> None:
    if booking.status not in OPEN_FOR_PAYMENT:
        raise PaymentError(_("This booking takes no more payments."), code="closed")


def _announced(*, installment: Installment, traveller_id: int | None = None) -> Decimal:
    """Confirmed and pending payments of an installment (of one traveller's share, when given)."""
    rows = Payment.objects.filter(installment=installment, status__in=ANNOUNCED)
    if traveller_id is not None:
        rows = rows.filter(traveller_id=traveller_id)
    return rows.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def shares_outstanding(*, installment: Installment) -> dict[int, Decimal]:
    """What is left of each traveller's share of an installment (by traveller id), once confirmed and
    announced payments are counted: every share in the same few queries, however many travellers."""
    shares = installment_shares(booking=installment.booking, installment=installment)
    paid = (
        Payment.objects.filter(installment=installment, status__in=ANNOUNCED, traveller_id__in=list(shares))
        .order_by()
        .values("traveller_id")
        .annotate(total=Sum("amount"))
    )
    announced = {row["traveller_id"]: row["total"] for row in paid}
    return {pk: max(share - announced.get(pk, Decimal(0)), Decimal(0)) for pk, share in shares.items()}


def share_outstanding(*, installment: Installment, traveller: Traveller) -> Decimal:
    """What is left of a traveller's share of an installment, once confirmed and announced payments are counted."""
    return shares_outstanding(installment=installment).get(traveller.pk, Decimal(0))


def payment_announce(
    *, booking: Booking, installment: Installment, traveller: Traveller | None = None, by: User | None
) -> Payment:
    """The payer says a bank transfer is on its way: a pending payment staff confirm when it arrives.

    With `traveller`, that traveller's share (through their link, or the
    leader paying it for them); without, what is left of the installment (the
    leader). Each is known by its key, so a second click, or the traveller and
    the leader at the same moment, make one payment.
    """
    if installment.booking_id != booking.pk or (traveller is not None and traveller.booking_id != booking.pk):
        raise PaymentError(_("Choose an installment of this booking."), field="installment")
    try:
        with transaction.atomic():
            locked = booking_lock(booking=booking)
            _open_check(locked)
            if traveller is not None:
                if traveller.cancelled_at is not None:
                    raise PaymentError(_("This place is cancelled."), code="cancelled")
                # A share's announcement is one row; a cancelled one (the transfer never came) may be made again.
                dropped = Payment.objects.filter(
                    installment=installment, traveller=traveller, status=PaymentStatus.CANCELLED
                ).count()
                key = f"share:{installment.pk}:{traveller.pk}:{dropped}"
                existing = Payment.objects.filter(idempotency_key=key).first()
                if existing is not None:  # announced already, by the traveller or by the leader for them
                    return existing
                amount = share_outstanding(installment=installment, traveller=traveller)
            else:
                key = f"installment:{installment.pk}:{_announced(installment=installment)}"
                amount = installment.amount - _announced(installment=installment)
            if amount <= 0:
                raise PaymentError(_("Nothing is left to pay here."), code="nothing_due")
            payment = Payment.objects.create(
                booking=locked,
                installment=installment,
                traveller=traveller,
                amount=amount,
                currency=locked.currency,
                provider="manual",
                status=PaymentStatus.PENDING,
                provider_reference=transfer_reference(booking=locked, traveller=traveller),
                idempotency_key=key,
                created_by=by,
            )
            booking_log(
                booking=locked,
                action="payment.announced",
                actor=by,
                data={"payment": payment.pk, "amount": str(amount), "traveller": traveller.pk if traveller else None},
            )
    except IntegrityError:  # the same share announced at the same moment
        return Payment.objects.get(idempotency_key=key)
    return payment


def payment_cancel(*, payment: Payment, by: User) -> Payment:
    """Staff drop a pending payment whose transfer never came (the share is due again)."""
    _staff_require(by)
    with transaction.atomic():
        booking_lock(booking=payment.booking)
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != PaymentStatus.PENDING:
            raise PaymentError(_("Only a pending payment can be cancelled."), code="final")
        locked.status = PaymentStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        booking_log(booking=locked.booking, action="payment.cancelled", actor=by, data={"payment": locked.pk})
    return locked


def payment_confirm_received(*, payment: Payment, by: User) -> Payment:
    """Staff saw the announced transfer arrive: confirm it, unless it pays more than the booking owes."""
    _staff_require(by)
    with transaction.atomic():
        booking = booking_lock(booking=payment.booking)
        paid, _per_installment = ledger_totals(booking=booking)
        if payment.status == PaymentStatus.PENDING and payment.amount > booking.total - paid:
            raise PaymentError(
                _("This payment is more than the booking still owes: cancel it and refund the difference."),
                code="overpaid",
            )
        return payment_confirm(payment=payment, by=by)


def traveller_link_send(*, traveller: Traveller, by: User) -> Installment:
    """Email a traveller their payment link for the next installment with a share left to pay (once each)."""
    booking = traveller.booking
    if not traveller.email:
        raise PaymentError(_("Add the traveller's email first."), field="email")
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        _open_check(locked)
        is_contact = by.role == Role.CLIENT and locked.client.contacts.filter(pk=by.pk, is_active=True).exists()
        if not is_contact and by.role != Role.STAFF:
            raise PaymentError(_("Only the group's contacts and our team may do this."), code="forbidden")
        for installment in locked.installments.order_by("position"):
            left = share_outstanding(installment=installment, traveller=traveller)
            if left > 0:
                email_traveller_payment_link(
                    traveller=traveller, installment=installment, share=left, leader_name=by.get_full_name()
                )
                booking_log(
                    booking=locked,
                    action="traveller.link_sent",
                    actor=by,
                    data={"traveller": traveller.pk, "installment": installment.pk},
                )
                return installment
    raise PaymentError(_("This traveller has nothing left to pay."), code="nothing_due")


class RefundMethod(StrEnum):
    BANK = "bank"  # staff transfer the money from the bank, then record it: done when recorded
    GATEWAY = "gateway"  # through the gateway each payment came by: done when the gateway says so


def refund_gateway_refusal(*, payment: Payment, amount: Decimal, now: datetime.datetime) -> str:
    """Why `amount` of `payment` cannot go back through its gateway ("" when it can). Must not call out."""
    if payment.provider == "manual":
        return _("%(receipt)s was paid by bank transfer.") % {"receipt": payment.receipt_number}
    provider = provider_get(payment.provider)
    if not provider.configured() or not payment.provider_payment_id:
        return _("%(receipt)s cannot be refunded through its provider.") % {"receipt": payment.receipt_number}
    report = ProviderPayment(
        provider_payment_id=payment.provider_payment_id,
        status=ProviderPaymentStatus.CONFIRMED,
        amount=payment.amount,
        currency=payment.currency,
        our_reference=payment.idempotency_key,
        paid_at=payment.confirmed_at,
    )
    limits = provider.refund_limits(payment=report, country=payment.booking.client.country, now=now)
    returned = payment.refunds.exclude(status=RefundStatus.FAILED)
    # Partial as the gateway counts it (and as `refund_send` asks for it): less than the whole payment.
    partial = amount < payment.amount
    labels = {"receipt": payment.receipt_number, "provider": provider.label}
    if not limits.refundable:
        return _("%(provider)s does not refund %(receipt)s any more.") % labels
    if limits.latest is not None and now > limits.latest:
        return _("%(provider)s refunds %(receipt)s only until %(date)s.") % {**labels, "date": limits.latest.date()}
    if limits.earliest is not None and now < limits.earliest:
        return _("%(provider)s refunds %(receipt)s from %(time)s.") % {
            **labels,
            "time": timezone.localtime(limits.earliest).strftime("%H:%M"),
        }
    if limits.whole_units_only and amount != amount.to_integral_value():
        return _("%(provider)s refunds %(receipt)s only in whole units, without decimals.") % labels
    if partial and not limits.partial_allowed:
        return _("%(provider)s refunds %(receipt)s only in full.") % labels
    if partial and limits.partial_refunds_max is not None and returned.count() >= limits.partial_refunds_max:
        return _("%(provider)s allows no further partial refund of %(receipt)s.") % labels
    return ""


def _refund_parts(*, booking: Booking, amount: Decimal) -> list[tuple[Payment, Decimal, Decimal]]:
    """(payment, part, refunded or on its way before) for `amount`, taken from the newest payments first."""
    parts = []
    left = amount
    confirmed = Payment.objects.select_for_update().filter(booking=booking, status=PaymentStatus.CONFIRMED)
    for payment in confirmed.select_related("booking__client").order_by("-confirmed_at", "-pk"):
        returned = payment.refunds.exclude(status=RefundStatus.FAILED).aggregate(total=Sum("amount"))["total"] or 0
        part = min(left, payment.amount - returned)
        if part <= 0:
            continue
        parts.append((payment, part, returned))
        left -= part
        if left == 0:
            break
    return parts


def refund_done(*, refund: Refund, notify: bool = True) -> Refund:
    """The money is back with the client: number the credit note, update the booking, tell the client.

    Call inside a transaction holding the booking's lock.
    """
    refund.status = RefundStatus.DONE
    refund.done_at = timezone.now()
    refund.credit_note_number = reference_next(prefix="CN", year=timezone.localdate().year)
    refund.save(update_fields=["status", "done_at", "credit_note_number", "updated_at"])
    booking = refund.payment.booking
    booking_log(
        booking=booking,
        action="refund.done",
        actor=refund.created_by,
        data={"refund": refund.pk, "amount": str(refund.amount), "provider": refund.payment.provider},
    )
    booking = _ledger_apply(booking=booking_lock(booking=booking), by=refund.created_by)
    if notify:
        email_booking_contacts(
            booking=booking,
            template="refund_processed",
            context={"amount": refund.amount, "currency": booking.currency},
            dedupe_key=f"refund_processed:refund:{refund.pk}",
            attachments=[{"kind": "credit_note", "id": refund.pk}],
        )
    return refund


def refund_issue(
    *, booking: Booking, amount: Decimal, by: User, reference: str = "", method: str = RefundMethod.BANK
) -> list[Refund]:
    """Give back `amount`, taken from the confirmed payments newest first, never beyond what each has
    left after earlier refunds nor beyond what the booking has paid.

    By bank (the manual provider): staff made the transfer; each refund is done
    at once with its credit note, and the client is told once. Through the
    gateways: each part is recorded first and sent to its payment's gateway
    after commit (with the refund's idempotency key); it is done, numbered and
    told when the gateway confirms. Refused, with the reason, when a gateway
    cannot take a part (its limits): staff then refund that by bank.
    """
    _staff_require(by)
    if amount <= 0 or amount.as_tuple().exponent < -2:
        raise PaymentError(_("The amount must be greater than zero, with at most 2 decimals."), field="amount")
    reference = reference.strip()
    if method == RefundMethod.BANK and not reference:
        raise PaymentError(_("Give the bank reference of the refund transfer."), field="reference")
    now = timezone.now()
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        paid, _per_installment = ledger_totals(booking=locked)
        moving = Refund.objects.filter(
            payment__booking=locked, status__in=(RefundStatus.CREATED, RefundStatus.TRANSIT)
        ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if amount > paid - moving:
            raise PaymentError(_("You cannot refund more than was paid."), field="amount", code="too_much")
        parts = _refund_parts(booking=locked, amount=amount)
        if method == RefundMethod.GATEWAY:
            for payment, part, _returned in parts:
                refusal = refund_gateway_refusal(payment=payment, amount=part, now=now)
                if refusal:
                    raise PaymentError(
                        _("%(reason)s Refund it by bank transfer instead.") % {"reason": refusal},
                        field="method",
                        code="gateway_refused",
                    )
        refunds: list[Refund] = []
        for payment, part, returned in parts:
            refund = Refund.objects.create(
                payment=payment,
                amount=part,
                currency=payment.currency,
                status=RefundStatus.TRANSIT if method == RefundMethod.BANK else RefundStatus.CREATED,
                source=RefundSource.STAFF,
                provider_reference=reference if method == RefundMethod.BANK else "",
                idempotency_key=f"refund-{payment.pk}-{returned}-{part}",
                created_by=by,
            )
            refunds.append(refund)
        booking_log(
            booking=locked,
            action="refund.issued",
            actor=by,
            data={"amount": str(amount), "refunds": [r.pk for r in refunds], "method": method, "reference": reference},
        )
        if method == RefundMethod.BANK:
            for refund in refunds:
                refund_done(refund=refund, notify=False)
            email_booking_contacts(
                booking=locked,
                template="refund_processed",
                context={"amount": amount, "currency": locked.currency},
                dedupe_key=f"refund_processed:refund:{refunds[0].pk}",
                attachments=[{"kind": "credit_note", "id": refund.pk} for refund in refunds],
            )
        else:
            for refund in refunds:
                transaction.on_commit(
                    lambda pk=refund.pk: task_enqueue("payments.tasks.refund_send_task", refund_id=pk)
                )
    return refunds
