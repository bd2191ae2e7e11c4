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
    idempotency_key: str  # also the reference the provider hands back (`our_reference`)
    amount: Decimal
    currency: str
    description: str
    payer_email: str
    payer_name: str
    success_url: str
    cancel_url: str
    notification_url: str
    language: str = "es"
    country: str = ""
    expires_at: datetime.datetime | None = None


@dataclass(frozen=True)
class Checkout:
    """Where to send the payer: a URL to redirect to, or instructions to show (a bank transfer)."""

    provider_reference: str  # the checkout's id at the provider (a Stripe session, a MercadoPago preference)
    redirect_url: str = ""
    form_fields: dict[str, str] = field(default_factory=dict)  # a form to post to redirect_url (PayU)
    instructions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the provider reports it."""

    # The provider's own id of the money movement (a PaymentIntent, a MercadoPago payment, PayU's
    # "order:transaction"): opaque to the ledger, which stores it and hands it back for refunds.
    provider_payment_id: str
    status: ProviderPaymentStatus
    amount: Decimal
    currency: str
    our_reference: str = ""  # our idempotency key or payment id, as we gave it to the provider
    paid_at: datetime.datetime | None = None


class NotificationKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    IGNORED = "ignored"  # an event we neither need nor act on (recorded all the same)


@dataclass(frozen=True)
class Notification:
    """A verified incoming notification: its unique id at the provider and what it is about.

    `payload` keeps what processing needs later, JSON-serialisable: the event
    is processed by a task after the request, possibly hours later by the
    retry job, when a signature's timestamp would no longer verify.
    """

    event_id: str
    kind: NotificationKind
    provider_reference: str  # the payment's (or the refund's) id at the provider
    payload: dict
    our_reference: str = ""


@dataclass(frozen=True)
class RefundRequest:
    refund_id: int
    idempotency_key: str
    payment_reference: str  # the payment's `provider_payment_id`
    amount: Decimal
    currency: str
    partial: bool
    country: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ProviderRefund:
    provider_reference: str
    status: ProviderRefundStatus
    amount: Decimal
    payment_reference: str = ""  # the refunded payment's `provider_payment_id`, when the provider says it
    our_reference: str = ""  # our refund's idempotency key, when the provider hands it back


@dataclass(frozen=True)
class RefundLimits:
    """What this provider allows for one payment, known before a refund is offered."""

    refundable: bool
    reason: str = ""
    whole_units_only: bool = False
    partial_allowed: bool = True
    partial_refunds_max: int | None = None  # how many refunds one payment may have, when the provider caps it
    earliest: datetime.datetime | None = None
    latest: datetime.datetime | None = None


class PaymentProvider(ABC):
    """The contract every provider fulfils. Subclasses set `identifier` and implement every abstract hook."""

    identifier: str = ""
    label: str = ""  # the provider's name as the payer knows it (a brand: not translated)
    # A provider that confirms payments itself (a gateway) notifies us; the manual one is confirmed by staff.
    confirms_by_notification: bool = True
    # The payer is sent with a posted form (`Checkout.form_fields`) rather than a plain redirect.
    posts_form: bool = False

    @classmethod
    def configured(cls) -> bool:
        """Whether this provider's keys are set: a provider without them is never offered."""
        return True

    def takes(self, *, country: str, currency: str) -> bool:
        """Whether a payer in `country` can pay in `currency` through this provider. Must not call out."""
        return True

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
    def notification_resolve(self, *, notification: Notification) -> ProviderPayment | ProviderRefund | None:
        """What a verified notification reports, as the provider's truth: read from the signed payload
        (Stripe, PayU) or fetched by id (MercadoPago, whose notification carries only the id).
        None for an event we do not act on. Must not move money.

        Raises TransientProviderError or PermanentProviderError.
        """

    @abstractmethod
    def payment_fetch(
        self, *, checkout_reference: str, our_reference: str, provider_payment_id: str = ""
    ) -> ProviderPayment | None:
        """The payment as the provider knows it now, for reconciling one still pending: by its id at
        the provider when a notification told us, otherwise by our reference or the checkout's id.
        None when the payer has not paid anything there yet. Must not move money.

        Raises TransientProviderError or PermanentProviderError.
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
    def refund_fetch(self, *, provider_reference: str, payment_reference: str) -> ProviderRefund:
        """A refund's state at the provider, for the ones that answer pending. Must not move money.

        Raises TransientProviderError or PermanentProviderError.
        """
