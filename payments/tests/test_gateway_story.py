"""The bookings story with each gateway, at the services: approve → shares → confirmed → paid → cancel → refund.

The same story runs through Stripe (a client in Spain, in euros), MercadoPago
(Argentina, pesos) and PayU (Colombia, pesos). Each gateway is faked at its
transport only: Stripe's `HTTPClient`, MercadoPago's SDK `HttpClient`, PayU's
`requests` session. Notifications arrive through the real endpoints with real
signatures (dj-stripe's for Stripe, ours for MercadoPago and PayU) and are
processed as the task would; refunds go back through `refund_send` (and
`refund_poll` for PayU, which reviews them first).
"""

import datetime
import json
import types
from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
import stripe
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from djstripe.models import WebhookEndpoint
from mercadopago.http import HttpClient as MercadoPagoHttpClient

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.factories import booking_approved
from bookings.models import Booking, BookingLog, BookingStatus
from bookings.services import TravellerInput, booking_cancel, traveller_add
from bookings.shares import installment_shares
from notifications.models import EmailMessage
from payments.models import EventOutcome, Payment, PaymentRoute, PaymentStatus, ProviderEvent, Refund, RefundStatus
from payments.providers import mercadopago as mercadopago_module
from payments.providers import payu as payu_module
from payments.providers.mercadopago import notification_signature
from payments.providers.payu import confirmation_signature
from payments.providers.stripe import to_minor
from payments.services import RefundMethod, gateway_for_booking, payment_checkout_start, refund_issue
from payments.services.events import provider_event_process, refund_poll, refund_send
from quotations.factories import ClientFactory
from quotations.models import Quotation

FIXTURES = Path(__file__).parent / "fixtures"
STRIPE_SECRET_KEY = "sk_test_51SpiritToursTestKey0123456789abcdefghijklmnop"
STRIPE_WEBHOOK_SECRET = "whsec_test_0123456789abcdefghijklmnopqrstu"
MP_SECRET = "mp-secret"
PAYU_API_KEY = "4Vj8eK4rloUd272L48hsrarnUA"
PAYU_MERCHANT_ID = "508029"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


# --- Stripe: its API at the SDK's HTTP boundary, its events through dj-stripe's endpoint ----------------


class FakeStripeHTTP(stripe.HTTPClient):
    """Stripe's API: a Checkout Session for each checkout, every refund succeeded at once."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.sessions: list[dict] = []
        self.refunds: list[tuple[str, Decimal]] = []  # (payment intent, amount)

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path = urlsplit(url).path
        form = {name: values[0] for name, values in parse_qs(post_data or "").items()}
        if (method, path) == ("post", "/v1/checkout/sessions"):
            session_id = f"cs_test_story{len(self.sessions) + 1}"
            session = fixture("stripe_checkout_session_created.json") | {
                "id": session_id,
                "client_reference_id": form["client_reference_id"],
                "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                "currency": form["line_items[0][price_data][currency]"],
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            }
            self.sessions.append(session)
            return json.dumps(session), 200, {"request-id": "req_story"}
        if (method, path) == ("post", "/v1/refunds"):
            self.refunds.append((form["payment_intent"], Decimal(form["amount"]) / 100))
            refund = fixture("stripe_refund_created.json") | {
                "id": f"re_story{len(self.refunds)}",
                "amount": int(form["amount"]),
                "payment_intent": form["payment_intent"],
                "metadata": {"our_reference": form["metadata[our_reference]"]},
                "status": "succeeded",
            }
            return json.dumps(refund), 200, {"request-id": "req_story"}
        raise AssertionError(f"unexpected call to Stripe: {method} {url}")

    def close(self):
        pass


class StripeGateway:
    name = "stripe"
    country = "ES"
    currency = "EUR"
    checkout_prefix = "https://checkout.stripe.com/c/pay/cs_test_story"
    refund_sent_status = RefundStatus.DONE  # Stripe answers a card refund succeeded

    def __init__(self, api: FakeStripeHTTP):
        self.api = api
        self.paid = 0

    def notify_paid(self, client, payment: Payment):
        """The payer paid on Stripe's page: Stripe posts `checkout.session.completed`, signed."""
        self.paid += 1
        event = fixture("stripe_checkout_session_completed.json")
        event["id"] = f"evt_story_completed_{self.paid}"
        minor = to_minor(payment.amount, payment.currency)
        event["data"]["object"].update(
            id=payment.provider_reference,
            client_reference_id=payment.idempotency_key,
            amount_total=minor,
            amount_subtotal=minor,
            currency=payment.currency.lower(),
            payment_intent=f"pi_story_{self.paid}",
            metadata={"our_reference": payment.idempotency_key, "payment": str(payment.pk)},
        )
        body = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(body, STRIPE_WEBHOOK_SECRET)
        url = reverse("djstripe:djstripe_webhook_by_uuid", kwargs={"uuid": WebhookEndpoint.objects.get().djstripe_uuid})
        return client.post(url, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)

    def refunds_settle(self, refunds: list[Refund]) -> list[str]:
        return []  # done when sent

    def refunds_asked(self) -> list[tuple[str, Decimal]]:
        return self.api.refunds


