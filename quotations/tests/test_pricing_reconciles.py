"""Every figure of a client price adds up, for any quote.

Random rates, room mixes, passengers, margins, extras, exchange factors and
free places: the lines shown to the client (paying travellers × price per
person, per room type) sum exactly to the total shown, the travellers of the
lines are the group, and the rounding never costs the group more than one
unit per paying traveller.
"""

import datetime
import json
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotations.pricing import Offer, StayNeed, cents, price_compute
from quotations.privacy.requirements import present_room_prices
from quotations.rooms import ROOM_OCCUPANCY
from quotations.services.pricing import room_prices_frozen

T0 = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)


def two_decimals(low: str, high: str):
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def quotes(draw):
    rooms = {room: draw(st.integers(min_value=0, max_value=6)) for room in ROOM_OCCUPANCY}
    if not any(rooms.values()):
        rooms[draw(st.sampled_from(list(ROOM_OCCUPANCY)))] = draw(st.integers(min_value=1, max_value=6))
    beds = sum(ROOM_OCCUPANCY[room] * count for room, count in rooms.items())
    pax = draw(st.integers(min_value=1, max_value=beds))
    stays = [
        StayNeed(stay_id=index, city=f"City {index}", nights=draw(st.integers(min_value=1, max_value=7)))
        for index in range(1, draw(st.integers(min_value=1, max_value=3)) + 1)
    ]
    factors = {
        "EUR": Decimal(1),
        "USD": draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("2"), places=8)),
        "MXN": draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.1"), places=8)),
    }
    offers = [
        Offer(
            bid_id=stay.stay_id,
            invitation_id=stay.stay_id,
            hotel_id=stay.stay_id,
            hotel_name=f"Hotel {stay.stay_id}",
            hotel_stars=4,
            submitted_at=T0,
            valid_until=datetime.date(2027, 1, 31),
            currency=draw(st.sampled_from(sorted(factors))),
            lines={(stay.stay_id, room): (draw(two_decimals("1", "3000")), count) for room, count in rooms.items()},
        )
        for stay in stays
    ]
    return {
        "currency": "EUR",
        "pax": pax,
        "rooms": rooms,
        "stays": stays,
        "offers": offers,
        "margin_percent": draw(two_decimals("0", "100")),
        "extras_per_person": draw(two_decimals("0", "1000")),
        "factor_for": factors.get,
        "free_place_every": draw(st.integers(min_value=0, max_value=30)),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quote=quotes())
def test_the_lines_add_up_to_the_total_for_any_quote(quote):
    result = price_compute(**quote)
    lines = list(result.room_prices.values())

    assert result.missing == []
    assert sum(line.total for line in lines) == result.price_total
    assert all(line.per_person == line.per_person.to_integral_value() for line in lines)
    assert sum(line.travellers for line in lines) == quote["pax"]
    assert sum(line.free for line in lines) == result.free_places
    assert sum(line.paying for line in lines) == result.paying == quote["pax"] - result.free_places
    every = quote["free_place_every"]
    assert result.free_places == (quote["pax"] // (every + 1) if every else 0)
    assert result.price_per_person == cents(result.price_total / result.paying)

    # The group pays its whole cost, and at most one unit more per paying traveller.
    margin = 1 + Fraction(quote["margin_percent"]) / 100
    exact = Fraction(result.hotel_cost_total) * margin + Fraction(quote["extras_per_person"]) * quote["pax"]
    assert exact <= Fraction(result.price_total) < exact + result.paying


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quote=quotes())
def test_what_the_client_reads_back_from_the_frozen_pricing_adds_up(quote):
    result = price_compute(**quote)
    frozen = json.loads(json.dumps(room_prices_frozen(result.room_prices)))
    shown = [line for line in present_room_prices(frozen) if line.paying]

    assert sum(line.total for line in shown) == result.price_total
    assert all(line.total == line.per_person * line.paying for line in shown)
    assert sum(line.paying for line in shown) == result.paying
