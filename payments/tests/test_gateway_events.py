"""Gateway notifications end to end: recorded first, processed after commit, applied to the ledger once.

MercadoPago is reached through a fake `HttpClient` that answers as MercadoPago's API would (the
preference, the payment by id or by our reference, the refund); PayU's confirmations need no
network, and its APIs answer from a fake session. Each test states the whole ledger afterwards:
the payment's status, what the booking has paid, the rows written and the emails queued.
"""

import datetime
import importlib
import json
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation
from mercadopago.http import HttpClient as MercadoPagoHttpClient

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.factories import booking_approved
from bookings.models import Booking, BookingLog, BookingStatus
from notifications.models import EmailMessage
from payments.errors import PaymentError
from payments.models import EventOutcome, Payment, PaymentRoute, PaymentStatus, ProviderEvent, Refund, RefundStatus
from payments.providers import PROVIDERS
from payments.providers import mercadopago as mercadopago_module
from payments.providers.manual import ManualProvider
from payments.providers.mercadopago import MercadoPagoProvider, notification_signature
from payments.providers.payu import PayUProvider, confirmation_signature
from payments.providers.stripe import StripeProvider
from payments.routing import provider_for
from payments.services import RefundMethod, events, payment_checkout_start, refund_issue
from payments.services.events import (
    payment_reconcile,
    payments_reconcile_due,
    provider_event_process,
    provider_events_due,
    refund_poll,
    refund_send,
    refunds_due,
)
from payments.tasks import provider_events_retry
from payments.travellers import payment_return_token
from quotations.factories import ClientFactory

FIXTURES = Path(__file__).parent / "fixtures"
MP_SECRET = "mp-secret"
MP_PAYMENT_ID = "1317342681"
PAYU_API_KEY = "4Vj8eK4rloUd272L48hsrarnUA"
PAYU_MERCHANT_ID = "508029"
PAYU_ORDER_ID = "844001"
PAYU_TRANSACTION_ID = "7edbaf68-8f3a-4ae7-b9c7-d1e27e314999"
SITE = "https://tours.example"


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / f"mercadopago_{name}.json").read_text())


# --- The gateways, faked at their transport ----------------------------------------------------


class FakeMercadoPago(MercadoPagoHttpClient):
    """MercadoPago's API as the SDK reaches it: a preference for each checkout, the payments in
    `payments` (by id, or searched by our reference), refunds answered with `refund_status`.

    Every call is recorded. With `rendezvous` set, each payment lookup waits there until as many
    lookups have arrived: two workers have both asked before either goes on.
    """

    def __init__(self):
        self.calls: list[dict] = []
        self.payments: dict[str, dict] = {}
        self.refund_status = "approved"
        self.rendezvous: threading.Barrier | None = None
        self._lock = threading.Lock()

    def request(self, method, url, maxretries=None, retry_on=None, backoff_factor=None, **kwargs):
        path = urlsplit(url).path
        data = kwargs.get("data")
        call = {
            "method": method,
            "path": path,
            "headers": dict(kwargs.get("headers") or {}),
            "params": dict(kwargs.get("params") or {}),
            "json": json.loads(data) if data else None,
        }
        if self.rendezvous is not None and method == "GET" and re.fullmatch(r"/v1/payments/\d+", path):
            self.rendezvous.wait()
        with self._lock:
            self.calls.append(call)
            return json.loads(json.dumps(self._answer(call)))

    def calls_to(self, method: str, path: str) -> list[dict]:
        return [call for call in self.calls if (call["method"], call["path"]) == (method, path)]

    def _answer(self, call: dict) -> dict:
        method, path, body = call["method"], call["path"], call["json"]
        if (method, path) == ("POST", "/checkout/preferences"):
            preference_id = f"202809963-pref-{len(self.calls_to(method, path))}"
            return _ok(
                recorded("preference")
                | {
                    "id": preference_id,
                    "external_reference": body["external_reference"],
                    "init_point": f"https://www.mercadopago.com.ar/checkout/v1/redirect?pref_id={preference_id}",
                    "sandbox_init_point": f"https://sandbox.mercadopago.com.ar/checkout/v1/redirect?pref_id={preference_id}",
                },
                201,
            )
        if (method, path) == ("GET", "/v1/payments/search"):
            reference = call["params"].get("external_reference")
            results = [found for found in self.payments.values() if found["external_reference"] == reference]
            return _ok({"paging": {"total": len(results), "limit": 30, "offset": 0}, "results": results})
        match = re.fullmatch(r"/v1/payments/(\d+)(/refunds)?", path)
        if match and method == "GET" and not match[2]:
            found = self.payments.get(match[1])
            if found is None:
                return {"status": 404, "response": {"message": "Payment not found", "status": 404}}
            return _ok(found)
        if match and method == "POST" and match[2]:
            amount = body["amount"] if body else self.payments[match[1]]["transaction_amount"]
            refund = recorded("refund") | {
                "payment_id": int(match[1]),
                "amount": amount,
                "amount_refunded_to_payer": amount,
                "status": self.refund_status,
            }
            return _ok(refund, 201)
        raise AssertionError(f"unexpected call to MercadoPago: {method} {path}")


def _ok(body: dict, status: int = 200) -> dict:
    return {"status": status, "response": body}


class FakePayUResponse:
    def __init__(self, body: dict, status_code: int = 200):
        self.text = json.dumps(body)
        self.status_code = status_code

    def json(self, **kwargs):
        return json.loads(self.text, **kwargs)


class FakePayUSession:
    """PayU's APIs: records each post and answers the next canned body."""

    def __init__(self):
        self.answers: list[dict] = []
        self.posts: list[dict] = []

    def post(self, url, *, json, headers, timeout):
        self.posts.append({"url": url, "json": json})
        if not self.answers:
            raise AssertionError(f"unexpected call to PayU: {url}")
        return FakePayUResponse(self.answers.pop(0))


@pytest.fixture
def gateways(settings):
    """MercadoPago and PayU set up (sandbox keys), Stripe not."""
    settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-123"
    settings.MERCADOPAGO_WEBHOOK_SECRET = MP_SECRET
    settings.PAYU_API_KEY = PAYU_API_KEY
    settings.PAYU_API_LOGIN = "pRRXKOl8ikMmt9u"
    settings.PAYU_MERCHANT_ID = PAYU_MERCHANT_ID
    settings.PAYU_ACCOUNT_ID = "512321"
    settings.PAYU_SANDBOX = True
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.SITE_URL = SITE
    return settings