# --- MercadoPago: its API as the SDK reaches it; notifications signed with the webhook secret --------------


class FakeMercadoPago(MercadoPagoHttpClient):
    """MercadoPago's API: a preference per checkout, the payments in `payments` by id, refunds approved."""

    def __init__(self):
        self.preferences = 0
        self.payments: dict[str, dict] = {}
        self.refunds: list[tuple[str, Decimal]] = []  # (payment id, amount)

    def request(self, method, url, maxretries=None, retry_on=None, backoff_factor=None, **kwargs):
        path = urlsplit(url).path
        data = kwargs.get("data")
        body = json.loads(data) if data else None
        parts = path.strip("/").split("/")
        if (method, path) == ("POST", "/checkout/preferences"):
            self.preferences += 1
            preference_id = f"202809963-story-{self.preferences}"
            return {
                "status": 201,
                "response": fixture("mercadopago_preference.json")
                | {
                    "id": preference_id,
                    "external_reference": body["external_reference"],
                    "sandbox_init_point": f"https://sandbox.mercadopago.com.ar/checkout/v1/redirect?pref_id={preference_id}",
                },
            }
        if method == "GET" and parts[:2] == ["v1", "payments"] and len(parts) == 3:
            return {"status": 200, "response": self.payments[parts[2]]}
        if method == "POST" and parts[:2] == ["v1", "payments"] and parts[3:] == ["refunds"]:
            paid = self.payments[parts[2]]
            amount = body["amount"] if body else paid["transaction_amount"]  # no body: the whole payment
            self.refunds.append((parts[2], Decimal(str(amount))))
            refund = fixture("mercadopago_refund.json") | {
                "id": 1009042015 + len(self.refunds),
                "payment_id": int(parts[2]),
                "amount": amount,
                "amount_refunded_to_payer": amount,
                "status": "approved",
            }
            return {"status": 201, "response": refund}
        raise AssertionError(f"unexpected call to MercadoPago: {method} {path}")


class MercadoPagoGateway:
    name = "mercadopago"
    country = "AR"
    currency = "ARS"
    checkout_prefix = "https://sandbox.mercadopago.com.ar/checkout/v1/redirect?pref_id=202809963-story-"
    refund_sent_status = RefundStatus.DONE  # MercadoPago answers a card refund approved

    def __init__(self, api: FakeMercadoPago):
        self.api = api

    def notify_paid(self, client, payment: Payment):
        """MercadoPago approved the payment and notifies its id, signed; we fetch the payment by that id."""
        number = len(self.api.payments) + 1
        mp_id = str(1317342680 + number)
        self.api.payments[mp_id] = fixture("mercadopago_payment.json") | {
            "id": int(mp_id),
            "status": "approved",
            "external_reference": payment.idempotency_key,
            "transaction_amount": float(payment.amount),
            "currency_id": payment.currency,
            "date_approved": timezone.now().isoformat(),
        }
        ts = str(int(timezone.now().timestamp()))
        request_id = f"bb56a2f1-6aae-46ac-982e-{number:012d}"
        v1 = notification_signature(secret=MP_SECRET, data_id=mp_id, request_id=request_id, ts=ts)
        body = {"id": 12345 + number, "type": "payment", "action": "payment.updated", "data": {"id": mp_id}}
        return client.post(
            f"{reverse('payments_webhooks:mercadopago')}?{urlencode({'data.id': mp_id, 'type': 'payment'})}",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_X_SIGNATURE=f"ts={ts},v1={v1}",
            HTTP_X_REQUEST_ID=request_id,
        )

    def refunds_settle(self, refunds: list[Refund]) -> list[str]:
        return []  # done when sent

    def refunds_asked(self) -> list[tuple[str, Decimal]]:
        return self.api.refunds


