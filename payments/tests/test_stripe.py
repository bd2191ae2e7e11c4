"""Stripe end to end inside the app: the checkout through the real stripe SDK (its HTTP client replaced
at the boundary), notifications through dj-stripe's own endpoint with real Stripe-Signature headers,
recorded event payloads from payments/tests/fixtures/, and the ledger they move."""

import copy
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
import stripe
from django.core.management import call_command
from django.urls import reverse
from djstripe.models import WebhookEndpoint, WebhookEventTrigger

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.factories import booking_approved
from notifications.models import EmailMessage
from payments.errors import PaymentError
from payments.models import EventOutcome, Payment, PaymentStatus, ProviderEvent, Refund, RefundSource, RefundStatus
from payments.providers.stripe import from_minor, to_minor
from payments.services import RefundMethod, payment_checkout_start, payment_record_transfer, refund_issue
from payments.services.events import provider_event_process, refund_send

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "whsec_test_0123456789abcdefghijklmnopqrstu"
API_KEY = "sk_test_51SpiritToursTestKey0123456789abcdefghijklmnop"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class FakeStripeHTTP(stripe.HTTPClient):
    """Stands in for Stripe's API at the SDK's HTTP boundary: records each request, answers from a queue."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.calls: list[dict] = []
        self.answers: list[tuple[int, dict]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.calls.append({"method": method, "url": url, "headers": dict(headers or {}), "data": post_data or ""})
        if not self.answers:
            raise AssertionError(f"unexpected call to Stripe: {method} {url}")
        status, body = self.answers.pop(0)
        return json.dumps(body), status, {"request-id": "req_test"}

    def close(self):
        pass


@pytest.fixture
def stripe_on(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    call_command("stripe_webhook_endpoint", "--account", "acct_1SpiritToursTest")
    fake = FakeStripeHTTP()
    monkeypatch.setattr(stripe, "RequestsClient", lambda **kwargs: fake)
    return fake


@pytest.fixture
def started(stripe_on):
    """A booking in Spain (EUR: Stripe) with its deposit's checkout open."""
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    deposit = booking.installments.order_by("position").first()
    stripe_on.answers.append((200, fixture("stripe_checkout_session_created.json")))
    started = payment_checkout_start(booking=booking, installment=deposit, by=contact, back_url="/client/")
    return started.payment


