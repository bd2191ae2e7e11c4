"""The email provider's tracking webhook, /anymail/<provider>/tracking/, under anymail's URL names.

anymail's own URL list serves every provider it supports, configured or not; this one
has only the providers the settings know, and each answers 404 unless it is the one
EMAIL_BACKEND sends through (notifications.webhooks).
"""

from django.urls import path

from notifications.webhooks import TRACKING_VIEWS, tracking_webhook

app_name = "anymail"
urlpatterns = [
    path(f"{provider}/tracking/", tracking_webhook(provider), name=f"{provider}_tracking_webhook")
    for provider in TRACKING_VIEWS
]
