"""The booking pages over HTTP: each viewer reaches only its own bookings; staff filter theirs."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.utils import timezone, translation

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from bookings.factories import booking_approved
from quotations.factories import ClientFactory, HotelFactory, bid_lines_full, quotation_make
from quotations.models import HotelInvitation
from quotations.services import (
    bid_submit,
    quotation_approve,
    quotation_close_bidding,
    quotation_invite_hotels,
    quotation_price,
    quotation_send,
)
from spirittours.templatetags.figures import money_format

pytestmark = pytest.mark.django_db


def _http(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def test_the_client_sees_its_booking_with_schedule_bank_details_and_reference():
    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact)
    http = _http(contact)

    listing = http.get("/client/bookings/")
    page = http.get(f"/client/bookings/{booking.pk}/")

    assert listing.status_code == 200 and booking.reference in listing.content.decode()
    assert page.status_code == 200
    html = page.content.decode()
    deposit = booking.installments.get(position=1)
    assert html.count('data-testid="installment-row"') == 2
    assert 'data-testid="transfer-reference">' + booking.reference in html
    assert 'data-testid="deposit-due"' in html
    # client prices only: no hotel cost, no margin
    pricing = booking.quotation.pricings.get(is_current=True)
    assert str(pricing.hotel_cost_total) not in html and "margin" not in html.lower()
    with translation.override("es"):  # the page's language without a language cookie
        assert money_format(deposit.amount, "EUR").replace("\xa0", "&nbsp;") in html.replace("\xa0", "&nbsp;")


def test_the_approved_quote_page_links_to_the_booking():
    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact)

    http = _http(contact)
    html = http.get(f"/client/quotations/{booking.quotation_id}/").content.decode()
    followed = http.get(f"/client/bookings/quotation/{booking.quotation_id}/")

    assert f'href="/client/bookings/quotation/{booking.quotation_id}/"' in html
    assert followed.status_code == 302 and followed["Location"] == f"/client/bookings/{booking.pk}/"


@pytest.mark.parametrize("who", ["other_client", "hotel", "anonymous_guess"])
def test_a_booking_is_404_for_anyone_but_its_client_and_staff(who):
    booking = booking_approved()
    if who == "other_client":
        other = ClientContactFactory()
        booking_approved(contact=other)
        http, url = _http(other), f"/client/bookings/{booking.pk}/"
    elif who == "hotel":
        member = HotelUserFactory()
        HotelFactory(members=[member])
        http, url = _http(member), f"/client/bookings/{booking.pk}/"
    else:
        http, url = _http(booking.client.contacts.get()), f"/client/bookings/{booking.pk + 1000}/"

    assert http.get(url).status_code == 404


def test_staff_list_filters_by_status_and_overdue():
    staff = StaffFactory(language="en")
    late = booking_approved()
    on_time = booking_approved()
    late.installments.filter(position=1).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    http = _http(staff)

    overdue = http.get("/staff/bookings/?overdue=on").content.decode()
    confirmed = http.get("/staff/bookings/?status=confirmed").content.decode()
    everything = http.get("/staff/bookings/").content.decode()

    assert late.reference in overdue and on_time.reference not in overdue
    assert late.reference not in confirmed and 'data-testid="empty-state"' in confirmed
    assert late.reference in everything and on_time.reference in everything


def test_after_approval_the_chosen_hotel_reads_selected_and_the_other_not_selected():
    # given a quote bid by two hotels in Sevilla, the cheaper one chosen, approved
    staff, contact = StaffFactory(), ClientContactFactory()
    today = timezone.localdate()
    quotation = quotation_make(
        client=ClientFactory(contacts=[contact]), owner=staff, arrival=today + datetime.timedelta(days=120)
    )
    members = [HotelUserFactory(), HotelUserFactory()]
    hotels = [
        HotelFactory(city="Sevilla", members=[m], name=n) for m, n in zip(members, ("Cheap", "Dear"), strict=True)
    ]
    invitations = quotation_invite_hotels(
        quotation=quotation, hotels=hotels, by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=3)
    )
    for invitation, rate in zip(invitations, ("80", "120"), strict=True):
        bid_submit(
            invitation=invitation,
            lines=bid_lines_full(quotation=quotation, hotel=invitation.hotel, rates={"single": rate, "double": rate}),
            currency="EUR",
            valid_until=today + datetime.timedelta(days=30),
            by=invitation.hotel.members.get(),
        )
    quotation_close_bidding(quotation=quotation, by=staff)
    quotation_price(quotation=quotation, by=staff)
    quotation_send(quotation=quotation, valid_until=today + datetime.timedelta(days=10), by=staff)

    # when the client approves
    quotation_approve(quotation=quotation, by=contact)

    # then each hotel reads only its own outcome, and only the chosen one has a booked stay
    for member, hotel_name, selection in ((members[0], "Cheap", "selected"), (members[1], "Dear", "not_selected")):
        invitation = HotelInvitation.objects.get(quotation=quotation, hotel__name=hotel_name)
        html = _http(member).get(f"/portal/i/{invitation.token}/").content.decode()
        assert f'data-selection="{selection}"' in html
        other = "Dear" if hotel_name == "Cheap" else "Cheap"
        assert other not in html
    listing = _http(members[1]).get("/portal/bookings/").content.decode()
    assert 'data-testid="hotel-booking-row"' not in listing
    chosen = _http(members[0]).get("/portal/bookings/").content.decode()
    assert chosen.count('data-testid="hotel-booking-row"') == 1


def test_staff_assign_a_guide_who_reads_the_trip_without_a_price():
    from bookings.guides import guide_link_token
    from bookings.models import Guide
    from notifications.models import EmailMessage

    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    guide = Guide.objects.create(full_name="Javier Ortega", email="javier@guias.example", language="en")
    staff_http = _http(StaffFactory())

    assigned = staff_http.post(f"/staff/bookings/{booking.pk}/guide/", {"guide": guide.pk})
    again = staff_http.post(f"/staff/bookings/{booking.pk}/guide/", {"guide": guide.pk})
    page = HttpClient().get(f"/guide/{guide_link_token(booking=booking, guide=guide)}/")

    assert (assigned.status_code, again.status_code, page.status_code) == (302, 302, 200)
    booking.refresh_from_db()
    assert booking.guide == guide
    recipients = sorted(EmailMessage.objects.filter(template="guide_assigned").values_list("to_email", flat=True))
    assert recipients == sorted([guide.email, contact.email])
    html = page.content.decode()
    assert booking.stays[0]["hotel_name"] in html
    assert "€" not in html and str(booking.total) not in html
    assert HttpClient().get("/guide/forged-token/").status_code == 404


def test_the_staff_quotation_page_links_to_its_booking():
    booking = booking_approved()
    http = _http(StaffFactory())

    html = http.get(f"/staff/quotations/{booking.quotation_id}/").content.decode()
    followed = http.get(f"/staff/bookings/quotation/{booking.quotation_id}/")

    assert f'href="/staff/bookings/quotation/{booking.quotation_id}/"' in html
    assert followed.status_code == 302 and followed["Location"] == f"/staff/bookings/{booking.pk}/"


@pytest.mark.parametrize(("level", "offered"), [(4, False), (5, True)])
def test_the_schedule_form_is_offered_only_to_staff_who_may_use_it(settings, level, offered):
    settings.BOOKING_SCHEDULE_EDIT_FROM_LEVEL = 5
    booking = booking_approved()

    html = _http(StaffFactory(staff_level=level)).get(f"/staff/bookings/{booking.pk}/").content.decode()

    assert ('data-testid="schedule-change"' in html) is offered
    assert (f"/staff/bookings/{booking.pk}/schedule/" in html) is offered
