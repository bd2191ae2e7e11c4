"""The email outbox's part of `/health/` (spirittours.health): its backlog and how long
the oldest queued email has waited.

A backlog alone is no fault (a reminder run queues thousands at once); an email left
`queued` untouched for longer than HEALTH_EMAIL_OLDEST_QUEUED_SECONDS is: the sweeper
enqueues such rows again every 5 minutes, so one that old means no worker is taking
them, or the broker loses them.
"""

import dataclasses

from asgiref.sync import sync_to_async
from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from notifications.selectors import email_backlog


@dataclasses.dataclass
class EmailOutbox(HealthCheck):
    async def run(self) -> None:
        # In the request's own thread, on its own database connection.
        backlog = await sync_to_async(email_backlog)()
        oldest = None if backlog.oldest_queued_age is None else round(backlog.oldest_queued_age.total_seconds())
        self.details = {"queued": backlog.queued, "sending": backlog.sending, "oldest_queued_seconds": oldest}
        if oldest is not None and oldest > settings.HEALTH_EMAIL_OLDEST_QUEUED_SECONDS:
            raise ServiceUnavailable(f"an email has waited {oldest} s in the queue")
        if backlog.queued > settings.HEALTH_EMAIL_BACKLOG_MAX:
            raise ServiceUnavailable(f"{backlog.queued} emails are queued")
