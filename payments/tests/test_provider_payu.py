"""The PayU Latam provider: signatures, the confirmation page, the APIs through a fake session."""

import copy
import dataclasses
import datetime
import hashlib
import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import requests

from payments.providers.base import (
    CheckoutRequest,
    NotificationKind,
    PermanentProviderError,
    ProviderPayment,
    ProviderPaymentStatus,
    ProviderRefundStatus,
    RefundRequest,
    TransientProviderError,
)
from payments.providers.payu import (
    PayUProvider,
    checkout_signature,
    confirmation_signature,
    confirmation_value,
)

API_KEY = "4Vj8eK4rloUd272L48hsrarnUA"
MERCHANT_ID = "508029"
ACCOUNT_ID = "512321"
QUERIES_SANDBOX = "https://sandbox.api.payulatam.com/reports-api/4.0/service.cgi"
PAYMENTS_SANDBOX = "https://sandbox.api.payulatam.com/payments-api/4.0/service.cgi"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (PayU's protocol)


class FakeResponse:
    def __init__(self, body, status_code=200):
        self.text = json.dumps(body)
        self.status_code = status_code

    def json(self, **kwargs):
        return json.loads(self.text, **kwargs)


class FakeSession:
    """Records each post and answers the next canned response (or raises it)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.posts = []

    def post(self, url, *, json, headers, timeout):
        self.posts.append({"url": url, "json": copy.deepcopy(json), "headers": headers, "timeout": timeout})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def payu_settings(settings):
    settings.PAYU_API_KEY = API_KEY
    settings.PAYU_API_LOGIN = "pRRXKOl8ikMmt9u"
    settings.PAYU_MERCHANT_ID = MERCHANT_ID
    settings.PAYU_ACCOUNT_ID = ACCOUNT_ID
    settings.PAYU_SANDBOX = True
    settings.PAYMENT_PROVIDER_TIMEOUT = 7.5
    return settings


def confirmation_body(*, api_key=API_KEY, signed_value="150.26", **overrides) -> bytes:
    fields = {
        "merchant_id": MERCHANT_ID,
        "state_pol": "4",
        "value": "150.26",
        "currency": "USD",
        "reference_sale": "share:1:2:0",
        "reference_pol": "844001",
        "transaction_id": "7edbaf68-8f3a-4ae7-b9c7-d1e27e314999",
        "response_code_pol": "1",
        "transaction_date": "2026-03-02 10:15:00",
        "description": "B-2026-00001-2",
    }
    fields["sign"] = confirmation_signature(
        api_key=api_key,
        merchant_id=fields["merchant_id"],
        reference=fields["reference_sale"],
        value=signed_value,
        currency=fields["currency"],
        state=fields["state_pol"],
    )
    fields.update(overrides)
    return urlencode({name: value for name, value in fields.items() if value is not None}).encode()


def checkout_request(**overrides) -> CheckoutRequest:
    values = {
        "payment_id": 1,
        "idempotency_key": "share:1:2:0",
        "amount": Decimal("150"),
        "currency": "USD",
        "description": "B-2026-00001-2",
        "payer_email": "ana@viajeros.example",
        "payer_name": "Ana Ruiz",
        "success_url": "https://spirit.example/pay/done",
        "cancel_url": "https://spirit.example/pay/cancel",
        "notification_url": "https://spirit.example/pay/notify/payu",
        "language": "en",
    }
    return CheckoutRequest(**(values | overrides))


def refund_request(**overrides) -> RefundRequest:
    values = {
        "refund_id": 3,
        "idempotency_key": "refund:3",
        "payment_reference": "844001:7edbaf68",
        "amount": Decimal("150.26"),
        "currency": "USD",
        "partial": False,
        "country": "CO",
    }
    return RefundRequest(**(values | overrides))


def order(*transactions, order_id=844001, reference="share:1:2:0"):
    return {"id": order_id, "referenceCode": reference, "status": "CAPTURED", "transactions": list(transactions)}


def transaction(tx_id, state, *, type_="AUTHORIZATION_AND_CAPTURE", value=150.26, currency="USD"):
    return {
        "id": tx_id,
        "type": type_,
        "transactionResponse": {"state": state},
        "additionalValues": {"TX_VALUE": {"value": value, "currency": currency}},
    }


# Signatures


def test_the_confirmation_signature_matches_payus_documented_example():
    sign = confirmation_signature(
        api_key=API_KEY, merchant_id=MERCHANT_ID, reference="TestPayU05", value="150.26", currency="USD", state="4"
    )

    assert sign == "1d95778a651e11a0ab93c2169a519cd6"
    assert sign == md5("4Vj8eK4rloUd272L48hsrarnUA~508029~TestPayU05~150.26~USD~4")


@pytest.mark.parametrize(
    ("value", "signed"),
    [
        ("150.00", "150.0"),
        ("150.20", "150.2"),
        ("150.26", "150.26"),
        ("150", "150.0"),
        ("150.255", "150.26"),  # half-even: up to the even 6
        ("150.245", "150.24"),  # half-even: stays on the even 4
        ("150.005", "150.0"),
    ],
)
def test_the_confirmation_value_has_one_decimal_when_the_second_is_zero(value, signed):
    assert confirmation_value(value) == signed


def test_a_confirmation_value_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError, match="Not an amount"):
        confirmation_value("ciento cincuenta")


@pytest.mark.parametrize(("value", "signed"), [("150.00", "150.0"), ("150.20", "150.2")])
def test_the_confirmation_signature_signs_the_one_decimal_value(value, signed):
    sign = confirmation_signature(
        api_key=API_KEY, merchant_id=MERCHANT_ID, reference="TestPayU05", value=value, currency="USD", state="4"
    )

    assert sign == md5(f"4Vj8eK4rloUd272L48hsrarnUA~508029~TestPayU05~{signed}~USD~4")


def test_the_checkout_signature_signs_the_amount_with_two_decimals():
    sign = checkout_signature(
        api_key=API_KEY, merchant_id=MERCHANT_ID, reference="TestPayU", amount=Decimal("3"), currency="USD"
    )

    assert sign == md5("4Vj8eK4rloUd272L48hsrarnUA~508029~TestPayU~3.00~USD")


# Offering


def test_payu_takes_the_currencies_of_each_country_and_never_euros():
    payu = PayUProvider(session=FakeSession())

    assert payu.takes(country="CO", currency="COP") is True
    assert payu.takes(country="PE", currency="USD") is True
    assert payu.takes(country="ES", currency="EUR") is False
    assert payu.takes(country="CO", currency="EUR") is False
    assert payu.takes(country="AR", currency="USD") is False


def test_payu_is_configured_only_with_its_keys(settings):
    settings.PAYU_API_KEY = ""
    settings.PAYU_MERCHANT_ID = ""
    settings.PAYU_ACCOUNT_ID = ""
    assert PayUProvider.configured() is False

    settings.PAYU_API_KEY = API_KEY
    settings.PAYU_MERCHANT_ID = MERCHANT_ID
    assert PayUProvider.configured() is False

    settings.PAYU_ACCOUNT_ID = ACCOUNT_ID
    assert PayUProvider.configured() is True


# Checkout


def test_the_checkout_is_the_signed_webcheckout_form_and_calls_nothing(payu_settings):
    session = FakeSession()

    checkout = PayUProvider(session=session).checkout_create(checkout_request())

    assert checkout.provider_reference == "share:1:2:0"
    assert checkout.redirect_url == "https://sandbox.checkout.payulatam.com/ppp-web-gateway-payu/"
    assert checkout.form_fields == {
        "merchantId": MERCHANT_ID,
        "accountId": ACCOUNT_ID,
        "description": "B-2026-00001-2",
        "referenceCode": "share:1:2:0",
        "amount": "150.00",
        "tax": "0",
        "taxReturnBase": "0",
        "currency": "USD",
        "signature": md5("4Vj8eK4rloUd272L48hsrarnUA~508029~share:1:2:0~150.00~USD"),
        "test": "1",
        "buyerEmail": "ana@viajeros.example",
        "buyerFullName": "Ana Ruiz",
        "responseUrl": "https://spirit.example/pay/done",
        "confirmationUrl": "https://spirit.example/pay/notify/payu",
        "lng": "en",
    }
    assert session.posts == []


def test_the_production_checkout_posts_to_production_and_is_not_a_test(payu_settings):
    payu_settings.PAYU_SANDBOX = False

    checkout = PayUProvider(session=FakeSession()).checkout_create(checkout_request())

    assert checkout.redirect_url == "https://checkout.payulatam.com/ppp-web-gateway-payu/"
    assert checkout.form_fields["test"] == "0"


def test_a_checkout_for_fractions_of_a_cent_is_refused(payu_settings):
    with pytest.raises(PermanentProviderError, match="cannot charge"):
        PayUProvider(session=FakeSession()).checkout_create(checkout_request(amount=Decimal("150.005")))


# Confirmation page


def test_a_signed_confirmation_verifies_and_resolves_to_the_confirmed_payment(payu_settings):
    session = FakeSession()
    payu = PayUProvider(session=session)

    notification = payu.notification_verify(headers={}, query={}, body=confirmation_body())
    # Resolved later by a task, from the payload as stored in JSON.
    stored = dataclasses.replace(notification, payload=json.loads(json.dumps(notification.payload)))
    payment = payu.notification_resolve(notification=stored)

    assert notification.event_id == "7edbaf68-8f3a-4ae7-b9c7-d1e27e314999:4"
    assert notification.kind == NotificationKind.PAYMENT
    assert notification.provider_reference == "844001:7edbaf68-8f3a-4ae7-b9c7-d1e27e314999"
    assert notification.our_reference == "share:1:2:0"
    assert notification.payload == {
        "state_pol": "4",
        "value": "150.26",
        "currency": "USD",
        "reference_sale": "share:1:2:0",
        "reference_pol": "844001",
        "transaction_id": "7edbaf68-8f3a-4ae7-b9c7-d1e27e314999",
        "transaction_date": "2026-03-02 10:15:00",
    }
    assert payment == ProviderPayment(
        provider_payment_id="844001:7edbaf68-8f3a-4ae7-b9c7-d1e27e314999",
        status=ProviderPaymentStatus.CONFIRMED,
        amount=Decimal("150.26"),
        currency="USD",
        our_reference="share:1:2:0",
        paid_at=None,
    )
    assert session.posts == []


def test_a_confirmation_of_a_round_value_verifies_with_one_decimal(payu_settings):
    body = confirmation_body(value="150.00", signed_value="150.00")

    notification = PayUProvider(session=FakeSession()).notification_verify(headers={}, query={}, body=body)

    assert notification.payload["value"] == "150.00"


def test_an_upper_case_signature_verifies(payu_settings):
    sign = confirmation_signature(
        api_key=API_KEY,
        merchant_id=MERCHANT_ID,
        reference="share:1:2:0",
        value="150.26",
        currency="USD",
        state="4",
    )

    notification = PayUProvider(session=FakeSession()).notification_verify(
        headers={}, query={}, body=confirmation_body(sign=sign.upper())
    )

    assert notification.our_reference == "share:1:2:0"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (confirmation_body(value="1.00"), "signature does not match"),
        (confirmation_body(api_key="someone-elses-key"), "signature does not match"),
        (confirmation_body(sign=None), "lacks sign"),
        (confirmation_body(merchant_id="999999"), "another merchant"),
        (confirmation_body(state_pol="6"), "signature does not match"),
        (confirmation_body(value="abc"), "no readable value"),
        (confirmation_body() + b"&sign=" + b"0" * 32, "repeats a field"),
        (b"", "lacks merchant_id"),
    ],
    ids=[
        "tampered-value",
        "wrong-key",
        "no-sign",
        "foreign-merchant",
        "tampered-state",
        "bad-value",
        "two-signs",
        "empty",
    ],
)
def test_a_confirmation_that_does_not_verify_is_refused(payu_settings, body, message):
    with pytest.raises(PermanentProviderError, match=message):
        PayUProvider(session=FakeSession()).notification_verify(headers={}, query={}, body=body)


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("4", ProviderPaymentStatus.CONFIRMED),
        ("6", ProviderPaymentStatus.FAILED),
        ("5", ProviderPaymentStatus.CANCELLED),
        ("7", ProviderPaymentStatus.PENDING),
        ("104", ProviderPaymentStatus.PENDING),
    ],
)
def test_the_confirmation_state_maps_to_the_payment_status(payu_settings, state, status):
    payu = PayUProvider(session=FakeSession())
    sign = confirmation_signature(
        api_key=API_KEY, merchant_id=MERCHANT_ID, reference="share:1:2:0", value="150.26", currency="USD", state=state
    )
    notification = payu.notification_verify(headers={}, query={}, body=confirmation_body(state_pol=state, sign=sign))

    payment = payu.notification_resolve(notification=notification)

    assert notification.event_id == f"7edbaf68-8f3a-4ae7-b9c7-d1e27e314999:{state}"
    assert payment.status == status


# Reconciling


def test_payment_fetch_finds_the_approved_transaction_by_our_reference(payu_settings):
    answer = {
        "code": "SUCCESS",
        "error": None,
        "result": {
            "payload": [
                order(transaction("tx-declined", "DECLINED"), transaction("tx-approved", "APPROVED")),
            ]
        },
    }
    session = FakeSession(FakeResponse(answer))

    payment = PayUProvider(session=session).payment_fetch(checkout_reference="share:1:2:0", our_reference="share:1:2:0")

    assert payment == ProviderPayment(
        provider_payment_id="844001:tx-approved",
        status=ProviderPaymentStatus.CONFIRMED,
        amount=Decimal("150.26"),
        currency="USD",
        our_reference="share:1:2:0",
    )
    assert session.posts == [
        {
            "url": QUERIES_SANDBOX,
            "json": {
                "test": True,
                "language": "es",
                "command": "ORDER_DETAIL_BY_REFERENCE_CODE",
                "merchant": {"apiLogin": "pRRXKOl8ikMmt9u", "apiKey": API_KEY},
                "details": {"referenceCode": "share:1:2:0"},
            },
            "headers": {"Content-Type": "application/json", "Accept": "application/json"},
            "timeout": 7.5,
        }
    ]


def test_payment_fetch_without_an_approved_transaction_reports_the_latest(payu_settings):
    answer = {
        "code": "SUCCESS",
        "result": {"payload": [order(transaction("tx-1", "DECLINED"), transaction("tx-2", "EXPIRED"))]},
    }

    payment = PayUProvider(session=FakeSession(FakeResponse(answer))).payment_fetch(
        checkout_reference="share:1:2:0", our_reference="share:1:2:0"
    )

    assert (payment.provider_payment_id, payment.status) == ("844001:tx-2", ProviderPaymentStatus.CANCELLED)


@pytest.mark.parametrize("payload", [None, []])
def test_payment_fetch_with_nothing_paid_is_none(payu_settings, payload):
    session = FakeSession(FakeResponse({"code": "SUCCESS", "result": {"payload": payload}}))

    assert PayUProvider(session=session).payment_fetch(checkout_reference="x", our_reference="share:1:2:0") is None


# Refunds


def test_a_full_refund_posts_a_refund_of_the_payments_transaction(payu_settings):
    answer = {
        "code": "SUCCESS",
        "transactionResponse": {
            "orderId": 844001,
            "transactionId": None,
            "state": "PENDING",
            "pendingReason": "PENDING_REVIEW",
            "responseCode": None,
        },
    }
    session = FakeSession(FakeResponse(answer))

    refund = PayUProvider(session=session).refund_create(refund_request(reason="Trip cancelled"))

    assert (refund.status, refund.amount) == (ProviderRefundStatus.TRANSIT, Decimal("150.26"))
    assert (refund.provider_reference, refund.payment_reference) == ("844001:", "844001:7edbaf68")
    assert session.posts[0]["url"] == PAYMENTS_SANDBOX
    assert session.posts[0]["json"] == {
        "language": "es",
        "command": "SUBMIT_TRANSACTION",
        "merchant": {"apiLogin": "pRRXKOl8ikMmt9u", "apiKey": API_KEY},
        "transaction": {
            "order": {"id": 844001},
            "type": "REFUND",
            "reason": "Trip cancelled",
            "parentTransactionId": "7edbaf68",
        },
        "test": True,
    }
    assert session.posts[0]["timeout"] == 7.5


def test_a_partial_refund_posts_its_amount(payu_settings):
    answer = {
        "code": "SUCCESS",
        "transactionResponse": {"orderId": 844001, "transactionId": "rf-1", "state": "PENDING"},
    }
    session = FakeSession(FakeResponse(answer))

    refund = PayUProvider(session=session).refund_create(refund_request(amount=Decimal("40.50"), partial=True))

    assert (refund.status, refund.provider_reference, refund.amount) == (
        ProviderRefundStatus.TRANSIT,
        "844001:rf-1",
        Decimal("40.50"),
    )
    assert session.posts[0]["json"]["transaction"] == {
        "order": {"id": 844001},
        "type": "PARTIAL_REFUND",
        "reason": "Refund",
        "parentTransactionId": "7edbaf68",
        "additionalValues": {"TX_VALUE": {"value": 40.5, "currency": "USD"}},
    }


def test_an_approved_refund_is_done(payu_settings):
    answer = {
        "code": "SUCCESS",
        "transactionResponse": {"orderId": 844001, "transactionId": "rf-1", "state": "APPROVED"},
    }

    refund = PayUProvider(session=FakeSession(FakeResponse(answer))).refund_create(refund_request())

    assert refund.status == ProviderRefundStatus.DONE


def test_a_declined_refund_is_a_permanent_error(payu_settings):
    answer = {
        "code": "SUCCESS",
        "transactionResponse": {
            "orderId": 844001,
            "transactionId": "rf-1",
            "state": "DECLINED",
            "responseCode": "REJECTED",
        },
    }

    with pytest.raises(PermanentProviderError, match="REJECTED"):
        PayUProvider(session=FakeSession(FakeResponse(answer))).refund_create(refund_request())


def test_an_error_answer_is_a_permanent_error(payu_settings):
    answer = {"code": "ERROR", "error": "Invalid parent transaction", "transactionResponse": None}

    with pytest.raises(PermanentProviderError, match="Invalid parent transaction"):
        PayUProvider(session=FakeSession(FakeResponse(answer))).refund_create(refund_request())


def test_a_refund_of_a_reference_that_is_not_payus_is_refused_without_calling(payu_settings):
    session = FakeSession()

    with pytest.raises(PermanentProviderError, match="Not a PayU"):
        PayUProvider(session=session).refund_create(refund_request(payment_reference="pi_123"))
    assert session.posts == []


@pytest.mark.parametrize(
    "answer",
    [
        requests.Timeout("read timed out"),
        requests.ConnectionError("refused"),
        FakeResponse({"code": "ERROR"}, status_code=503),
        FakeResponse({}, status_code=429),
    ],
    ids=["timeout", "connection", "503", "429"],
)
def test_no_answer_from_payu_is_a_transient_error(payu_settings, answer):
    with pytest.raises(TransientProviderError):
        PayUProvider(session=FakeSession(answer)).refund_create(refund_request())


def test_a_client_error_from_payu_is_a_permanent_error(payu_settings):
    with pytest.raises(PermanentProviderError, match="HTTP 400"):
        PayUProvider(session=FakeSession(FakeResponse({}, status_code=400))).refund_create(refund_request())


def test_refund_fetch_finds_the_named_refund_on_the_order(payu_settings):
    answer = {
        "code": "SUCCESS",
        "result": {
            "payload": order(
                transaction("7edbaf68", "APPROVED"),
                transaction("rf-0", "DECLINED", type_="PARTIAL_REFUND", value=10),
                transaction("rf-1", "APPROVED", type_="PARTIAL_REFUND", value=40.5),
            )
        },
    }
    session = FakeSession(FakeResponse(answer))

    refund = PayUProvider(session=session).refund_fetch(
        provider_reference="844001:rf-1", payment_reference="844001:7edbaf68"
    )

    assert (refund.status, refund.amount, refund.provider_reference) == (
        ProviderRefundStatus.DONE,
        Decimal("40.5"),
        "844001:rf-1",
    )
    assert session.posts[0]["url"] == QUERIES_SANDBOX
    assert (session.posts[0]["json"]["command"], session.posts[0]["json"]["details"]) == (
        "ORDER_DETAIL",
        {"orderId": 844001},
    )


def test_refund_fetch_without_a_refund_id_reads_the_orders_latest_refund(payu_settings):
    answer = {
        "code": "SUCCESS",
        "result": {
            "payload": order(transaction("7edbaf68", "APPROVED"), transaction("rf-2", "PENDING", type_="REFUND"))
        },
    }

    refund = PayUProvider(session=FakeSession(FakeResponse(answer))).refund_fetch(
        provider_reference="", payment_reference="844001:7edbaf68"
    )

    assert (refund.status, refund.provider_reference) == (ProviderRefundStatus.TRANSIT, "844001:rf-2")


def test_refund_fetch_of_an_order_without_refunds_is_a_permanent_error(payu_settings):
    answer = {"code": "SUCCESS", "result": {"payload": order(transaction("7edbaf68", "APPROVED"))}}

    with pytest.raises(PermanentProviderError, match="no such refund"):
        PayUProvider(session=FakeSession(FakeResponse(answer))).refund_fetch(
            provider_reference="844001:", payment_reference="844001:7edbaf68"
        )


def test_refund_limits_in_mexico_are_whole_units_from_ten_minutes_after_payment():
    paid_at = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)
    payment = ProviderPayment(
        provider_payment_id="844001:7edbaf68",
        status=ProviderPaymentStatus.CONFIRMED,
        amount=Decimal("1500"),
        currency="MXN",
        paid_at=paid_at,
    )

    limits = PayUProvider(session=FakeSession()).refund_limits(payment=payment, country="MX", now=paid_at)

    assert (limits.refundable, limits.whole_units_only, limits.partial_allowed) == (True, True, True)
    assert limits.earliest == datetime.datetime(2026, 3, 2, 15, 10, tzinfo=datetime.UTC)


def test_refund_limits_in_colombia_allow_cents_and_say_one_partial_refund():
    payment = ProviderPayment(
        provider_payment_id="844001:7edbaf68",
        status=ProviderPaymentStatus.CONFIRMED,
        amount=Decimal("150.26"),
        currency="USD",
    )

    limits = PayUProvider(session=FakeSession()).refund_limits(
        payment=payment, country="CO", now=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    )

    assert (limits.whole_units_only, limits.earliest) == (False, None)
    assert limits.reason == "PayU Colombia allows only one partial refund per payment."


def test_a_provider_without_a_session_makes_its_own_only_when_it_calls(payu_settings):
    payu = PayUProvider()

    payu.checkout_create(checkout_request())

    assert payu._session is None
