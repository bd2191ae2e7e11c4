from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from payments import stripe_hooks

        stripe_hooks.connect()
        _djstripe_database_checks_on_request()


def _djstripe_database_checks_on_request() -> None:
    """dj-stripe's two checks of its webhook endpoints read the database on every management command
    (before `seed_demo` can refuse, say). As Django's own database checks, they run when databases are
    asked for: `manage.py check --database default`, and `migrate`."""
    from django.core import checks
    from djstripe import checks as djstripe_checks

    registry = checks.registry.registry
    for original in (djstripe_checks.check_webhook_validation, djstripe_checks.check_webhook_endpoint_has_secret):
        if original not in registry.registered_checks:
            continue
        registry.registered_checks.discard(original)

        def on_request(app_configs=None, databases=None, _check=original, **kwargs):
            return _check(app_configs=app_configs, databases=databases, **kwargs) if databases else []

        registry.register(on_request, "djstripe", checks.Tags.database)
