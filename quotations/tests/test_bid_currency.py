"""A hotel bids in its own currency: shown as text on the bid form, never a menu to choose from."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from quotations.forms.portal import BidForm
from quotations.models import HotelBid, QuotationLog


def _portal(r, key):
    http = HttpClient()
    http.force_login(r.users[key])
    return http, reverse("portal:invitation", kwargs={"token": r.invitations[key].token})


def test_the_bid_form_shows_the_hotels_currency_as_text_and_offers_no_menu(bidding_round):
    # Given Boreal, a hotel that bids in US dollars
    http, url = _portal(bidding_round, "boreal")

    # When it opens its invitation
    html = http.get(url).content.decode()

    # Then its currency is plain text, and no currency field or menu is on the page
    assert 'data-testid="bid-currency">USD</p>' in html
    assert 'name="currency"' not in html
    assert '<option value="EUR"' not in html


@pytest.mark.parametrize("posted", ["EUR", "XAU", ""])
def test_a_posted_currency_is_ignored_and_the_bid_is_in_the_hotels(bidding_round, posted):
    # Given Boreal (USD) revising its bid with another currency in the posted data
    r = bidding_round
    stay = r.quotation.stays.get(city="Sevilla")
    http, _url = _portal(r, "boreal")
    data = {
        "currency": posted,
        "valid_until": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        f"rate_{stay.pk}_single": "85.17",
        f"rooms_{stay.pk}_single": "2",
        f"rate_{stay.pk}_double": "99.00",
        f"rooms_{stay.pk}_double": "9",
    }

    # When it submits
    response = http.post(reverse("portal:bid", kwargs={"token": r.invitations["boreal"].token}), data)

    # Then the revision is accepted in the hotel's own currency
    assert response.status_code == 302
    bid = HotelBid.objects.filter(invitation=r.invitations["boreal"]).order_by("-revision").first()
    assert (bid.revision, bid.currency) == (2, "USD")
    assert bid.lines.get(room_type="double").nightly_rate == Decimal("99.00")
    assert QuotationLog.objects.filter(action="bid.revised").count() == 1


def test_the_form_hands_the_service_the_hotels_currency():
    invitation = {"active_bid": None, "hotel": {"currency": "MXN"}, "stays": [], "requirements": {"rooms": []}}
    form = BidForm({"currency": "EUR"}, invitation=invitation)
    assert "currency" not in form.fields
    assert form.currency == "MXN"