@pytest.fixture
def default_routes(db):
    """The routes the data migration writes (a transactional test's flush removes them: written again)."""
    migration = importlib.import_module("payments.migrations.0003_default_routes")
    migration.routes_create(django_apps, None)


@pytest.fixture
def mp(monkeypatch, gateways, default_routes) -> FakeMercadoPago:
    fake = FakeMercadoPago()
    monkeypatch.setattr(mercadopago_module, "SessionHttpClient", lambda **kwargs: fake)
    return fake


@pytest.fixture
def payu(monkeypatch, gateways, default_routes) -> FakePayUSession:
    fake = FakePayUSession()

    class PayUProviderOnFakeSession(PayUProvider):
        def __init__(self, *, session=None):
            super().__init__(session=session or fake)

    monkeypatch.setitem(PROVIDERS, "payu", PayUProviderOnFakeSession)
    return fake


# --- Bookings, checkouts and notifications ------------------------------------------------------


def booking_in(country: str, currency: str):
    """An approved booking of a client in `country`, priced in `currency` (same amounts)."""
    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact, client=ClientFactory(country=country, contacts=[contact]))
    Booking.objects.filter(pk=booking.pk).update(currency=currency)
    booking.refresh_from_db()
    return booking, contact


def checkout_started(country: str, currency: str) -> tuple[Payment, object]:
    """The client's contact opened the checkout of the deposit; nothing is paid yet."""
    booking, contact = booking_in(country, currency)
    deposit = booking.installments.get(position=1)
    started = payment_checkout_start(booking=booking, installment=deposit, by=contact, back_url="/client/")
    return started.payment, contact


def mp_payment(payment: Payment, *, status: str = "approved", amount: Decimal | None = None) -> dict:
    """MercadoPago's answer for the money paid into `payment`'s checkout."""
    return recorded("payment") | {
        "id": int(MP_PAYMENT_ID),
        "status": status,
        "external_reference": payment.idempotency_key,
        "transaction_amount": float(payment.amount if amount is None else amount),
        "currency_id": payment.currency,
    }


@dataclass(frozen=True)
class Delivery:
    """One notification as a gateway posts it."""

    url: str
    body: bytes
    content_type: str
    headers: dict

    def post(self, client: HttpClient):
        return client.post(self.url, data=self.body, content_type=self.content_type, **self.headers)


def mp_notification(
    *,
    notification_id: int = 12345,
    data_id: str = MP_PAYMENT_ID,
    secret: str = MP_SECRET,
    signed_ago: datetime.timedelta = datetime.timedelta(0),
    delivered_data_id: str | None = None,
    drop_header: str = "",
) -> Delivery:
    """A MercadoPago payment notification, signed as MercadoPago signs it (the id, the request id, the time)."""
    ts = str(int((timezone.now() - signed_ago).timestamp()))
    request_id = f"bb56a2f1-6aae-46ac-982e-{notification_id:012d}"
    v1 = notification_signature(secret=secret, data_id=data_id, request_id=request_id, ts=ts)
    body = {
        "id": notification_id,
        "live_mode": False,
        "type": "payment",
        "date_created": "2026-03-02T10:21:43.000-04:00",
        "user_id": 44444,
        "api_version": "v1",
        "action": "payment.updated",
        "data": {"id": data_id},
    }
    headers = {"HTTP_X_SIGNATURE": f"ts={ts},v1={v1}", "HTTP_X_REQUEST_ID": request_id}
    headers.pop(drop_header, None)
    query = urlencode({"data.id": data_id if delivered_data_id is None else delivered_data_id, "type": "payment"})
    return Delivery(
        url=f"{reverse('payments_webhooks:mercadopago')}?{query}",
        body=json.dumps(body).encode(),
        content_type="application/json",
        headers=headers,
    )


def payu_confirmation(
    payment: Payment,
    *,
    state: str = "4",
    value: str | None = None,
    transaction_id: str = PAYU_TRANSACTION_ID,
    api_key: str = PAYU_API_KEY,
    after_signing: dict[str, str | None] | None = None,
) -> Delivery:
    """PayU's post to the confirmation page, signed with the API key; `after_signing` changes (or drops,
    with None) fields once signed."""
    value = format(payment.amount, "f") if value is None else value
    fields = {
        "merchant_id": PAYU_MERCHANT_ID,
        "state_pol": state,
        "value": value,
        "currency": payment.currency,
        "reference_sale": payment.idempotency_key,
        "reference_pol": PAYU_ORDER_ID,
        "transaction_id": transaction_id,
        "response_code_pol": "1",
        "transaction_date": "2026-03-02 10:15:00",
        "description": payment.booking.reference,
    }
    fields["sign"] = confirmation_signature(
        api_key=api_key,
        merchant_id=PAYU_MERCHANT_ID,
        reference=payment.idempotency_key,
        value=value,
        currency=payment.currency,
        state=state,
    )
    fields.update(after_signing or {})
    return Delivery(
        url=reverse("payments_webhooks:payu"),
        body=urlencode({name: text for name, text in fields.items() if text is not None}).encode(),
        content_type="application/x-www-form-urlencoded",
        headers={},
    )


def delivered(client, capture, delivery: Delivery):
    """Post a notification and let what it queues after commit run (the processing task)."""
    with capture(execute=True):
        return delivery.post(client)


def last_email_pk() -> int:
    return EmailMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def emails_since(mark: int) -> list[tuple[str, str]]:
    """(template, recipient) of the emails queued since `mark`, sorted."""
    return sorted(EmailMessage.objects.filter(pk__gt=mark).values_list("template", "to_email"))


def actions(booking, *names: str) -> list[str]:
    return list(
        BookingLog.objects.filter(booking=booking, action__in=names).order_by("pk").values_list("action", flat=True)
    )


def flag_for(*, reported: str, payment: Payment) -> str:
    """The flag a worker writes: what the gateway reported, in figures (the staff's page words it)."""
    return reported


def receipt(n: int) -> str:
    return f"R-{timezone.localdate().year}-{n:05d}"


# --- 1. A MercadoPago payment, from the checkout to the receipt -------------------------------------


