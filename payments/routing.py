"""Which provider a client pays through: the country's route, if that gateway is set up and takes the
booking's currency; otherwise Stripe, if set up and it takes it; otherwise a bank transfer."""

from payments.models import PaymentRoute
from payments.providers import PROVIDERS, provider_get
from payments.providers.base import PaymentProvider

FALLBACK = "stripe"


def provider_for(*, country: str, currency: str) -> PaymentProvider:
    routed = PaymentRoute.objects.filter(country=country).values_list("provider", flat=True).first() or FALLBACK
    for identifier in dict.fromkeys((routed, FALLBACK)):
        provider_class = PROVIDERS.get(identifier)
        if provider_class is None or not provider_class.configured():
            continue
        provider = provider_class()
        if provider.takes(country=country, currency=currency):
            return provider
    return provider_get("manual")
