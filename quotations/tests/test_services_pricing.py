import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.factories import StaffFactory
from quotations.errors import QuotationError
from quotations.models import Quotation, QuotationLog, QuotationPricing, QuotationStatus
from quotations.services import quotation_extend_deadline, quotation_price, quotation_send

# Worked by hand (see conftest): Boreal wins Sevilla once converted, Cenit is expired,
# Estrella beats Delta on stars.
#   Boreal 85.17 × 0.92 = 78.3564, 100.29 × 0.92 = 92.2668
#   Sevilla (2 × 78.3564 + 9 × 92.2668) × 3 = 2961.342
#   Granada (2 × 70.41 + 9 × 85.23) × 2 = (2 × 70.86 + 9 × 85.13) × 2 = 1815.78
#   hotel cost per person (2961.342 + 1815.78) / 20 = 238.8561
#   single: 2 rooms × (78.3564 × 3 + 70.86 × 2) / 2 travellers = 376.7892 × 1.1735 + 20.50 = 462.662... → 463
#   double: 9 rooms × (92.2668 × 3 + 85.13 × 2) / 18 travellers = 223.5302 × 1.1735 + 20.50 = 282.812... → 283
#   total 2 × 463 + 18 × 283 = 926 + 5094 = 6020; average 6020 / 20 = 301


def test_automatic_quotation_matches_hand_computed_figures(bidding_round):
    r = bidding_round
    r.close()
    pricing = quotation_price(quotation=r.quotation, by=r.staff)
    assert [c.bid_id for c in pricing.choices.order_by("stay__position")] == [
        r.bids["boreal"].pk,
        r.bids["estrella"].pk,
    ]
    assert (pricing.hotel_cost_total, pricing.cost_per_person) == (Decimal("4777.12"), Decimal("238.86"))
    assert (pricing.extras_per_person, pricing.margin_percent) == (Decimal("20.50"), Decimal("17.35"))
    assert (pricing.price_per_person, pricing.price_total) == (Decimal("301"), Decimal("6020"))
    assert pricing.room_prices == {
        "single": {"rooms": 2, "travellers": 2, "free": 0, "paying": 2, "per_person": "463", "total": "926"},
        "double": {"rooms": 9, "travellers": 18, "free": 0, "paying": 18, "per_person": "283", "total": "5094"},
    }
    assert (pricing.breakdown["free_places"], pricing.breakdown["paying"]) == (0, 20)
    assert pricing.bids_valid_until == min(r.bids["boreal"].valid_until, r.bids["estrella"].valid_until)
    assert pricing.breakdown["stays"][0]["lines"] == [
        {"room_type": "double", "nightly_rate": "100.29", "nightly_rate_converted": "92.27"},
        {"room_type": "single", "nightly_rate": "85.17", "nightly_rate_converted": "78.36"},
    ]
    assert QuotationLog.objects.filter(action="quote.computed").count() == 1


def test_margin_and_override_from_staff(bidding_round):
    r = bidding_round
    r.close()
    sevilla = r.quotation.stays.get(city="Sevilla")
    pricing = quotation_price(
        quotation=r.quotation, by=r.staff, margin_percent=Decimal("10"), overrides={sevilla.pk: r.bids["aurora"].pk}
    )
    # hotel cost 3094.53 (Aurora) + 1815.78 (Estrella) = 4910.31
    # single: (81.37 × 3 + 70.86 × 2) = 385.83 × 1.10 + 20.50 = 444.913 → 445
    # double: (96.53 × 3 + 85.13 × 2) / 2 = 229.925 × 1.10 + 20.50 = 273.4175 → 274
    # total 2 × 445 + 18 × 274 = 890 + 4932 = 5822; average 5822 / 20 = 291.10
    assert (pricing.hotel_cost_total, pricing.price_total) == (Decimal("4910.31"), Decimal("5822"))
    assert pricing.price_per_person == Decimal("291.10")
    assert pricing.choices.get(stay=sevilla).overridden is True
    r.quotation.refresh_from_db()
    assert r.quotation.margin_percent == Decimal("10.00")


