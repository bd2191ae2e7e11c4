"""The MercadoPago provider, against a fake transport replaying recorded MercadoPago answers."""

import copy
import dataclasses
import datetime
import hashlib
import hmac
import json
import time
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from mercadopago.http import HttpClient

from payments.providers.base import (
    CheckoutRequest,
    Notification,
    NotificationKind,
    PermanentProviderError,
    ProviderPayment,
    ProviderPaymentStatus,
    ProviderRefundStatus,
    RefundRequest,
    TransientProviderError,
)
from payments.providers.mercadopago import MercadoPagoProvider, SessionHttpClient, notification_signature

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "whsec-mp-3f9a1c"
API = "https://api.mercadopago.com"


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / f"mercadopago_{name}.json").read_text())


class FakeHttpClient(HttpClient):
    """Records every call the SDK makes and answers from a queue (an exception in it is raised)."""

    def __init__(self, *answers):
        self.calls = []
        self.answers = list(answers)

    def request(self, method, url, maxretries=None, retry_on=None, backoff_factor=None, **kwargs):
        data = kwargs.get("data")
        self.calls.append(
            {
                "method": method,
                "url": url,
                "headers": dict(kwargs.get("headers") or {}),
                "params": kwargs.get("params"),
                "json": json.loads(data) if data else None,
                "timeout": kwargs.get("timeout"),
                "maxretries": maxretries,
            }
        )
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return copy.deepcopy(answer)


def ok(body: dict, status: int = 200) -> dict:
    return {"status": status, "response": body}


@pytest.fixture
def mp_settings(settings):
    settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-123"
    settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET
    settings.PAYMENT_PROVIDER_TIMEOUT = 7.5
    return settings


def checkout_request(**changes) -> CheckoutRequest:
    values = {
        "payment_id": 7,
        "idempotency_key": "share:7:2:0",
        "amount": Decimal("150000.50"),
        "currency": "ARS",
        "description": "B-2026-00007-2",
        "payer_email": "ana@viajeros.example",
        "payer_name": "Ana Ruiz",
        "success_url": "https://tours.example/pay/share/7/done/",
        "cancel_url": "https://tours.example/pay/share/7/cancelled/",
        "notification_url": "https://tours.example/payments/notify/mercadopago/",
        "country": "AR",
    }
    return CheckoutRequest(**(values | changes))


def refund_request(**changes) -> RefundRequest:
    values = {
        "refund_id": 3,
        "idempotency_key": "refund:3",
        "payment_reference": "1317342681",
        "amount": Decimal("150000.50"),
        "currency": "ARS",
        "partial": False,
    }
    return RefundRequest(**(values | changes))


def signed_notification(
    *, secret=SECRET, data_id="1317342681", request_id="bb56a2f1-6aae-46ac-982e-9dcd3581d08e", ts=None
):
    ts = str(int(time.time())) if ts is None else ts
    v1 = notification_signature(secret=secret, data_id=data_id, request_id=request_id, ts=ts)
    headers = {"x-signature": f"ts={ts},v1={v1}", "x-request-id": request_id, "content-type": "application/json"}
    query = {"data.id": data_id, "type": "payment"}
    body = json.dumps(
        {
            "id": 12345,
            "live_mode": False,
            "type": "payment",
            "date_created": "2026-03-02T10:21:43.000-04:00",
            "user_id": 44444,
            "api_version": "v1",
            "action": "payment.updated",
            "data": {"id": data_id},
        }
    ).encode()
    return headers, query, body


# --- Notifications ----------------------------------------------------------------------------


def test_a_notification_signed_with_the_webhook_secret_verifies(mp_settings):
    client = FakeHttpClient()
    headers, query, body = signed_notification()

    notification = MercadoPagoProvider(http_client=client).notification_verify(headers=headers, query=query, body=body)

    assert notification == Notification(
        event_id="12345",
        kind=NotificationKind.PAYMENT,
        provider_reference="1317342681",
        payload={"type": "payment", "action": "payment.updated", "data_id": "1317342681"},
    )
    assert client.calls == []


