"""The provider base class and the manual (bank transfer) provider."""

from decimal import Decimal

import pytest

from payments.providers import PROVIDERS, provider_get
from payments.providers.base import (
    CheckoutRequest,
    PaymentProvider,
    PermanentProviderError,
    ProviderRefundStatus,
    RefundRequest,
)


def test_a_provider_must_implement_every_hook():
    class Half(PaymentProvider):
        identifier = "half"

        def checkout_create(self, request):
            raise PermanentProviderError("no")

    with pytest.raises(TypeError, match="abstract"):
        Half()
    assert set(PROVIDERS) == {"manual", "stripe", "mercadopago", "payu"}


def test_the_manual_provider_gives_the_bank_details_and_records_refunds_as_done(settings):
    settings.BANK_ACCOUNT_IBAN = "ES00 1111 2222 3333"
    manual = provider_get("manual")

    checkout = manual.checkout_create(
        CheckoutRequest(
            payment_id=1,
            idempotency_key="share:1:2:0",
            amount=Decimal("57.00"),
            currency="EUR",
            description="B-2026-00001-2",
            payer_email="ana@viajeros.example",
            payer_name="Ana Ruiz",
            success_url="",
            cancel_url="",
            notification_url="",
        )
    )
    refund = manual.refund_create(
        RefundRequest(
            refund_id=3,
            idempotency_key="refund:1",
            payment_reference="T-1",
            amount=Decimal("10.00"),
            currency="EUR",
            partial=True,
        )
    )

    assert (checkout.redirect_url, checkout.instructions["iban"]) == ("", "ES00 1111 2222 3333")
    assert checkout.instructions["reference"] == "B-2026-00001-2"
    assert (refund.status, refund.amount) == (ProviderRefundStatus.DONE, Decimal("10.00"))
    with pytest.raises(PermanentProviderError):
        manual.notification_verify(headers={}, query={}, body=b"{}")
