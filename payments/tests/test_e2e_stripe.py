"""The booking paid online with Stripe in a real browser: Stripe's hosted page is a local stand-in
(payments/tests/stripe_standin.py) that the real stripe SDK talks to, and that posts the signed
notification to dj-stripe's endpoint a moment after sending the payer back, as Stripe does.

The client approves → a traveller pays her share through her own link → the leader pays the rest
of the deposit (confirmed) and the balance (paid) → the client cancels → staff refund through Stripe
→ the client downloads the credit note. The return page says "processing" until the notification
has arrived, then the receipt; every email goes once.
"""

import datetime
from decimal import Decimal

import pytest
from django.conf import global_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from djstripe.models import WebhookEndpoint

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.models import Booking, BookingStatus
from bookings.services import TravellerInput, traveller_add
from notifications.models import EmailMessage
from notifications.tests.broker import wait_for
from payments.models import Payment, PaymentStatus, ProviderEvent, Refund, RefundStatus
from payments.services import share_outstanding
from payments.tests.stripe_standin import StripeStandIn
from payments.travellers import traveller_link_token
from quotations.factories import ClientFactory, quotation_sent
from quotations.tests.browser import WebServer, csp_violations, login, open_page, shot
from spirittours.testing import free_port

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

SECRET = "whsec_e2e_0123456789abcdefghijklmnopqrstu"
API_KEY = "sk_test_51SpiritToursE2EKey0123456789abcdefghijklmnop"


@pytest.fixture
def stripe_site(transactional_db, settings):
    """The web server with Stripe set up against the stand-in; Celery runs each task in the web process."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_SECRET_KEY = API_KEY
    port = free_port()
    settings.SITE_URL = f"http://127.0.0.1:{port}"
    call_command("stripe_webhook_endpoint", "--account", "acct_1SpiritToursE2E")
    endpoint = WebhookEndpoint.objects.get()
    webhook = settings.SITE_URL + reverse("djstripe:djstripe_webhook_by_uuid", kwargs={"uuid": endpoint.djstripe_uuid})
    standin = StripeStandIn(webhook_url=webhook, secret=SECRET)
    server = WebServer(
        port=port,
        env={
            "SITE_URL": settings.SITE_URL,
            "STRIPE_SECRET_KEY": API_KEY,
            "STRIPE_WEBHOOK_SECRET": SECRET,
            "STRIPE_API_BASE": standin.url,
            "PAYMENT_CHECKOUT_ORIGINS": standin.url,
            "CELERY_TASK_ALWAYS_EAGER": "true",
        },
    )
    yield server, standin
    server.stop()
    standin.stop()


def _status(page) -> str:
    return page.locator("[data-testid=booking-status]").first.get_attribute("data-status")


def _pay_at_standin(page, expected_amount: Decimal) -> None:
    """On the stand-in's hosted page: check the amount, pay, come back to our return page."""
    page.wait_for_selector("[data-testid=standin-pay]")
    assert page.locator("[data-testid=standin-amount]").inner_text() == f"{expected_amount:.2f} EUR"
    page.locator("[data-testid=standin-pay]").click()
    page.wait_for_selector("[data-testid=payment-return]")


def _wait_confirmed(page) -> None:
    # The notification comes 1.5 s after the payer: the page said "processing" and follows by itself.
    page.wait_for_selector("[data-testid=payment-return][data-state=confirmed]", timeout=60_000)