def test_free_places_are_frozen_and_paid_by_the_paying_travellers(bidding_round):
    r = bidding_round
    Quotation.objects.filter(pk=r.quotation.pk).update(free_place_every=9)
    r.quotation.refresh_from_db()
    r.close()
    pricing = quotation_price(quotation=r.quotation, by=r.staff)
    # one free place per 9 paying: 20 // 10 = 2 free, 18 paying; the free places take both singles
    # single base 462.6621..., double base 282.8126... (as above)
    # share 2 × 462.6621... / 18 = 51.4069...; double 282.8126... + 51.4069... = 334.2195... → 335
    # total 18 × 335 = 6030; average 335
    assert (pricing.breakdown["free_places"], pricing.breakdown["paying"]) == (2, 18)
    assert pricing.room_prices["single"] == {
        "rooms": 2,
        "travellers": 2,
        "free": 2,
        "paying": 0,
        "per_person": "515",
        "total": "0",
    }
    assert pricing.room_prices["double"]["per_person"] == "335"
    assert (pricing.price_total, pricing.price_per_person) == (Decimal("6030"), Decimal("335"))


def test_repricing_keeps_one_current_pricing(bidding_round):
    r = bidding_round
    r.close()
    first = quotation_price(quotation=r.quotation, by=r.staff)
    second = quotation_price(quotation=r.quotation, by=r.staff, margin_percent=Decimal("20"))
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert QuotationPricing.objects.filter(quotation=r.quotation).count() == 2


def test_pricing_refused_while_bidding_and_for_non_staff(bidding_round):
    r = bidding_round
    with pytest.raises(QuotationError) as bidding:
        quotation_price(quotation=r.quotation, by=r.staff)
    r.close()
    with pytest.raises(QuotationError) as client:
        quotation_price(quotation=r.quotation, by=r.contact)
    assert (bidding.value.code, client.value.code) == ("illegal_transition", "forbidden")
    assert QuotationPricing.objects.count() == 0


def test_override_to_an_expired_bid_is_refused(bidding_round):
    r = bidding_round
    r.close()
    sevilla = r.quotation.stays.get(city="Sevilla")
    with pytest.raises(QuotationError) as refused:
        quotation_price(quotation=r.quotation, by=r.staff, overrides={sevilla.pk: r.bids["cenit"].pk})
    assert refused.value.code == "no_offer"
    assert QuotationPricing.objects.count() == 0


def test_send_caps_validity_at_the_earliest_chosen_bid(bidding_round):
    r = bidding_round
    r.close()
    pricing = quotation_price(quotation=r.quotation, by=r.staff)
    quotation_send(quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=90), by=r.staff)
    assert r.quotation.valid_until == pricing.bids_valid_until
    assert r.quotation.status == QuotationStatus.SENT


def test_send_keeps_an_earlier_staff_date(bidding_round):
    r = bidding_round
    r.close()
    quotation_price(quotation=r.quotation, by=r.staff)
    soon = timezone.localdate() + datetime.timedelta(days=3)
    quotation_send(quotation=r.quotation, valid_until=soon, by=r.staff)
    assert r.quotation.valid_until == soon


def test_send_without_pricing_or_after_reopening_is_refused(bidding_round):
    r = bidding_round
    r.close()
    with pytest.raises(QuotationError) as unpriced:
        quotation_send(quotation=r.quotation, valid_until=timezone.localdate(), by=r.staff)
    quotation_price(quotation=r.quotation, by=r.staff)
    quotation_extend_deadline(
        quotation=r.quotation, bid_deadline=timezone.now() + datetime.timedelta(days=1), by=StaffFactory()
    )
    r.close()
    with pytest.raises(QuotationError) as stale:
        quotation_send(quotation=r.quotation, valid_until=timezone.localdate(), by=r.staff)
    assert (unpriced.value.code, stale.value.code) == ("not_priced", "not_priced")
    assert r.quotation.status == QuotationStatus.QUOTED