def test_the_signature_is_the_documented_hmac_of_the_manifest():
    manifest = b"id:1317342681;request-id:req-1;ts:1704908010;"
    expected = hmac.new(SECRET.encode(), manifest, hashlib.sha256).hexdigest()

    assert notification_signature(secret=SECRET, data_id="1317342681", request_id="req-1", ts="1704908010") == expected
    # An alphanumeric id is signed lower-cased, as MercadoPago documents.
    assert notification_signature(secret=SECRET, data_id="ABC123", request_id="r", ts="1") == notification_signature(
        secret=SECRET, data_id="abc123", request_id="r", ts="1"
    )


def test_a_signature_timestamp_in_milliseconds_verifies(mp_settings):
    headers, query, body = signed_notification(ts=str(int(time.time() * 1000)))

    notification = MercadoPagoProvider(http_client=FakeHttpClient()).notification_verify(
        headers=headers, query=query, body=body
    )

    assert notification.provider_reference == "1317342681"


def test_a_notification_about_something_else_is_ignored_and_keyed_by_the_request_id_without_a_body_id(mp_settings):
    headers, query, _ = signed_notification()
    query["type"] = "merchant_order"
    body = json.dumps({"action": "merchant_order.updated", "data": {"id": "1317342681"}}).encode()

    notification = MercadoPagoProvider(http_client=FakeHttpClient()).notification_verify(
        headers=headers, query=query, body=body
    )

    assert (notification.event_id, notification.kind) == (headers["x-request-id"], NotificationKind.IGNORED)


def _tampered_id(headers, query, body):
    query["data.id"] = "1317342682"


def _wrong_secret(headers, query, body):
    headers.update(signed_notification(secret="not-the-secret")[0])


def _stale(headers, query, body):
    headers.update(signed_notification(ts=str(int(time.time()) - 6 * 60))[0])


def _no_signature(headers, query, body):
    del headers["x-signature"]


def _no_request_id(headers, query, body):
    del headers["x-request-id"]


def _no_data_id(headers, query, body):
    del query["data.id"]


def _malformed(headers, query, body):
    headers["x-signature"] = "sha256=" + headers["x-signature"]


def _truncated_v1(headers, query, body):
    headers["x-signature"] = headers["x-signature"][:-2]


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (_tampered_id, "does not match"),
        (_wrong_secret, "does not match"),
        (_stale, "too old"),
        (_no_signature, "lacks"),
        (_no_request_id, "lacks"),
        (_no_data_id, "lacks"),
        (_malformed, "malformed"),
        (_truncated_v1, "malformed"),
    ],
)
def test_a_notification_whose_signature_does_not_hold_is_refused(mp_settings, spoil, reason):
    client = FakeHttpClient()
    headers, query, body = signed_notification()
    spoil(headers, query, body)

    with pytest.raises(PermanentProviderError, match=reason):
        MercadoPagoProvider(http_client=client).notification_verify(headers=headers, query=query, body=body)

    assert client.calls == []


def test_a_signed_notification_whose_body_is_not_json_is_refused(mp_settings):
    headers, query, _ = signed_notification()

    with pytest.raises(PermanentProviderError, match="not JSON"):
        MercadoPagoProvider(http_client=FakeHttpClient()).notification_verify(
            headers=headers, query=query, body=b"<html>"
        )


def test_no_notification_verifies_without_a_webhook_secret(mp_settings):
    headers, query, body = signed_notification(secret="")
    mp_settings.MERCADOPAGO_WEBHOOK_SECRET = ""

    with pytest.raises(PermanentProviderError, match="no webhook secret"):
        MercadoPagoProvider(http_client=FakeHttpClient()).notification_verify(headers=headers, query=query, body=body)


PAYMENT_STATUSES = [
    ("approved", ProviderPaymentStatus.CONFIRMED),
    ("pending", ProviderPaymentStatus.PENDING),
    ("in_process", ProviderPaymentStatus.PENDING),
    ("authorized", ProviderPaymentStatus.PENDING),
    ("rejected", ProviderPaymentStatus.FAILED),
    ("cancelled", ProviderPaymentStatus.CANCELLED),
    ("refunded", ProviderPaymentStatus.REFUNDED),
    ("charged_back", ProviderPaymentStatus.REFUNDED),
]


