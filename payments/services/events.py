"""Gateway notifications, recorded first and processed after; the jobs that retry and reconcile.

A notification is a `ProviderEvent` row committed before the request is
answered. Its processing runs in a task after commit: the gateway's truth is
read (outside any transaction: it may call out), then applied in one
transaction that also marks the event processed, under the event's row lock,
so the same event processed twice at once (the task and the retry job)
changes the ledger once. A worker killed in between leaves the event
unprocessed; the retry job takes it up.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from bookings.services import booking_lock
from payments.models import EventOutcome, Payment, PaymentStatus, ProviderEvent, Refund, RefundStatus
from payments.providers import PROVIDERS, provider_get
from payments.providers.base import (
    Notification,
    NotificationKind,
    PermanentProviderError,
    ProviderPayment,
    ProviderPaymentStatus,
    ProviderRefund,
    ProviderRefundStatus,
    RefundRequest,
    TransientProviderError,
)
from payments.services.gateways import (
    payment_for_report,
    payment_report_apply,
    refund_report_apply,
    refund_status_apply,
)
from payments.services.later import task_enqueue

# Headers worth keeping with an event (never cookies or our own session).
KEPT_HEADERS = ("content-type", "user-agent", "x-signature", "x-request-id", "stripe-signature")
RETRY_AFTER = datetime.timedelta(minutes=2)
RETRY_MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Recorded:
    event: ProviderEvent
    created: bool  # False for a duplicate delivery: nothing more is done


def provider_event_record(*, provider: str, headers: dict[str, str], query: dict[str, str], body: bytes) -> Recorded:
    """Verify and record one notification. A bad signature is recorded as invalid and raises
    PermanentProviderError (the view answers 400); a duplicate returns the first row unchanged.
    The processing task is queued after commit for a new valid event."""
    gateway = provider_get(provider)
    headers = {key.lower(): value for key, value in headers.items()}
    kept = {key: value for key, value in headers.items() if key in KEPT_HEADERS}
    text = body.decode("utf-8", errors="replace")
    try:
        notification = gateway.notification_verify(headers=headers, query=query, body=body)
    except PermanentProviderError as error:
        provider_event_refused(provider=provider, headers=headers, query=query, body=body, reason=str(error))
        raise
    return provider_event_store(provider=provider, notification=notification, headers=kept, query=query, body=text)


def provider_event_refused(*, provider: str, headers: dict[str, str], query: dict, body: bytes, reason: str) -> None:
    """Record a notification that did not verify: kept for support, never processed."""
    ProviderEvent.objects.create(
        provider=provider,
        external_id=f"invalid-{uuid.uuid4()}",
        headers={key.lower(): value for key, value in headers.items() if key.lower() in KEPT_HEADERS},
        query=query,
        body=body.decode("utf-8", errors="replace"),
        signature_valid=False,
        outcome=EventOutcome.INVALID,
        processed_at=timezone.now(),
        error=reason[:2000],
    )


def provider_event_store(
    *, provider: str, notification: Notification, headers: dict, query: dict, body: str
) -> Recorded:
    """Record a verified notification once (unique per provider) and queue its processing after commit."""
    data = {
        "kind": notification.kind,
        "provider_reference": notification.provider_reference,
        "our_reference": notification.our_reference,
        "payload": notification.payload,
    }
    try:
        with transaction.atomic():
            event = ProviderEvent.objects.create(
                provider=provider,
                external_id=notification.event_id[:200],
                kind=notification.kind,
                headers=headers,
                query=query,
                body=body,
                signature_valid=True,
                data=data,
            )
            transaction.on_commit(lambda: _process_later(event.pk))
    except IntegrityError:  # delivered again: the first row stands
        return Recorded(
            event=ProviderEvent.objects.get(provider=provider, external_id=notification.event_id[:200]), created=False
        )
    return Recorded(event=event, created=True)


def _process_later(event_id: int) -> None:
    task_enqueue("payments.tasks.provider_event_process_task", event_id=event_id)


def _notification(event: ProviderEvent) -> Notification:
    return Notification(
        event_id=event.external_id,
        kind=NotificationKind(event.data.get("kind", NotificationKind.IGNORED)),
        provider_reference=event.data.get("provider_reference", ""),
        our_reference=event.data.get("our_reference", ""),
        payload=event.data.get("payload", {}),
    )


def provider_event_process(*, event_id: int) -> str:
    """Process one recorded event; a second call (or a concurrent one) changes nothing more.

    Raises TransientProviderError when the gateway could not be asked (the
    event stays unprocessed for the retry job).
    """
    event = ProviderEvent.objects.get(pk=event_id)
    if event.processed_at is not None or not event.signature_valid:
        return event.outcome
    ProviderEvent.objects.filter(pk=event_id).update(attempts=F("attempts") + 1)
    gateway = provider_get(event.provider)
    try:
        truth = gateway.notification_resolve(notification=_notification(event))
    except TransientProviderError as error:
        ProviderEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
            outcome=EventOutcome.FAILED, error=str(error)[:2000]
        )
        raise
    except PermanentProviderError as error:
        truth = None
        failure = str(error)
    else:
        failure = ""
    with transaction.atomic():
        event = ProviderEvent.objects.select_for_update().get(pk=event_id)
        if event.processed_at is not None:
            return event.outcome
        payment = None
        if failure:
            outcome = EventOutcome.FAILED
        elif truth is None:
            outcome = EventOutcome.UNCHANGED
        elif isinstance(truth, ProviderPayment):
            payment = payment_for_report(provider=event.provider, report=truth)
            outcome = (
                EventOutcome.UNKNOWN
                if payment is None
                else EventOutcome(payment_report_apply(payment=payment, report=truth))
            )
        else:
            outcome = EventOutcome(refund_report_apply(provider=event.provider, report=truth))
        event.outcome = outcome
        event.payment = payment
        event.error = failure[:2000]
        # A permanent failure (the gateway says the payment does not exist) is final: not retried.
        event.processed_at = timezone.now()
        event.save(update_fields=["outcome", "payment", "error", "processed_at"])
    return outcome


def provider_events_due(*, now: datetime.datetime) -> list[int]:
    """Valid events never processed (their task failed, or its worker died) after a grace period."""
    return list(
        ProviderEvent.objects.filter(
            signature_valid=True,
            processed_at__isnull=True,
            received_at__lt=now - RETRY_AFTER,
            attempts__lt=RETRY_MAX_ATTEMPTS,
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:500]
    )


# --- Reconciliation: asking the gateway about payments it has not told us about ---------------------


def payment_reconcile(*, payment: Payment, now: datetime.datetime) -> str:
    """Ask the gateway about one open payment and apply its answer; an expired checkout that
    nothing was paid into is given up."""
    gateway = provider_get(payment.provider)
    report = gateway.payment_fetch(
        checkout_reference=payment.provider_reference,
        our_reference=payment.idempotency_key,
        provider_payment_id=payment.provider_payment_id,
    )
    if report is None:
        if payment.checkout_expires_at is not None and payment.checkout_expires_at < now:
            return payment_report_apply(
                payment=payment,
                report=ProviderPayment(
                    provider_payment_id="",
                    status=ProviderPaymentStatus.CANCELLED,
                    amount=payment.amount,
                    currency=payment.currency,
                    our_reference=payment.idempotency_key,
                ),
            )
        return "unchanged"
    return payment_report_apply(payment=payment, report=report)


def payments_reconcile_due(*, now: datetime.datetime) -> list[int]:
    """Gateway payments still open this long after they started (the notification may be lost)."""
    since = now - datetime.timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    gateways = [identifier for identifier, cls in PROVIDERS.items() if cls.confirms_by_notification]
    return list(
        Payment.objects.filter(
            provider__in=gateways,
            status__in=(PaymentStatus.CREATED, PaymentStatus.PENDING),
            created_at__lt=since,
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:200]
    )


# --- Refunds through the gateways -----------------------------------------------------------------


def refund_send(*, refund_id: int) -> str:
    """Ask the payment's gateway to give a recorded refund back, once: the refund's row lock is held
    across the call, and its idempotency key makes a retry after a timeout the same refund.

    Raises TransientProviderError (the refund stays `created`; the task or the poll job tries again).
    """
    refund = Refund.objects.select_related("payment__booking__client").get(pk=refund_id)
    with transaction.atomic():
        booking_lock(booking=refund.payment.booking)
        locked = Refund.objects.select_for_update().get(pk=refund_id)
        if locked.status != RefundStatus.CREATED:
            return "unchanged"
        payment = refund.payment
        gateway = provider_get(payment.provider)
        try:
            answer = gateway.refund_create(
                RefundRequest(
                    refund_id=locked.pk,
                    idempotency_key=locked.idempotency_key,
                    payment_reference=payment.provider_payment_id,
                    amount=locked.amount,
                    currency=locked.currency,
                    partial=locked.amount < payment.amount,
                    country=payment.booking.client.country,
                )
            )
        except PermanentProviderError as error:
            return refund_status_apply(refund=locked, status=ProviderRefundStatus.FAILED, failure=str(error))
        return refund_status_apply(refund=locked, status=answer.status, provider_reference=answer.provider_reference)


def refund_poll(*, refund: Refund) -> str:
    """A refund the gateway answered pending: ask again how it went."""
    gateway = provider_get(refund.payment.provider)
    answer: ProviderRefund = gateway.refund_fetch(
        provider_reference=refund.provider_reference, payment_reference=refund.payment.provider_payment_id
    )
    return refund_status_apply(refund=refund, status=answer.status, provider_reference=answer.provider_reference)


def refunds_due(*, now: datetime.datetime) -> tuple[list[int], list[int]]:
    """(refunds recorded but never sent, after a grace period; refunds in transit at a gateway)."""
    unsent = Refund.objects.filter(status=RefundStatus.CREATED, created_at__lt=now - RETRY_AFTER).exclude(
        payment__provider="manual"
    )
    moving = Refund.objects.filter(status=RefundStatus.TRANSIT).exclude(payment__provider="manual")
    return (
        list(unsent.order_by("pk").values_list("pk", flat=True)[:200]),
        list(moving.order_by("pk").values_list("pk", flat=True)[:200]),
    )
