"""The automatic quotation's arithmetic, against figures worked out by hand."""

import datetime
import itertools
import subprocess
import sys
from decimal import Decimal

from quotations.pricing import Offer, StayNeed, offer_rank, offer_valid_on, price_compute, stay_candidates
from quotations.rooms import ROOM_OCCUPANCY

T0 = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)
VALID = datetime.date(2027, 1, 31)
SEVILLA = StayNeed(stay_id=1, city="Sevilla", nights=3)
ROOMS = {"single": 2, "double": 9, "twin": 0, "triple": 0}


def offer(bid_id, *, stars=4, currency="EUR", single="80", double="95.50", rooms=(2, 9), minutes=0, valid=VALID):
    return Offer(
        bid_id=bid_id,
        invitation_id=bid_id,
        hotel_id=bid_id,
        hotel_name=f"Hotel {bid_id}",
        hotel_stars=stars,
        submitted_at=T0 + datetime.timedelta(minutes=minutes),
        valid_until=valid,
        currency=currency,
        lines={(1, "single"): (Decimal(single), rooms[0]), (1, "double"): (Decimal(double), rooms[1])},
    )


def compute(
    offers, *, margin="15", extras="0", factors=None, overrides=None, stays=(SEVILLA,), pax=20, rooms=None, free=0
):
    factors = factors or {"EUR": Decimal(1)}
    return price_compute(
        currency="EUR",
        pax=pax,
        rooms=rooms or ROOMS,
        stays=list(stays),
        offers=offers,
        margin_percent=Decimal(margin),
        extras_per_person=Decimal(extras),
        factor_for=factors.get,
        overrides=overrides,
        free_place_every=free,
    )


def lines(result):
    return {room: (line.travellers, line.free, line.per_person) for room, line in result.room_prices.items()}


def test_single_offer_priced_by_hand():
    # (2 × 80 + 9 × 95.50) × 3 nights = 3058.50; / 20 pax = 152.925 (hotel cost per person, for staff)
    # single: 2 rooms × 80 × 3 = 480 / 2 travellers = 240 × 1.15 = 276 + 20.50 = 296.50 → 297; 2 × 297 = 594
    # double: 9 rooms × 95.50 × 3 = 2578.50 / 18 travellers = 143.25 × 1.15 = 164.7375 + 20.50 → 186; 18 × 186 = 3348
    # total 594 + 3348 = 3942; average 3942 / 20 = 197.10
    result = compute([offer(1)], extras="20.50")
    assert result.hotel_cost_total == Decimal("3058.50")
    assert result.cost_per_person == Decimal("152.925")
    assert lines(result) == {"single": (2, 0, Decimal("297")), "double": (18, 0, Decimal("186"))}
    assert result.price_total == Decimal("3942")
    assert result.price_per_person == Decimal("197.10")
    assert (result.free_places, result.paying, result.missing) == (0, 20, [])


def test_whole_amount_is_not_rounded_up_again_and_empty_beds_are_paid_in_their_room_type():
    # 10 pax in 2 singles + 9 doubles: the singles sleep 2, the doubles 8 (10 beds stay empty)
    # single: 2 × 50 × 3 = 300 / 2 = 150 exactly; double: 9 × 50 × 3 = 1350 / 8 = 168.75 → 169
    # total 2 × 150 + 8 × 169 = 1652; average 165.20
    result = compute([offer(1, single="50", double="50")], margin="0", pax=10)
    assert lines(result) == {"single": (2, 0, Decimal("150")), "double": (8, 0, Decimal("169"))}
    assert (result.price_total, result.price_per_person) == (Decimal("1652"), Decimal("165.20"))


def test_a_room_type_nobody_sleeps_in_is_shared_by_every_paying_traveller():
    # 2 pax in 2 singles + 1 double: nobody sleeps in the double
    # single base 296.50 (as above); the double 95.50 × 3 = 286.50 × 1.15 = 329.475 / 2 paying = 164.7375
    # single: 296.50 + 164.7375 = 461.2375 → 462; total 2 × 462 = 924
    result = compute([offer(1)], extras="20.50", pax=2, rooms={"single": 2, "double": 1})
    assert lines(result) == {"single": (2, 0, Decimal("462")), "double": (0, 0, Decimal("0"))}
    assert result.price_total == Decimal("924")


def test_free_places_are_paid_by_the_paying_travellers():
    # one free place per 19 paying: 20 // 20 = 1 free, 19 paying; the free place takes the first single
    # single base 296.50, double base 185.2375 (as above); share 296.50 / 19 = 15.605263...
    # single: 296.50 + 15.605263 = 312.105263 → 313, 1 paying: 313
    # double: 185.2375 + 15.605263 = 200.842763 → 201, 18 paying: 3618
    # total 313 + 3618 = 3931; average 3931 / 19 = 206.894736... → 206.89
    result = compute([offer(1)], extras="20.50", free=19)
    assert (result.free_places, result.paying, result.free_place_every) == (1, 19, 19)
    assert lines(result) == {"single": (2, 1, Decimal("313")), "double": (18, 0, Decimal("201"))}
    assert (result.price_total, result.price_per_person) == (Decimal("3931"), Decimal("206.89"))
    assert sum(line.total for line in result.room_prices.values()) == result.price_total