@pytest.mark.parametrize(("mp_status", "status"), PAYMENT_STATUSES)
def test_resolving_a_payment_notification_fetches_the_payment_and_maps_its_status(mp_settings, mp_status, status):
    payment = recorded("payment") | {"status": mp_status}
    if mp_status != "approved":
        payment["date_approved"] = None
    client = FakeHttpClient(ok(payment))
    provider = MercadoPagoProvider(http_client=client)
    headers, query, body = signed_notification()
    notification = provider.notification_verify(headers=headers, query=query, body=body)

    resolved = provider.notification_resolve(notification=notification)

    paid_at = datetime.datetime(2026, 3, 2, 14, 21, 42, tzinfo=datetime.UTC) if mp_status == "approved" else None
    assert resolved == ProviderPayment(
        provider_payment_id="1317342681",
        status=status,
        amount=Decimal("150000.5"),
        currency="ARS",
        our_reference="share:7:2:0",
        paid_at=paid_at,
    )
    assert [(call["method"], call["url"]) for call in client.calls] == [("GET", f"{API}/v1/payments/1317342681")]


def test_resolving_an_ignored_notification_calls_nothing(mp_settings):
    client = FakeHttpClient()
    notification = Notification(event_id="1", kind=NotificationKind.IGNORED, provider_reference="9", payload={})

    assert MercadoPagoProvider(http_client=client).notification_resolve(notification=notification) is None
    assert client.calls == []


# --- Checkout ---------------------------------------------------------------------------------


def test_a_checkout_is_a_preference_keyed_by_our_idempotency_key(mp_settings):
    client = FakeHttpClient(ok(recorded("preference"), 201), ok(recorded("preference"), 201))
    provider = MercadoPagoProvider(http_client=client)
    expires_at = datetime.datetime(2026, 3, 2, 11, 15, 4, tzinfo=datetime.UTC)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the SDK's notification_url deprecation must not escape
        first = provider.checkout_create(checkout_request(expires_at=expires_at))
        second = provider.checkout_create(checkout_request(expires_at=expires_at))

    assert first == second
    assert first.provider_reference == "202809963-920c288b-4ebb-40be-966f-700250fa5370"
    assert first.redirect_url == recorded("preference")["sandbox_init_point"]
    call = client.calls[0]
    assert (call["method"], call["url"], call["timeout"]) == ("POST", f"{API}/checkout/preferences", 7.5)
    assert call["headers"]["x-idempotency-key"] == "pref-share:7:2:0"
    assert client.calls[1]["headers"]["x-idempotency-key"] == "pref-share:7:2:0"
    assert call["headers"]["Authorization"] == "Bearer TEST-123"
    assert call["json"] == {
        "items": [{"title": "B-2026-00007-2", "quantity": 1, "currency_id": "ARS", "unit_price": 150000.5}],
        "external_reference": "share:7:2:0",
        "payer": {"email": "ana@viajeros.example", "name": "Ana Ruiz"},
        "back_urls": {
            "success": "https://tours.example/pay/share/7/done/",
            "failure": "https://tours.example/pay/share/7/cancelled/",
            "pending": "https://tours.example/pay/share/7/done/",
        },
        "auto_return": "approved",
        "notification_url": "https://tours.example/payments/notify/mercadopago/",
        "statement_descriptor": "SPIRIT TOURS",
        "expires": True,
        "expiration_date_to": "2026-03-02T11:15:04.000+00:00",
    }
    assert isinstance(call["json"]["items"][0]["unit_price"], float)


def test_a_live_token_redirects_to_the_live_checkout_and_a_long_key_is_hashed(mp_settings):
    mp_settings.MERCADOPAGO_ACCESS_TOKEN = "APP_USR-6295877106812064-030210-live"
    client = FakeHttpClient(ok(recorded("preference"), 201))

    checkout = MercadoPagoProvider(http_client=client).checkout_create(checkout_request(idempotency_key="k" * 70))

    assert checkout.redirect_url == recorded("preference")["init_point"]
    key = client.calls[0]["headers"]["x-idempotency-key"]
    assert (len(key), key == "pref-" + "k" * 70) == (64, False)
    assert "expires" not in client.calls[0]["json"]


def test_a_price_in_chilean_pesos_is_sent_in_whole_pesos(mp_settings):
    client = FakeHttpClient(ok(recorded("preference"), 201))

    MercadoPagoProvider(http_client=client).checkout_create(
        checkout_request(amount=Decimal("45000.00"), currency="CLP")
    )

    assert client.calls[0]["json"]["items"][0]["unit_price"] == 45000