@pytest.mark.django_db
def test_a_signed_mercadopago_notification_confirms_the_payment_once_after_commit(
    mp, client, django_capture_on_commit_callbacks
):
    # given a client in Argentina who opened the deposit's checkout on our page
    booking, contact = booking_in("AR", "ARS")
    deposit = booking.installments.get(position=1)
    leader = HttpClient()
    leader.force_login(contact)
    opened = leader.post(reverse("client_payments:checkout", kwargs={"pk": booking.pk, "installment_id": deposit.pk}))
    payment = Payment.objects.get()
    assert opened.status_code == 302
    assert opened["Location"] == "https://sandbox.mercadopago.com.ar/checkout/v1/redirect?pref_id=202809963-pref-1"
    (preference,) = mp.calls_to("POST", "/checkout/preferences")
    assert preference["json"]["external_reference"] == payment.idempotency_key
    assert preference["json"]["notification_url"] == f"{SITE}/payments/webhooks/mercadopago/"
    assert preference["json"]["items"][0]["unit_price"] == float(deposit.amount)
    assert preference["headers"]["x-idempotency-key"] == f"pref-{payment.idempotency_key}"
    assert (payment.status, payment.provider, payment.amount, payment.currency) == (
        PaymentStatus.CREATED,
        "mercadopago",
        deposit.amount,
        "ARS",
    )
    mark = last_email_pk()
    # and MercadoPago approved the money paid into it
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment)

    # when MercadoPago notifies us, with a valid signature
    response = delivered(client, django_capture_on_commit_callbacks, mp_notification())

    # then it is answered 200 and recorded once, valid, and processed after commit
    assert (response.status_code, response.json()) == (200, {"received": True})
    event = ProviderEvent.objects.get()
    assert (event.provider, event.external_id, event.kind, event.signature_valid) == (
        "mercadopago",
        "12345",
        "payment",
        True,
    )
    assert (event.outcome, event.attempts, event.payment_id, event.error) == (EventOutcome.APPLIED, 1, payment.pk, "")
    assert event.processed_at is not None
    assert event.query == {"data.id": MP_PAYMENT_ID, "type": "payment"}
    assert set(event.headers) == {"content-type", "x-signature", "x-request-id"}
    # and the payment is confirmed once, with its receipt and MercadoPago's id of the money
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number, payment.provider_payment_id, payment.flag) == (
        PaymentStatus.CONFIRMED,
        receipt(1),
        MP_PAYMENT_ID,
        "",
    )
    assert len(mp.calls_to("GET", f"/v1/payments/{MP_PAYMENT_ID}")) == 1
    booking.refresh_from_db()
    assert (booking.paid_amount, booking.status) == (deposit.amount, BookingStatus.CONFIRMED)
    assert actions(booking, "payment.checkout_started", "payment.confirmed") == [
        "payment.checkout_started",
        "payment.confirmed",
    ]
    # and the client has one receipt (with the booking's confirmation)
    assert emails_since(mark) == [("booking_confirmed", contact.email), ("payment_received", contact.email)]
    assert EmailMessage.objects.get(template="payment_received").attachments == [{"kind": "receipt", "id": payment.pk}]
    # and the page the payer returns to says so
    back = leader.get(reverse("pay:return", kwargs={"token": payment_return_token(payment=payment)}))
    assert (back.status_code, back.context["state"]) == (200, "confirmed")


# --- 2. Notifications that do not verify ---------------------------------------------------------


def assert_nothing_moved(payment: Payment, *, mark: int, logs: int) -> None:
    """The payment is as the checkout left it, the booking has paid nothing, no email, no audit entry."""
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number, payment.provider_payment_id, payment.flag) == (
        PaymentStatus.CREATED,
        None,
        "",
        "",
    )
    payment.booking.refresh_from_db()
    assert (payment.booking.paid_amount, payment.booking.status) == (Decimal(0), BookingStatus.OPTION)
    assert emails_since(mark) == []
    assert BookingLog.objects.count() == logs


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"delivered_data_id": "1317342699"}, "The notification's signature does not match."),
        ({"secret": "not-our-secret"}, "The notification's signature does not match."),
        (
            {"signed_ago": datetime.timedelta(minutes=10)},
            "The notification's signature is too old (or from the future).",
        ),
        ({"drop_header": "HTTP_X_SIGNATURE"}, "The notification lacks its x-signature, x-request-id or data.id."),
        ({"drop_header": "HTTP_X_REQUEST_ID"}, "The notification lacks its x-signature, x-request-id or data.id."),
        ({"delivered_data_id": ""}, "The notification lacks its x-signature, x-request-id or data.id."),
    ],
    ids=["tampered-id", "wrong-secret", "stale", "no-signature", "no-request-id", "no-data-id"],
)
def test_a_mercadopago_notification_that_does_not_verify_is_refused_recorded_and_changes_nothing(
    mp, client, django_capture_on_commit_callbacks, changes, error
):
    # given an open MercadoPago checkout whose payment MercadoPago would report approved
    payment, _contact = checkout_started("AR", "ARS")
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment)
    mark, logs = last_email_pk(), BookingLog.objects.count()

    # when a notification arrives that does not verify
    response = delivered(client, django_capture_on_commit_callbacks, mp_notification(**changes))

    # then it is refused, recorded once as invalid, and never processed
    assert (response.status_code, response.content) == (400, b"invalid notification")
    event = ProviderEvent.objects.get()
    assert (event.provider, event.signature_valid, event.outcome, event.error) == (
        "mercadopago",
        False,
        EventOutcome.INVALID,
        error,
    )
    assert (event.attempts, event.payment_id, event.data) == (0, None, {})
    assert event.external_id.startswith("invalid-") and event.processed_at is not None
    assert provider_events_due(now=timezone.now() + datetime.timedelta(hours=1)) == []
    # and MercadoPago was not asked about it: nothing else changed
    assert [call["path"] for call in mp.calls] == ["/checkout/preferences"]
    assert_nothing_moved(payment, mark=mark, logs=logs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"after_signing": {"value": "1.00"}}, "PayU's confirmation signature does not match."),
        ({"after_signing": {"reference_sale": "payu-1-0-9"}}, None),
        ({"api_key": "not-our-api-key"}, "PayU's confirmation signature does not match."),
        ({"after_signing": {"sign": None}}, "PayU's confirmation lacks sign."),
        ({"after_signing": {"reference_pol": None}}, "PayU's confirmation lacks reference_pol."),
        ({"after_signing": {"merchant_id": "999999"}}, "PayU's confirmation is for another merchant."),
    ],
    ids=["tampered-value", "tampered-reference", "wrong-api-key", "no-sign", "no-order-id", "other-merchant"],
)
def test_a_payu_confirmation_that_does_not_verify_is_refused_recorded_and_changes_nothing(
    payu, client, django_capture_on_commit_callbacks, changes, error
):
    # given an open PayU checkout in Colombia
    payment, _contact = checkout_started("CO", "COP")
    mark, logs = last_email_pk(), BookingLog.objects.count()

    # when a confirmation arrives that does not verify
    response = delivered(client, django_capture_on_commit_callbacks, payu_confirmation(payment, **changes))

    # then it is refused, recorded once as invalid, and never processed
    assert (response.status_code, response.content) == (400, b"invalid notification")
    event = ProviderEvent.objects.get()
    assert (event.provider, event.signature_valid, event.outcome, event.error) == (
        "payu",
        False,
        EventOutcome.INVALID,
        error or "PayU's confirmation signature does not match.",
    )
    assert (event.attempts, event.payment_id, event.data) == (0, None, {})
    assert event.external_id.startswith("invalid-") and event.processed_at is not None
    # and nothing else changed, nor was PayU called
    assert payu.posts == []
    assert_nothing_moved(payment, mark=mark, logs=logs)


