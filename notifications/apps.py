from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications import receivers  # noqa: F401  (connects the tracking signal)
        from notifications.checks import tracking_webhook_secret_check

        checks.register(tracking_webhook_secret_check, checks.Tags.security, deploy=True)
