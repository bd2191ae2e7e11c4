from django.contrib import admin
from django.urls import include, path

from payments.views import webhook_stripe
from spirittours.areas import area_urlpatterns
from spirittours.health import health, health_web
from spirittours.metrics import metrics
from spirittours.views import home

# 403.html and 404.html render through Django's own handlers; the 500 page must not need the request.
handler500 = "spirittours.views.server_error"

urlpatterns = [
    path("", home, name="home"),
    # Login, logout, the language switch (stores a logged-in user's choice) and the password reset.
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    # Probes: JSON, 200 or 503 naming the failing part (spirittours/health.py).
    path("health/", health, name="health"),
    path("health/web/", health_web, name="health_web"),
    # Prometheus; closed to the public (spirittours/metrics.py).
    path("metrics", metrics, name="metrics"),
    path("anymail/", include("notifications.urls")),
    # Stripe's notifications: dj-stripe verifies and stores them, payments.stripe_hooks takes them on;
    # payments' view in front of it records a delivery without a signature too.
    path("stripe/webhook/<uuid:uuid>/", webhook_stripe, name="stripe_webhook"),
    path("stripe/", include("djstripe.urls", namespace="djstripe")),
    # The staff workspace, client pages, hotel portal...: every app's areas.py.
    *area_urlpatterns(),
]
