"""PayU Latam: WebCheckout to pay, the confirmation page to learn the outcome, the APIs to reconcile and refund.

PayU Latam has no SDK worth depending on, so this speaks its JSON APIs with
`requests`, one session per provider instance and `PAYMENT_PROVIDER_TIMEOUT`
on every call. The checkout is a form the payer's browser posts to PayU; the
confirmation page receives a form signed with our API key (MD5, as PayU's
protocol fixes it). Payments are identified as "orderId:transactionId", since
a refund needs both.
"""

import datetime
import hashlib
import hmac
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from urllib.parse import parse_qs

import requests
from django.conf import settings

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

# (production, sandbox)
WEBCHECKOUT_URLS = (
    "https://checkout.payulatam.com/ppp-web-gateway-payu/",
    "https://sandbox.checkout.payulatam.com/ppp-web-gateway-payu/",
)
PAYMENTS_API_URLS = (
    "https://api.payulatam.com/payments-api/4.0/service.cgi",
    "https://sandbox.api.payulatam.com/payments-api/4.0/service.cgi",
)
QUERIES_API_URLS = (
    "https://api.payulatam.com/reports-api/4.0/service.cgi",
    "https://sandbox.api.payulatam.com/reports-api/4.0/service.cgi",
)

# The currencies each country's PayU account settles; PayU Latam takes no EUR anywhere.
CURRENCIES: dict[str, frozenset[str]] = {
    "CO": frozenset({"COP", "USD"}),
    "PE": frozenset({"PEN", "USD"}),
    "AR": frozenset({"ARS"}),
    "BR": frozenset({"BRL"}),
    "CL": frozenset({"CLP"}),
    "MX": frozenset({"MXN"}),
    "PA": frozenset({"USD"}),
}
# Countries where PayU refunds only whole units of the currency.
WHOLE_UNIT_REFUND_COUNTRIES = frozenset({"AR", "CL", "MX"})
# PayU refuses a refund requested sooner than this after the payment's approval.
REFUND_DELAY = datetime.timedelta(minutes=10)

# The confirmation page's `state_pol`; any other value is read as still pending.
CONFIRMATION_STATES: dict[str, ProviderPaymentStatus] = {
    "4": ProviderPaymentStatus.CONFIRMED,
    "6": ProviderPaymentStatus.FAILED,  # declined
    "5": ProviderPaymentStatus.CANCELLED,  # expired
    "7": ProviderPaymentStatus.PENDING,
}
# A transaction's `transactionResponse.state` in the APIs; any other value is read as still pending.
TRANSACTION_STATES: dict[str, ProviderPaymentStatus] = {
    "APPROVED": ProviderPaymentStatus.CONFIRMED,
    "DECLINED": ProviderPaymentStatus.FAILED,
    "ERROR": ProviderPaymentStatus.FAILED,
    "EXPIRED": ProviderPaymentStatus.CANCELLED,
    "PENDING": ProviderPaymentStatus.PENDING,
}
REFUND_STATES: dict[str, ProviderRefundStatus] = {
    "APPROVED": ProviderRefundStatus.DONE,
    "DECLINED": ProviderRefundStatus.FAILED,
    "ERROR": ProviderRefundStatus.FAILED,
    "PENDING": ProviderRefundStatus.TRANSIT,
}
REFUND_TYPES = frozenset({"REFUND", "PARTIAL_REFUND"})
# Transactions on an order that are not the payer's payment.
NON_PAYMENT_TYPES = REFUND_TYPES | {"VOID"}

# The confirmation fields we cannot do without: `reference_pol` (PayU's order id) too, as a refund needs it.
CONFIRMATION_FIELDS = (
    "merchant_id",
    "state_pol",
    "value",
    "currency",
    "reference_sale",
    "reference_pol",
    "transaction_id",
    "sign",
)
NOTIFICATION_PAYLOAD_FIELDS = (
    "state_pol",
    "value",
    "currency",
    "reference_sale",
    "reference_pol",
    "transaction_id",
    "transaction_date",
)
CENT = Decimal("0.01")


