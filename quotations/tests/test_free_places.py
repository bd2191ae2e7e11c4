"""Free places (one per N paying travellers): set on creation, corrected until sent, paid by the others."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from accounts.factories import StaffFactory
from quotations.errors import QuotationError
from quotations.factories import ClientFactory
from quotations.models import Quotation, QuotationLog, QuotationStatus
from quotations.services import RoomMix, StayInput, quotation_create, quotation_price, quotation_send, quotation_update


def _create(**extra):
    arrival = timezone.localdate() + datetime.timedelta(days=40)
    return quotation_create(
        client=ClientFactory(),
        owner=(staff := StaffFactory()),
        group_name="Peregrinación a Fátima",
        arrival=arrival,
        departure=arrival + datetime.timedelta(days=3),
        pax=42,
        rooms=RoomMix(singles=2, doubles=20),
        stays=[StayInput(city="Fátima", nights=3)],
        by=staff,
        **extra,
    )


@pytest.mark.django_db
def test_a_quotation_is_created_with_its_free_places():
    with_free = _create(free_place_every=20)
    without = _create()
    assert Quotation.objects.get(pk=with_free.pk).free_place_every == 20
    assert Quotation.objects.get(pk=without.pk).free_place_every == 0


@pytest.mark.django_db
@pytest.mark.parametrize("every", [-1, 101, True, 2.5])
def test_free_places_out_of_range_are_refused_and_nothing_is_written(every):
    with pytest.raises(QuotationError) as refused:
        _create(free_place_every=every)
    assert refused.value.field == "free_place_every"
    assert Quotation.objects.count() == 0
    assert QuotationLog.objects.count() == 0


def test_new_free_places_retire_the_pricing_until_the_quote_is_sent(bidding_round):
    # Given a priced quote
    r = bidding_round
    r.close()
    quotation_price(quotation=r.quotation, by=r.staff)

    # When staff give it one free place per 9 paying travellers
    quotation_update(quotation=r.quotation, free_place_every=9, by=r.staff)

    # Then the old price is retired, the log names the field (not its value), and a new pricing has 2 free places
    assert r.quotation.free_place_every == 9
    assert r.quotation.pricings.filter(is_current=True).count() == 0
    edited = QuotationLog.objects.get(action="quotation.edited")
    assert edited.data == {"fields": ["free_place_every"], "pricing_retired": True}
    pricing = quotation_price(quotation=r.quotation, by=r.staff)
    assert (pricing.breakdown["free_places"], pricing.breakdown["paying"]) == (2, 18)

    # And the same value again changes nothing
    quotation_update(quotation=r.quotation, free_place_every=9, by=r.staff)
    assert QuotationLog.objects.filter(action="quotation.edited").count() == 1

    # And once sent, the free places are part of the terms the client has
    quotation_send(quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=10), by=r.staff)
    with pytest.raises(QuotationError):
        quotation_update(quotation=r.quotation, free_place_every=20, by=r.staff)
    r.quotation.refresh_from_db()
    assert (r.quotation.free_place_every, r.quotation.status) == (9, QuotationStatus.SENT)
    assert r.quotation.pricings.get(is_current=True) == pricing


def _figures(html: str) -> list[Decimal]:
    """Amounts as the English page writes them (€6,030.00)."""
    return [Decimal(m.replace(",", "")) for m in re.findall(r"€([\d,]+\.\d{2})", html)]


def test_the_client_sees_lines_that_add_up_and_the_free_places(bidding_round):
    # Given a quote with 2 free places (one per 9 paying), priced and sent: 18 paying travellers × 335 = 6030
    r = bidding_round
    Quotation.objects.filter(pk=r.quotation.pk).update(free_place_every=9)
    r.close()
    quotation_price(quotation=r.quotation, by=r.staff)
    quotation_send(quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=10), by=r.staff)
    r.contact.language = "en"
    r.contact.save(update_fields=["language"])
    http = HttpClient()
    http.force_login(r.contact)

    # When the client opens it
    with override("en"):
        html = http.get(reverse("client:quotation", kwargs={"pk": r.quotation.pk}), HTTP_ACCEPT_LANGUAGE="en").content
    html = html.decode()

    # Then the only line is the doubles' (the singles are the free places), and it is the total
    start = html.index('data-testid="client-price-lines"')
    prices = html[start : html.index("</table>", start)]
    assert prices.count('data-testid="client-price-line"') == 1
    assert "18 travellers in a double room" in prices
    assert "18 × €335.00 per person" in prices
    assert _figures(prices) == [Decimal("335.00"), Decimal("6030.00"), Decimal("6030.00")]
    assert "Includes 2 free places." in html
    assert "On average €335.00 for each of the 18 paying travellers." in html


def test_the_staff_create_form_passes_the_free_places(db):
    http = HttpClient()
    http.force_login(StaffFactory())
    page = http.get(reverse("staff:quotation_create")).content.decode()
    assert 'name="free_place_every"' in page


def test_pricing_from_the_staff_page_announces_the_total_formatted_like_every_amount(bidding_round):
    # Given bidding closed
    r = bidding_round
    r.close()
    http = HttpClient()
    http.force_login(r.staff)

    # When staff price the quote (the page in Spanish)
    response = http.post(
        reverse("staff:price", kwargs={"pk": r.quotation.pk}), {"margin_percent": "17.35"}, follow=True
    )

    # Then the message gives the group's total, as the page writes every amount
    (message,) = [str(m) for m in response.context["messages"]]
    assert "6.020,00\xa0€" in message
    assert "301" not in message
