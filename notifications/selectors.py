"""Read-only questions about the outbox, for the health check and the metrics."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from notifications.models import EmailMessage, EmailStatus


@dataclass(frozen=True)
class Backlog:
    queued: int
    sending: int
    # How long the queued row untouched the longest has waited; None when none is queued.
    oldest_queued_age: datetime.timedelta | None


def email_backlog() -> Backlog:
    """The emails not yet handed to the provider, in one query."""
    figures = EmailMessage.objects.aggregate(
        queued=Count("pk", filter=Q(status=EmailStatus.QUEUED)),
        sending=Count("pk", filter=Q(status=EmailStatus.SENDING)),
        oldest=Min("updated_at", filter=Q(status=EmailStatus.QUEUED)),
    )
    oldest = figures["oldest"]
    return Backlog(
        queued=figures["queued"],
        sending=figures["sending"],
        oldest_queued_age=None if oldest is None else max(timezone.now() - oldest, datetime.timedelta(0)),
    )


def email_counts_by_status() -> dict[str, int]:
    """How many emails are in each status, every status present (zero included)."""
    counts = dict(EmailMessage.objects.order_by().values_list("status").annotate(count=Count("pk")))
    return {status: counts.get(status, 0) for status in EmailStatus.values}
