"""Payment providers: one module per provider, all subclasses of `base.PaymentProvider`."""

from payments.providers.base import PaymentProvider
from payments.providers.manual import ManualProvider

PROVIDERS: dict[str, type[PaymentProvider]] = {ManualProvider.identifier: ManualProvider}


def provider_get(identifier: str) -> PaymentProvider:
    """The provider registered under `identifier` (KeyError for an unknown one)."""
    return PROVIDERS[identifier]()