# --- 3. Duplicates, late and failed reports --------------------------------------------------------


@pytest.mark.django_db
def test_the_same_mercadopago_notification_delivered_twice_is_recorded_and_applied_once(
    mp, client, django_capture_on_commit_callbacks
):
    # given a MercadoPago checkout paid and approved
    payment, contact = checkout_started("AR", "ARS")
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment)
    mark = last_email_pk()

    # when MercadoPago delivers its notification twice
    first = delivered(client, django_capture_on_commit_callbacks, mp_notification())
    again = delivered(client, django_capture_on_commit_callbacks, mp_notification())

    # then both are answered 200, one event is recorded and processed, and MercadoPago was asked once
    assert (first.status_code, again.status_code) == (200, 200)
    assert list(ProviderEvent.objects.values_list("external_id", "outcome", "attempts")) == [
        ("12345", EventOutcome.APPLIED, 1)
    ]
    assert len(mp.calls_to("GET", f"/v1/payments/{MP_PAYMENT_ID}")) == 1
    # and the payment is confirmed once, with one receipt
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (PaymentStatus.CONFIRMED, receipt(1))
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == payment.amount
    assert actions(payment.booking, "payment.confirmed") == ["payment.confirmed"]
    assert emails_since(mark) == [("booking_confirmed", contact.email), ("payment_received", contact.email)]


@pytest.mark.django_db
def test_the_same_payu_confirmation_delivered_twice_is_recorded_and_applied_once(
    payu, client, django_capture_on_commit_callbacks
):
    payment, contact = checkout_started("CO", "COP")
    mark = last_email_pk()

    first = delivered(client, django_capture_on_commit_callbacks, payu_confirmation(payment))
    again = delivered(client, django_capture_on_commit_callbacks, payu_confirmation(payment))

    assert (first.status_code, again.status_code) == (200, 200)
    assert list(ProviderEvent.objects.values_list("external_id", "outcome", "attempts")) == [
        (f"{PAYU_TRANSACTION_ID}:4", EventOutcome.APPLIED, 1)
    ]
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number, payment.provider_payment_id) == (
        PaymentStatus.CONFIRMED,
        receipt(1),
        f"{PAYU_ORDER_ID}:{PAYU_TRANSACTION_ID}",
    )
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == payment.amount
    assert actions(payment.booking, "payment.confirmed") == ["payment.confirmed"]
    assert emails_since(mark) == [("booking_confirmed", contact.email), ("payment_received", contact.email)]
    assert payu.posts == []


@pytest.mark.django_db
def test_a_late_pending_mercadopago_report_after_the_approval_changes_nothing(
    mp, client, django_capture_on_commit_callbacks
):
    # given a MercadoPago payment confirmed by its approval's notification
    payment, _contact = checkout_started("AR", "ARS")
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment)
    delivered(client, django_capture_on_commit_callbacks, mp_notification(notification_id=12345))
    mark, logs = last_email_pk(), BookingLog.objects.count()

    # when an older notification arrives late, and MercadoPago's answer to it still says pending
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment, status="pending")
    response = delivered(client, django_capture_on_commit_callbacks, mp_notification(notification_id=12346))

    # then it is recorded and changes nothing
    assert response.status_code == 200
    assert dict(ProviderEvent.objects.values_list("external_id", "outcome")) == {
        "12345": EventOutcome.APPLIED,
        "12346": EventOutcome.UNCHANGED,
    }
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (PaymentStatus.CONFIRMED, receipt(1))
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == payment.amount
    assert (emails_since(mark), BookingLog.objects.count()) == ([], logs)


@pytest.mark.django_db
def test_a_late_pending_payu_confirmation_after_the_approval_changes_nothing(
    payu, client, django_capture_on_commit_callbacks
):
    payment, _contact = checkout_started("CO", "COP")
    delivered(client, django_capture_on_commit_callbacks, payu_confirmation(payment, state="4"))
    mark, logs = last_email_pk(), BookingLog.objects.count()

    response = delivered(client, django_capture_on_commit_callbacks, payu_confirmation(payment, state="7"))

    assert response.status_code == 200
    assert dict(ProviderEvent.objects.values_list("external_id", "outcome")) == {
        f"{PAYU_TRANSACTION_ID}:4": EventOutcome.APPLIED,
        f"{PAYU_TRANSACTION_ID}:7": EventOutcome.UNCHANGED,
    }
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (PaymentStatus.CONFIRMED, receipt(1))
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == payment.amount
    assert (emails_since(mark), BookingLog.objects.count()) == ([], logs)


@pytest.mark.django_db
def test_a_declined_payu_payment_fails_and_money_that_arrives_after_is_recorded(
    payu, client, django_capture_on_commit_callbacks
):
    # given an open PayU checkout
    payment, contact = checkout_started("CO", "COP")
    mark = last_email_pk()

    # when PayU declines the payer's card
    declined = payu_confirmation(payment, state="6", transaction_id="0c4b5b7e-declined")
    delivered(client, django_capture_on_commit_callbacks, declined)

    # then the payment has failed: nothing paid, nobody told
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (PaymentStatus.FAILED, None)
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == Decimal(0)
    assert emails_since(mark) == []

    # when the payer pays with another card and PayU approves it
    delivered(client, django_capture_on_commit_callbacks, payu_confirmation(payment, state="4"))

    # then the money is recorded: the payment is reopened and confirmed, by the approved transaction
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number, payment.provider_payment_id) == (
        PaymentStatus.CONFIRMED,
        receipt(1),
        f"{PAYU_ORDER_ID}:{PAYU_TRANSACTION_ID}",
    )
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == payment.amount
    assert actions(payment.booking, "payment.failed", "payment.reopened", "payment.confirmed") == [
        "payment.failed",
        "payment.reopened",
        "payment.confirmed",
    ]
    assert list(ProviderEvent.objects.order_by("pk").values_list("outcome", flat=True)) == [
        EventOutcome.APPLIED,
        EventOutcome.APPLIED,
    ]
    assert emails_since(mark) == [("booking_confirmed", contact.email), ("payment_received", contact.email)]


