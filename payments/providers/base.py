"""The one base class of every payment provider (manual transfer, Stripe, MercadoPago, PayU).

A provider speaks dataclasses in and out and keeps its SDK or HTTP calls in
its own module, each with a timeout and our stable idempotency key, so a retry
never charges or refunds twice. It never writes to the database: the ledger
(`payments.services`) records first and calls the provider after, and turns
what the provider answers into ledger changes.

Errors: `TransientProviderError` when trying again later may succeed (a
timeout, a 5xx, a rate limit); `PermanentProviderError` when it will not (a
refused card, an unknown payment, a refund the provider does not allow).
"""

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class ProviderError(Exception):
    """A provider call failed; `message` is safe to show to staff."""


class TransientProviderError(ProviderError):
    """Trying the same call again later, with the same idempotency key, may succeed."""


class PermanentProviderError(ProviderError):
    """The same call will fail again; the ledger marks the payment or refund failed."""


class ProviderPaymentStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class ProviderRefundStatus(StrEnum):
    TRANSIT = "transit"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class CheckoutRequest:
    payment_id: int
    idempotency_key: str
    amount: Decimal
    currency: str
    description: str
    payer_email: str
    payer_name: str
    success_url: str
    cancel_url: str
    notification_url: str
    language: str = "es"


@dataclass(frozen=True)
class Checkout:
    """Where to send the payer: a URL to redirect to, or instructions to show (a bank transfer)."""

    provider_reference: str
    redirect_url: str = ""
    form_fields: dict[str, str] = field(default_factory=dict)  # a form to post to redirect_url (PayU)
    instructions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the provider reports it."""

    provider_reference: str
    status: ProviderPaymentStatus
    amount: Decimal
    currency: str
    our_reference: str = ""  # our idempotency key or payment id, as we gave it to the provider
    paid_at: datetime.datetime | None = None


@dataclass(frozen=True)
class Notification:
    """A verified incoming notification: its unique id at the provider and what it is about."""

    event_id: str
    kind: str
    provider_reference: str
    payload: dict


@dataclass(frozen=True)
class RefundRequest:
    refund_id: int
    idempotency_key: str
    payment_reference: str
    amount: Decimal
    currency: str
    partial: bool


@dataclass(frozen=True)
class ProviderRefund:
    provider_reference: str
    status: ProviderRefundStatus
    amount: Decimal


@dataclass(frozen=True)
class RefundLimits:
    """What this provider allows for one payment, known before a refund is offered."""

    refundable: bool
    reason: str = ""
    whole_units_only: bool = False
    partial_allowed: bool = True
    earliest: datetime.datetime | None = None
    latest: datetime.datetime | None = None


class PaymentProvider(ABC):
    """The contract every provider fulfils. Subclasses set `identifier` and implement every abstract hook."""

    identifier: str = ""
    # A provider that confirms payments itself (a gateway) notifies us; the manual one is confirmed by staff.
    confirms_by_notification: bool = True

    @abstractmethod
    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        """Start paying `request.amount`. Must not move money by itself and must be safe to call
        again with the same idempotency key (the provider returns the same checkout).

        Raises TransientProviderError or PermanentProviderError.
        """

    @abstractmethod
    def notification_verify(self, *, headers: dict[str, str], query: dict[str, str], body: bytes) -> Notification:
        """Check the notification's signature and parse it. Must not write anything and must not
        trust the body before the signature holds.

        Raises PermanentProviderError for a bad signature or an unreadable body.
        """

    @abstractmethod
    def payment_fetch(self, *, provider_reference: str) -> ProviderPayment:
        """The payment as the provider knows it now (the truth after a notification). Must not move money.

        Raises TransientProviderError or PermanentProviderError (unknown payment).
        """

    def refund_limits(self, *, payment: ProviderPayment, country: str, now: datetime.datetime) -> RefundLimits:
        """Whether and how this payment can be refunded through the provider. Must not call out."""
        return RefundLimits(refundable=True)

    @abstractmethod
    def refund_create(self, request: RefundRequest) -> ProviderRefund:
        """Give back `request.amount` of a confirmed payment. Moves money: the ledger calls it only
        after the Refund row is committed, and always with that row's idempotency key.

        Raises TransientProviderError or PermanentProviderError.
        """

    @abstractmethod
    def refund_fetch(self, *, provider_reference: str) -> ProviderRefund:
        """A refund's state at the provider, for the ones that answer pending. Must not move money."""
