"""Celery tasks of the payments: each takes primary keys and calls one service; beat jobs scan for
what is due, and a second run finds nothing left."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from payments.models import Payment, Refund
from payments.providers.base import ProviderError, TransientProviderError
from payments.reminders import email_payment_reminder, installments_due_reminder
from payments.services.events import (
    payment_reconcile,
    payments_reconcile_due,
    provider_event_process,
    provider_events_due,
    refund_poll,
    refund_send,
    refunds_due,
)

# A task that calls a gateway: retried when the gateway may answer later; a worker lost mid-call
# hands it back to the broker (the work is idempotent: the same key, the same row lock).
GATEWAY_CALL = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (TransientProviderError,),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(acks_late=True)
def payments_send_reminders() -> int:
    due = installments_due_reminder(now=timezone.now())
    for installment, milestone in due:
        with transaction.atomic():
            email_payment_reminder(installment=installment, milestone=milestone)
    return len(due)


@shared_task(**GATEWAY_CALL)
def provider_event_process_task(self, *, event_id: int) -> str:
    return provider_event_process(event_id=event_id)


@shared_task(acks_late=True)
def provider_events_retry() -> int:
    """Process the events whose task failed or never ran (a worker killed mid-processing)."""
    processed = 0
    for event_id in provider_events_due(now=timezone.now()):
        try:
            provider_event_process(event_id=event_id)
        except TransientProviderError:
            continue  # still unreachable: the next run tries again
        processed += 1
    return processed


@shared_task(acks_late=True)
def payments_reconcile() -> int:
    """Ask the gateways about payments still open after PAYMENT_RECONCILE_AFTER_MINUTES."""
    now = timezone.now()
    changed = 0
    for payment in Payment.objects.filter(pk__in=payments_reconcile_due(now=now)).select_related("booking"):
        try:
            changed += payment_reconcile(payment=payment, now=now) == "applied"
        except ProviderError:
            continue
    return changed


@shared_task(**GATEWAY_CALL)
def refund_send_task(self, *, refund_id: int) -> str:
    return refund_send(refund_id=refund_id)


@shared_task(acks_late=True)
def refunds_follow_up() -> int:
    """Send refunds recorded but never sent; ask the gateways about refunds they answered pending."""
    unsent, moving = refunds_due(now=timezone.now())
    changed = 0
    for refund_id in unsent:
        try:
            changed += refund_send(refund_id=refund_id) == "applied"
        except ProviderError:
            continue
    for refund in Refund.objects.filter(pk__in=moving).select_related("payment"):
        try:
            changed += refund_poll(refund=refund) == "applied"
        except ProviderError:
            continue
    return changed