# --- 4. A report of another amount -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_payu_approval_of_another_amount_is_flagged_and_never_confirmed(
    payu, client, django_capture_on_commit_callbacks
):
    # given an open PayU checkout for the deposit
    payment, _contact = checkout_started("CO", "COP")
    mark = last_email_pk()

    # when PayU confirms, correctly signed, an approval of 100.00 COP
    response = delivered(client, django_capture_on_commit_callbacks, payu_confirmation(payment, value="100.00"))

    # then staff are to look: the payment is flagged, not confirmed, and the client is not told
    assert response.status_code == 200
    assert list(ProviderEvent.objects.values_list("outcome", "payment_id")) == [(EventOutcome.FLAGGED, payment.pk)]
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (PaymentStatus.CREATED, None)
    assert payment.flag == flag_for(reported="100.00 COP", payment=payment)
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == Decimal(0)
    assert actions(payment.booking, "payment.flagged", "payment.confirmed") == ["payment.flagged"]
    assert emails_since(mark) == []


@pytest.mark.django_db
def test_a_mercadopago_approval_of_another_amount_is_flagged_and_never_confirmed(
    mp, client, django_capture_on_commit_callbacks
):
    payment, _contact = checkout_started("AR", "ARS")
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment, amount=Decimal("100.5"))
    mark = last_email_pk()

    response = delivered(client, django_capture_on_commit_callbacks, mp_notification())

    assert response.status_code == 200
    assert list(ProviderEvent.objects.values_list("outcome", "payment_id")) == [(EventOutcome.FLAGGED, payment.pk)]
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (PaymentStatus.CREATED, None)
    assert payment.flag == flag_for(reported="100.5 ARS", payment=payment)
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == Decimal(0)
    assert actions(payment.booking, "payment.flagged", "payment.confirmed") == ["payment.flagged"]
    assert emails_since(mark) == []


# --- 5. Two workers at once (PostgreSQL) -----------------------------------------------------------


def at_once(*calls):
    """Run each call on its own thread (its own database connection), all released together; their results."""
    start = threading.Barrier(len(calls), timeout=30)
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except BaseException as error:  # handed to the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_processing_the_same_event_at_once_confirm_the_payment_once(mp, client, monkeypatch):
    # given a recorded notification whose task was handed out twice (the task and the retry job)
    queued: list[int] = []
    monkeypatch.setattr(events, "_process_later", queued.append)
    payment, contact = checkout_started("AR", "ARS")
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment)
    assert mp_notification().post(client).status_code == 200
    event = ProviderEvent.objects.get()
    assert queued == [event.pk]
    mark = last_email_pk()
    # and both workers will have read MercadoPago's answer before either applies it
    mp.rendezvous = threading.Barrier(2, timeout=30)

    # when both process it at the same moment
    outcomes = at_once(
        lambda: provider_event_process(event_id=event.pk), lambda: provider_event_process(event_id=event.pk)
    )

    # then both saw it applied, and it was applied once
    assert outcomes == [EventOutcome.APPLIED, EventOutcome.APPLIED]
    assert len(mp.calls_to("GET", f"/v1/payments/{MP_PAYMENT_ID}")) == 2
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (PaymentStatus.CONFIRMED, receipt(1))
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == payment.amount
    assert actions(payment.booking, "payment.confirmed") == ["payment.confirmed"]
    assert emails_since(mark) == [("booking_confirmed", contact.email), ("payment_received", contact.email)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvals_of_the_same_payment_processed_at_once_confirm_it_once(mp, client, monkeypatch):
    # given two different notifications about the same approved payment, both recorded
    monkeypatch.setattr(events, "_process_later", lambda event_id: None)
    payment, contact = checkout_started("AR", "ARS")
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment)
    assert mp_notification(notification_id=12345).post(client).status_code == 200
    assert mp_notification(notification_id=12346).post(client).status_code == 200
    first, second = ProviderEvent.objects.order_by("pk")
    mark = last_email_pk()
    mp.rendezvous = threading.Barrier(2, timeout=30)

    # when two workers process one each, at the same moment
    outcomes = at_once(
        lambda: provider_event_process(event_id=first.pk), lambda: provider_event_process(event_id=second.pk)
    )

    # then one applied the approval and the other found nothing left to change
    assert sorted(outcomes) == [EventOutcome.APPLIED, EventOutcome.UNCHANGED]
    assert sorted(ProviderEvent.objects.values_list("outcome", flat=True)) == [
        EventOutcome.APPLIED,
        EventOutcome.UNCHANGED,
    ]
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (PaymentStatus.CONFIRMED, receipt(1))
    assert Payment.objects.exclude(receipt_number=None).count() == 1
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == payment.amount
    assert actions(payment.booking, "payment.confirmed") == ["payment.confirmed"]
    assert emails_since(mark) == [("booking_confirmed", contact.email), ("payment_received", contact.email)]


# --- 6. A worker killed mid-processing --------------------------------------------------------------


class WorkerKilled(BaseException):
    """The worker's process ends in the middle of a task (a deploy, the OOM killer): no except clause runs."""


@pytest.mark.django_db
def test_an_event_whose_worker_died_mid_processing_is_processed_once_by_the_retry_job(mp, client, monkeypatch):
    # given a recorded MercadoPago notification, its task not run yet
    payment, contact = checkout_started("AR", "ARS")
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment)
    assert mp_notification().post(client).status_code == 200
    event = ProviderEvent.objects.get()
    mark, logs = last_email_pk(), BookingLog.objects.count()
    # and a worker that dies the first time it reads MercadoPago's answer
    resolve = MercadoPagoProvider.notification_resolve
    resolved: list[str] = []

    def dies_the_first_time(self, *, notification):
        resolved.append(notification.event_id)
        if len(resolved) == 1:
            raise WorkerKilled
        return resolve(self, notification=notification)

    monkeypatch.setattr(MercadoPagoProvider, "notification_resolve", dies_the_first_time)

    # when the worker dies processing it
    with pytest.raises(WorkerKilled):
        provider_event_process(event_id=event.pk)

    # then the event is left unprocessed, one attempt counted, and nothing moved
    event.refresh_from_db()
    assert (event.processed_at, event.attempts, event.outcome) == (None, 1, EventOutcome.RECEIVED)
    assert_nothing_moved(payment, mark=mark, logs=logs)
    # and the retry job takes it up once its grace period has passed
    assert provider_events_due(now=timezone.now()) == []
    assert provider_events_due(now=timezone.now() + datetime.timedelta(minutes=3)) == [event.pk]

    # when the retry job runs three minutes later, and runs again
    ProviderEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - datetime.timedelta(minutes=3))
    first_run = provider_events_retry()
    second_run = provider_events_retry()

    # then the first run processed it, the second found nothing due
    assert (first_run, second_run) == (1, 0)
    assert resolved == ["12345", "12345"]
    event.refresh_from_db()
    assert (event.outcome, event.attempts, event.payment_id) == (EventOutcome.APPLIED, 2, payment.pk)
    assert event.processed_at is not None
    assert provider_events_due(now=timezone.now() + datetime.timedelta(minutes=3)) == []
    # and the payment is confirmed once
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (PaymentStatus.CONFIRMED, receipt(1))
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == payment.amount
    assert actions(payment.booking, "payment.confirmed") == ["payment.confirmed"]
    assert emails_since(mark) == [("booking_confirmed", contact.email), ("payment_received", contact.email)]