def test_free_places_earned_per_paying_travellers():
    from quotations.pricing import free_places_for

    # one per 20 paying: 42 travellers → 2 free + 40 paying; 41 → 1 free (39 paying earn only one)
    assert [free_places_for(pax=pax, every=20) for pax in (20, 21, 41, 42, 63)] == [0, 1, 1, 2, 3]
    assert free_places_for(pax=42, every=0) == 0
    assert free_places_for(pax=2, every=1) == 1


def test_cheapest_complete_offer_wins_after_conversion():
    # USD 85 / 100 at 0.92 → 78.20 / 92.00 EUR: (156.40 + 828) × 3 = 2953.20 < 3058.50
    eur, usd = offer(1), offer(2, currency="USD", single="85", double="100")
    result = compute([eur, usd], factors={"EUR": Decimal(1), "USD": Decimal("0.92")})
    assert [c.offer.bid_id for c in result.choices] == [2]
    assert result.hotel_cost_total == Decimal("2953.2000")


def test_offer_without_exchange_rate_is_left_out():
    usd = offer(2, currency="USD", single="1", double="1")
    result = compute([offer(1), usd])
    assert [c.offer.bid_id for c in result.choices] == [1]


def test_incomplete_offers_are_never_chosen():
    short_of_doubles = offer(1, single="10", double="10", rooms=(2, 8))
    result = compute([short_of_doubles, offer(2)])
    assert [c.offer.bid_id for c in result.choices] == [2]
    only_incomplete = compute([short_of_doubles])
    assert (only_incomplete.choices, only_incomplete.missing) == ([], [SEVILLA])


def test_tie_goes_to_more_stars_then_earlier_bid():
    early_four, late_five, earliest_four = offer(1, minutes=5), offer(2, stars=5, minutes=10), offer(3, minutes=0)
    assert compute([early_four, late_five, earliest_four]).choices[0].offer.bid_id == 2
    assert compute([early_four, earliest_four]).choices[0].offer.bid_id == 3


def test_override_picks_a_dearer_complete_offer_and_is_marked():
    result = compute([offer(1), offer(2, single="99", double="120")], overrides={1: 2})
    (choice,) = result.choices
    assert (choice.offer.bid_id, choice.overridden) == (2, True)
    assert result.hotel_cost_total == Decimal("3834")  # (198 + 1080) × 3


def test_override_to_an_incomplete_offer_leaves_the_stay_missing():
    result = compute([offer(1), offer(2, rooms=(1, 9))], overrides={1: 2})
    assert (result.choices, result.missing) == ([], [SEVILLA])


def test_quote_is_valid_no_longer_than_the_earliest_chosen_bid():
    granada = StayNeed(stay_id=2, city="Granada", nights=2)
    granada_offer = Offer(
        bid_id=9,
        invitation_id=9,
        hotel_id=9,
        hotel_name="Hotel 9",
        hotel_stars=4,
        submitted_at=T0,
        valid_until=datetime.date(2026, 12, 15),
        currency="EUR",
        lines={(2, "single"): (Decimal("70"), 2), (2, "double"): (Decimal("85"), 9)},
    )
    result = compute([offer(1), granada_offer], stays=(SEVILLA, granada))
    assert result.bids_valid_until == datetime.date(2026, 12, 15)
    assert result.hotel_cost_total == Decimal("4868.50")  # 3058.50 + (140 + 765) × 2


def test_ranking_does_not_depend_on_the_order_offers_come_in():
    # Same cost for all four; stars first, then the earlier bid, then the lower id
    offers = [offer(4, minutes=0), offer(3, stars=5, minutes=10), offer(2, minutes=0), offer(1, minutes=5)]
    for ordering in itertools.permutations(offers):
        ranked = stay_candidates(stay=SEVILLA, offers=list(ordering), rooms=ROOMS, factor_for={"EUR": Decimal(1)}.get)
        assert [choice.offer.bid_id for choice in ranked] == [3, 2, 4, 1]
    assert offer_rank(ranked[0]) < offer_rank(ranked[1])


def test_offer_counts_through_its_last_valid_day():
    last_day = offer(1, valid=VALID)
    assert offer_valid_on(offer=last_day, on=VALID) is True
    assert offer_valid_on(offer=last_day, on=VALID + datetime.timedelta(days=1)) is False


def test_every_room_type_has_its_occupancy_as_plain_data():
    from quotations.models import RoomType

    assert ROOM_OCCUPANCY == {"single": 1, "double": 2, "twin": 2, "triple": 3}
    assert set(ROOM_OCCUPANCY) == set(RoomType.values)
    assert all(type(key) is str for key in ROOM_OCCUPANCY)


def test_pricing_imports_nothing_from_django():
    # In a fresh interpreter: the automatic quotation runs on plain data alone.
    code = "import sys, quotations.pricing; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)  # noqa: S603
    assert result.stdout.strip() == "[]"
