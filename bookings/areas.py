"""The client's and the staff's booking pages (see spirittours/areas.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from bookings.urls import client_urlpatterns, guide_urlpatterns, portal_urlpatterns, staff_urlpatterns
from spirittours.areas import Area, NavEntry

AREAS = [
    Area(
        namespace="client_bookings",
        prefix="client/bookings/",
        role=Role.CLIENT,
        urlpatterns=client_urlpatterns,
        nav=(
            NavEntry(
                label=_("Your bookings"),
                url_name="client_bookings:home",
                order=20,
                active_on=("client_bookings:booking",),
            ),
        ),
    ),
    Area(
        namespace="staff_bookings",
        prefix="staff/bookings/",
        role=Role.STAFF,
        urlpatterns=staff_urlpatterns,
        nav=(
            NavEntry(
                label=_("Bookings"), url_name="staff_bookings:home", order=15, active_on=("staff_bookings:booking",)
            ),
        ),
    ),
    Area(
        namespace="portal_bookings",
        prefix="portal/bookings/",
        role=Role.HOTEL,
        urlpatterns=portal_urlpatterns,
        nav=(
            NavEntry(
                label=_("Bookings"), url_name="portal_bookings:home", order=20, active_on=("portal_bookings:booking",)
            ),
        ),
    ),
    Area(namespace="guide", prefix="guide/", role=(), urlpatterns=guide_urlpatterns),
]
