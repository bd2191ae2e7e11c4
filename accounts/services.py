"""Writes of the accounts app."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.module_loading import import_string

from accounts.models import Language, User

# At most one password reset email per account in each such window (a form sent twice, a
# stranger typing someone's address again and again).
PASSWORD_RESET_EMAIL_WINDOW = timedelta(minutes=15)


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


def user_profile_update(*, user: User, full_name: str, phone: str | None, language: str) -> User:
    """Save the details a person keeps up to date themselves (profile page); checked like the model checks them."""
    user.full_name, user.phone, user.language = full_name, phone, language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "phone", "language"])
    return user


def _reset_state(user: User) -> str:
    """Changes when the password or the last login does, i.e. whenever earlier reset links stop working."""
    return salted_hmac("accounts.password_reset", f"{user.password}|{user.last_login}").hexdigest()[:16]


def password_reset_email_queue(*, user: User) -> None:
    """Queue the email with a one-time link to choose a new password, in the user's language.

    Through the outbox (settings.ACCOUNTS_EMAIL_QUEUE, notifications' email_queue: this app
    sits below notifications and may not import it). The link is built on SITE_URL, never on
    the request's Host header. One email per PASSWORD_RESET_EMAIL_WINDOW and account: asking
    again meanwhile queues nothing (the first link still works), unless that link has stopped
    working (the password was changed or the user logged in).
    """
    window = int(timezone.now().timestamp() // PASSWORD_RESET_EMAIL_WINDOW.total_seconds())
    uidb64, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    email_queue = import_string(settings.ACCOUNTS_EMAIL_QUEUE)
    with transaction.atomic():
        email_queue(
            template="password_reset",
            to_email=user.email,
            to_name=user.full_name,
            language=user.language,
            context={
                "recipient_name": user.full_name,
                "url": settings.SITE_URL + path,
                "valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
            },
            dedupe_key=f"password_reset:user:{user.pk}:{window}:{_reset_state(user)}",
        )


def password_reset_complete(*, user: User) -> None:
    """After a new password was chosen through the reset link: lift the login lockout of that email.

    Whoever holds the link controls the mailbox; making them wait out a lockout caused by the
    wrong passwords that sent them here helps nobody.
    """
    login_attempts_clear(attempts=AccessAttempt.objects.filter(username=user.email))
