"""Payment providers: one module per provider, all subclasses of `base.PaymentProvider`."""

from payments.providers.base import PaymentProvider
from payments.providers.manual import ManualProvider
from payments.providers.mercadopago import MercadoPagoProvider
from payments.providers.payu import PayUProvider
from payments.providers.stripe import StripeProvider

PROVIDERS: dict[str, type[PaymentProvider]] = {
    provider.identifier: provider for provider in (ManualProvider, StripeProvider, MercadoPagoProvider, PayUProvider)
}


def provider_get(identifier: str) -> PaymentProvider:
    """The provider registered under `identifier` (KeyError for an unknown one)."""
    return PROVIDERS[identifier]()
