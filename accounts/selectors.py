"""Reads of the accounts app."""

from accounts.models import User


def user_phone_taken(*, phone: str, other_than: User) -> bool:
    """Whether an account other than `other_than` has this phone number (phones are unique)."""
    return User.objects.filter(phone=phone).exclude(pk=other_than.pk).exists()
