"""MercadoPago (Checkout Pro): the payer pays on MercadoPago's page, MercadoPago notifies us.

A checkout is a preference whose `external_reference` is our idempotency key;
the notification carries only the payment's id, so resolving it fetches the
payment. Every call goes through the official SDK with our own HTTP client
(one session, our timeout, no hidden retries) and a fresh `RequestOptions`
carrying our stable idempotency key, so a retried call never charges or
refunds twice.

Signatures are checked here rather than with the SDK's validator, whose unit
for the timestamp is inconsistent.
"""

import datetime
import hashlib
import hmac
import json
import re
import warnings
from collections.abc import Callable
from decimal import Decimal

import mercadopago
import requests
from django.conf import settings
from django.utils import timezone
from mercadopago.config import RequestOptions
from mercadopago.errors import MercadoPagoError
from mercadopago.http import HttpClient
from requests.adapters import HTTPAdapter

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
    RefundLimits,
    RefundRequest,
    TransientProviderError,
)

# A MercadoPago account is opened in one country and collects that country's currency only.
CURRENCY_BY_COUNTRY = {
    "AR": "ARS",
    "BR": "BRL",
    "CL": "CLP",
    "MX": "MXN",
    "UY": "UYU",
    "CO": "COP",
    "PE": "PEN",
}
# Currencies MercadoPago takes in whole units only (no cents), for prices and refunds alike.
WHOLE_UNIT_CURRENCIES = frozenset({"CLP"})
REFUND_WINDOW = datetime.timedelta(days=180)
SIGNATURE_TOLERANCE = datetime.timedelta(minutes=5)
STATEMENT_DESCRIPTOR = "SPIRIT TOURS"
SANDBOX_ACCOUNT_PREFIX = "TEST-"  # how a sandbox access token starts

PAYMENT_STATUSES = {
    "approved": ProviderPaymentStatus.CONFIRMED,
    # The payer opened a dispute on an approved payment: the money is held until it ends
    # (as `approved` again or as `charged_back`).
    "in_mediation": ProviderPaymentStatus.CONFIRMED,
    "pending": ProviderPaymentStatus.PENDING,
    "in_process": ProviderPaymentStatus.PENDING,
    "authorized": ProviderPaymentStatus.PENDING,
    "rejected": ProviderPaymentStatus.FAILED,
    "cancelled": ProviderPaymentStatus.CANCELLED,
    "refunded": ProviderPaymentStatus.REFUNDED,
    "charged_back": ProviderPaymentStatus.REFUNDED,
}
REFUND_STATUSES = {
    "approved": ProviderRefundStatus.DONE,
    "rejected": ProviderRefundStatus.FAILED,
    "cancelled": ProviderRefundStatus.FAILED,
    # Anything else ("in_process", "pending", a status not documented yet) is still moving:
    # the ledger asks again with `refund_fetch`.
}

_SIGNATURE_TS = re.compile(r"[0-9]{1,16}")
_SIGNATURE_V1 = re.compile(r"[0-9a-f]{64}")
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9]+")
_PLAIN_KEY = re.compile(r"[\x21-\x7e]{1,64}")


def payment_status(mercadopago_status: str) -> ProviderPaymentStatus:
    """Our status for a MercadoPago payment status; PermanentProviderError for one we do not know."""
    try:
        return PAYMENT_STATUSES[mercadopago_status]
    except KeyError:
        raise PermanentProviderError(
            f"MercadoPago reported an unknown payment status: {mercadopago_status!r}."
        ) from None


def refund_status(mercadopago_status: str) -> ProviderRefundStatus:
    """Our status for a MercadoPago refund status."""
    return REFUND_STATUSES.get(mercadopago_status, ProviderRefundStatus.TRANSIT)


def idempotency_key(raw: str) -> str:
    """The `x-idempotency-key` for `raw`: itself when MercadoPago accepts it (1 to 64 printable
    ASCII characters), otherwise its SHA-256 in hex, which is as stable and exactly 64 long."""
    if _PLAIN_KEY.fullmatch(raw):
        return raw
    return hashlib.sha256(raw.encode()).hexdigest()


