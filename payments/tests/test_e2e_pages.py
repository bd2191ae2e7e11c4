"""Every booking and payment page, as the user who reaches it, at desktop and phone width, in Spanish
and English: the client's bookings and booking, its cancellation pages, a traveller's own payment
page (no login), the staff's bookings and booking, the hotel's booked stays and rooming list, the
guide's trip page (no login).

The same checks as the quotation pages' walk (quotations/tests/test_e2e_pages.py): the status, the
page's language, no Content-Security-Policy violation, no sideways scroll where the page must fit,
every field labelled and every control at least 44 px high on a phone; the screenshots go to
docs/screenshots/ with `make screenshots`.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from accounts.models import User
from bookings.guides import guide_link_token
from bookings.models import Booking, BookingRoom, Guide
from bookings.services import TravellerInput, guide_assign, rooming_assign, traveller_add
from payments.services import payment_announce, payment_record_transfer
from payments.travellers import traveller_link_token
from quotations.factories import ClientFactory, quotation_sent
from quotations.services import quotation_approve
from quotations.tests.browser import csp_violations, horizontal_overflow, login, open_page, shot
from quotations.tests.test_e2e_pages import LOCALES, SCROLL_TO_FOCUS, SIZES, UNLABELLED_OR_SMALL, Page

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

PAGES = [
    Page("client-bookings", "client", lambda w: "/client/bookings/"),
    Page("client-booking", "client", lambda w: f"/client/bookings/{w.booking.pk}/", focus="[data-testid=schedule]"),
    Page("client-booking-cancel", "client", lambda w: f"/client/bookings/{w.booking.pk}/cancel/"),
    Page(
        "client-traveller-cancel",
        "client",
        lambda w: f"/client/bookings/{w.booking.pk}/travellers/{w.traveller.pk}/cancel/",
    ),
    Page("traveller-pay", None, lambda w: f"/pay/{w.token}/"),
    # The staff's list has many columns: a desktop page, scrolling inside its table on a phone.
    Page("staff-bookings", "staff", lambda w: "/staff/bookings/", fits=False),
    Page("staff-booking", "staff", lambda w: f"/staff/bookings/{w.booking.pk}/", focus="[data-testid=ledger]"),
    Page("portal-bookings", "hotel", lambda w: "/portal/bookings/"),
    Page("portal-booking", "hotel", lambda w: f"/portal/bookings/{w.booked_hotel.pk}/"),
    Page("guide-trip", None, lambda w: f"/guide/{w.guide_token}/"),
]


@pytest.fixture
def world(daphne_server):
    """A booking with its deposit paid by transfer, two travellers in one double room, one share announced."""
    staff = StaffFactory(full_name="Lucía Reservas")
    contact = ClientContactFactory(full_name="Padre Ignacio Zeta")
    member = HotelUserFactory(full_name="Reservas Hotel Aurora")
    quotation = quotation_sent(
        client=ClientFactory(name="Cofradía Zeta", contacts=[contact]),
        owner=staff,
        group_name="Semana Santa en Sevilla",
        arrival=timezone.localdate() + datetime.timedelta(days=150),
    )
    hotel = quotation.pricings.get(is_current=True).choices.get().bid.invitation.hotel
    hotel.members.add(member)
    quotation_approve(quotation=quotation, by=contact)
    booking = Booking.objects.get(quotation=quotation)
    ana, bea = (
        traveller_add(
            booking=booking,
            data=TravellerInput(full_name=name, room_type="double", email=f"{name[:3].lower()}@viajeros.example"),
            by=contact,
        )
        for name in ("Ana Ruiz Gómez", "Bea Soto Lara")
    )
    room = BookingRoom.objects.get(booking=booking, number=3)
    rooming_assign(booking=booking, assignments={ana.pk: room.pk, bea.pk: room.pk}, by=contact)
    deposit = booking.installments.get(position=1)
    payment_record_transfer(
        booking=booking,
        installment=deposit,
        amount=deposit.amount,
        received_on=timezone.localdate(),
        reference="TRF 2026 0042",
        by=staff,
    )
    payment_announce(booking=booking, installment=booking.installments.get(position=2), traveller=bea, by=None)
    guide = Guide.objects.create(full_name="Javier Ortega", email="javier@guias.example")
    guide_assign(booking=booking, guide=guide, by=staff)
    return SimpleNamespace(
        base=daphne_server.url,
        booking=booking,
        traveller=ana,
        token=traveller_link_token(traveller=ana),
        booked_hotel=booking.hotels.get(),
        guide_token=guide_link_token(booking=booking, guide=guide),
        users={"staff": staff, "client": contact, "hotel": member},
    )


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", list(LOCALES))
def test_every_booking_page_as_its_user(world, browser, language, size):
    # given: every user reads the site in this run's language (set at login), at this size
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
    for page in PAGES:
        # when: the user opens the page
        tab = tab_for(page.who)
        response = tab.goto(f"{world.base}{page.path(world)}")

        # then: it answers in the user's language, fits where it must, with labelled, touchable controls
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

    assert problems == []
    # and the traveller's page shows nothing of the other traveller or the client's prices per room
    traveller_page = tab_for(None)
    traveller_page.goto(f"{world.base}/pay/{world.token}/")
    html = traveller_page.content()
    assert "Ana Ruiz Gómez" in html and "Bea Soto Lara" not in html and "Cofradía Zeta" not in html
    assert csp_violations(browser) == []