# --- Fetching a payment -----------------------------------------------------------------------


def test_fetching_by_our_reference_prefers_the_approved_payment(mp_settings):
    rejected = recorded("payment") | {"id": 1317342699, "status": "rejected", "date_approved": None}
    approved = recorded("payment")
    client = FakeHttpClient(ok({"paging": {"total": 2, "limit": 30, "offset": 0}, "results": [rejected, approved]}))

    payment = MercadoPagoProvider(http_client=client).payment_fetch(
        checkout_reference="202809963-920c288b-4ebb-40be-966f-700250fa5370", our_reference="share:7:2:0"
    )

    assert (payment.provider_payment_id, payment.status) == ("1317342681", ProviderPaymentStatus.CONFIRMED)
    assert client.calls[0]["url"] == f"{API}/v1/payments/search"
    assert client.calls[0]["params"] == {
        "external_reference": "share:7:2:0",
        "sort": "date_created",
        "criteria": "desc",
    }


def test_fetching_by_our_reference_takes_the_newest_without_an_approved_one_and_none_without_any(mp_settings):
    newest = recorded("payment") | {"id": 2, "status": "in_process", "date_approved": None}
    older = recorded("payment") | {"id": 1, "status": "rejected", "date_approved": None}
    client = FakeHttpClient(
        ok({"paging": {"total": 2}, "results": [newest, older]}), ok({"paging": {"total": 0}, "results": []})
    )
    provider = MercadoPagoProvider(http_client=client)

    found = provider.payment_fetch(checkout_reference="p", our_reference="share:7:2:0")
    nothing = provider.payment_fetch(checkout_reference="p", our_reference="share:7:2:1")

    assert (found.provider_payment_id, found.status) == ("2", ProviderPaymentStatus.PENDING)
    assert nothing is None


def test_fetching_by_the_payment_id_gets_that_payment(mp_settings):
    client = FakeHttpClient(ok(recorded("payment")))

    payment = MercadoPagoProvider(http_client=client).payment_fetch(
        checkout_reference="p", our_reference="share:7:2:0", provider_payment_id="1317342681"
    )

    assert payment.provider_payment_id == "1317342681"
    assert client.calls[0]["url"] == f"{API}/v1/payments/1317342681"


# --- Refunds ----------------------------------------------------------------------------------


def test_a_full_refund_sends_no_body_and_our_refund_key(mp_settings):
    client = FakeHttpClient(ok(recorded("refund"), 201))

    refund = MercadoPagoProvider(http_client=client).refund_create(refund_request())

    assert (refund.provider_reference, refund.status, refund.amount, refund.payment_reference) == (
        "1009042015",
        ProviderRefundStatus.DONE,
        Decimal("150000.5"),
        "1317342681",
    )
    call = client.calls[0]
    assert (call["method"], call["url"], call["json"]) == ("POST", f"{API}/v1/payments/1317342681/refunds", None)
    assert call["headers"]["x-idempotency-key"] == "refund:3"


def test_a_partial_refund_sends_the_amount_and_may_be_in_transit(mp_settings):
    client = FakeHttpClient(ok(recorded("refund") | {"amount": 10000.25, "status": "in_process"}, 201))

    refund = MercadoPagoProvider(http_client=client).refund_create(
        refund_request(amount=Decimal("10000.25"), partial=True)
    )

    assert (refund.status, refund.amount) == (ProviderRefundStatus.TRANSIT, Decimal("10000.25"))
    assert client.calls[0]["json"] == {"amount": 10000.25}
    assert client.calls[0]["headers"]["x-idempotency-key"] == "refund:3"


def test_a_rejected_refund_is_a_permanent_error(mp_settings):
    client = FakeHttpClient(ok(recorded("refund") | {"status": "rejected"}, 201))

    with pytest.raises(PermanentProviderError, match="rejected"):
        MercadoPagoProvider(http_client=client).refund_create(refund_request())