def notification_signature(*, secret: str, data_id: str, request_id: str, ts: str) -> str:
    """The `v1` MercadoPago puts in `x-signature` for a notification: HMAC-SHA256, in hex, of the
    documented manifest (an alphanumeric `data.id` is signed lower-cased)."""
    if _ALPHANUMERIC.fullmatch(data_id):
        data_id = data_id.lower()
    manifest = f"id:{data_id};request-id:{request_id};ts:{ts};"
    return hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()


class SessionHttpClient(HttpClient):
    """The SDK's transport: one `requests.Session`, our timeout on every call, no retries.

    The SDK's own client retries 5xx answers through urllib3 with a 60 s timeout;
    retrying is the ledger's job (with the same idempotency key), so `maxretries`
    and the SDK's timeout are ignored here.
    """

    def __init__(self, *, session: requests.Session | None = None):
        self._session = session or requests.Session()
        adapter = HTTPAdapter(max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def request(self, method, url, maxretries=None, retry_on=None, backoff_factor=None, **kwargs):
        kwargs["timeout"] = settings.PAYMENT_PROVIDER_TIMEOUT
        answer = self._session.request(method, url, **kwargs)
        body = None
        if answer.status_code != 204 and answer.content:
            try:
                body = answer.json()
            except ValueError:
                # An error page from a proxy: keep its start for the error message.
                body = None if 200 <= answer.status_code < 300 else {"message": answer.text[:200]}
        return {"status": answer.status_code, "response": body}


class MercadoPagoProvider(PaymentProvider):
    identifier = "mercadopago"
    label = "Mercado Pago"

    def __init__(self, *, http_client: HttpClient | None = None):
        self._http_client = http_client or SessionHttpClient()
        self._sdk_instance: mercadopago.SDK | None = None

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.MERCADOPAGO_ACCESS_TOKEN and settings.MERCADOPAGO_WEBHOOK_SECRET)

    def takes(self, *, country: str, currency: str) -> bool:
        return CURRENCY_BY_COUNTRY.get(country.upper()) == currency.upper()

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        preference = {
            "items": [
                {
                    "title": request.description,
                    "quantity": 1,
                    "currency_id": request.currency,
                    "unit_price": _api_amount(request.amount, request.currency),
                }
            ],
            "external_reference": request.idempotency_key,
            "payer": {"email": request.payer_email, "name": request.payer_name},
            "back_urls": {
                "success": request.success_url,
                "failure": request.cancel_url,
                "pending": request.success_url,
            },
            "auto_return": "approved",
            "notification_url": request.notification_url,
            "statement_descriptor": STATEMENT_DESCRIPTOR,
        }
        if request.expires_at is not None:
            expires_at = request.expires_at
            if timezone.is_naive(expires_at):
                expires_at = timezone.make_aware(expires_at)
            preference["expires"] = True
            preference["expiration_date_to"] = expires_at.isoformat(timespec="milliseconds")
        options = self._options(key=f"pref-{request.idempotency_key}")

        def create():
            # The SDK deprecates `notification_url` in favour of one webhook URL per account; we
            # send it per checkout on purpose, so the warning is noise here.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="notification_url is deprecated", category=DeprecationWarning)
                return self._sdk().preference().create(preference, options)

        answer = self._checked(create)
        sandbox = settings.MERCADOPAGO_ACCESS_TOKEN.startswith(SANDBOX_ACCOUNT_PREFIX)
        return Checkout(
            provider_reference=str(answer["id"]),
            redirect_url=answer["sandbox_init_point"] if sandbox else answer["init_point"],
        )

    def notification_verify(self, *, headers: dict[str, str], query: dict[str, str], body: bytes) -> Notification:
        secret = settings.MERCADOPAGO_WEBHOOK_SECRET
        if not secret:
            raise PermanentProviderError("MercadoPago notifications cannot be checked: no webhook secret is set.")
        signature = headers.get("x-signature", "")
        request_id = headers.get("x-request-id", "")
        data_id = query.get("data.id", "")
        if not signature or not request_id or not data_id:
            raise PermanentProviderError("The notification lacks its x-signature, x-request-id or data.id.")
        ts, v1 = _signature_parts(signature)
        expected = notification_signature(secret=secret, data_id=data_id, request_id=request_id, ts=ts)
        if not hmac.compare_digest(expected, v1):
            raise PermanentProviderError("The notification's signature does not match.")
        seconds = int(ts) / 1000 if int(ts) > 10**12 else int(ts)
        signed_at = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
        if abs(timezone.now() - signed_at) > SIGNATURE_TOLERANCE:
            raise PermanentProviderError("The notification's signature is too old (or from the future).")
        try:
            event = json.loads(body)
        except ValueError:
            raise PermanentProviderError("The notification's body is not JSON.") from None
        if not isinstance(event, dict):
            raise PermanentProviderError("The notification's body is not a JSON object.")
        kind_name = query.get("type") or event.get("type") or ""
        return Notification(
            event_id=str(event["id"]) if event.get("id") is not None else request_id,
            kind=NotificationKind.PAYMENT if kind_name == "payment" else NotificationKind.IGNORED,
            # The id from the query string, the one the signature covers; the body is not signed.
            provider_reference=data_id,
            payload={"type": kind_name, "action": event.get("action", ""), "data_id": data_id},
        )

    def notification_resolve(self, *, notification: Notification) -> ProviderPayment | ProviderRefund | None:
        # A refund reaches us as a payment update (its status becomes "refunded").
        if notification.kind != NotificationKind.PAYMENT:
            return None
        return self._payment_get(notification.provider_reference)

    def payment_fetch(
        self, *, checkout_reference: str, our_reference: str, provider_payment_id: str = ""
    ) -> ProviderPayment | None:
        if provider_payment_id:
            return self._payment_get(provider_payment_id)
        if not our_reference:
            raise PermanentProviderError("A MercadoPago payment is found by our reference, and none was given.")
        filters = {"external_reference": our_reference, "sort": "date_created", "criteria": "desc"}
        answer = self._checked(lambda: self._sdk().payment().search(filters, self._options()))
        results = answer.get("results") or []
        if not results:
            return None
        # A payer who failed and tried again leaves several payments: the approved one counts.
        chosen = next((result for result in results if result.get("status") == "approved"), results[0])
        return _provider_payment(chosen)

    def refund_limits(self, *, payment: ProviderPayment, country: str, now: datetime.datetime) -> RefundLimits:
        whole_units_only = payment.currency.upper() in WHOLE_UNIT_CURRENCIES
        if payment.status != ProviderPaymentStatus.CONFIRMED:
            return RefundLimits(
                refundable=False,
                reason="Only an approved MercadoPago payment can be refunded.",
                whole_units_only=whole_units_only,
            )
        if payment.paid_at is None:
            return RefundLimits(refundable=True, whole_units_only=whole_units_only)
        latest = payment.paid_at + REFUND_WINDOW
        if now > latest:
            return RefundLimits(
                refundable=False,
                reason="MercadoPago refunds a payment only within 180 days of its approval.",
                whole_units_only=whole_units_only,
                latest=latest,
            )
        return RefundLimits(refundable=True, whole_units_only=whole_units_only, latest=latest)

    def refund_create(self, request: RefundRequest) -> ProviderRefund:
        body = {"amount": _api_amount(request.amount, request.currency)} if request.partial else None
        options = self._options(key=request.idempotency_key)
        answer = self._checked(lambda: self._sdk().refund().create(request.payment_reference, body, options))
        status = refund_status(answer.get("status", ""))
        if status == ProviderRefundStatus.FAILED:
            raise PermanentProviderError(f"MercadoPago rejected the refund ({answer.get('status')}).")
        return _provider_refund(answer, request.payment_reference, default_amount=request.amount)

    def refund_fetch(self, *, provider_reference: str, payment_reference: str) -> ProviderRefund:
        answer = self._checked(lambda: self._sdk().refund().get(payment_reference, provider_reference, self._options()))
        return _provider_refund(answer, payment_reference)

    def _sdk(self) -> mercadopago.SDK:
        if self._sdk_instance is None:
            token = settings.MERCADOPAGO_ACCESS_TOKEN
            if not token:
                raise PermanentProviderError("MercadoPago is not configured: no access token is set.")
            self._sdk_instance = mercadopago.SDK(token, http_client=self._http_client)
        return self._sdk_instance

    def _options(self, *, key: str = "") -> RequestOptions:
        """Fresh options for one call: the SDK writes into them, and they replace its defaults."""
        return RequestOptions(
            connection_timeout=float(settings.PAYMENT_PROVIDER_TIMEOUT),
            max_retries=0,
            custom_headers={"x-idempotency-key": idempotency_key(key)} if key else None,
        )

    def _payment_get(self, payment_id: str) -> ProviderPayment:
        return _provider_payment(self._checked(lambda: self._sdk().payment().get(payment_id, self._options())))

    def _checked(self, call: Callable[[], dict]) -> dict:
        """Run one SDK call and return MercadoPago's answer, or raise the provider error it amounts to."""
        try:
            result = call()
        except (requests.Timeout, requests.ConnectionError, requests.exceptions.RetryError) as exc:
            raise TransientProviderError(f"MercadoPago did not answer ({exc.__class__.__name__}).") from exc
        except MercadoPagoError as exc:  # raised only by the SDK's own client, kept for safety
            result = {"status": exc.status_code, "response": exc.response}
        status = result.get("status") or 0
        answer = result.get("response")
        message = answer.get("message", "") if isinstance(answer, dict) else ""
        if status == 429 or status >= 500:
            raise TransientProviderError(f"MercadoPago is unavailable ({status}). {message}".strip())
        if not 200 <= status < 300:
            raise PermanentProviderError(f"MercadoPago refused the call ({status}). {message}".strip())
        if not isinstance(answer, dict):
            raise TransientProviderError(f"MercadoPago answered {status} with an unreadable body.")
        return answer


