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
from bookings.guides import guide_link_token
from bookings.models import Booking, BookingRoom, Guide
from bookings.services import TravellerInput, guide_assign, rooming_assign, traveller_add
from payments.services import payment_announce, payment_record_transfer
from payments.travellers import traveller_link_token
from quotations.factories import ClientFactory, quotation_sent
from quotations.services import quotation_approve
from quotations.tests.browser import csp_violations, open_page
from quotations.tests.test_e2e_pages import LOCALES, SIZES, Page, pages_walk

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
def world(web_server):
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
        base=web_server.url,
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
    # given: every user reads the site in this run's language, at this size
    # when: each opens their pages
    problems = pages_walk(pages=PAGES, world=world, browser=browser, language=language, size=size)

    # then: each answers in the user's language, fits where it must, with labelled, touchable controls
    assert problems == []
    # and the traveller's page shows nothing of the other traveller or the client
    traveller_page = open_page(browser, locale=LOCALES[language], viewport=SIZES[size])
    traveller_page.goto(f"{world.base}/pay/{world.token}/")
    html = traveller_page.content()
    assert "Ana Ruiz Gómez" in html and "Bea Soto Lara" not in html and "Cofradía Zeta" not in html
    assert csp_violations(browser) == []