def _md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 (PayU's protocol fixes MD5)


def _amount_text(amount: Decimal) -> str:
    return format(amount.quantize(CENT, rounding=ROUND_HALF_EVEN), "f")


def checkout_signature(*, api_key: str, merchant_id: str, reference: str, amount: Decimal, currency: str) -> str:
    """The WebCheckout form's `signature`: the amount with two decimals, exactly as the form sends it."""
    return _md5_hex(f"{api_key}~{merchant_id}~{reference}~{_amount_text(amount)}~{currency}")


def confirmation_value(value: str) -> str:
    """The confirmation's `value` as PayU signs it: rounded half-even to two decimals, written with
    one when the second is zero ("150.00" -> "150.0", "150.26" -> "150.26").

    Raises ValueError for a value that is not a finite number.
    """
    try:
        number = Decimal(value.strip())
    except InvalidOperation as exc:
        raise ValueError(f"Not an amount: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"Not an amount: {value!r}")
    text = _amount_text(number)
    return text[:-1] if text.endswith("0") else text


def confirmation_signature(
    *, api_key: str, merchant_id: str, reference: str, value: str, currency: str, state: str
) -> str:
    """The confirmation page's `sign` for these fields, `value` as PayU posts it."""
    return _md5_hex(f"{api_key}~{merchant_id}~{reference}~{confirmation_value(value)}~{currency}~{state}")


def _json_number(amount: Decimal) -> int | float:
    # The JSON encoder takes no Decimal. A float prints the shortest text that reads back as the
    # same float, which for an amount in cents is those very digits: nothing is rounded on the wire.
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _split_reference(reference: str) -> tuple[str, str]:
    order_id, _, transaction_id = reference.partition(":")
    if not order_id.isdigit():
        raise PermanentProviderError(f"Not a PayU order reference: {reference!r}")
    return order_id, transaction_id


def _tx_value(transaction: dict, order: dict | None = None) -> tuple[Decimal, str]:
    for source in (transaction, order or {}):
        tx_value = ((source.get("additionalValues") or {}).get("TX_VALUE")) or {}
        if tx_value.get("value") is not None:
            return Decimal(str(tx_value["value"])), str(tx_value.get("currency") or "")
    raise PermanentProviderError("PayU gave no amount for the transaction.")


def _transaction_state(transaction: dict) -> str:
    return str((transaction.get("transactionResponse") or {}).get("state") or "")


class PayUProvider(PaymentProvider):
    identifier = "payu"
    label = "PayU"
    posts_form = True

    def __init__(self, *, session: requests.Session | None = None):
        self._session = session

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.PAYU_API_KEY and settings.PAYU_MERCHANT_ID and settings.PAYU_ACCOUNT_ID)

    def takes(self, *, country: str, currency: str) -> bool:
        return currency.upper() in CURRENCIES.get(country.upper(), frozenset())

    @staticmethod
    def _url(urls: tuple[str, str]) -> str:
        return urls[1] if settings.PAYU_SANDBOX else urls[0]

    def _merchant(self) -> dict[str, str]:
        return {"apiLogin": settings.PAYU_API_LOGIN, "apiKey": settings.PAYU_API_KEY}

    def _post(self, url: str, payload: dict) -> dict:
        """PayU's answer to `payload`, already checked to be a success.

        Any failure to get an answer is transient, even one after sending: the request may have
        reached PayU, and the ledger polls before trying a refund again.
        """
        if self._session is None:
            self._session = requests.Session()
        try:
            response = self._session.post(
                url,
                json=payload,
                headers={"Content-Type": "application/json", "Accept": "application/json"},
                timeout=settings.PAYMENT_PROVIDER_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise TransientProviderError(f"PayU did not answer ({exc.__class__.__name__}).") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientProviderError(f"PayU is unavailable (HTTP {response.status_code}).")
        if response.status_code >= 400:
            raise PermanentProviderError(f"PayU refused the request (HTTP {response.status_code}).")
        try:
            answer = response.json(parse_float=Decimal)
        except ValueError as exc:
            raise TransientProviderError("PayU's answer was not JSON.") from exc
        if not isinstance(answer, dict):
            raise TransientProviderError("PayU's answer was not a JSON object.")
        if answer.get("code") != "SUCCESS":
            raise PermanentProviderError(f"PayU refused the request: {answer.get('error') or answer.get('code')}")
        return answer

    def _query(self, *, command: str, details: dict) -> dict:
        payload = {
            "test": bool(settings.PAYU_SANDBOX),
            "language": "es",
            "command": command,
            "merchant": self._merchant(),
            "details": details,
        }
        return self._post(self._url(QUERIES_API_URLS), payload)

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        """The WebCheckout form, referenced by our idempotency key; nothing is sent to PayU until the
        payer's browser posts it. PayU has no cancel URL: `responseUrl` receives every outcome.

        Raises PermanentProviderError for an amount that is not positive whole cents.
        """
        if request.amount <= 0 or request.amount != request.amount.quantize(CENT):
            raise PermanentProviderError(f"PayU cannot charge {request.amount}.")
        amount = _amount_text(request.amount)
        return Checkout(
            provider_reference=request.idempotency_key,
            redirect_url=self._url(WEBCHECKOUT_URLS),
            form_fields={
                "merchantId": settings.PAYU_MERCHANT_ID,
                "accountId": settings.PAYU_ACCOUNT_ID,
                "description": request.description,
                "referenceCode": request.idempotency_key,
                "amount": amount,
                "tax": "0",
                "taxReturnBase": "0",
                "currency": request.currency,
                "signature": checkout_signature(
                    api_key=settings.PAYU_API_KEY,
                    merchant_id=settings.PAYU_MERCHANT_ID,
                    reference=request.idempotency_key,
                    amount=request.amount,
                    currency=request.currency,
                ),
                "test": "1" if settings.PAYU_SANDBOX else "0",
                "buyerEmail": request.payer_email,
                "buyerFullName": request.payer_name,
                "responseUrl": request.success_url,
                "confirmationUrl": request.notification_url,
                "lng": request.language,
            },
        )

    def notification_verify(self, *, headers: dict[str, str], query: dict[str, str], body: bytes) -> Notification:
        """A confirmation-page post (form-encoded), signed with our API key.

        The event id carries the state, so a pending transaction that later approves is a new event.
        """
        # A buyer's name or a description in another charset is replaced, never refused: the signed
        # fields are ASCII, and a mangled one fails the signature.
        fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        missing = [name for name in CONFIRMATION_FIELDS if not fields.get(name, [""])[0]]
        if missing:
            raise PermanentProviderError(f"PayU's confirmation lacks {', '.join(missing)}.")
        if any(len(fields[name]) > 1 for name in CONFIRMATION_FIELDS):
            raise PermanentProviderError("PayU's confirmation repeats a field.")
        posted = {name: values[0] for name, values in fields.items()}
        if posted["merchant_id"] != str(settings.PAYU_MERCHANT_ID):
            raise PermanentProviderError("PayU's confirmation is for another merchant.")
        try:
            expected = confirmation_signature(
                api_key=settings.PAYU_API_KEY,
                merchant_id=posted["merchant_id"],
                reference=posted["reference_sale"],
                value=posted["value"],
                currency=posted["currency"],
                state=posted["state_pol"],
            )
        except ValueError as exc:
            raise PermanentProviderError("PayU's confirmation has no readable value.") from exc
        if not hmac.compare_digest(expected.encode(), posted["sign"].strip().lower().encode()):
            raise PermanentProviderError("PayU's confirmation signature does not match.")
        return Notification(
            event_id=f"{posted['transaction_id']}:{posted['state_pol']}",
            kind=NotificationKind.PAYMENT,
            provider_reference=f"{posted['reference_pol']}:{posted['transaction_id']}",
            our_reference=posted["reference_sale"],
            payload={name: posted.get(name, "") for name in NOTIFICATION_PAYLOAD_FIELDS},
        )

    def notification_resolve(self, *, notification: Notification) -> ProviderPayment:
        """The payment as the signed confirmation states it; no call out.

        `paid_at` stays None: PayU's `transaction_date` names no time zone, and the ledger's own
        time of confirmation is never before PayU's approval.
        """
        payload = notification.payload
        try:
            return ProviderPayment(
                provider_payment_id=notification.provider_reference,
                status=CONFIRMATION_STATES.get(payload["state_pol"], ProviderPaymentStatus.PENDING),
                amount=Decimal(payload["value"]),
                currency=payload["currency"],
                our_reference=payload["reference_sale"],
            )
        except (KeyError, InvalidOperation) as exc:
            raise PermanentProviderError("The PayU notification's payload is incomplete.") from exc

    def payment_fetch(
        self, *, checkout_reference: str, our_reference: str, provider_payment_id: str = ""
    ) -> ProviderPayment | None:
        """The payment found by our reference: its approved transaction if any, else its latest.

        None when PayU has no order or no payment attempt under that reference.
        """
        answer = self._query(
            command="ORDER_DETAIL_BY_REFERENCE_CODE",
            details={"referenceCode": our_reference or checkout_reference},
        )
        orders = (answer.get("result") or {}).get("payload") or []
        attempts = [
            (order, transaction)
            for order in orders
            for transaction in order.get("transactions") or []
            if transaction.get("type") not in NON_PAYMENT_TYPES
        ]
        if not attempts:
            return None
        approved = [attempt for attempt in attempts if _transaction_state(attempt[1]) == "APPROVED"]
        order, transaction = (approved or attempts)[-1]
        if order.get("id") is None or transaction.get("id") is None:
            raise PermanentProviderError("PayU gave a payment without its order or transaction id.")
        amount, currency = _tx_value(transaction, order)
        return ProviderPayment(
            provider_payment_id=f"{order['id']}:{transaction['id']}",
            status=TRANSACTION_STATES.get(_transaction_state(transaction), ProviderPaymentStatus.PENDING),
            amount=amount,
            currency=currency,
            our_reference=str(order.get("referenceCode") or our_reference),
        )

    def refund_limits(self, *, payment: ProviderPayment, country: str, now: datetime.datetime) -> RefundLimits:
        """PayU refunds from 10 minutes after approval, in whole units in Argentina, Chile and Mexico.

        Colombia allows a single partial refund per order (`partial_refunds_max`): the ledger
        counts the payment's refunds before offering another.
        """
        country = country.upper()
        return RefundLimits(
            refundable=True,
            reason="PayU Colombia allows only one partial refund per payment." if country == "CO" else "",
            whole_units_only=country in WHOLE_UNIT_REFUND_COUNTRIES,
            partial_allowed=True,
            partial_refunds_max=1 if country == "CO" else None,
            earliest=payment.paid_at + REFUND_DELAY if payment.paid_at else None,
        )

    def refund_create(self, request: RefundRequest) -> ProviderRefund:
        """Ask PayU to refund the payment's transaction, wholly or in part.

        PayU takes no idempotency key: the ledger calls this once per committed Refund row and,
        after a TransientProviderError, polls `refund_fetch` before trying again. PayU usually
        answers PENDING (the refund is reviewed) with no transaction id yet.

        Raises PermanentProviderError when PayU declines the refund.
        """
        order_id, transaction_id = _split_reference(request.payment_reference)
        if not transaction_id:
            raise PermanentProviderError(f"Not a PayU payment reference: {request.payment_reference!r}")
        transaction = {
            "order": {"id": int(order_id)},
            "type": "PARTIAL_REFUND" if request.partial else "REFUND",
            "reason": request.reason or "Refund",
            "parentTransactionId": transaction_id,
        }
        if request.partial:
            transaction["additionalValues"] = {
                "TX_VALUE": {"value": _json_number(request.amount), "currency": request.currency}
            }
        answer = self._post(
            self._url(PAYMENTS_API_URLS),
            {
                "language": "es",
                "command": "SUBMIT_TRANSACTION",
                "merchant": self._merchant(),
                "transaction": transaction,
                "test": bool(settings.PAYU_SANDBOX),
            },
        )
        response = answer.get("transactionResponse") or {}
        status = REFUND_STATES.get(str(response.get("state") or ""), ProviderRefundStatus.TRANSIT)
        if status == ProviderRefundStatus.FAILED:
            raise PermanentProviderError(f"PayU declined the refund: {response.get('responseCode') or 'no reason'}")
        return ProviderRefund(
            provider_reference=f"{response.get('orderId') or order_id}:{response.get('transactionId') or ''}",
            status=status,
            amount=request.amount,
            payment_reference=request.payment_reference,
        )

    def refund_fetch(self, *, provider_reference: str, payment_reference: str) -> ProviderRefund:
        """The refund transaction on the payment's order: the one `provider_reference` names, or the
        order's latest refund when PayU gave no transaction id.

        Raises PermanentProviderError when the order shows no such refund.
        """
        if provider_reference:
            order_id, refund_id = _split_reference(provider_reference)
        else:
            order_id, refund_id = _split_reference(payment_reference)[0], ""
        answer = self._query(command="ORDER_DETAIL", details={"orderId": int(order_id)})
        order = (answer.get("result") or {}).get("payload") or {}
        refunds = [
            transaction
            for transaction in order.get("transactions") or []
            if transaction.get("type") in REFUND_TYPES and (not refund_id or transaction.get("id") == refund_id)
        ]
        if not refunds:
            raise PermanentProviderError(f"PayU shows no such refund on order {order_id}.")
        refund = refunds[-1]
        fallback = order if refund.get("type") == "REFUND" else None  # a full refund gives back the order's value
        amount, _ = _tx_value(refund, fallback)
        return ProviderRefund(
            provider_reference=f"{order_id}:{refund.get('id') or ''}",
            status=REFUND_STATES.get(_transaction_state(refund), ProviderRefundStatus.TRANSIT),
            amount=amount,
            payment_reference=payment_reference,
        )
