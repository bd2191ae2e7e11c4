"""Handing outbox rows to Celery: after commit, in batches, over one producer.

`email_queue` records rows inside the caller's transaction; once it commits, the
ids go to the broker as `email_send_batch` tasks of up to BATCH_SIZE ids, all
published over one producer connection. Whatever is not published (broker down,
process gone between commit and publish) stays `queued` and the sweeper enqueues
it again (notifications.tasks).
"""

import logging
import random
import weakref
from collections.abc import Iterable

from django.db import transaction

logger = logging.getLogger(__name__)
# Ids per task: one connection, one claim query each, one task for the lot.
BATCH_SIZE = 50
# A temporary failure is tried again after a random wait of up to 2 s, then up to 4 s
# (full jitter, as Celery's retry_backoff=2); never longer than RETRY_BACKOFF_MAX, which
# stays below the broker's visibility timeout (notifications.tasks).
RETRY_BACKOFF = 2
RETRY_BACKOFF_MAX = 60


class _AfterCommit:
    """The ids queued in one transaction, published together once it commits.

    Every row registers this same object with `on_commit`, so whichever of its rows
    survive (a savepoint rolled back drops the hooks registered inside it) the first
    hook to run publishes them all, and the others find nothing left to do. An id
    whose row was rolled back with a savepoint goes along; its task finds no row and
    does nothing. A rolled-back transaction runs none of them.
    """

    def __init__(self) -> None:
        self.message_ids: list[int] = []
        self.published = False
        self.position = -1  # of its latest hook in the connection's run_on_commit

    def __call__(self) -> None:
        if not self.published:
            self.published = True
            email_enqueue_many(message_ids=self.message_ids)


_after_commit: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # database connection -> _AfterCommit


def email_enqueue_after_commit(*, message_id: int) -> None:
    """Enqueue a row once the transaction that wrote it commits, with the transaction's other rows."""
    connection = transaction.get_connection()
    pending = _after_commit.get(connection)
    hooks = connection.run_on_commit
    # Still this transaction's only if its latest hook is where it was put: after a
    # commit or rollback the list is new, after a savepoint rollback it may be shorter.
    if (
        pending is None
        or pending.published
        or not (pending.position < len(hooks) and hooks[pending.position][1] is pending)
    ):
        pending = _after_commit[connection] = _AfterCommit()
    pending.message_ids.append(message_id)
    transaction.on_commit(pending)  # outside a transaction this publishes at once
    pending.position = len(connection.run_on_commit) - 1


def email_enqueue_many(*, message_ids: Iterable[int], countdown: float | None = None) -> None:
    """Hand rows to Celery as batch tasks of up to BATCH_SIZE ids, over one producer.

    If the broker is down, the rows not published stay `queued` and the sweeper
    enqueues them again later.
    """
    from notifications.tasks import email_send_batch

    ids = list(dict.fromkeys(message_ids))
    if not ids:
        return
    try:
        with email_send_batch.app.producer_or_acquire() as producer:
            for start in range(0, len(ids), BATCH_SIZE):
                email_send_batch.apply_async(
                    kwargs={"message_ids": ids[start : start + BATCH_SIZE]}, countdown=countdown, producer=producer
                )
    except Exception:
        logger.warning("%s emails not enqueued (ids %s ...); the sweeper will retry", len(ids), ids[:10], exc_info=True)


def retry_countdown(*, attempts: int) -> float:
    """Seconds to wait before the attempt after `attempts` failed ones (full jitter)."""
    return random.uniform(0, min(RETRY_BACKOFF_MAX, RETRY_BACKOFF * 2 ** (attempts - 1)))  # noqa: S311
