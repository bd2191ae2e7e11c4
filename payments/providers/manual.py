"""The manual provider: the client pays by bank transfer and staff record it when it arrives.

Nothing is called out: the checkout is the bank details and the reference to
write on the transfer, confirmation is staff seeing the money on the account
(`payment_record_transfer`), and a refund is a transfer staff make from the
bank, recorded as done.
"""

import datetime

from django.conf import settings

from payments.providers.base import (
    Checkout,
    CheckoutRequest,
    PaymentProvider,
    PermanentProviderError,
    ProviderPayment,
    ProviderRefund,
    ProviderRefundStatus,
    RefundLimits,
    RefundRequest,
)


class ManualProvider(PaymentProvider):
    identifier = "manual"
    label = "Bank transfer"
    confirms_by_notification = False

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        return Checkout(
            provider_reference=request.idempotency_key,
            instructions={
                "holder": settings.BANK_ACCOUNT_HOLDER,
                "iban": settings.BANK_ACCOUNT_IBAN,
                "bic": settings.BANK_ACCOUNT_BIC,
                "bank": settings.BANK_NAME,
                "reference": request.description,
            },
        )

    def notification_verify(self, *, headers, query, body):
        raise PermanentProviderError("Bank transfers send no notifications.")

    def notification_resolve(self, *, notification):
        raise PermanentProviderError("Bank transfers send no notifications.")

    def payment_fetch(
        self, *, checkout_reference: str, our_reference: str, provider_payment_id: str = ""
    ) -> ProviderPayment | None:
        raise PermanentProviderError("A bank transfer is known only from the bank statement.")

    def refund_limits(self, *, payment: ProviderPayment, country: str, now: datetime.datetime) -> RefundLimits:
        return RefundLimits(refundable=True)

    def refund_create(self, request: RefundRequest) -> ProviderRefund:
        # Staff make the transfer from the bank before recording it: it is done when recorded.
        return ProviderRefund(
            provider_reference=request.idempotency_key, status=ProviderRefundStatus.DONE, amount=request.amount
        )

    def refund_fetch(self, *, provider_reference: str, payment_reference: str) -> ProviderRefund:
        raise PermanentProviderError("A bank refund is done when staff record it.")
