"""Stripe: a hosted Checkout Session per payment; notifications through dj-stripe's webhook endpoint.

dj-stripe verifies the `Stripe-Signature` of each notification and stores
the event; `payments.stripe_hooks` hands the event's object to
`notification_from_event` here, and the ledger records and processes it like
any gateway's. The signed event is the truth: resolving it calls nothing.

Every call goes through one `StripeClient` with our timeout and no hidden
retries, and every call that could move money carries our idempotency key.
"""

import datetime
import json
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils import timezone

from payments.providers.base import (
    Checkout,
    CheckoutRequest,
    Notification,
    NotificationKind,
    PaymentProvider,
    PermanentProviderError,
    ProviderPayment,
    ProviderPaymentStatus,
    ProviderRefund,
    ProviderRefundStatus,
    RefundRequest,
    TransientProviderError,
)

# Currencies Stripe counts in whole units (of those we trade in).
ZERO_DECIMAL = frozenset({"CLP"})
# Stripe's hosted page speaks these; anything else gets Stripe's automatic choice.
LOCALES = frozenset({"es", "en"})
SESSION_PAYMENT_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
INTENT_EVENTS = {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.processing"}
REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed"}
# Events the webhook endpoint subscribes to (the management command registers these).
EVENTS = sorted(SESSION_PAYMENT_EVENTS | INTENT_EVENTS | REFUND_EVENTS | {"charge.refunded"})


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount if currency.upper() in ZERO_DECIMAL else (amount * 100).to_integral_value())


def from_minor(amount: int, currency: str) -> Decimal:
    value = Decimal(int(amount))
    return value if currency.upper() in ZERO_DECIMAL else (value / 100).quantize(Decimal("0.01"))


def _stamp(value) -> datetime.datetime | None:
    return datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC) if value else None


def _our_reference(obj: dict) -> str:
    return obj.get("client_reference_id") or (obj.get("metadata") or {}).get("our_reference") or ""


def _session_report(obj: dict, event_type: str) -> ProviderPayment:
    if event_type == "checkout.session.expired":
        status = ProviderPaymentStatus.CANCELLED
    elif event_type == "checkout.session.async_payment_failed":
        status = ProviderPaymentStatus.FAILED
    elif obj.get("payment_status") in ("paid", "no_payment_required"):
        status = ProviderPaymentStatus.CONFIRMED
    elif obj.get("status") == "expired":
        status = ProviderPaymentStatus.CANCELLED
    else:  # completed, but an asynchronous method (a bank debit) is still on its way
        status = ProviderPaymentStatus.PENDING
    currency = (obj.get("currency") or "").upper()
    intent = obj.get("payment_intent")
    return ProviderPayment(
        provider_payment_id=(intent.get("id") if isinstance(intent, dict) else intent) or "",
        status=status,
        amount=from_minor(obj.get("amount_total") or 0, currency),
        currency=currency,
        our_reference=_our_reference(obj),
        paid_at=_stamp(obj.get("created")) if status == ProviderPaymentStatus.CONFIRMED else None,
    )


def _intent_report(obj: dict, event_type: str) -> ProviderPayment:
    status = {
        "payment_intent.succeeded": ProviderPaymentStatus.CONFIRMED,
        "payment_intent.payment_failed": ProviderPaymentStatus.FAILED,
    }.get(event_type, ProviderPaymentStatus.PENDING)
    currency = (obj.get("currency") or "").upper()
    amount = obj.get("amount_received") if status == ProviderPaymentStatus.CONFIRMED else obj.get("amount")
    return ProviderPayment(
        provider_payment_id=obj.get("id", ""),
        status=status,
        amount=from_minor(amount or 0, currency),
        currency=currency,
        our_reference=_our_reference(obj),
        paid_at=_stamp(obj.get("created")) if status == ProviderPaymentStatus.CONFIRMED else None,
    )


def refund_state(status: str) -> ProviderRefundStatus:
    if status == "succeeded":
        return ProviderRefundStatus.DONE
    if status in ("failed", "canceled"):
        return ProviderRefundStatus.FAILED
    return ProviderRefundStatus.TRANSIT  # pending, requires_action


def _refund_report(obj: dict) -> ProviderRefund:
    currency = (obj.get("currency") or "").upper()
    return ProviderRefund(
        provider_reference=obj.get("id", ""),
        status=refund_state(obj.get("status", "")),
        amount=from_minor(obj.get("amount") or 0, currency),
        payment_reference=obj.get("payment_intent") or "",
        our_reference=(obj.get("metadata") or {}).get("our_reference", ""),
    )


def notification_from_event(*, event_id: str, event_type: str, obj: dict) -> Notification:
    """A verified Stripe event (dj-stripe checked its signature) as the ledger's notification."""
    if event_type in SESSION_PAYMENT_EVENTS or event_type in INTENT_EVENTS:
        kind = NotificationKind.PAYMENT
        reference = obj.get("payment_intent") if event_type in SESSION_PAYMENT_EVENTS else obj.get("id")
    elif event_type in REFUND_EVENTS:
        kind, reference = NotificationKind.REFUND, obj.get("id")
    elif event_type == "charge.refunded":
        kind, reference = NotificationKind.PAYMENT, obj.get("payment_intent")
    else:
        kind, reference = NotificationKind.IGNORED, obj.get("id")
    if isinstance(reference, dict):
        reference = reference.get("id")
    return Notification(
        event_id=event_id,
        kind=kind,
        provider_reference=reference or "",
        our_reference=_our_reference(obj),
        payload={"type": event_type, "object": obj},
    )


