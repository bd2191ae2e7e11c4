"""The staff quotation page in a real browser, against the production web server: the client's request shows
live, the irreversible buttons confirm with the keyboard, and without JavaScript too."""

import datetime
import re

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from notifications.models import EmailMessage, EmailTemplate
from quotations.factories import ClientFactory, HotelFactory, quotation_make, quotation_sent
from quotations.models import InvitationStatus, QuotationStatus
from quotations.services import quotation_invite_hotels
from quotations.tests.browser import PASSWORD, csp_violations, login, shot

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_the_clients_request_appears_live_on_the_staff_page(web_server, browser):
    # given a sent quote, staff watching its page and the client on its own
    base = web_server.url
    staff = StaffFactory(email="e2e-staff@spirittours.example", full_name="Lucía Comercial", language="es")
    contact = ClientContactFactory(email="e2e-client@client.example", full_name="Marta Cliente", language="en")
    quotation = quotation_sent(client=ClientFactory(contacts=[contact]), owner=staff)
    staff_page = login(browser, base, staff.email)
    staff_page.goto(f"{base}/staff/quotations/{quotation.pk}/")
    staff_page.wait_for_selector("[data-room=indicator][data-state=live]")
    assert staff_page.locator("[data-testid=client-request]").count() == 0

    # when the client asks for changes
    client_page = login(browser, base, contact.email)
    client_page.goto(f"{base}/client/quotations/{quotation.pk}/")
    client_page.fill("[data-testid=changes-form] textarea[name=message]", "Half board in Sevilla, please.")
    client_page.locator("[data-testid=changes-form] button[type=submit]").click()
    client_page.wait_for_load_state()

    # then the staff page shows its words and the timeline entry, without a reload
    request = staff_page.locator("[data-testid=client-request]", has_text="Half board in Sevilla, please.")
    request.wait_for(timeout=30_000)
    staff_page.locator("[data-testid=timeline-entry][data-kind=request]").first.wait_for(timeout=30_000)
    assert "Marta Cliente" in request.inner_text()
    assert staff_page.evaluate("performance.getEntriesByType('navigation').length") == 1
    # and the owner has the client's words by email, once, in the owner's language
    emails = EmailMessage.objects.filter(template=EmailTemplate.CLIENT_CHANGES_REQUESTED)
    assert [(email.to_email, email.language) for email in emails] == [("e2e-staff@spirittours.example", "es")]
    assert "Half board in Sevilla, please." in emails[0].body_text
    shot(staff_page, "staff-client-request-live")
    assert csp_violations(browser) == []


def test_close_bidding_confirms_with_the_keyboard(web_server, browser):
    # given a quotation in bidding
    base = web_server.url
    staff = StaffFactory(email="e2e-keys@spirittours.example")
    quotation = quotation_make(owner=staff, nights=(("Sevilla", 2),))
    quotation_invite_hotels(
        quotation=quotation,
        hotels=[HotelFactory(city="Sevilla")],
        by=staff,
        bid_deadline=timezone.now() + datetime.timedelta(days=2),
    )
    page = login(browser, base, staff.email)
    page.goto(f"{base}/staff/quotations/{quotation.pk}/")

    # when staff press Enter on "Close bidding now", then on Confirm
    page.locator("[data-testid=close-form] button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=confirmation]")
    shot(page, "staff-close-confirmation")
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.BIDDING  # nothing happened yet
    page.locator("[data-testid=confirm-button]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=quotation-status]")

    # then
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.QUOTED
    assert csp_violations(browser) == []


