"""The automatic quotation, as pure arithmetic on plain data.

For each stay the best offer is the cheapest *complete* one: a bid that prices
every room type the group asked for, with enough rooms. Ties go to the hotel
with more stars, then to the earlier bid. Amounts are converted into the
quotation's currency with the factor the caller supplies.

The client price is worked out as the brief defines it:

    hotel cost per person = hotel cost of the whole group / pax
    client price per person = ceil(hotel cost per person × (1 + margin) + extras per person)
    client total = client price per person × pax

and, for information, the price per person by room type (what one traveller
pays sleeping in a single, a double, ...): the nightly rates of that room type
divided by its occupancy, over every stay, with the same margin and extras.
Everything is kept exact until the final rounding up to a whole unit.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from quotations.rooms import ROOM_OCCUPANCY

CENT = Decimal("0.01")


@dataclass(frozen=True)
class StayNeed:
    stay_id: int
    city: str
    nights: int


@dataclass(frozen=True)
class Offer:
    """An active bid, with its nightly net rates in the bid's own currency."""

    bid_id: int
    invitation_id: int
    hotel_id: int
    hotel_name: str
    hotel_stars: int
    submitted_at: datetime.datetime
    valid_until: datetime.date
    currency: str
    # (stay_id, room_type) -> (nightly rate, rooms available)
    lines: dict[tuple[int, str], tuple[Decimal, int]]


@dataclass(frozen=True)
class StayChoice:
    stay: StayNeed
    offer: Offer
    factor: Decimal  # one unit of the offer's currency in the quotation's currency
    cost: Decimal  # whole stay, all rooms, quotation currency, exact
    overridden: bool


@dataclass(frozen=True)
class PriceResult:
    currency: str
    margin_percent: Decimal
    pax: int
    choices: list[StayChoice]
    hotel_cost_total: Decimal
    extras_per_person: Decimal
    cost_per_person: Decimal
    price_per_person: Decimal
    price_total: Decimal
    room_prices: dict[str, Decimal]
    bids_valid_until: datetime.date
    missing: list[StayNeed] = field(default_factory=list)


def whole_units_up(amount: Decimal) -> Decimal:
    return amount.to_integral_value(rounding=ROUND_CEILING)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def offer_stay_cost(*, offer: Offer, stay: StayNeed, rooms: dict[str, int], factor: Decimal) -> Decimal | None:
    """The offer's cost of the whole stay in the quotation currency, or None if incomplete."""
    total = Decimal(0)
    for room_type, count in rooms.items():
        if count == 0:
            continue
        line = offer.lines.get((stay.stay_id, room_type))
        if line is None or line[1] < count:
            return None
        total += line[0] * factor * count * stay.nights
    return total


def offer_valid_on(*, offer: Offer, on: datetime.date) -> bool:
    """An offer counts through the whole of its last valid day."""
    return on <= offer.valid_until


def offer_rank(choice: StayChoice) -> tuple:
    """The order of "which bid is best" for a stay: the lower, the better.

    Cheapest first; on equal cost the hotel with more stars, then the earlier
    bid, then the lower bid id, so that the order is total and never depends
    on the order the offers came in.
    """
    return (choice.cost, -choice.offer.hotel_stars, choice.offer.submitted_at, choice.offer.bid_id)


def stay_candidates(
    *, stay: StayNeed, offers: list[Offer], rooms: dict[str, int], factor_for: Callable[[str], Decimal | None]
) -> list[StayChoice]:
    """Complete offers for one stay, best first (see `offer_rank`).

    Offers whose currency has no conversion factor are left out. The first is
    the one the automatic quotation chooses unless staff override it.
    """
    candidates = []
    for offer in offers:
        factor = factor_for(offer.currency)
        if factor is None:
            continue
        cost = offer_stay_cost(offer=offer, stay=stay, rooms=rooms, factor=factor)
        if cost is not None:
            candidates.append(StayChoice(stay=stay, offer=offer, factor=factor, cost=cost, overridden=False))
    return sorted(candidates, key=offer_rank)


def price_compute(
    *,
    currency: str,
    pax: int,
    rooms: dict[str, int],
    stays: list[StayNeed],
    offers: list[Offer],
    margin_percent: Decimal,
    extras_per_person: Decimal,
    factor_for: Callable[[str], Decimal | None],
    overrides: dict[int, int] | None = None,
) -> PriceResult:
    """Choose one offer per stay and price the quote.

    `overrides` maps a stay id to the bid id staff chose for it; that bid must
    itself be complete, or the stay is reported missing. Stays with no
    complete offer are listed in `missing` and the result carries no price.
    """
    overrides = overrides or {}
    choices: list[StayChoice] = []
    missing: list[StayNeed] = []
    for stay in stays:
        candidates = stay_candidates(stay=stay, offers=offers, rooms=rooms, factor_for=factor_for)
        if stay.stay_id in overrides:
            wanted = [c for c in candidates if c.offer.bid_id == overrides[stay.stay_id]]
            candidates = [replace(c, overridden=True) for c in wanted]
        if candidates:
            choices.append(candidates[0])
        else:
            missing.append(stay)

    margin = Decimal(1) + margin_percent / Decimal(100)
    hotel_cost_total = sum((c.cost for c in choices), Decimal(0))
    cost_per_person = hotel_cost_total / pax
    price_per_person = whole_units_up(cost_per_person * margin + extras_per_person)
    room_prices = {}
    for room_type, count in rooms.items():
        if count == 0:
            continue
        net = Decimal(0)
        for choice in choices:
            rate = choice.offer.lines[(choice.stay.stay_id, room_type)][0]
            net += rate * choice.factor * choice.stay.nights / ROOM_OCCUPANCY[room_type]
        room_prices[room_type] = whole_units_up(net * margin + extras_per_person)
    return PriceResult(
        currency=currency,
        margin_percent=margin_percent,
        pax=pax,
        choices=choices,
        hotel_cost_total=hotel_cost_total,
        extras_per_person=extras_per_person,
        cost_per_person=cost_per_person,
        price_per_person=price_per_person,
        price_total=price_per_person * pax,
        room_prices=room_prices,
        bids_valid_until=min((c.offer.valid_until for c in choices), default=datetime.date.max),
        missing=missing,
    )
