"""Staff's money actions (see spirittours/areas.py); they show on the booking pages as panels."""

from accounts.models import Role
from payments.urls import staff_urlpatterns
from spirittours.areas import Area

AREAS = [
    Area(namespace="staff_payments", prefix="staff/payments/", role=Role.STAFF, urlpatterns=staff_urlpatterns),
]