# --- 7. Reconciliation: asking MercadoPago about payments it never told us about ---------------------


@pytest.mark.django_db
def test_a_payment_still_open_after_30_minutes_is_confirmed_from_mercadopagos_search(mp):
    # given a MercadoPago checkout paid and approved, whose notification never came
    payment, contact = checkout_started("AR", "ARS")
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment)
    mark = last_email_pk()
    assert payments_reconcile_due(now=timezone.now()) == []
    # and 31 minutes have passed since the checkout opened
    now = timezone.now()
    Payment.objects.filter(pk=payment.pk).update(created_at=now - datetime.timedelta(minutes=31))

    # when the reconciliation job looks for open payments and asks MercadoPago
    due = payments_reconcile_due(now=now)
    outcome = payment_reconcile(payment=Payment.objects.get(pk=payment.pk), now=now)

    # then MercadoPago was searched by our reference, and the payment is confirmed
    assert (due, outcome) == ([payment.pk], "applied")
    (search,) = mp.calls_to("GET", "/v1/payments/search")
    assert search["params"]["external_reference"] == payment.idempotency_key
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number, payment.provider_payment_id) == (
        PaymentStatus.CONFIRMED,
        receipt(1),
        MP_PAYMENT_ID,
    )
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == payment.amount
    assert emails_since(mark) == [("booking_confirmed", contact.email), ("payment_received", contact.email)]
    assert payments_reconcile_due(now=now) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("expires_in", "outcome", "status", "still_due"),
    [
        (datetime.timedelta(minutes=29), "unchanged", PaymentStatus.CREATED, True),
        (datetime.timedelta(minutes=-1), "applied", PaymentStatus.CANCELLED, False),
    ],
    ids=["checkout-still-open", "checkout-expired"],
)
def test_a_checkout_nothing_was_paid_into_is_cancelled_once_expired(mp, expires_in, outcome, status, still_due):
    # given a MercadoPago checkout opened 31 minutes ago, into which nothing was paid
    payment, _contact = checkout_started("AR", "ARS")
    mark, logs = last_email_pk(), BookingLog.objects.count()
    now = timezone.now()
    Payment.objects.filter(pk=payment.pk).update(
        created_at=now - datetime.timedelta(minutes=31), checkout_expires_at=now + expires_in
    )

    # when the reconciliation asks MercadoPago, which has no payment under our reference
    result = payment_reconcile(payment=Payment.objects.get(pk=payment.pk), now=now)

    # then an expired checkout is given up; an open one is left for the payer
    assert result == outcome
    assert len(mp.calls_to("GET", "/v1/payments/search")) == 1
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_number) == (status, None)
    assert (payment.pk in payments_reconcile_due(now=now)) is still_due
    payment.booking.refresh_from_db()
    assert payment.booking.paid_amount == Decimal(0)
    assert emails_since(mark) == []
    assert BookingLog.objects.count() == logs + (0 if still_due else 1)
    assert actions(payment.booking, "payment.cancelled") == ([] if still_due else ["payment.cancelled"])


# --- 8. Refunds through the gateways -------------------------------------------------------------------


def paid_by_payu(client, capture, *, country: str, currency: str) -> tuple[Payment, object]:
    """A deposit paid through PayU, confirmed 11 minutes ago (PayU refunds from 10 minutes after approval)."""
    payment, contact = checkout_started(country, currency)
    assert payment.provider == "payu"
    delivered(client, capture, payu_confirmation(payment))
    Payment.objects.filter(pk=payment.pk).update(confirmed_at=timezone.now() - datetime.timedelta(minutes=11))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED
    return payment, contact


def credit_note(n: int) -> str:
    return f"CN-{timezone.localdate().year}-{n:05d}"


