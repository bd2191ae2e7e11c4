"""Every page, as the user who reaches it, at desktop and phone width, in Spanish and English.

Served by the production web server (so the live rooms connect), each page must answer as expected, carry
the page's language, trip no Content-Security-Policy directive and, for the hotel portal,
the client pages and the login, fit the window: no sideways scrolling on a phone. Each
page is photographed into test-artifacts/e2e/; `make screenshots` also keeps the visible
part in docs/screenshots/<page>-<language>-<size>.png.

A new page joins by one entry in PAGES (and, if it needs data or a user of its own, a
line in the `world` fixture); nothing else here changes. The server runs with DEBUG on, so
the error pages (Django's technical pages there) are walked by the account pages' test.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.factories import StaffFactory
from accounts.models import User
from quotations.factories import bid_lines_full, quotation_make
from quotations.models import Quotation, QuotationStatus
from quotations.services import (
    RoomMix,
    bid_submit,
    message_post,
    quotation_close_bidding,
    quotation_invite_hotels,
    quotation_price,
    quotation_send,
)
from quotations.tests.browser import csp_violations, horizontal_overflow, login, open_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"en": "en-GB", "es": "es-ES"}
LIVE = "[data-room=indicator][data-state=live]"
# Form fields without a label, and (on a phone) buttons and fields under 44 px high.
UNLABELLED_OR_SMALL = """(phone) => {
    const main = document.querySelector("main");
    const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    const named = (el) => `${el.tagName.toLowerCase()}[name=${el.name || ""}]`;
    const fields = [...main.querySelectorAll("input:not([type=hidden]), select, textarea")].filter(shown);
    const unlabelled = fields.filter((el) => el.labels.length === 0
        && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")).map(named);
    const small = phone ? [...main.querySelectorAll(".btn, .form-control, .form-select")].filter(shown)
        .filter((el) => el.getBoundingClientRect().height < 44)
        .map((el) => `${named(el)} ${Math.round(el.getBoundingClientRect().height)}px`) : [];
    return {unlabelled, small};
}"""
# What a page is for, at the top of the screenshot unless it already starts in the upper half.
SCROLL_TO_FOCUS = """(element) => {
    if (element.getBoundingClientRect().top > window.innerHeight / 2) {
        element.scrollIntoView({block: "start"});
    }
}"""


@dataclass(frozen=True)
class Page:
    """One page of the site as one of the world's users reaches it.

    name     the screenshot's name: <name>-<language>-<size>.png
    who      a key of `world.users`, or None for a visitor who is not logged in
    path     the URL path, from the world
    status   the HTTP status the page answers with
    ready    a selector to wait for before looking (e.g. the live room connected)
    fits     the page may not scroll sideways, at either size
    focus    a selector scrolled into view before the screenshot (what the page is for)
    """

    name: str
    who: str | None
    path: Callable[[SimpleNamespace], str]
    status: int = 200
    ready: str | None = None
    fits: bool = True
    focus: str | None = None


PAGES = [
    # Anyone
    Page("login", None, lambda w: "/accounts/login/"),
    Page("password-reset", None, lambda w: "/accounts/password-reset/"),
    # Staff
    Page("staff-list", "staff", lambda w: "/staff/"),
    Page("staff-create", "staff", lambda w: "/staff/quotations/new/"),
    Page(
        "staff-quotation-bidding",
        "staff",
        lambda w: f"/staff/quotations/{w.bidding.pk}/",
        ready=LIVE,
        focus="[data-testid=bid-comparison]",
    ),
    Page("staff-close-bidding", "staff", lambda w: f"/staff/quotations/{w.bidding.pk}/close/"),
    Page(
        "staff-enter-bid",
        "staff",
        lambda w: f"/staff/quotations/{w.bidding.pk}/invitations/{w.phoned_invitation.pk}/bid/",
    ),
    Page("staff-send", "staff", lambda w: f"/staff/quotations/{w.quoted.pk}/send/?valid_until={w.valid_until}"),
    # The priced quotation's cost tables are wider than a phone.
    Page("staff-quotation", "staff", lambda w: f"/staff/quotations/{w.sent.pk}/", ready=LIVE),
    Page("staff-client-preview", "staff", lambda w: f"/staff/quotations/{w.quoted.pk}/preview/"),
    Page("staff-profile", "staff", lambda w: "/accounts/profile/"),
    # Hotels
    Page("portal-list", "hotel", lambda w: "/portal/"),
    Page(
        "portal-invitation",
        "hotel",
        lambda w: f"/portal/i/{w.open_invitation.token}/",
        ready=LIVE,
        focus="[data-testid=bid-form]",
    ),
    Page("portal-decline", "hotel", lambda w: f"/portal/i/{w.open_invitation.token}/decline/"),
    Page("portal-invitation-closed", "hotel", lambda w: f"/portal/i/{w.closed_invitation.token}/", ready=LIVE),
    Page("portal-profile", "hotel", lambda w: "/accounts/profile/"),
    # Clients
    Page("client-list", "client", lambda w: "/client/"),
    Page("client-quotation", "client", lambda w: f"/client/quotations/{w.sent.pk}/", ready=LIVE),
    Page("client-password", "client", lambda w: "/accounts/password/"),
    # The back office (Django's own pages)
    Page("admin-index", "director", lambda w: "/admin/", fits=False),
]


def _bid_round(quotation, hotels, staff, rates, *, today):
    """Invite `hotels`, each bidding its rates (single, double) on every stay in its city."""
    invitations = quotation_invite_hotels(
        quotation=quotation, hotels=hotels, by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=2)
    )
    for invitation, (single, double) in zip(invitations, rates, strict=True):
        hotel = invitation.hotel
        bid_submit(
            invitation=invitation,
            lines=bid_lines_full(
                quotation=quotation, hotel=hotel, rates={"single": single, "double": double, "twin": "1", "triple": "1"}
            ),
            currency=hotel.currency,
            valid_until=today + datetime.timedelta(days=30),
            by=hotel.members.get(),
        )
    return invitations


@pytest.fixture
def world(web_server, bidding_round):
    """The bidding round (five hotels bid, still open); a second quotation of the same
    client bid by two of its hotels, priced and sent; a third in Granada, priced and not
    sent yet; a few messages in the rooms."""
    r = bidding_round
    today = timezone.localdate()
    director = StaffFactory(full_name="Dirección General", is_superuser=True, staff_level=10)
    sent = quotation_make(
        client=r.client,
        owner=r.staff,
        group_name="Peregrinación a Santiago de Compostela",
        nights=(("Sevilla", 2),),
        pax=30,
        rooms=RoomMix(singles=2, doubles=14),
        margin_percent=Decimal("15.00"),
    )
    invitations = _bid_round(
        sent, [r.hotels["aurora"], r.hotels["boreal"]], r.staff, [("79.50", "94.00"), ("88.00", "101.00")], today=today
    )
    quotation_close_bidding(quotation=sent, by=r.staff)
    quotation_price(quotation=sent, by=r.staff)
    sent = quotation_send(quotation=sent, valid_until=today + datetime.timedelta(days=14), by=r.staff)
    quoted = quotation_make(
        client=r.client,
        owner=r.staff,
        group_name="Colegio San José: viaje de fin de curso",
        nights=(("Granada", 2),),
        pax=24,
        rooms=RoomMix(singles=2, doubles=11),
    )
    _bid_round(quoted, [r.hotels["delta"]], r.staff, [("68.00", "82.00")], today=today)
    quotation_close_bidding(quotation=quoted, by=r.staff)
    quotation_price(quotation=quoted, by=r.staff)
    message_post(
        quotation=r.quotation,
        author=r.staff,
        body="El grupo llega en autocar: ¿disponen de aparcamiento cerca del hotel?",
        audience="hotels",
    )
    message_post(quotation=r.quotation, author=r.users["aurora"], body="Sí, a 200 m, con reserva.", audience="staff")
    message_post(quotation=sent, author=r.contact, body="¿Podemos añadir una misa el segundo día?", audience="staff")
    assert (sent.status, Quotation.objects.get(pk=quoted.pk).status) == (QuotationStatus.SENT, QuotationStatus.QUOTED)
    return SimpleNamespace(
        base=web_server.url,
        bidding=r.quotation,
        sent=sent,
        quoted=quoted,
        valid_until=(today + datetime.timedelta(days=14)).isoformat(),
        open_invitation=r.invitations["aurora"],
        phoned_invitation=r.invitations["boreal"],
        closed_invitation=invitations[0],
        users={"staff": r.staff, "director": director, "hotel": r.users["aurora"], "client": r.contact},
    )


def pages_walk(*, pages, world, browser, language: str, size: str) -> list:
    """Open each page as its user (world.users[who], or a visitor) in `language` at `size`;
    return what is wrong: a status, the language, a sideways scroll, an unlabelled or too small control.
    Each page is photographed (`shot(..., docs=True)`)."""
    User.objects.filter(pk__in=[user.pk for user in world.users.values()]).update(language=language)
    options = {"locale": LOCALES[language], "viewport": SIZES[size]}
    tabs = {}

    def tab_for(who):
        if who not in tabs:
            tabs[who] = (
                open_page(browser, **options)
                if who is None
                else login(browser, world.base, world.users[who].email, **options)
            )
        return tabs[who]

    problems = []
    for page in pages:
        tab = tab_for(page.who)
        response = tab.goto(f"{world.base}{page.path(world)}")
        if page.ready:
            tab.locator(page.ready).first.wait_for()
        if response.status != page.status:
            problems.append((page.name, "status", response.status))
        if tab.evaluate("() => document.documentElement.lang") != language:
            problems.append((page.name, "lang", tab.evaluate("() => document.documentElement.lang")))
        if page.fits:
            overflow = horizontal_overflow(tab)
            if overflow["overflow"]:
                problems.append((page.name, "scrolls sideways", overflow))
        controls = tab.evaluate(UNLABELLED_OR_SMALL, size == "phone")
        if controls != {"unlabelled": [], "small": []}:
            problems.append((page.name, "controls", controls))
        if page.focus:
            tab.locator(page.focus).first.evaluate(SCROLL_TO_FOCUS)
        shot(tab, f"{page.name}-{language}-{size}", docs=True)
    return problems


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", list(LOCALES))
def test_every_page_as_its_user(world, browser, language, size):
    # given: every user reads the site in this run's language (set at login), at this size
    # when: each opens their pages
    problems = pages_walk(pages=PAGES, world=world, browser=browser, language=language, size=size)

    # then: each answers in the user's language, fits where it must, with labelled, touchable controls
    assert problems == []

    # and no page tripped the Content-Security-Policy
    assert csp_violations(browser) == []
