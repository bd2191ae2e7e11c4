"""Celery tasks of the outbox. Tasks take primary keys and call one service."""

import datetime

from celery import shared_task
from django.utils import timezone

from notifications.errors import TransientSendError
from notifications.models import EmailMessage, EmailStatus
from notifications.services import MAX_ATTEMPTS, email_deliver, email_enqueue

STUCK_AFTER = datetime.timedelta(minutes=5)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(TransientSendError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def email_send(self, *, message_id: int) -> str:
    return email_deliver(message_id=message_id)


@shared_task(acks_late=True)
def email_sweep_stuck() -> int:
    """Re-enqueue emails left queued for more than 5 minutes (lost broker message, dead worker).

    Delivery is idempotent, so a message that was merely slow is not sent twice.
    """
    cutoff = timezone.now() - STUCK_AFTER
    stuck = list(
        EmailMessage.objects.filter(status=EmailStatus.QUEUED, updated_at__lt=cutoff).values_list("pk", flat=True)[
            :1000
        ]
    )
    for pk in stuck:
        email_enqueue(message_id=pk)
    return len(stuck)