@pytest.mark.parametrize(
    ("mp_status", "status"),
    [
        ("approved", ProviderRefundStatus.DONE),
        ("in_process", ProviderRefundStatus.TRANSIT),
        ("rejected", ProviderRefundStatus.FAILED),
    ],
)
def test_fetching_a_refund_maps_its_status(mp_settings, mp_status, status):
    client = FakeHttpClient(ok(recorded("refund") | {"status": mp_status}))

    refund = MercadoPagoProvider(http_client=client).refund_fetch(
        provider_reference="1009042015", payment_reference="1317342681"
    )

    assert (refund.provider_reference, refund.status) == ("1009042015", status)
    assert client.calls[0]["url"] == f"{API}/v1/payments/1317342681/refunds/1009042015"


def test_a_refund_is_allowed_for_180_days_after_the_payment(mp_settings):
    paid_at = datetime.datetime(2026, 3, 2, 14, 21, 42, tzinfo=datetime.UTC)
    payment = ProviderPayment(
        provider_payment_id="1317342681",
        status=ProviderPaymentStatus.CONFIRMED,
        amount=Decimal("150000.5"),
        currency="ARS",
        paid_at=paid_at,
    )
    provider = MercadoPagoProvider(http_client=FakeHttpClient())

    within = provider.refund_limits(payment=payment, country="AR", now=paid_at + datetime.timedelta(days=10))
    after = provider.refund_limits(payment=payment, country="AR", now=paid_at + datetime.timedelta(days=181))
    chilean = provider.refund_limits(payment=dataclasses.replace(payment, currency="CLP"), country="CL", now=paid_at)

    assert (within.refundable, within.latest, within.whole_units_only) == (
        True,
        paid_at + datetime.timedelta(days=180),
        False,
    )
    assert (after.refundable, after.reason) == (
        False,
        "MercadoPago refunds a payment only within 180 days of its approval.",
    )
    assert chilean.whole_units_only is True


# --- Errors and transport ---------------------------------------------------------------------


def test_an_unavailable_mercadopago_is_a_transient_error(mp_settings):
    client = FakeHttpClient({"status": 503, "response": {"message": "Service Unavailable", "status": 503}})

    with pytest.raises(TransientProviderError, match="503"):
        MercadoPagoProvider(http_client=client).refund_create(refund_request())


def test_a_timeout_is_a_transient_error(mp_settings):
    client = FakeHttpClient(requests.Timeout("read timed out"))

    with pytest.raises(TransientProviderError, match="Timeout"):
        MercadoPagoProvider(http_client=client).checkout_create(checkout_request())


def test_a_refused_call_is_a_permanent_error_with_mercadopagos_message(mp_settings):
    client = FakeHttpClient(
        {"status": 400, "response": {"message": "Payment not found", "error": "bad_request", "status": 400}}
    )

    with pytest.raises(PermanentProviderError, match="Payment not found"):
        MercadoPagoProvider(http_client=client).refund_create(refund_request())


def test_the_session_client_forces_our_timeout_and_returns_the_parsed_answer(settings):
    settings.PAYMENT_PROVIDER_TIMEOUT = 4.0

    class Session(requests.Session):
        def request(self, method, url, **kwargs):
            self.seen = (method, url, kwargs)
            answer = requests.Response()
            answer.status_code, answer._content = 200, b'{"id": 1}'
            return answer

    session = Session()
    client = SessionHttpClient(session=session)

    result = client.post(url=f"{API}/x", headers={}, data="{}", timeout=60.0, maxretries=3)

    assert result == {"status": 200, "response": {"id": 1}}
    assert session.seen[2]["timeout"] == 4.0
    assert session.get_adapter(f"{API}/x").max_retries.total == 0


# --- Who it serves ----------------------------------------------------------------------------


def test_an_account_takes_its_own_countrys_currency_only():
    provider = MercadoPagoProvider(http_client=FakeHttpClient())

    assert provider.takes(country="AR", currency="ARS") is True
    assert provider.takes(country="AR", currency="EUR") is False
    assert provider.takes(country="ES", currency="EUR") is False
    assert provider.takes(country="BR", currency="ARS") is False


def test_it_is_configured_with_both_keys_only(settings):
    settings.MERCADOPAGO_ACCESS_TOKEN, settings.MERCADOPAGO_WEBHOOK_SECRET = "TEST-123", ""
    without_secret = MercadoPagoProvider.configured()
    settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET

    assert (without_secret, MercadoPagoProvider.configured()) == (False, True)
