"""The online payment pages, as the user who reaches each, at desktop and phone width, in Spanish and
English: the client's booking with its Pay online buttons, a traveller's page with hers, the page
the payer comes back to (processing, confirmed, not taken), the staff's ledger with a gateway payment,
a flagged one and a refund on its way, and the step before PayU's form.

Same checks as every page walk (quotations/tests/test_e2e_pages.py); screenshots with `make screenshots`.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.models import Booking
from bookings.services import TravellerInput, traveller_add
from payments.models import Payment, PaymentRoute, PaymentStatus, Refund, RefundSource, RefundStatus
from payments.providers.base import ProviderPayment, ProviderPaymentStatus
from payments.services import payment_report_apply
from payments.travellers import payment_return_token, traveller_link_token
from quotations.factories import ClientFactory, quotation_sent
from quotations.services import quotation_approve
from quotations.tests.browser import WebServer, csp_violations, login, shot
from quotations.tests.test_e2e_pages import LOCALES, SIZES, Page, pages_walk

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

KEYS = {
    "STRIPE_SECRET_KEY": "sk_test_51SpiritToursPagesKey0123456789abcdefghijklmnop",
    "STRIPE_WEBHOOK_SECRET": "whsec_pages_0123456789abcdefghijklmnopqrstu",
    "PAYU_API_KEY": "4Vj8eK4rloUd272L48hsrarnUA",
    "PAYU_API_LOGIN": "pRRXKOl8ikMmt9u",
    "PAYU_MERCHANT_ID": "508029",
    "PAYU_ACCOUNT_ID": "512321",
}

PAGES = [
    Page("online-client-booking", "client", lambda w: f"/client/bookings/{w.booking.pk}/", focus="#pay-online"),
    Page("online-traveller-pay", None, lambda w: f"/pay/{w.token}/"),
    Page("online-return-processing", None, lambda w: w.returns["processing"]),
    Page("online-return-confirmed", None, lambda w: w.returns["confirmed"]),
    Page("online-return-failed", None, lambda w: w.returns["failed"]),
    Page(
        "online-return-leader", "client", lambda w: w.returns["leader"], ready="[data-room=indicator][data-state=live]"
    ),
    Page("online-staff-booking", "staff", lambda w: f"/staff/bookings/{w.booking.pk}/", focus="[data-testid=ledger]"),
]


def _booking(*, contact, staff, client, group_name: str) -> Booking:
    quotation = quotation_sent(
        client=client,
        owner=staff,
        group_name=group_name,
        arrival=timezone.localdate() + datetime.timedelta(days=150),
    )
    quotation_approve(quotation=quotation, by=contact)
    return Booking.objects.get(quotation=quotation)


def _payment(booking, installment, *, status, amount, key, traveller=None) -> Payment:
    return Payment.objects.create(
        booking=booking,
        installment=installment,
        traveller=traveller,
        amount=amount,
        currency=booking.currency,
        provider="stripe",
        status=status,
        idempotency_key=key,
        provider_reference=f"cs_test_{key}",
        checkout_url="https://checkout.stripe.com/c/pay/cs_test_pages",
        checkout_expires_at=timezone.now() + datetime.timedelta(minutes=60),
    )


@pytest.fixture
def world(transactional_db, settings):
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    for name, value in KEYS.items():
        setattr(settings, name, value)
    staff = StaffFactory(full_name="Lucía Reservas")
    contact = ClientContactFactory(full_name="Padre Ignacio Zeta")
    booking = _booking(
        contact=contact,
        staff=staff,
        client=ClientFactory(name="Cofradía Zeta", contacts=[contact]),
        group_name="Sevilla",
    )
    ana = traveller_add(
        booking=booking,
        data=TravellerInput(full_name="Ana Ruiz Gómez", room_type="double", email="ana@viajeros.example"),
        by=contact,
    )
    deposit, balance = booking.installments.order_by("position")
    # Ana paid part of her share with Stripe; staff gave some back through Stripe, still on its way.
    paid = _payment(
        booking, deposit, status=PaymentStatus.CREATED, amount=Decimal("20.00"), key="pages-1", traveller=ana
    )
    payment_report_apply(
        payment=paid,
        report=ProviderPayment(
            provider_payment_id="pi_pages_1",
            status=ProviderPaymentStatus.CONFIRMED,
            amount=Decimal("20.00"),
            currency=booking.currency,
            our_reference="pages-1",
        ),
    )
    Refund.objects.create(
        payment=paid,
        amount=Decimal("5.00"),
        currency=booking.currency,
        status=RefundStatus.TRANSIT,
        source=RefundSource.STAFF,
        provider_reference="re_pages_1",
        idempotency_key="refund-pages-1",
    )
    flagged = _payment(booking, balance, status=PaymentStatus.CREATED, amount=Decimal("30.00"), key="pages-2")
    payment_report_apply(
        payment=flagged,
        report=ProviderPayment(
            provider_payment_id="pi_pages_2",
            status=ProviderPaymentStatus.CONFIRMED,
            amount=Decimal("3.00"),
            currency=booking.currency,
            our_reference="pages-2",
        ),
    )
    failed = _payment(booking, balance, status=PaymentStatus.FAILED, amount=Decimal("30.00"), key="pages-3")
    # A Colombian school paying in dollars: routed to PayU, whose page takes a posted form.
    PaymentRoute.objects.get_or_create(country="CO", defaults={"provider": "payu"})
    colombian = ClientContactFactory(full_name="Rectora Camila Díaz")
    bogota = _booking(
        contact=colombian,
        staff=staff,
        client=ClientFactory(name="Colegio Bogotá", country="CO", contacts=[colombian]),
        group_name="Colegio Bogotá",
    )
    Booking.objects.filter(pk=bogota.pk).update(currency="USD")
    server = WebServer(env=KEYS)
    yield SimpleNamespace(
        base=server.url,
        booking=booking,
        bogota=bogota,
        token=traveller_link_token(traveller=ana),
        returns={
            "processing": reverse("pay:return", kwargs={"token": payment_return_token(payment=flagged)}),
            "confirmed": reverse("pay:return", kwargs={"token": payment_return_token(payment=paid)}),
            "failed": reverse("pay:return", kwargs={"token": payment_return_token(payment=failed)}),
            "leader": reverse("pay:return", kwargs={"token": payment_return_token(payment=flagged)}),
        },
        users={"staff": staff, "client": contact, "payu": colombian},
    )
    server.stop()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", list(LOCALES))
def test_every_online_payment_page_as_its_user(world, browser, language, size):
    # given: every user reads the site in this run's language, at this size
    # when: each opens their pages
    problems = pages_walk(pages=PAGES, world=world, browser=browser, language=language, size=size)

    # then: each answers in the user's language, fits, with labelled, touchable controls
    assert problems == []

    # and the Colombian leader's Pay with PayU leads to the signed form for PayU's page
    page = login(browser, world.base, world.users["payu"].email, locale=LOCALES[language], viewport=SIZES[size])
    page.goto(f"{world.base}/client/bookings/{world.bogota.pk}/")
    assert "PayU" in page.locator("[data-testid=pay-online-installment]").first.inner_text()
    page.locator("[data-testid=pay-online-installment]").first.click()
    page.wait_for_selector("[data-testid=checkout-form]")
    form = page.locator("[data-testid=checkout-form]")
    assert form.get_attribute("action") == "https://sandbox.checkout.payulatam.com/ppp-web-gateway-payu/"
    assert form.locator("input[name=currency]").get_attribute("value") == "USD"
    assert len(form.locator("input[name=signature]").get_attribute("value")) == 32
    assert page.evaluate("() => document.documentElement.lang") == language
    shot(page, f"online-payu-checkout-{language}-{size}", docs=True)
    assert Payment.objects.filter(booking=world.bogota, provider="payu", status=PaymentStatus.CREATED).count() == 1
    assert csp_violations(browser) == []