# --- PayU: the confirmation page's signed form; its APIs through a fake session ------------------------


class FakePayUResponse:
    def __init__(self, body: dict):
        self.text = json.dumps(body)
        self.status_code = 200

    def json(self, **kwargs):
        return json.loads(self.text, **kwargs)


class FakePayUSession:
    """PayU's APIs: a refund is taken for review (PENDING), and the order shows it approved when asked again."""

    def __init__(self):
        self.orders: dict[int, dict] = {}  # order id: {"transaction": id, "value": Decimal, "currency": str}
        self.refunds: list[tuple[str, Decimal]] = []  # ("order:transaction", amount)
        self.order_refunds: dict[int, list[dict]] = {}

    def post(self, url, *, json, headers, timeout):
        if json["command"] == "SUBMIT_TRANSACTION":
            transaction = json["transaction"]
            order_id = transaction["order"]["id"]
            order = self.orders[order_id]
            assert transaction["parentTransactionId"] == order["transaction"]
            if transaction["type"] == "PARTIAL_REFUND":
                amount = Decimal(str(transaction["additionalValues"]["TX_VALUE"]["value"]))
            else:
                amount = order["value"]
            self.refunds.append((f"{order_id}:{order['transaction']}", amount))
            refund_id = f"rf-{len(self.refunds)}"
            self.order_refunds.setdefault(order_id, []).append(
                {
                    "id": refund_id,
                    "type": transaction["type"],
                    "transactionResponse": {"state": "APPROVED"},  # once reviewed
                    "additionalValues": {"TX_VALUE": {"value": str(amount), "currency": order["currency"]}},
                }
            )
            answer = {
                "code": "SUCCESS",
                "transactionResponse": {"orderId": order_id, "transactionId": refund_id, "state": "PENDING"},
            }
            return FakePayUResponse(answer)
        if json["command"] == "ORDER_DETAIL":
            order_id = json["details"]["orderId"]
            order = self.orders[order_id]
            payment = {
                "id": order["transaction"],
                "type": "AUTHORIZATION_AND_CAPTURE",
                "transactionResponse": {"state": "APPROVED"},
                "additionalValues": {"TX_VALUE": {"value": str(order["value"]), "currency": order["currency"]}},
            }
            payload = {"id": order_id, "status": "CAPTURED", "transactions": [payment, *self.order_refunds[order_id]]}
            return FakePayUResponse({"code": "SUCCESS", "result": {"payload": payload}})
        raise AssertionError(f"unexpected call to PayU: {json['command']} {url}")


