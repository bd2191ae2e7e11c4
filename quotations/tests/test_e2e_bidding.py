"""End to end in a real browser: staff → three hotels → automatic quotation → client approves.

Playwright drives Debian's Chromium against the live test server; each role
has its own browser context. Along the way, hotel pages never carry another
hotel's prices or name, and the client's page never a net rate or the margin.
Screenshots of each role's main page go to test-artifacts/e2e/.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from notifications.models import EmailMessage, EmailTemplate
from quotations.factories import ClientFactory, HotelFactory
from quotations.models import Quotation, QuotationStatus
from quotations.tests.browser import csp_violations, login, shot

pytestmark = pytest.mark.browser

RATES = {
    "a": ("Hotel Giralda Alfa", "81.37", "96.53"),
    "b": ("Hotel Guadalquivir Beta", "85.17", "100.29"),
    "c": ("Hotel Triana Gamma", "88.41", "104.77"),
}
MARGIN = "17.35"


def test_staff_hotels_and_client_in_a_real_browser(live_server, browser):
    # given: staff, a client contact and three hotels in Sevilla with their users
    # (all in English: the pages open in each user's language, and the figures below are written in it)
    staff = StaffFactory(email="lucia@spirittours.example", staff_level=8, language="en")
    contact = ClientContactFactory(email="ignacio@parroquia.example", language="en")
    secretary = ClientContactFactory(email="secretaria@parroquia.example", language="es")
    ClientFactory(name="Parroquia de San Gil", contacts=[contact, secretary])
    hotel_users = {}
    for key, (name, _single, _double) in RATES.items():
        hotel_users[key] = HotelUserFactory(email=f"reservas-{key}@hotel.example", language="en")
        HotelFactory(name=name, city="Sevilla", members=[hotel_users[key]])
    base = live_server.url
    arrival = timezone.localdate() + datetime.timedelta(days=90)

    # when: staff create the quotation and invite the three hotels
    staff_page = login(browser, base, staff.email)
    staff_page.goto(f"{base}/staff/quotations/new/")
    form = staff_page.locator("[data-testid=quotation-create-form]")
    form.locator("select[name=client]").select_option(label="Parroquia de San Gil")
    form.locator("input[name=group_name]").fill("Peregrinación de Pentecostés")
    form.locator("input[name=arrival]").fill(arrival.isoformat())
    form.locator("input[name=departure]").fill((arrival + datetime.timedelta(days=3)).isoformat())
    form.locator("input[name=pax]").fill("20")
    form.locator("input[name=singles]").fill("2")
    form.locator("input[name=doubles]").fill("9")
    form.locator("input[name=stays]").fill("Sevilla:3")
    form.locator("input[name=margin_percent]").fill(MARGIN)
    form.locator("button[type=submit]").click()
    staff_page.wait_for_url("**/staff/quotations/*/")
    quotation = Quotation.objects.get(group_name="Peregrinación de Pentecostés")
    invite = staff_page.locator("[data-testid=invite-form]")
    for checkbox in invite.locator("input[name=hotels]").all():
        checkbox.check()
    invite.locator("button[type=submit]").click()
    staff_page.wait_for_load_state()
    assert staff_page.locator("[data-testid=invitations] tbody tr").count() == 3

    # and each hotel bids in its own browser context
    hotel_pages = {}
    for key, (_name, single, double) in RATES.items():
        page = login(browser, base, hotel_users[key].email)
        page.locator("[data-testid=invitation-row] a").first.click()
        page.wait_for_load_state()
        bid = page.locator("[data-testid=bid-form]")
        bid.locator("input[name$=_single][name^=rate_]").fill(single)
        bid.locator("input[name$=_double][name^=rate_]").fill(double)
        bid.locator("input[name=valid_until]").fill((timezone.localdate() + datetime.timedelta(days=40)).isoformat())
        bid.locator("button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator("[data-testid=bid-history]").inner_text().count(double) >= 1
        hotel_pages[key] = page

    # then: no hotel page shows another hotel's prices or name
    for key, page in hotel_pages.items():
        page.reload()
        html = page.content()
        for other, (name, single, double) in RATES.items():
            if other != key:
                assert name not in html and single not in html and double not in html, f"{key} sees {other}"
        assert "Parroquia de San Gil" not in html and MARGIN not in html
    shot(hotel_pages["a"], "hotel-portal")

    # when: staff close bidding, run the automatic quotation and send it
    staff_page.reload()
    assert staff_page.locator("[data-testid=comparison-row]").count() == 3
    staff_page.locator("form[action$='/close/'] button[type=submit]").click()
    staff_page.locator("[data-testid=confirm-button]").click()  # the confirmation page
    staff_page.wait_for_load_state()
    staff_page.locator("[data-testid=price-form] button[type=submit]").click()
    staff_page.wait_for_load_state()
    assert staff_page.locator("[data-testid=price-per-person]").is_visible()
    shot(staff_page, "staff-quotation")
    staff_page.locator("[data-testid=send-form] button[type=submit]").click()
    staff_page.locator("[data-testid=confirm-button]").click()  # the confirmation page
    staff_page.wait_for_load_state()
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.SENT
    # and each of the client's contacts has the quote email in the outbox, in their own language, once
    sent = EmailMessage.objects.filter(template=EmailTemplate.QUOTATION_SENT).order_by("to_email")
    assert [(email.to_email, email.language) for email in sent] == [
        ("ignacio@parroquia.example", "en"),
        ("secretaria@parroquia.example", "es"),
    ]
    assert f"/client/quotations/{quotation.pk}/" in sent[0].body_text
    assert [
        value for value in [*(v for _n, s, d in RATES.values() for v in (s, d)), MARGIN] if value in sent[0].body_html
    ] == []

    # and the client approves
    client_page = login(browser, base, contact.email)
    client_page.locator("[data-testid=quotation-row] a").first.click()
    client_page.wait_for_load_state()
    html = client_page.content()
    net_rates = [value for _name, single, double in RATES.values() for value in (single, double)]
    assert [value for value in [*net_rates, MARGIN] if value in html] == []
    assert "Hotel Guadalquivir Beta" not in html and "Hotel Triana Gamma" not in html  # only the chosen one
    shot(client_page, "client-quote")
    client_page.once("dialog", lambda dialog: dialog.accept())
    client_page.locator("[data-testid=approve-form] button[type=submit]").click()
    client_page.wait_for_load_state()

    # then
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.APPROVED
    chosen = quotation.pricings.get(is_current=True).choices.get().bid.invitation.hotel.name
    assert chosen == "Hotel Giralda Alfa"
    # and no page of any role tripped the Content-Security-Policy
    assert csp_violations(browser) == []
