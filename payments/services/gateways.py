"""Online payments: open a checkout at the client's gateway, then apply what the gateway reports.

Record first, then act: the `Payment` row (status `created`) is committed
before the gateway is called, with the idempotency key the gateway gets, so a
timeout and a retry make one checkout and one charge. A second click or a
second tab finds the open checkout and reuses it.

What a gateway reports moves a payment forward only: a late "pending" after
"confirmed" changes nothing, a failure never undoes a confirmation, and money
that does arrive is always recorded (a payment given up on is reopened). An
amount or currency other than the payment's is flagged for staff and never
confirmed.
"""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.events import BookingPaymentUpdated
from bookings.models import Booking, Installment, Traveller
from bookings.services import booking_lock, booking_log
from payments.errors import PaymentError
from payments.models import Payment, PaymentStatus, Refund, RefundSource, RefundStatus
from payments.providers import provider_get
from payments.providers.base import (
    Checkout,
    CheckoutRequest,
    PaymentProvider,
    PermanentProviderError,
    ProviderPayment,
    ProviderPaymentStatus,
    ProviderRefund,
    ProviderRefundStatus,
    TransientProviderError,
)
from payments.routing import provider_for
from payments.services.ledger import (
    _announced,
    _open_check,
    payment_confirm,
    refund_done,
    share_outstanding,
)
from payments.travellers import payment_return_token
from quotations.services.room import room_event_record

OPEN_CHECKOUT = (PaymentStatus.CREATED, PaymentStatus.PENDING)


@dataclass(frozen=True)
class CheckoutStarted:
    payment: Payment
    checkout: Checkout


def gateway_for_booking(*, booking: Booking) -> PaymentProvider:
    """The gateway this booking's client pays through (the manual provider when none is set up)."""
    return provider_for(country=booking.client.country, currency=booking.currency)