@pytest.mark.django_db
def test_a_gateway_refund_of_a_mercadopago_payment_is_sent_once_with_its_key_and_done_when_approved(
    mp, client, django_capture_on_commit_callbacks
):
    # given a deposit paid through MercadoPago, its notification naming MercadoPago's payment
    payment, contact = checkout_started("AR", "ARS")
    mp.payments[MP_PAYMENT_ID] = mp_payment(payment)
    delivered(client, django_capture_on_commit_callbacks, mp_notification())
    payment.refresh_from_db()
    assert (payment.status, payment.provider_payment_id) == (PaymentStatus.CONFIRMED, MP_PAYMENT_ID)
    booking = payment.booking
    mark = last_email_pk()

    # when staff refund 100.00 of it through the gateway
    (refund,) = refund_issue(booking=booking, amount=Decimal("100.00"), by=StaffFactory(), method=RefundMethod.GATEWAY)

    # then the refund is recorded and nothing is given back yet
    assert (refund.status, refund.amount, refund.currency, refund.payment_id, refund.credit_note_number) == (
        RefundStatus.CREATED,
        Decimal("100.00"),
        "ARS",
        payment.pk,
        None,
    )
    booking.refresh_from_db()
    assert booking.paid_amount == payment.amount
    assert emails_since(mark) == []
    assert mp.calls_to("POST", f"/v1/payments/{MP_PAYMENT_ID}/refunds") == []

    # when it is sent to MercadoPago, which approves it, and sent again (a retried task)
    first = refund_send(refund_id=refund.pk)
    again = refund_send(refund_id=refund.pk)

    # then MercadoPago was asked once, with our refund's idempotency key
    assert (first, again) == ("applied", "unchanged")
    (call,) = mp.calls_to("POST", f"/v1/payments/{MP_PAYMENT_ID}/refunds")
    assert call["headers"]["x-idempotency-key"] == refund.idempotency_key
    assert call["json"] == {"amount": 100.0}
    # and the refund is done: numbered, taken off what the booking has paid, the client told once
    refund.refresh_from_db()
    assert (refund.status, refund.credit_note_number, refund.provider_reference) == (
        RefundStatus.DONE,
        credit_note(1),
        "1009042015",
    )
    booking.refresh_from_db()
    assert booking.paid_amount == payment.amount - Decimal("100.00")
    assert emails_since(mark) == [("refund_processed", contact.email)]
    assert actions(booking, "refund.issued", "refund.done") == ["refund.issued", "refund.done"]
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_a_gateway_refund_of_a_payu_payment_is_in_transit_until_payu_approves_it(
    payu, client, django_capture_on_commit_callbacks
):
    # given a deposit paid through PayU in Colombia
    payment, contact = paid_by_payu(client, django_capture_on_commit_callbacks, country="CO", currency="COP")
    booking = payment.booking
    mark = last_email_pk()
    (refund,) = refund_issue(booking=booking, amount=Decimal("100.00"), by=StaffFactory(), method=RefundMethod.GATEWAY)
    # and PayU answers the refund's request "pending review"
    payu.answers.append(
        {
            "code": "SUCCESS",
            "transactionResponse": {
                "orderId": int(PAYU_ORDER_ID),
                "transactionId": None,
                "state": "PENDING",
                "pendingReason": "PENDING_REVIEW",
                "responseCode": None,
            },
        }
    )

    # when the refund is sent
    sent = refund_send(refund_id=refund.pk)

    # then PayU was asked for a partial refund of the payment's transaction, now in transit
    assert sent == "applied"
    (request,) = payu.posts
    assert request["json"]["transaction"] == {
        "order": {"id": int(PAYU_ORDER_ID)},
        "type": "PARTIAL_REFUND",
        "reason": "Refund",
        "parentTransactionId": PAYU_TRANSACTION_ID,
        "additionalValues": {"TX_VALUE": {"value": 100, "currency": "COP"}},
    }
    refund.refresh_from_db()
    assert (refund.status, refund.provider_reference, refund.credit_note_number) == (
        RefundStatus.TRANSIT,
        f"{PAYU_ORDER_ID}:",
        None,
    )
    booking.refresh_from_db()
    assert booking.paid_amount == payment.amount
    assert emails_since(mark) == []
    assert refunds_due(now=timezone.now()) == ([], [refund.pk])

    # when the follow-up job asks PayU, which has approved it
    payu.answers.append(
        {
            "code": "SUCCESS",
            "result": {
                "payload": {
                    "id": int(PAYU_ORDER_ID),
                    "referenceCode": payment.idempotency_key,
                    "status": "CAPTURED",
                    "transactions": [
                        {
                            "id": PAYU_TRANSACTION_ID,
                            "type": "AUTHORIZATION_AND_CAPTURE",
                            "transactionResponse": {"state": "APPROVED"},
                            "additionalValues": {"TX_VALUE": {"value": float(payment.amount), "currency": "COP"}},
                        },
                        {
                            "id": "rf-1",
                            "type": "PARTIAL_REFUND",
                            "transactionResponse": {"state": "APPROVED"},
                            "additionalValues": {"TX_VALUE": {"value": 100, "currency": "COP"}},
                        },
                    ],
                }
            },
        }
    )
    polled = refund_poll(refund=refund)

    # then the refund is done, numbered, off what is paid, and the client told once
    assert polled == "applied"
    assert payu.posts[1]["json"]["details"] == {"orderId": int(PAYU_ORDER_ID)}
    refund.refresh_from_db()
    assert (refund.status, refund.credit_note_number) == (RefundStatus.DONE, credit_note(1))
    booking.refresh_from_db()
    assert booking.paid_amount == payment.amount - Decimal("100.00")
    assert emails_since(mark) == [("refund_processed", contact.email)]
    assert refunds_due(now=timezone.now()) == ([], [])


def assert_refund_refused(booking, *, amount: str, message: str, payu: FakePayUSession) -> None:
    """Staff's gateway refund of `amount` is refused with `message`, and nothing is written or sent."""
    refunds, logs, mark = Refund.objects.count(), BookingLog.objects.count(), last_email_pk()
    paid = Booking.objects.get(pk=booking.pk).paid_amount
    with translation.override("en"), pytest.raises(PaymentError) as refused:
        refund_issue(booking=booking, amount=Decimal(amount), by=StaffFactory(), method=RefundMethod.GATEWAY)
    assert (refused.value.code, refused.value.field, str(refused.value)) == ("gateway_refused", "method", message)
    assert (Refund.objects.count(), BookingLog.objects.count(), emails_since(mark)) == (refunds, logs, [])
    assert Booking.objects.get(pk=booking.pk).paid_amount == paid
    assert payu.posts == []


@pytest.mark.django_db
@pytest.mark.parametrize(("country", "currency"), [("AR", "ARS"), ("CL", "CLP"), ("MX", "MXN")])
def test_a_payu_refund_with_cents_where_payu_refunds_whole_units_only_is_refused(
    payu, client, django_capture_on_commit_callbacks, country, currency
):
    # given a country staff route through PayU, and a deposit paid there
    PaymentRoute.objects.filter(country=country).update(provider="payu")
    payment, _contact = paid_by_payu(client, django_capture_on_commit_callbacks, country=country, currency=currency)

    # when staff refund 100.50 of it through PayU, then it is refused and nothing is written
    assert_refund_refused(
        payment.booking,
        amount="100.50",
        message=(
            f"PayU refunds {payment.receipt_number} only in whole units, without decimals. "
            "Refund it by bank transfer instead."
        ),
        payu=payu,
    )


@pytest.mark.django_db
def test_a_second_partial_payu_refund_in_colombia_is_refused(payu, client, django_capture_on_commit_callbacks):
    # given a deposit paid through PayU in Colombia, 100.00 of it refunded through PayU already
    payment, _contact = paid_by_payu(client, django_capture_on_commit_callbacks, country="CO", currency="COP")
    refund_issue(booking=payment.booking, amount=Decimal("100.00"), by=StaffFactory(), method=RefundMethod.GATEWAY)

    # when staff refund another 50.00 of it through PayU, then it is refused and nothing is written
    assert_refund_refused(
        payment.booking,
        amount="50.00",
        message=(
            f"PayU allows no further partial refund of {payment.receipt_number}. Refund it by bank transfer instead."
        ),
        payu=payu,
    )
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_refunding_the_rest_after_a_partial_payu_refund_in_colombia_is_refused_too(
    payu, client, django_capture_on_commit_callbacks
):
    # given a deposit paid through PayU in Colombia, 100.00 of it refunded through PayU already
    payment, _contact = paid_by_payu(client, django_capture_on_commit_callbacks, country="CO", currency="COP")
    refund_issue(booking=payment.booking, amount=Decimal("100.00"), by=StaffFactory(), method=RefundMethod.GATEWAY)

    # when staff refund the rest through PayU: PayU would get a second partial refund
    assert_refund_refused(
        payment.booking,
        amount=str(payment.amount - Decimal("100.00")),
        message=(
            f"PayU allows no further partial refund of {payment.receipt_number}. Refund it by bank transfer instead."
        ),
        payu=payu,
    )