def test_a_booking_paid_with_stripe_from_approval_to_refund(stripe_site, browser):
    server, standin = stripe_site
    base = server.url
    staff = StaffFactory(email="e2e-stripe@spirittours.example", language="en", full_name="Lucía Pagos")
    contact = ClientContactFactory(email="leader@colegio.example", language="en", full_name="Marta Leader")
    quotation = quotation_sent(
        client=ClientFactory(name="Colegio Santa Ana", country="ES", contacts=[contact]),
        owner=staff,
        arrival=timezone.localdate() + datetime.timedelta(days=150),
    )

    # when the client approves the quote
    client_page = login(browser, base, contact.email)
    client_page.goto(f"{base}/client/quotations/{quotation.pk}/")
    client_page.once("dialog", lambda dialog: dialog.accept())
    client_page.locator("[data-testid=approve-form] button[type=submit]").click()
    client_page.locator("[data-testid=booking-link] a").click()
    client_page.wait_for_selector("[data-testid=pay-online]")
    booking = Booking.objects.get(quotation=quotation)
    deposit, balance = booking.installments.order_by("position")
    ana = traveller_add(
        booking=booking,
        data=TravellerInput(full_name="Ana Ruiz", room_type="double", email="ana@viajeros.example"),
        by=contact,
    )
    shot(client_page, "stripe-booking-pay-online")

    # then Ana, without logging in, pays her share of the deposit with Stripe
    traveller_page = open_page(browser)
    traveller_page.goto(f"{base}/pay/{traveller_link_token(traveller=ana)}/")
    share = share_outstanding(installment=deposit, traveller=ana)
    traveller_page.locator("[data-testid=traveller-pay-online]").first.click()
    _pay_at_standin(traveller_page, share)
    assert traveller_page.locator("[data-testid=payment-return]").get_attribute("data-state") == "processing"
    shot(traveller_page, "stripe-return-processing")
    _wait_confirmed(traveller_page)
    shot(traveller_page, "stripe-return-confirmed")
    traveller_page.context.close()

    # when the leader pays the rest of the deposit: the booking is confirmed
    client_page.goto(f"{base}/client/bookings/{booking.pk}/")
    left = deposit.amount - share
    client_page.locator("[data-testid=pay-online-installment]").first.click()
    _pay_at_standin(client_page, left)
    _wait_confirmed(client_page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    # and the balance: the booking is paid
    client_page.goto(f"{base}/client/bookings/{booking.pk}/")
    client_page.locator("[data-testid=pay-online-installment]").first.click()
    _pay_at_standin(client_page, balance.amount)
    _wait_confirmed(client_page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PAID
    payments = Payment.objects.filter(booking=booking)
    assert [p.status for p in payments] == [PaymentStatus.CONFIRMED] * 3
    assert ProviderEvent.objects.filter(provider="stripe", signature_valid=True, outcome="applied").count() == 3
    # The stand-in records a notification once it has read the app's answer, which may come
    # a moment after the page showed the payment confirmed.
    assert wait_for(lambda: len(standin.notified) == 3, 60)
    assert len(standin.sessions) == 3

    # when the client cancels the whole booking
    client_page.goto(f"{base}/client/bookings/{booking.pk}/")
    client_page.locator("[data-testid=cancel-link]").click()
    client_page.fill("[data-testid=confirm-form] textarea[name=reason]", "The school trip is postponed")
    client_page.locator("[data-testid=confirm-button]").click()
    client_page.wait_for_load_state()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    owed = booking.refund_owed
    assert owed > 0

    # and staff refund what is owed through Stripe
    staff_page = login(browser, base, staff.email)
    staff_page.goto(f"{base}/staff/bookings/{booking.pk}/")
    assert staff_page.locator("[data-testid=gateway-refund]").count() == 3
    refund_form = staff_page.locator("[data-testid=refund-form]")
    refund_form.locator("select[name=refund-method]").select_option("gateway")
    assert Decimal(refund_form.locator("input[name=refund-amount]").input_value()) == owed
    shot(staff_page, "stripe-staff-refund")
    refund_form.locator("button[type=submit]").click()
    staff_page.wait_for_load_state()

    # then Stripe gave it back (the newest payments first) and the client downloads the credit notes
    refunds = list(Refund.objects.filter(payment__booking=booking))
    assert {r.status for r in refunds} == {RefundStatus.DONE}
    assert sum(r.amount for r in refunds) == owed
    assert sum(r["amount"] for r in standin.refunds) == int(owed * 100)
    booking.refresh_from_db()
    assert booking.refund_owed == 0
    client_page.reload()
    with client_page.expect_download() as note:
        client_page.locator("[data-testid=credit-note-link]").first.click()
    assert note.value.suggested_filename.startswith(f"CN-{timezone.localdate().year}-")
    shot(client_page, "stripe-client-refunded")

    # and every email went once
    counts = {
        template: EmailMessage.objects.filter(template=template).count()
        for template in ("payment_received", "booking_confirmed", "refund_processed")
    }
    assert counts == {"payment_received": 3, "booking_confirmed": 1, "refund_processed": len(refunds)}
    assert csp_violations(browser) == []