def _signature_parts(header: str) -> tuple[str, str]:
    """`ts` and `v1` from `x-signature: ts=<digits>,v1=<hex>`."""
    parts = {}
    for piece in header.split(","):
        name, sep, value = piece.partition("=")
        if not sep:
            raise PermanentProviderError("The notification's x-signature is malformed.")
        parts[name.strip()] = value.strip()
    ts, v1 = parts.get("ts", ""), parts.get("v1", "").lower()
    if not _SIGNATURE_TS.fullmatch(ts) or not _SIGNATURE_V1.fullmatch(v1):
        raise PermanentProviderError("The notification's x-signature is malformed.")
    return ts, v1


def _api_amount(amount: Decimal, currency: str) -> float | int:
    """An amount as MercadoPago's JSON takes it: a number (the SDK cannot encode a Decimal),
    an integer for whole-unit currencies."""
    if currency.upper() in WHOLE_UNIT_CURRENCIES:
        if amount != amount.to_integral_value():
            raise PermanentProviderError(f"MercadoPago takes {currency} in whole units only, not {amount}.")
        return int(amount)
    return float(amount)


def _datetime(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    parsed = datetime.datetime.fromisoformat(value)
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=datetime.UTC)


def _provider_payment(answer: dict) -> ProviderPayment:
    return ProviderPayment(
        provider_payment_id=str(answer["id"]),
        status=payment_status(answer.get("status", "")),
        amount=Decimal(str(answer["transaction_amount"])),
        currency=answer.get("currency_id", ""),
        our_reference=answer.get("external_reference") or "",
        paid_at=_datetime(answer.get("date_approved")),
    )


def _provider_refund(answer: dict, payment_reference: str, *, default_amount: Decimal | None = None) -> ProviderRefund:
    amount = answer.get("amount")
    return ProviderRefund(
        provider_reference=str(answer["id"]),
        status=refund_status(answer.get("status", "")),
        amount=Decimal(str(amount)) if amount is not None else (default_amount or Decimal(0)),
        payment_reference=str(answer.get("payment_id") or payment_reference),
    )