class PayUGateway:
    name = "payu"
    country = "CO"
    currency = "COP"
    checkout_prefix = "https://sandbox.checkout.payulatam.com/ppp-web-gateway-payu/"
    refund_sent_status = RefundStatus.TRANSIT  # PayU reviews a refund before approving it

    def __init__(self, api: FakePayUSession):
        self.api = api

    def notify_paid(self, client, payment: Payment):
        """PayU approved the transaction and posts its confirmation form, signed with our API key."""
        order_id = 844001 + len(self.api.orders)
        transaction_id = f"7edbaf68-8f3a-4ae7-b9c7-{order_id:012d}"
        self.api.orders[order_id] = {
            "transaction": transaction_id,
            "value": payment.amount,
            "currency": payment.currency,
        }
        value = format(payment.amount, "f")
        fields = {
            "merchant_id": PAYU_MERCHANT_ID,
            "state_pol": "4",
            "value": value,
            "currency": payment.currency,
            "reference_sale": payment.idempotency_key,
            "reference_pol": str(order_id),
            "transaction_id": transaction_id,
            "response_code_pol": "1",
            "transaction_date": "2026-03-02 10:15:00",
        }
        fields["sign"] = confirmation_signature(
            api_key=PAYU_API_KEY,
            merchant_id=PAYU_MERCHANT_ID,
            reference=payment.idempotency_key,
            value=value,
            currency=payment.currency,
            state="4",
        )
        return client.post(
            reverse("payments_webhooks:payu"), data=urlencode(fields), content_type="application/x-www-form-urlencoded"
        )

    def refunds_settle(self, refunds: list[Refund]) -> list[str]:
        """The review is over: each refund is asked about again, and PayU shows it approved."""
        return [refund_poll(refund=Refund.objects.get(pk=refund.pk)) for refund in refunds]

    def refunds_asked(self) -> list[tuple[str, Decimal]]:
        return self.api.refunds


# --- Fixtures: only the gateway under test is set up (routing falls back to Stripe when it is) --------------


