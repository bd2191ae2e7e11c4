"""The staff workspace, the client pages and the hotel portal (see spirittours/areas.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from quotations.urls import client_urlpatterns, portal_urlpatterns, staff_urlpatterns
from spirittours.areas import Area, NavEntry


def _holds_admin_access(user) -> bool:
    # The back office (Django admin) needs is_staff, which not every staff member holds.
    return user.is_staff


AREAS = [
    Area(
        namespace="staff",
        prefix="staff/",
        role=Role.STAFF,
        urlpatterns=staff_urlpatterns,
        home="staff:home",
        nav=(
            NavEntry(label=_("Quotations"), url_name="staff:home", order=10, active_on=("staff:quotation",)),
            NavEntry(label=_("New quotation"), url_name="staff:quotation_create", order=20),
            NavEntry(label=_("Back office"), url_name="admin:index", order=1000, visible=_holds_admin_access),
        ),
    ),
    Area(
        namespace="client",
        prefix="client/",
        role=Role.CLIENT,
        urlpatterns=client_urlpatterns,
        home="client:home",
        nav=(NavEntry(label=_("Your quotes"), url_name="client:home", order=10),),
    ),
    Area(
        namespace="portal",
        prefix="portal/",
        role=Role.HOTEL,
        urlpatterns=portal_urlpatterns,
        home="portal:home",
        nav=(NavEntry(label=_("Invitations"), url_name="portal:home", order=10),),
    ),
]