# --- 9. Routing ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_data_migration_routes_latin_america_through_mercadopago_and_payu(default_routes):
    assert dict(PaymentRoute.objects.values_list("country", "provider")) == {
        "AR": "mercadopago",
        "BR": "mercadopago",
        "CL": "mercadopago",
        "MX": "mercadopago",
        "UY": "mercadopago",
        "CO": "payu",
        "PE": "payu",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "currency", "provider"),
    [
        ("AR", "ARS", MercadoPagoProvider),
        ("MX", "MXN", MercadoPagoProvider),
        ("CO", "COP", PayUProvider),
        ("CO", "USD", PayUProvider),
        ("PE", "PEN", PayUProvider),
        ("ES", "EUR", StripeProvider),
    ],
)
def test_each_country_pays_through_its_route_when_its_gateway_is_set_up(
    gateways, default_routes, country, currency, provider
):
    gateways.STRIPE_SECRET_KEY = "sk_test_51Spirit"
    gateways.STRIPE_WEBHOOK_SECRET = "whsec_spirit"

    assert type(provider_for(country=country, currency=currency)) is provider


@pytest.mark.django_db
def test_without_any_gateways_keys_every_client_pays_by_transfer(gateways, default_routes):
    # given no gateway's keys
    for name in (
        "MERCADOPAGO_ACCESS_TOKEN",
        "MERCADOPAGO_WEBHOOK_SECRET",
        "PAYU_API_KEY",
        "PAYU_MERCHANT_ID",
        "PAYU_ACCOUNT_ID",
    ):
        setattr(gateways, name, "")
    booking, contact = booking_in("AR", "ARS")

    # then each country is routed to the bank transfer, and no checkout opens
    for country, currency in (("AR", "ARS"), ("CO", "COP"), ("ES", "EUR")):
        assert type(provider_for(country=country, currency=currency)) is ManualProvider
    with pytest.raises(PaymentError) as refused:
        payment_checkout_start(
            booking=booking, installment=booking.installments.get(position=1), by=contact, back_url="/client/"
        )
    assert refused.value.code == "manual"
    assert Payment.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("stripe_set_up", "provider"), [(True, StripeProvider), (False, ManualProvider)])
def test_a_currency_the_routed_gateway_does_not_take_falls_back_to_stripe_else_to_transfer(
    gateways, default_routes, stripe_set_up, provider
):
    if stripe_set_up:
        gateways.STRIPE_SECRET_KEY = "sk_test_51Spirit"
        gateways.STRIPE_WEBHOOK_SECRET = "whsec_spirit"

    # a client in Argentina (MercadoPago, set up) with a booking in euros
    assert type(provider_for(country="AR", currency="EUR")) is provider
    assert type(provider_for(country="ES", currency="EUR")) is provider


@pytest.mark.django_db
def test_a_change_of_a_countrys_route_in_the_admin_takes_effect_at_once(gateways, default_routes, client):
    # given Argentina routed through MercadoPago
    assert type(provider_for(country="AR", currency="ARS")) is MercadoPagoProvider
    route = PaymentRoute.objects.get(country="AR")
    client.force_login(StaffFactory(is_superuser=True))

    # when staff route it through PayU in the admin
    response = client.post(
        reverse("admin:payments_paymentroute_change", args=[route.pk]), {"country": "AR", "provider": "payu"}
    )

    # then the next checkout goes through PayU
    assert response.status_code == 302
    assert type(provider_for(country="AR", currency="ARS")) is PayUProvider


# --- 10. A second click, and an expired checkout ----------------------------------------------------


@pytest.mark.django_db
def test_a_second_click_reuses_the_open_checkout(mp):
    # given the deposit's checkout opened once
    booking, contact = booking_in("AR", "ARS")
    deposit = booking.installments.get(position=1)
    first = payment_checkout_start(booking=booking, installment=deposit, by=contact, back_url="/client/")

    # when the payer opens it again (a second click, another tab)
    second = payment_checkout_start(booking=booking, installment=deposit, by=contact, back_url="/client/")

    # then it is the same payment and the same checkout: MercadoPago was asked once
    assert second.payment.pk == first.payment.pk
    assert second.checkout.redirect_url == first.checkout.redirect_url
    assert Payment.objects.count() == 1
    assert len(mp.calls_to("POST", "/checkout/preferences")) == 1
    assert actions(booking, "payment.checkout_started") == ["payment.checkout_started"]


@pytest.mark.django_db
def test_an_expired_checkout_is_replaced_by_a_new_attempt_and_cancelled(mp):
    # given the deposit's checkout opened, and left until it expired
    booking, contact = booking_in("AR", "ARS")
    deposit = booking.installments.get(position=1)
    first = payment_checkout_start(booking=booking, installment=deposit, by=contact, back_url="/client/").payment
    Payment.objects.filter(pk=first.pk).update(checkout_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    mark = last_email_pk()

    # when the payer tries again
    again = payment_checkout_start(booking=booking, installment=deposit, by=contact, back_url="/client/")

    # then a new attempt is opened under a new key, with its own preference, and the old one is cancelled
    first.refresh_from_db()
    assert (first.status, first.idempotency_key) == (PaymentStatus.CANCELLED, f"mercadopago-{deposit.pk}-0-0")
    assert (again.payment.status, again.payment.amount, again.payment.idempotency_key) == (
        PaymentStatus.CREATED,
        deposit.amount,
        f"mercadopago-{deposit.pk}-0-1",
    )
    assert again.payment.checkout_expires_at > timezone.now()
    preferences = mp.calls_to("POST", "/checkout/preferences")
    assert [call["json"]["external_reference"] for call in preferences] == [
        first.idempotency_key,
        again.payment.idempotency_key,
    ]
    assert again.checkout.redirect_url.endswith("pref_id=202809963-pref-2")
    assert Payment.objects.count() == 2
    assert actions(booking, "payment.checkout_started") == ["payment.checkout_started", "payment.checkout_started"]
    assert emails_since(mark) == []