@pytest.fixture
def no_gateways(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_API_BASE = ""
    settings.MERCADOPAGO_ACCESS_TOKEN = ""
    settings.MERCADOPAGO_WEBHOOK_SECRET = ""
    settings.PAYU_API_KEY = ""
    settings.PAYU_API_LOGIN = ""
    settings.PAYU_MERCHANT_ID = ""
    settings.PAYU_ACCOUNT_ID = ""
    return settings


@pytest.fixture
def stripe_gateway(no_gateways, monkeypatch) -> StripeGateway:
    no_gateways.STRIPE_SECRET_KEY = STRIPE_SECRET_KEY
    no_gateways.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    call_command("stripe_webhook_endpoint", "--account", "acct_1SpiritToursTest")
    api = FakeStripeHTTP()
    monkeypatch.setattr(stripe, "RequestsClient", lambda **kwargs: api)
    return StripeGateway(api)


@pytest.fixture
def mercadopago_gateway(no_gateways, monkeypatch) -> MercadoPagoGateway:
    no_gateways.MERCADOPAGO_ACCESS_TOKEN = "TEST-123"
    no_gateways.MERCADOPAGO_WEBHOOK_SECRET = MP_SECRET
    # The data migration's route; written again in case the test database was flushed.
    PaymentRoute.objects.get_or_create(country="AR", defaults={"provider": "mercadopago"})
    api = FakeMercadoPago()
    monkeypatch.setattr(mercadopago_module, "SessionHttpClient", lambda **kwargs: api)
    return MercadoPagoGateway(api)


@pytest.fixture
def payu_gateway(no_gateways, monkeypatch) -> PayUGateway:
    no_gateways.PAYU_API_KEY = PAYU_API_KEY
    no_gateways.PAYU_API_LOGIN = "pRRXKOl8ikMmt9u"
    no_gateways.PAYU_MERCHANT_ID = PAYU_MERCHANT_ID
    no_gateways.PAYU_ACCOUNT_ID = "512321"
    no_gateways.PAYU_SANDBOX = True
    PaymentRoute.objects.get_or_create(country="CO", defaults={"provider": "payu"})
    api = FakePayUSession()
    # The provider opens its session with `requests.Session()` on its first call: only its own view
    # of `requests` is replaced, so nothing else in the process loses its transport.
    monkeypatch.setattr(
        payu_module,
        "requests",
        types.SimpleNamespace(Session=lambda: api, RequestException=requests.RequestException),
    )
    return PayUGateway(api)


# --- The story ------------------------------------------------------------------------------------------


def process_events() -> list[str]:
    """What the processing task does with each notification recorded and not processed yet."""
    pending = ProviderEvent.objects.filter(processed_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    return [provider_event_process(event_id=pk) for pk in pending]


def pay(client, gateway, *, booking, installment, traveller=None, by=None) -> Payment:
    """One checkout opened, paid at the gateway, notified and processed; the payment confirmed."""
    started = payment_checkout_start(booking=booking, installment=installment, traveller=traveller, by=by, back_url="/")
    assert started.payment.provider == gateway.name
    assert started.checkout.redirect_url.startswith(gateway.checkout_prefix)
    response = gateway.notify_paid(client, started.payment)
    assert response.status_code == 200
    assert process_events() == [EventOutcome.APPLIED]
    started.payment.refresh_from_db()
    assert started.payment.status == PaymentStatus.CONFIRMED
    return started.payment


def email_counts(*templates: str) -> dict[str, int]:
    counts = Counter(EmailMessage.objects.filter(template__in=templates).values_list("template", flat=True))
    return {template: counts[template] for template in templates}


@pytest.mark.django_db
@pytest.mark.parametrize("gateway_name", ["stripe", "mercadopago", "payu"])
def test_the_bookings_story_runs_through_the_gateway(gateway_name, request, client):
    gateway = request.getfixturevalue(f"{gateway_name}_gateway")

    # given a client in the gateway's country whose contact approves the quotation, priced in its currency
    # (the booking's amounts are kept: only the currency they are counted in changes)
    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact, client=ClientFactory(country=gateway.country, contacts=[contact]))
    Booking.objects.filter(pk=booking.pk).update(currency=gateway.currency)
    Quotation.objects.filter(pk=booking.quotation_id).update(currency=gateway.currency)
    booking.refresh_from_db()
    deposit, balance = booking.installments.order_by("position")
    assert gateway_for_booking(booking=booking).identifier == gateway_name
    assert (booking.status, booking.paid_amount, deposit.amount + balance.amount) == (
        BookingStatus.OPTION,
        Decimal("0.00"),
        booking.total,
    )

    # and two travellers on the manifest, each with a share of the deposit
    ana = traveller_add(
        booking=booking,
        data=TravellerInput(full_name="Ana Ruiz", room_type="double", email="ana@viajeros.example"),
        by=contact,
    )
    bea = traveller_add(
        booking=booking,
        data=TravellerInput(full_name="Bea Soto", room_type="double", email="bea@viajeros.example"),
        by=contact,
    )
    shares = installment_shares(booking=booking, installment=deposit)

    # when each traveller pays their share through the gateway
    ana_payment = pay(client, gateway, booking=booking, installment=deposit, traveller=ana)
    bea_payment = pay(client, gateway, booking=booking, installment=deposit, traveller=bea)

    # then both shares are paid and the booking waits for the rest of the deposit
    booking.refresh_from_db()
    assert (ana_payment.amount, bea_payment.amount) == (shares[ana.pk], shares[bea.pk])
    assert (booking.status, booking.paid_amount) == (BookingStatus.OPTION, shares[ana.pk] + shares[bea.pk])

    # when the leader pays what is left of the deposit
    leader_payment = pay(client, gateway, booking=booking, installment=deposit, by=contact)

    # then the booking is confirmed and its quotation booked
    booking.refresh_from_db()
    booking.quotation.refresh_from_db()
    assert leader_payment.amount == deposit.amount - shares[ana.pk] - shares[bea.pk]
    assert (booking.status, booking.paid_amount, booking.quotation.status) == (
        BookingStatus.CONFIRMED,
        deposit.amount,
        "booked",
    )

    # when the leader pays the balance
    balance_payment = pay(client, gateway, booking=booking, installment=balance, by=contact)

    # then the booking is paid in full
    booking.refresh_from_db()
    assert (balance_payment.amount, booking.status, booking.paid_amount) == (
        balance.amount,
        BookingStatus.PAID,
        booking.total,
    )

    # when the client cancels the booking
    terms = booking_cancel(booking=booking, reason="The parish postponed the pilgrimage", by=contact)

    # then what was paid beyond what the cancellation retains is owed back: the balance and part of the
    # leader's deposit payment (newest payments first)
    booking.refresh_from_db()
    owed = booking.refund_owed
    assert booking.status == BookingStatus.CANCELLED
    assert owed == terms.refund == booking.total - terms.retained
    assert balance_payment.amount < owed < balance_payment.amount + leader_payment.amount

    # when staff refund it through the gateway, 15 minutes after the payments were approved (PayU
    # refuses a refund within 10 minutes of approval: the same time passes for every gateway)
    Payment.objects.filter(booking=booking).update(confirmed_at=F("confirmed_at") - datetime.timedelta(minutes=15))
    staff = StaffFactory()
    refunds = refund_issue(booking=booking, amount=owed, by=staff, method=RefundMethod.GATEWAY)

    # then one refund per payment is recorded, the whole balance and the rest from the leader's payment
    # (PayU Colombia allows one partial refund per payment: the leader's is its only one)
    assert [(refund.payment_id, refund.amount, refund.status) for refund in refunds] == [
        (balance_payment.pk, balance_payment.amount, RefundStatus.CREATED),
        (leader_payment.pk, owed - balance_payment.amount, RefundStatus.CREATED),
    ]
    assert gateway.refunds_asked() == []

    # when each refund is sent to the gateway (and, for PayU, asked about again after its review)
    sent = [refund_send(refund_id=refund.pk) for refund in refunds]
    after_send = [Refund.objects.get(pk=refund.pk).status for refund in refunds]
    settled = gateway.refunds_settle(refunds)

    # then the gateway was asked once for each, on the payment it came by
    assert sent == ["applied", "applied"]
    assert after_send == [gateway.refund_sent_status, gateway.refund_sent_status]
    assert settled == ([] if gateway.refund_sent_status == RefundStatus.DONE else ["applied", "applied"])
    balance_payment.refresh_from_db()
    leader_payment.refresh_from_db()
    assert gateway.refunds_asked() == [
        (balance_payment.provider_payment_id, balance_payment.amount),
        (leader_payment.provider_payment_id, owed - balance_payment.amount),
    ]

    # and nothing more is owed: every refund is done, with its credit note, and the booking keeps what
    # the cancellation retains
    booking.refresh_from_db()
    done = Refund.objects.filter(payment__booking=booking).order_by("pk")
    assert booking.refund_owed == 0
    assert booking.paid_amount == terms.retained
    assert [refund.status for refund in done] == [RefundStatus.DONE, RefundStatus.DONE]
    assert sum(refund.amount for refund in done) == owed
    credit_notes = [refund.credit_note_number for refund in done]
    assert all(number.startswith(f"CN-{timezone.localdate().year}-") for number in credit_notes)
    assert len(set(credit_notes)) == 2

    # and four checkouts made four payments, each confirmed once by its one notification, none left open
    payments = list(Payment.objects.filter(booking=booking).order_by("pk"))
    assert [payment.pk for payment in payments] == [
        ana_payment.pk,
        bea_payment.pk,
        leader_payment.pk,
        balance_payment.pk,
    ]
    assert {payment.status for payment in payments} == {PaymentStatus.CONFIRMED}
    assert {payment.provider for payment in payments} == {gateway_name}
    assert len({payment.provider_payment_id for payment in payments}) == 4
    confirmations = Counter(
        BookingLog.objects.filter(booking=booking, action="payment.confirmed").values_list("data__payment", flat=True)
    )
    assert confirmations == {payment.pk: 1 for payment in payments}
    events = ProviderEvent.objects.order_by("pk")
    assert [(event.provider, event.signature_valid, event.outcome, event.payment_id) for event in events] == [
        (gateway_name, True, EventOutcome.APPLIED, payment.pk) for payment in payments
    ]
    assert not ProviderEvent.objects.filter(processed_at__isnull=True).exists()

    # and the client was told each step once
    assert email_counts("payment_received", "booking_confirmed", "cancellation_notice", "refund_processed") == {
        "payment_received": 4,
        "booking_confirmed": 1,
        "cancellation_notice": 1,
        "refund_processed": 2,
    }
