"""The money pages (see spirittours/areas.py); on the booking pages they show as panels.

`pay/` is the travellers' own payment pages: no role, the signed link is the key.
"""

from accounts.models import Role
from payments.urls import client_urlpatterns, pay_urlpatterns, staff_urlpatterns, webhook_urlpatterns
from spirittours.areas import Area

AREAS = [
    Area(namespace="staff_payments", prefix="staff/payments/", role=Role.STAFF, urlpatterns=staff_urlpatterns),
    Area(namespace="client_payments", prefix="client/payments/", role=Role.CLIENT, urlpatterns=client_urlpatterns),
    Area(namespace="pay", prefix="pay/", role=(), urlpatterns=pay_urlpatterns),
    Area(namespace="payments_webhooks", prefix="payments/webhooks/", role=(), urlpatterns=webhook_urlpatterns),
]
