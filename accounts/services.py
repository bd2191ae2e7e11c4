"""Writes of the accounts app."""

from axes.models import AccessAttempt
from django.db.models import QuerySet


def login_attempts_clear(*, attempts: QuerySet[AccessAttempt]) -> int:
    """Forget these failed-login counts, lifting any lockout they caused; how many were cleared."""
    _, deleted = attempts.delete()
    return deleted.get(AccessAttempt._meta.label, 0)
