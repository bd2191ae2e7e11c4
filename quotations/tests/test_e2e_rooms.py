"""The live room in a real browser, against the production web server: a hotel's bid appears on the
staff page within 2 s without a reload, and never on the other hotel's page or
in its WebSocket frames."""

import datetime
import json
import time
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.factories import HotelUserFactory, StaffFactory
from quotations.factories import HotelFactory, quotation_make
from quotations.services import quotation_invite_hotels
from quotations.tests.browser import csp_violations, login, shot

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def live_round(web_server):
    """A quotation in bidding with two invited hotels, made before the browser starts."""
    staff = StaffFactory(email="live@spirittours.example", language="en")  # the pages open in it: 108.29
    quotation = quotation_make(owner=staff, nights=(("Sevilla", 2),))
    users = {key: HotelUserFactory(email=f"live-{key}@hotel.example") for key in ("alfa", "beta")}
    hotels = {
        "alfa": HotelFactory(name="Hotel Orilla Alfa", city="Sevilla", members=[users["alfa"]]),
        "beta": HotelFactory(name="Hotel Ribera Beta", city="Sevilla", members=[users["beta"]]),
    }
    invitations = {
        inv.hotel_id: inv
        for inv in quotation_invite_hotels(
            quotation=quotation,
            hotels=list(hotels.values()),
            by=staff,
            bid_deadline=timezone.now() + datetime.timedelta(days=2),
        )
    }
    return SimpleNamespace(
        base=web_server.url, staff=staff, quotation=quotation, users=users, hotels=hotels, invitations=invitations
    )


def test_bid_appears_live_for_staff_and_never_for_the_other_hotel(live_round, browser):
    # given
    r = live_round
    base, staff, quotation, users, hotels, invitations = (
        r.base,
        r.staff,
        r.quotation,
        r.users,
        r.hotels,
        r.invitations,
    )
    staff_page = login(browser, base, staff.email)
    staff_page.goto(f"{base}/staff/quotations/{quotation.pk}/")
    staff_page.wait_for_selector("[data-room=indicator][data-state=live]")

    beta_frames: list[str] = []
    beta_page = login(browser, base, users["beta"].email)
    beta_page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: beta_frames.append(payload)))
    beta_page.goto(f"{base}/portal/i/{invitations[hotels['beta'].pk].token}/")
    beta_page.wait_for_selector("[data-room=indicator][data-state=live]")

    alfa_page = login(browser, base, users["alfa"].email)
    alfa_page.goto(f"{base}/portal/i/{invitations[hotels['alfa'].pk].token}/")
    bid = alfa_page.locator("[data-testid=bid-form]")
    bid.locator("input[name$=_single][name^=rate_]").fill("93.17")
    bid.locator("input[name$=_double][name^=rate_]").fill("108.29")
    bid.locator("input[name=valid_until]").fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())

    # when: Alfa submits its bid
    bid.locator("button[type=submit]").last.click()
    alfa_page.wait_for_load_state()
    submitted = time.monotonic()

    # then: it shows on the staff page within 2 s, with no reload
    staff_page.locator("[data-testid=bid-comparison]", has_text="Hotel Orilla Alfa").wait_for(timeout=2_000)
    assert time.monotonic() - submitted < 2.0
    assert staff_page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert "108.29" in staff_page.locator("[data-testid=bid-comparison]").inner_text()
    shot(staff_page, "staff-live-bid")

    # and never on Beta's page or in Beta's frames
    beta_page.wait_for_timeout(500)
    html = beta_page.content()
    for secret in ("Hotel Orilla Alfa", "93.17", "108.29", "93,17", "108,29"):
        assert secret not in html
        assert not any(secret in frame for frame in beta_frames)
    kinds = [json.loads(frame).get("kind") for frame in beta_frames]
    assert "bid.submitted" not in kinds
    assert json.loads(beta_frames[0])["type"] == "snapshot"
    # and the sockets connected under the Content-Security-Policy (connect-src 'self')
    assert csp_violations(browser) == []
