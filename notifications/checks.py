"""System checks of the notifications app (run by `manage.py check`)."""

from django.conf import settings
from django.core.checks import Error

from notifications.webhooks import tracking_secret_configured


def tracking_webhook_secret_check(app_configs, **kwargs) -> list[Error]:
    """In production the tracking webhooks must be authenticated (`check --deploy`)."""
    if settings.DEBUG or tracking_secret_configured():
        return []
    return [
        Error(
            "ANYMAIL_WEBHOOK_SECRET is not set: email tracking webhooks would be refused.",
            hint=(
                "Set ANYMAIL_WEBHOOK_SECRET to a long random 'user:password' and give the email "
                "provider the webhook URL https://user:password@<host>/anymail/<provider>/tracking/."
            ),
            id="notifications.E001",
        )
    ]
