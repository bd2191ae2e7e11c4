"""Celery tasks of the outbox. Tasks take primary keys and call one service.

All go to the `spirittours.email` queue (settings.CELERY_TASK_ROUTES). The
broker's visibility timeout (120 s) is shorter than STUCK_AFTER and longer
than any retry countdown (at most RETRY_BACKOFF_MAX, 60 s) and than a batch
runs (BATCH_SECONDS, 30 s, plus the email in flight): a task whose worker died
comes back from the broker before the sweeper would look, and a task waiting
for its retry, or still running, is never handed to a second worker.
"""

import datetime

from celery import shared_task
from celery.signals import worker_process_shutdown, worker_shutdown

from notifications.enqueue import RETRY_BACKOFF, RETRY_BACKOFF_MAX, email_enqueue_many
from notifications.errors import TransientSendError
from notifications.services import MAX_ATTEMPTS, email_deliver, email_deliver_batch, email_stuck_recover
from notifications.transport import transport_close

# Far longer than one attempt can take (each SMTP operation times out after
# EMAIL_TIMEOUT, 15 s): an attempt that has not reported by then is dead.
STUCK_AFTER = datetime.timedelta(minutes=5)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientSendError,),
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def email_send(self, *, message_id: int) -> str:
    return email_deliver(message_id=message_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def email_send_batch(*, message_ids: list[int]) -> dict[str, int]:
    """Send a batch of queued emails over this process's connection.

    Acknowledged once the batch is done: if the worker dies, the broker hands the
    whole batch out again, and the rerun sends only the rows still `queued` (the
    emails sent are `sent`, the one in flight `sending`, left to the sweeper).
    Only the emails that failed temporarily are retried, in a new task after their backoff.
    """
    return email_deliver_batch(message_ids=message_ids)


@shared_task(acks_late=True)
def email_sweep_stuck() -> int:
    """Enqueue again the emails left `queued` or `sending` for more than STUCK_AFTER.

    A `sending` row is the attempt of a worker that died mid-send: it is sent
    once more, with the same Message-ID. Delivery claims each row, so a
    message that was merely slow is not sent twice.
    """
    stuck = email_stuck_recover(stuck_after=STUCK_AFTER)
    email_enqueue_many(message_ids=stuck)
    return len(stuck)


@worker_process_shutdown.connect(dispatch_uid="notifications.transport.close.child")
@worker_shutdown.connect(dispatch_uid="notifications.transport.close.worker")
def email_connections_close(**kwargs) -> None:
    """Say QUIT on the kept email connections when a pool process (prefork) or the
    worker (solo and threads pools run tasks in the worker process) shuts down."""
    transport_close()
