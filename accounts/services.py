"""Writes of the accounts app."""

from axes.models import AccessAttempt
from django.db.models import QuerySet

from accounts.models import Language, User


def login_attempts_clear(*, attempts: QuerySet[AccessAttempt]) -> int:
    """Forget these failed-login counts, lifting any lockout they caused; how many were cleared."""
    _, deleted = attempts.delete()
    return deleted.get(AccessAttempt._meta.label, 0)


def user_language_set(*, user: User, language: str) -> bool:
    """Store `language` as the user's preferred one (pages, emails, live rooms); whether it changed.

    A code that is not one of the site's languages is ignored.
    """
    if language not in Language.values or user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True