class StripeProvider(PaymentProvider):
    identifier = "stripe"
    label = "Stripe"

    def __init__(self, *, http_client: stripe.HTTPClient | None = None):
        self._http_client = http_client

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def takes(self, *, country: str, currency: str) -> bool:
        return currency.upper() in {"EUR", "USD", "GBP", "MXN", "COP", "ARS", "PEN", "CLP", "BRL"}

    def _client(self) -> stripe.StripeClient:
        if not settings.STRIPE_SECRET_KEY:
            raise PermanentProviderError("Stripe is not set up (STRIPE_SECRET_KEY).")
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            http_client=self._http_client or stripe.RequestsClient(timeout=settings.PAYMENT_PROVIDER_TIMEOUT),
            max_network_retries=0,
            **({"base_addresses": {"api": settings.STRIPE_API_BASE}} if settings.STRIPE_API_BASE else {}),
        )

    @staticmethod
    def _call(call):
        """Run one Stripe call, turning its errors into ours: retryable or final."""
        try:
            return call()
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise TransientProviderError(error.user_message or str(error)) from error
        except stripe.APIError as error:
            if (error.http_status or 500) >= 500 or error.http_status == 409:
                raise TransientProviderError(error.user_message or str(error)) from error
            raise PermanentProviderError(error.user_message or str(error)) from error
        except stripe.StripeError as error:
            raise PermanentProviderError(error.user_message or str(error)) from error

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        currency = request.currency.upper()
        metadata = {"our_reference": request.idempotency_key, "payment": str(request.payment_id)}
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_minor(request.amount, currency),
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "client_reference_id": request.idempotency_key,
            "customer_email": request.payer_email or None,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata, "description": request.description},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "locale": request.language if request.language in LOCALES else "auto",
        }
        # Stripe takes 30 minutes to 24 hours from now; a checkout opened again later keeps Stripe's default.
        if request.expires_at is not None and request.expires_at > timezone.now() + datetime.timedelta(minutes=31):
            params["expires_at"] = int(request.expires_at.timestamp())
        session = self._call(
            lambda: self._client().v1.checkout.sessions.create(
                params={key: value for key, value in params.items() if value is not None},
                options={"idempotency_key": request.idempotency_key},
            )
        )
        return Checkout(provider_reference=session.id, redirect_url=session.url or "")

    def notification_verify(self, *, headers, query, body) -> Notification:
        """The plain-HTTP form of what dj-stripe's endpoint does: check the signature, read the event."""
        signature = headers.get("stripe-signature", "")
        if not signature or not settings.STRIPE_WEBHOOK_SECRET:
            raise PermanentProviderError("The Stripe-Signature header is missing.")
        try:
            stripe.WebhookSignature.verify_header(
                body.decode("utf-8"), signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300
            )
            event = json.loads(body)
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
            raise PermanentProviderError(f"Invalid Stripe notification: {error}") from None
        return notification_from_event(
            event_id=event.get("id", ""), event_type=event.get("type", ""), obj=event.get("data", {}).get("object", {})
        )

    def notification_resolve(self, *, notification: Notification) -> ProviderPayment | ProviderRefund | None:
        event_type = notification.payload.get("type", "")
        obj = notification.payload.get("object", {})
        if event_type in SESSION_PAYMENT_EVENTS:
            return _session_report(obj, event_type)
        if event_type in INTENT_EVENTS:
            return _intent_report(obj, event_type)
        if event_type in REFUND_EVENTS:
            return _refund_report(obj)
        if event_type == "charge.refunded" and obj.get("refunded"):
            # Refunded in full: our refunds on their way are done, and any rest was made at Stripe.
            currency = (obj.get("currency") or "").upper()
            return ProviderPayment(
                provider_payment_id=obj.get("payment_intent") or "",
                status=ProviderPaymentStatus.REFUNDED,
                amount=from_minor(obj.get("amount") or 0, currency),
                currency=currency,
                our_reference=_our_reference(obj),
            )
        return None  # a partial refund is followed by its own refund.* event

    def payment_fetch(
        self, *, checkout_reference: str, our_reference: str, provider_payment_id: str = ""
    ) -> ProviderPayment | None:
        if not checkout_reference:
            return None
        session = self._call(lambda: self._client().v1.checkout.sessions.retrieve(checkout_reference))
        data = session.to_dict()
        if data.get("status") == "open":
            return None
        return _session_report(data, "checkout.session.completed")

    def refund_create(self, request: RefundRequest) -> ProviderRefund:
        params = {
            "payment_intent": request.payment_reference,
            "amount": to_minor(request.amount, request.currency),
            "metadata": {"our_reference": request.idempotency_key},
        }
        refund = self._call(
            lambda: self._client().v1.refunds.create(
                params=params, options={"idempotency_key": request.idempotency_key}
            )
        )
        report = _refund_report(refund.to_dict())
        if report.status == ProviderRefundStatus.FAILED:
            raise PermanentProviderError(f"Stripe refused the refund ({refund.get('failure_reason') or 'failed'}).")
        return report

    def refund_fetch(self, *, provider_reference: str, payment_reference: str) -> ProviderRefund:
        refund = self._call(lambda: self._client().v1.refunds.retrieve(provider_reference))
        return _refund_report(refund.to_dict())