def _deliver(client, event: dict, *, secret: str = SECRET, timestamp: int | None = None, body: str | None = None):
    payload = body if body is not None else json.dumps(event)
    signed = json.dumps(event) if body is not None else payload
    header = stripe.WebhookSignature.generate_signature_header(signed, secret, timestamp=timestamp)
    endpoint = WebhookEndpoint.objects.get()
    url = reverse("djstripe:djstripe_webhook_by_uuid", kwargs={"uuid": endpoint.djstripe_uuid})
    return client.post(url, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def _event_for(payment: Payment, name: str, *, event_id: str | None = None, amount: Decimal | None = None) -> dict:
    event = fixture(name)
    obj = event["data"]["object"]
    minor = to_minor(amount if amount is not None else payment.amount, payment.currency)
    if obj["object"] == "checkout.session":
        obj.update(client_reference_id=payment.idempotency_key, amount_total=minor, amount_subtotal=minor)
    if obj["object"] == "payment_intent":
        obj.update(amount=minor, amount_received=minor if obj["status"] == "succeeded" else 0)
    obj["currency"] = payment.currency.lower()
    obj.setdefault("metadata", {})["our_reference"] = payment.idempotency_key
    if event_id:
        event["id"] = event_id
    return event


def _process_all() -> list[str]:
    return [
        provider_event_process(event_id=pk)
        for pk in ProviderEvent.objects.filter(processed_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    ]


def _receipts(booking) -> int:
    return EmailMessage.objects.filter(
        template="payment_received", context__booking_reference=booking.reference
    ).count()


def test_the_checkout_session_carries_our_key_and_the_payer_goes_to_stripe(started, stripe_on):
    (call,) = stripe_on.calls

    assert call["method"] == "post" and call["url"].endswith("/v1/checkout/sessions")
    assert call["headers"]["Idempotency-Key"] == started.idempotency_key
    assert f"client_reference_id={started.idempotency_key}" in call["data"]
    assert f"line_items[0][price_data][unit_amount]={to_minor(started.amount, 'EUR')}" in call["data"]
    assert started.provider == "stripe" and started.status == PaymentStatus.CREATED
    assert started.checkout_url.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert started.provider_reference == "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuV"


def test_a_second_click_reuses_the_open_session(started, stripe_on):
    again = payment_checkout_start(
        booking=started.booking, installment=started.installment, by=None, back_url="/client/"
    )

    assert again.payment.pk == started.pk
    assert again.checkout.redirect_url == started.checkout_url
    assert len(stripe_on.calls) == 1  # no second session at Stripe
    assert Payment.objects.filter(booking=started.booking).count() == 1


def test_a_signed_completed_session_confirms_the_payment_once(client, started):
    booking = started.booking
    paid_before = booking.paid_amount
    event = _event_for(started, "stripe_checkout_session_completed.json")

    first = _deliver(client, event)
    again = _deliver(client, event)  # Stripe delivers again: dj-stripe knows the event id
    outcomes = _process_all()

    started.refresh_from_db()
    booking.refresh_from_db()
    assert (first.status_code, again.status_code) == (200, 200)
    assert outcomes == [EventOutcome.APPLIED]
    assert ProviderEvent.objects.filter(provider="stripe", signature_valid=True).count() == 1
    assert started.status == PaymentStatus.CONFIRMED and started.receipt_number
    assert started.provider_payment_id == "pi_3QabcDEF0123456789ghijk"
    assert booking.paid_amount == paid_before + started.amount
    assert _receipts(booking) == 1


def test_the_intent_and_the_session_both_reporting_success_confirm_once(client, started):
    _deliver(client, _event_for(started, "stripe_payment_intent_succeeded.json"))
    _deliver(client, _event_for(started, "stripe_checkout_session_completed.json"))

    outcomes = _process_all()

    started.refresh_from_db()
    assert outcomes == [EventOutcome.APPLIED, EventOutcome.UNCHANGED]
    assert started.status == PaymentStatus.CONFIRMED
    assert _receipts(started.booking) == 1


def test_a_late_failure_never_undoes_a_confirmation(client, started):
    _deliver(client, _event_for(started, "stripe_checkout_session_completed.json"))
    _deliver(client, _event_for(started, "stripe_payment_intent_payment_failed.json"))

    outcomes = _process_all()

    started.refresh_from_db()
    assert outcomes == [EventOutcome.APPLIED, EventOutcome.UNCHANGED]
    assert started.status == PaymentStatus.CONFIRMED


def test_a_failed_payment_then_a_success_on_the_same_session_is_recorded(client, started):
    _deliver(client, _event_for(started, "stripe_payment_intent_payment_failed.json"))
    assert _process_all() == [EventOutcome.APPLIED]
    started.refresh_from_db()
    assert started.status == PaymentStatus.FAILED

    _deliver(client, _event_for(started, "stripe_checkout_session_completed.json"))
    assert _process_all() == [EventOutcome.APPLIED]

    started.refresh_from_db()
    assert started.status == PaymentStatus.CONFIRMED
    assert _receipts(started.booking) == 1


def test_an_amount_other_than_the_payment_is_flagged_never_confirmed(client, started):
    booking = started.booking
    paid_before = booking.paid_amount
    _deliver(client, _event_for(started, "stripe_checkout_session_completed.json", amount=Decimal("1.00")))

    assert _process_all() == [EventOutcome.FLAGGED]

    started.refresh_from_db()
    booking.refresh_from_db()
    assert started.status == PaymentStatus.CREATED
    assert "1.00 EUR" in started.flag
    assert booking.paid_amount == paid_before
    assert _receipts(booking) == 0


@pytest.mark.parametrize(
    "tamper",
    ["body", "secret", "stale"],
)
def test_a_notification_that_does_not_verify_is_refused_and_changes_nothing(client, started, tamper):
    event = _event_for(started, "stripe_checkout_session_completed.json")
    if tamper == "body":
        forged = copy.deepcopy(event)
        forged["data"]["object"]["amount_total"] = 1
        response = _deliver(client, event, body=json.dumps(forged))
    elif tamper == "secret":
        response = _deliver(client, event, secret="whsec_someone_else")
    else:
        response = _deliver(client, event, timestamp=int(time.time()) - 600)

    started.refresh_from_db()
    assert response.status_code == 400
    (recorded,) = ProviderEvent.objects.all()
    assert (recorded.signature_valid, recorded.outcome) == (False, EventOutcome.INVALID)
    assert WebhookEventTrigger.objects.get().valid is False
    assert started.status == PaymentStatus.CREATED
    assert _receipts(started.booking) == 0


def test_a_notification_without_its_signature_header_is_refused(client, started):
    endpoint = WebhookEndpoint.objects.get()
    url = reverse("djstripe:djstripe_webhook_by_uuid", kwargs={"uuid": endpoint.djstripe_uuid})

    response = client.post(
        url,
        data=json.dumps(_event_for(started, "stripe_checkout_session_completed.json")),
        content_type="application/json",
    )

    started.refresh_from_db()
    assert response.status_code == 400
    (recorded,) = ProviderEvent.objects.all()
    assert (recorded.signature_valid, recorded.outcome) == (False, EventOutcome.INVALID)
    assert WebhookEventTrigger.objects.count() == 0  # dj-stripe never saw it
    assert started.status == PaymentStatus.CREATED


def _confirmed(client, started) -> Payment:
    _deliver(client, _event_for(started, "stripe_checkout_session_completed.json"))
    _process_all()
    started.refresh_from_db()
    return started


def test_a_refund_goes_back_through_stripe_and_is_done_on_its_notification(client, started, stripe_on):
    payment = _confirmed(client, started)
    booking = payment.booking
    booking.refresh_from_db()
    paid = booking.paid_amount
    staff = StaffFactory()

    (refund,) = refund_issue(booking=booking, amount=Decimal("100.00"), by=staff, method=RefundMethod.GATEWAY)
    answer = fixture("stripe_refund_created.json")
    answer["metadata"]["our_reference"] = refund.idempotency_key
    stripe_on.answers.append((200, answer))
    assert refund_send(refund_id=refund.pk) == "applied"
    assert refund_send(refund_id=refund.pk) == "unchanged"  # sent once only

    refund.refresh_from_db()
    call = stripe_on.calls[-1]
    assert call["url"].endswith("/v1/refunds") and call["headers"]["Idempotency-Key"] == refund.idempotency_key
    assert "amount=10000" in call["data"] and "payment_intent=pi_3QabcDEF0123456789ghijk" in call["data"]
    assert (refund.status, refund.provider_reference, refund.credit_note_number) == (
        RefundStatus.TRANSIT,
        "re_3QabcRefund0123456789",
        None,
    )

    updated = fixture("stripe_refund_updated.json")
    updated["data"]["object"]["metadata"]["our_reference"] = refund.idempotency_key
    _deliver(client, updated)
    assert _process_all() == [EventOutcome.APPLIED]

    refund.refresh_from_db()
    booking.refresh_from_db()
    assert refund.status == RefundStatus.DONE and refund.credit_note_number.startswith("CN-")
    assert booking.paid_amount == paid - Decimal("100.00")
    assert EmailMessage.objects.filter(template="refund_processed").count() == 1
    assert len(stripe_on.calls) == 2  # the session, the refund: nothing fetched again


def test_a_refund_made_in_stripes_dashboard_is_recorded(client, started):
    payment = _confirmed(client, started)
    event = fixture("stripe_charge_refunded.json")
    event["data"]["object"].update(
        amount=to_minor(payment.amount, "EUR"), amount_refunded=to_minor(payment.amount, "EUR")
    )

    _deliver(client, event)
    assert _process_all() == [EventOutcome.APPLIED]

    (refund,) = Refund.objects.filter(payment=payment)
    payment.booking.refresh_from_db()
    assert (refund.source, refund.status, refund.amount) == (RefundSource.PROVIDER, RefundStatus.DONE, payment.amount)
    assert payment.booking.paid_amount == Decimal("0.00")


def test_a_payment_by_transfer_cannot_go_back_through_stripe(settings):
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    staff = StaffFactory()
    booking = booking_approved()
    deposit = booking.installments.order_by("position").first()
    payment_record_transfer(
        booking=booking,
        installment=deposit,
        amount=Decimal("50.00"),
        received_on=booking.created_at.date(),
        reference="T-9",
        by=staff,
    )

    with pytest.raises(PaymentError) as refused:
        refund_issue(booking=booking, amount=Decimal("10.00"), by=staff, method=RefundMethod.GATEWAY)
    assert (refused.value.code, refused.value.field) == ("gateway_refused", "method")
    assert Refund.objects.count() == 0


def test_the_endpoint_command_is_idempotent(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    call_command("stripe_webhook_endpoint")
    settings.STRIPE_WEBHOOK_SECRET = SECRET + "2"
    call_command("stripe_webhook_endpoint")

    (endpoint,) = WebhookEndpoint.objects.all()
    assert endpoint.secret == SECRET + "2"
    assert str(endpoint.djstripe_uuid) == settings.STRIPE_WEBHOOK_UUID
    assert "checkout.session.completed" in endpoint.enabled_events


def test_minor_units_follow_the_currency():
    assert (to_minor(Decimal("450.00"), "EUR"), to_minor(Decimal("45000"), "CLP")) == (45000, 45000)
    assert (from_minor(45050, "EUR"), from_minor(45000, "CLP")) == (Decimal("450.50"), Decimal("45000"))
