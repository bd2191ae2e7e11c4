"""The account pages every role has: profile and password change (see spirittours/areas.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.urls import account_urlpatterns
from spirittours.areas import Area, NavEntry

AREAS = [
    Area(
        namespace="account",
        prefix="accounts/",
        role=tuple(Role.values),
        urlpatterns=account_urlpatterns,
        nav=(
            NavEntry(
                label=_("Your account"), url_name="account:profile", order=2000, active_on=("account:password_change",)
            ),
        ),
    ),
]