def test_a_hotel_declines_without_javascript_through_the_confirmation_page(web_server, browser):
    # given a hotel invited to bid, in a browser with JavaScript off
    base = web_server.url
    member = HotelUserFactory(email="e2e-nojs@hotel.example", language="en")
    hotel = HotelFactory(city="Sevilla", members=[member])
    staff = StaffFactory()
    quotation = quotation_make(owner=staff, nights=(("Sevilla", 2),))
    (invitation,) = quotation_invite_hotels(
        quotation=quotation, hotels=[hotel], by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=2)
    )
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", member.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]:not([name=language])")
    page.wait_for_load_state()
    page.goto(f"{base}/portal/i/{invitation.token}/")

    # when it follows "Decline invitation", then cancels: nothing changes
    page.locator("[data-testid=decline-form] button[type=submit]").click()
    page.wait_for_selector("[data-testid=confirmation]")
    page.locator("[data-testid=confirm-cancel]").click()
    page.wait_for_selector("[data-testid=decline-form]")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.VIEWED

    # when it goes again, gives its reason and confirms
    page.locator("[data-testid=decline-form] button[type=submit]").click()
    page.fill("[data-testid=confirm-form] textarea[name=reason]", "Fully booked that week")
    shot(page, "portal-decline-confirmation")
    page.locator("[data-testid=confirm-button]").click()
    page.wait_for_load_state()

    # then
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decline_reason) == (InvitationStatus.DECLINED, "Fully booked that week")
    context.close()


def test_a_hotels_question_and_a_bid_entered_by_staff_reach_the_timeline_live(web_server, browser):
    # given a quotation in bidding, staff watching its page
    base = web_server.url
    staff = StaffFactory(email="e2e-timeline@spirittours.example", full_name="Lucía Comercial")
    member = HotelUserFactory(email="e2e-question@hotel.example", language="en")
    hotel = HotelFactory(name="Hotel Pregunta Sevilla", city="Sevilla", members=[member])
    quotation = quotation_make(owner=staff, nights=(("Sevilla", 2),))
    (invitation,) = quotation_invite_hotels(
        quotation=quotation, hotels=[hotel], by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=2)
    )
    staff_page = login(browser, base, staff.email)
    staff_page.goto(f"{base}/staff/quotations/{quotation.pk}/")
    staff_page.wait_for_selector("[data-room=indicator][data-state=live]")

    # when the hotel asks a question in its portal
    hotel_page = login(browser, base, member.email)
    hotel_page.goto(f"{base}/portal/i/{invitation.token}/")
    hotel_page.fill("[data-testid=message-form] textarea[name=body]", "Is there parking for the coach?")
    hotel_page.locator("[data-testid=message-form] button[type=submit]").click()
    hotel_page.wait_for_load_state()

    # then the staff timeline shows it without a reload
    staff_page.locator("[data-testid=timeline-entry][data-kind=message]", has_text="parking for the coach").wait_for(
        timeout=30_000
    )
    assert staff_page.evaluate("performance.getEntriesByType('navigation').length") == 1
    # and the live message's time is written as the pages write theirs, in the site's time zone
    live_time = staff_page.locator("[data-testid=room-messages] time").last.inner_text()
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2} CES?T", live_time), live_time

    # when staff enter the bid the hotel phoned in
    entry = login(browser, base, staff.email)
    entry.goto(f"{base}/staff/quotations/{quotation.pk}/")
    entry.locator("[data-testid=enter-bid]").click()
    form = entry.locator("[data-testid=bid-form]")
    form.locator("input[name$=_single][name^=rate_]").fill("91.40")
    form.locator("input[name$=_double][name^=rate_]").fill("104.60")
    form.locator("input[name=valid_until]").fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    form.locator("button[type=submit]").click()
    entry.wait_for_load_state()

    # then the first staff page shows the bid in its timeline, by the staff member, live
    staff_page.locator("[data-testid=timeline-entry][data-kind=bid]", has_text="Hotel Pregunta Sevilla").wait_for(
        timeout=30_000
    )
    assert "Lucía Comercial" in staff_page.locator("[data-testid=timeline-entry][data-kind=bid]").first.inner_text()
    # and the hotel's portal marks it as entered by our team
    hotel_page.goto(f"{base}/portal/i/{invitation.token}/")
    assert hotel_page.locator("[data-testid=entered-by-team]").count() == 1
    shot(staff_page, "staff-timeline-live")
    assert csp_violations(browser) == []