def _open_attempt(*, installment: Installment, traveller: Traveller | None, now: datetime.datetime) -> Payment | None:
    return (
        Payment.objects.filter(installment=installment, traveller=traveller, status__in=OPEN_CHECKOUT)
        .exclude(provider="manual")
        .filter(checkout_expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )


def _notification_url(*, provider: str, base_url: str) -> str:
    """Where the gateway posts its notifications for this checkout ("" for Stripe, whose endpoint is
    registered once with the account: see `manage.py stripe_webhook_endpoint`)."""
    try:
        return base_url + reverse(f"payments_webhooks:{provider}")
    except NoReverseMatch:
        return ""


def _checkout_request(*, payment: Payment, base_url: str, back_url: str) -> CheckoutRequest:
    booking = payment.booking
    payer = payment.traveller
    token = payment_return_token(payment=payment)
    return CheckoutRequest(
        payment_id=payment.pk,
        idempotency_key=payment.idempotency_key,
        amount=payment.amount,
        currency=payment.currency,
        description=f"{booking.reference} · {booking.group_name}"[:120],
        payer_email=payer.email if payer is not None and payer.email else booking.client.email,
        payer_name=payer.full_name if payer is not None else booking.client.name,
        success_url=base_url + reverse("pay:return", kwargs={"token": token}),
        cancel_url=base_url + back_url,
        notification_url=_notification_url(provider=payment.provider, base_url=base_url),
        language=booking.client.language,
        country=booking.client.country,
        expires_at=payment.checkout_expires_at,
    )


def payment_checkout_start(
    *,
    booking: Booking,
    installment: Installment,
    traveller: Traveller | None = None,
    by: User | None,
    back_url: str,
) -> CheckoutStarted:
    """Send the payer to the gateway for what is left of an installment, or of one traveller's share.

    Reuses the open checkout of the same installment and payer when there is
    one. Raises PaymentError when nothing is left to pay, when the booking takes
    no more payments, when no gateway serves this client (pay by transfer), or
    when the gateway does not answer (the payer tries again: same key, same checkout).
    """
    if installment.booking_id != booking.pk or (traveller is not None and traveller.booking_id != booking.pk):
        raise PaymentError(_("Choose an installment of this booking."), field="installment")
    provider = gateway_for_booking(booking=booking)
    if provider.identifier == "manual":
        raise PaymentError(_("Online payment is not available for this booking: pay by bank transfer."), code="manual")
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = booking_lock(booking=booking)
            _open_check(locked)
            if traveller is not None and traveller.cancelled_at is not None:
                raise PaymentError(_("This place is cancelled."), code="cancelled")
            payment = _open_attempt(installment=installment, traveller=traveller, now=now)
            if payment is None:
                payment = _attempt_create(
                    booking=locked, installment=installment, traveller=traveller, provider=provider, by=by, now=now
                )
    except IntegrityError:  # the same attempt opened at the same moment (a second tab)
        payment = _open_attempt(installment=installment, traveller=traveller, now=now)
        if payment is None:
            raise PaymentError(_("Please try again."), code="busy") from None
    if payment.status == PaymentStatus.PENDING:  # paid at the gateway, its confirmation on its way
        raise PaymentError(_("Your payment is being processed."), code="processing")
    provider = provider_get(payment.provider)
    if payment.checkout_url and not provider.posts_form:
        return CheckoutStarted(
            payment=payment,
            checkout=Checkout(provider_reference=payment.provider_reference, redirect_url=payment.checkout_url),
        )
    request = _checkout_request(payment=payment, base_url=settings.SITE_URL.rstrip("/"), back_url=back_url)
    try:
        checkout = provider.checkout_create(request)
    except TransientProviderError:
        raise PaymentError(
            _("The payment service is not answering. Please try again in a minute."), code="unavailable"
        ) from None
    except PermanentProviderError as error:
        _attempt_fail(payment=payment, reason=str(error))
        raise PaymentError(
            _("The payment service refused this payment. Please pay by bank transfer."), code="refused"
        ) from None
    Payment.objects.filter(pk=payment.pk, status__in=OPEN_CHECKOUT).update(
        provider_reference=checkout.provider_reference[:120], checkout_url=checkout.redirect_url, updated_at=now
    )
    payment.refresh_from_db()
    return CheckoutStarted(payment=payment, checkout=checkout)


def _attempt_key(*, provider: str, installment: Installment, traveller: Traveller | None, attempt: int) -> str:
    return f"{provider}-{installment.pk}-{traveller.pk if traveller else 0}-{attempt}"


def _attempt_create(
    *,
    booking: Booking,
    installment: Installment,
    traveller: Traveller | None,
    provider: PaymentProvider,
    by: User | None,
    now: datetime.datetime,
) -> Payment:
    # Checkouts of this payer left open past their time are given up: the next one replaces them.
    stale = Payment.objects.filter(installment=installment, traveller=traveller, status=PaymentStatus.CREATED).exclude(
        provider="manual"
    )
    stale.update(status=PaymentStatus.CANCELLED, updated_at=now)
    if traveller is not None:
        amount = share_outstanding(installment=installment, traveller=traveller)
    else:
        amount = installment.amount - _announced(installment=installment)
    if amount <= 0:
        raise PaymentError(_("Nothing is left to pay here."), code="nothing_due")
    attempt = Payment.objects.filter(installment=installment, traveller=traveller).count()
    payment = Payment.objects.create(
        booking=booking,
        installment=installment,
        traveller=traveller,
        amount=amount,
        currency=booking.currency,
        provider=provider.identifier,
        status=PaymentStatus.CREATED,
        idempotency_key=_attempt_key(
            provider=provider.identifier, installment=installment, traveller=traveller, attempt=attempt
        ),
        checkout_expires_at=now + datetime.timedelta(minutes=settings.PAYMENT_CHECKOUT_MINUTES),
        created_by=by,
    )
    booking_log(
        booking=booking,
        action="payment.checkout_started",
        actor=by,
        data={
            "payment": payment.pk,
            "amount": str(amount),
            "provider": provider.identifier,
            "traveller": traveller.pk if traveller else None,
        },
    )
    return payment


def _attempt_fail(*, payment: Payment, reason: str) -> None:
    with transaction.atomic():
        booking = booking_lock(booking=payment.booking)
        changed = Payment.objects.filter(pk=payment.pk, status__in=OPEN_CHECKOUT).update(
            status=PaymentStatus.FAILED, updated_at=timezone.now()
        )
        if changed:
            booking_log(
                booking=booking, action="payment.failed", actor=None, data={"payment": payment.pk, "reason": reason}
            )


def idempotency_key_short(key: str) -> str:
    """A key as gateways that cap its length (64 characters) accept it: the same key always gives the same."""
    return key if len(key) <= 64 else hashlib.sha256(key.encode()).hexdigest()


# --- Applying what a gateway reports --------------------------------------------------------------


def payment_for_report(*, provider: str, report: ProviderPayment) -> Payment | None:
    """Our payment a gateway's report is about: by the reference we gave it, else by its own id."""
    if report.our_reference:
        payment = Payment.objects.filter(provider=provider, idempotency_key=report.our_reference).first()
        if payment is not None:
            return payment
    if report.provider_payment_id:
        return Payment.objects.filter(provider=provider, provider_payment_id=report.provider_payment_id).first()
    return None


def _updated_event(*, booking: Booking, payment: Payment) -> None:
    room_event_record(
        quotation=booking.quotation,
        event=BookingPaymentUpdated(booking=booking.pk, payment=payment.pk, status=payment.status),
    )


def payment_report_apply(*, payment: Payment, report: ProviderPayment) -> str:
    """Move `payment` to what the gateway reports, forward only. Returns "applied", "unchanged" or "flagged"."""
    with transaction.atomic():
        booking = booking_lock(booking=payment.booking)
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        # The gateway's id of the money is kept once known; a confirmed payment keeps the one it was paid by.
        if (
            report.provider_payment_id
            and locked.provider_payment_id != report.provider_payment_id
            and (locked.status != PaymentStatus.CONFIRMED or not locked.provider_payment_id)
        ):
            locked.provider_payment_id = report.provider_payment_id[:120]
            locked.save(update_fields=["provider_payment_id", "updated_at"])
        if report.status == ProviderPaymentStatus.CONFIRMED:
            return _report_confirmed(booking=booking, payment=locked, report=report)
        if report.status == ProviderPaymentStatus.PENDING:
            if locked.status != PaymentStatus.CREATED:
                return "unchanged"
            locked.status = PaymentStatus.PENDING
            locked.save(update_fields=["status", "updated_at"])
            booking_log(booking=booking, action="payment.processing", actor=None, data={"payment": locked.pk})
            _updated_event(booking=booking, payment=locked)
            return "applied"
        if report.status in (ProviderPaymentStatus.FAILED, ProviderPaymentStatus.CANCELLED):
            if locked.status not in OPEN_CHECKOUT:
                return "unchanged"
            locked.status = (
                PaymentStatus.FAILED if report.status == ProviderPaymentStatus.FAILED else PaymentStatus.CANCELLED
            )
            locked.save(update_fields=["status", "updated_at"])
            booking_log(booking=booking, action=f"payment.{locked.status}", actor=None, data={"payment": locked.pk})
            _updated_event(booking=booking, payment=locked)
            return "applied"
        # REFUNDED: the payment was refunded or charged back at the gateway.
        if locked.status != PaymentStatus.CONFIRMED:
            return "unchanged"
        return _refunded_at_provider(payment=locked, amount=None, provider_reference=report.provider_payment_id)


def _report_confirmed(*, booking: Booking, payment: Payment, report: ProviderPayment) -> str:
    if payment.status == PaymentStatus.CONFIRMED:
        return "unchanged"
    if report.amount != payment.amount or report.currency.upper() != payment.currency:
        # What the gateway reported, in figures: the staff's page words it in the reader's language.
        flag = f"{report.amount} {report.currency.upper()}"
        if payment.flag == flag:
            return "unchanged"
        payment.flag = flag[:200]
        payment.save(update_fields=["flag", "updated_at"])
        booking_log(
            booking=booking,
            action="payment.flagged",
            actor=None,
            data={"payment": payment.pk, "amount": str(report.amount), "currency": report.currency},
        )
        _updated_event(booking=booking, payment=payment)
        return "flagged"
    if payment.status not in OPEN_CHECKOUT:  # given up on (expired, failed), but the money came: record it
        payment.status = PaymentStatus.PENDING
        payment.save(update_fields=["status", "updated_at"])
        booking_log(booking=booking, action="payment.reopened", actor=None, data={"payment": payment.pk})
    payment_confirm(payment=payment, by=None)
    return "applied"


def _refunded_at_provider(*, payment: Payment, amount: Decimal | None, provider_reference: str) -> str:
    """The gateway says money of a confirmed payment went back: our refunds in transit are done; any
    rest (made in the gateway's dashboard, or a chargeback) is recorded as a refund made at the provider."""
    moving = list(payment.refunds.select_for_update().filter(status__in=(RefundStatus.CREATED, RefundStatus.TRANSIT)))
    for refund in moving:
        refund_done(refund=refund)
    done = payment.refunds.filter(status=RefundStatus.DONE).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    rest = (payment.amount if amount is None else amount) - done
    if rest <= 0:
        return "applied" if moving else "unchanged"
    refund = Refund.objects.create(
        payment=payment,
        amount=rest,
        currency=payment.currency,
        status=RefundStatus.TRANSIT,
        source=RefundSource.PROVIDER,
        provider_reference=provider_reference[:120],
        idempotency_key=f"provider-refund:{payment.pk}:{done}",
    )
    refund_done(refund=refund)
    return "applied"


def refund_report_apply(*, provider: str, report: ProviderRefund) -> str:
    """A refund's state as the gateway reports it: ours move forward; one we never asked for is recorded."""
    refund = None
    if report.our_reference:
        refund = Refund.objects.filter(idempotency_key=report.our_reference, payment__provider=provider).first()
    if refund is None and report.provider_reference:
        refund = Refund.objects.filter(provider_reference=report.provider_reference, payment__provider=provider).first()
    if refund is None:
        payment = Payment.objects.filter(provider=provider, provider_payment_id=report.payment_reference).first()
        if payment is None or not report.payment_reference or report.status != ProviderRefundStatus.DONE:
            return "unknown"
        with transaction.atomic():
            booking_lock(booking=payment.booking)
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            done = locked.refunds.filter(status=RefundStatus.DONE).aggregate(total=Sum("amount"))["total"] or 0
            return _refunded_at_provider(
                payment=locked,
                amount=min(done + report.amount, locked.amount),
                provider_reference=report.provider_reference,
            )
    return refund_status_apply(refund=refund, status=report.status, provider_reference=report.provider_reference)


def refund_status_apply(
    *, refund: Refund, status: ProviderRefundStatus, provider_reference: str = "", failure: str = ""
) -> str:
    with transaction.atomic():
        booking_lock(booking=refund.payment.booking)
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status in (RefundStatus.DONE, RefundStatus.FAILED):
            return "unchanged"
        if provider_reference and not locked.provider_reference:
            locked.provider_reference = provider_reference[:120]
            locked.save(update_fields=["provider_reference", "updated_at"])
        if status == ProviderRefundStatus.DONE:
            refund_done(refund=locked)
            return "applied"
        if status == ProviderRefundStatus.FAILED:
            locked.status = RefundStatus.FAILED
            locked.failure = failure[:300]
            locked.save(update_fields=["status", "failure", "updated_at"])
            booking_log(
                booking=locked.payment.booking,
                action="refund.failed",
                actor=None,
                data={"refund": locked.pk, "reason": failure},
            )
            return "applied"
        if locked.status == RefundStatus.CREATED:
            locked.status = RefundStatus.TRANSIT
            locked.save(update_fields=["status", "updated_at"])
            return "applied"
        return "unchanged"
