"""Celery tasks of the outbox. Tasks take primary keys and call one service.

Both go to the `spirittours.email` queue (settings.CELERY_TASK_ROUTES). The
broker's visibility timeout (120 s) is shorter than STUCK_AFTER and longer
than any retry countdown (at most 60 s): a task whose worker died comes back
from the broker before the sweeper would look, and a task waiting for its
retry is never handed to a second worker.
"""

import datetime

from celery import shared_task

from notifications.errors import TransientSendError
from notifications.services import MAX_ATTEMPTS, email_deliver, email_enqueue, email_stuck_recover

# Far longer than one attempt can take (each SMTP operation times out after
# EMAIL_TIMEOUT, 15 s): an attempt that has not reported by then is dead.
STUCK_AFTER = datetime.timedelta(minutes=5)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
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
    """Enqueue again the emails left `queued` or `sending` for more than STUCK_AFTER.

    A `sending` row is the attempt of a worker that died mid-send: it is sent
    once more, with the same Message-ID. Delivery claims each row, so a
    message that was merely slow is not sent twice.
    """
    stuck = email_stuck_recover(stuck_after=STUCK_AFTER)
    for pk in stuck:
        email_enqueue(message_id=pk)
    return len(stuck)
