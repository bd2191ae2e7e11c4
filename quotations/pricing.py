"""The automatic quotation, as pure arithmetic on plain data.

For each stay the best offer is the cheapest *complete* one: a bid that prices
every room type the group asked for, with enough rooms. Ties go to the hotel
with more stars, then to the earlier bid. Amounts are converted into the
quotation's currency with the factor the caller supplies.

The client price is one line per room type, and the total is the sum of the
lines, so every figure the client sees adds up:

    travellers per room type  the beds of the room type (occupancy × rooms), filled
                              in the order single, double, twin, triple until every
                              traveller has a bed; beds left over stay empty
    free places               pax // (N + 1) with one free place per N paying
                              travellers (42 travellers, N = 20: 2 free, 40 paying);
                              they take the first beds in the same order
    base price per traveller  hotel cost of the room type (every stay, every room of
                              the type) / its travellers × (1 + margin) + extras
    free places' share        (base price of each free traveller + the hotel cost
                              × (1 + margin) of a room type nobody sleeps in)
                              / paying travellers
    price per person          ceil(base price + free places' share), a whole unit,
                              for each paying traveller of the room type
    line                      price per person × paying travellers of the room type
    total                     the sum of the lines
    average per person        total / paying travellers, to the cent, for information

Everything is kept exact (fractions) until the rounding up to a whole unit.
"""

import datetime
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

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
class Sleeping:
    """Who sleeps in one room type: its travellers, the free places among them."""

    room_type: str
    rooms: int
    travellers: int
    free: int

    @property
    def paying(self) -> int:
        return self.travellers - self.free


@dataclass(frozen=True)
class RoomPrice:
    """One line of the client price: the paying travellers of a room type × their price."""

    room_type: str
    rooms: int
    travellers: int  # sleeping in this room type, free places included
    free: int  # free places among them
    per_person: Decimal  # what each paying traveller of this room type pays, a whole unit

    @property
    def paying(self) -> int:
        return self.travellers - self.free

    @property
    def total(self) -> Decimal:
        return self.per_person * self.paying


@dataclass(frozen=True)
class PriceResult:
    currency: str
    margin_percent: Decimal
    pax: int
    choices: list[StayChoice]
    hotel_cost_total: Decimal
    extras_per_person: Decimal
    cost_per_person: Decimal
    price_per_person: Decimal  # the average per paying traveller, to the cent: price_total / paying
    price_total: Decimal  # the sum of the room lines
    room_prices: dict[str, RoomPrice]
    bids_valid_until: datetime.date
    missing: list[StayNeed] = field(default_factory=list)
    free_places: int = 0
    free_place_every: int = 0

    @property
    def paying(self) -> int:
        return self.pax - self.free_places


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def free_places_for(*, pax: int, every: int) -> int:
    """Free places earned with one free place per `every` paying travellers (0: none).

    The largest f with f × every <= pax - f: 42 travellers at one per 20 → 2 free
    and 40 paying; 41 → 1 free (39 paying would earn only one).
    """
    if every <= 0:
        return 0
    return pax // (every + 1)


def sleeping_for(*, pax: int, rooms: Mapping[str, int], free_places: int = 0) -> dict[str, Sleeping]:
    """Who sleeps in each room type asked for, in the order single, double, twin, triple.

    Beds are filled in that order until every traveller has one (beds left over
    stay empty); the free places take the first beds, in the same order. Room
    types with no rooms are left out.
    """
    beds = sum(ROOM_OCCUPANCY[room] * count for room, count in rooms.items())
    if beds < pax:
        raise ValueError(f"{beds} beds cannot sleep {pax} travellers")
    if not 0 <= free_places < pax:
        raise ValueError(f"{free_places} free places for {pax} travellers")
    result = {}
    left, free_left = pax, free_places
    for room in ROOM_OCCUPANCY:
        count = rooms.get(room, 0)
        if count <= 0:
            continue
        travellers = min(ROOM_OCCUPANCY[room] * count, left)
        free = min(travellers, free_left)
        result[room] = Sleeping(room_type=room, rooms=count, travellers=travellers, free=free)
        left -= travellers
        free_left -= free
    return result


def room_prices_for(
    *,
    pax: int,
    rooms: Mapping[str, int],
    room_costs: Mapping[str, Decimal],
    margin_percent: Decimal,
    extras_per_person: Decimal,
    free_places: int = 0,
) -> dict[str, RoomPrice]:
    """The client's lines, one per room type asked for (see the module's docstring).

    `room_costs` is the hotel cost of every room of each type over the whole
    trip, in the quotation's currency. The lines' totals add up to the price
    of the group by construction.
    """
    sleeping = sleeping_for(pax=pax, rooms=rooms, free_places=free_places)
    margin = 1 + Fraction(margin_percent) / 100
    extras = Fraction(extras_per_person)
    paying = pax - free_places
    base: dict[str, Fraction] = {}
    shared = Fraction(0)  # the free travellers' prices and the rooms nobody sleeps in
    for room, who in sleeping.items():
        cost = Fraction(room_costs.get(room, Decimal(0)))
        if who.travellers == 0:
            shared += cost * margin
            continue
        base[room] = cost / who.travellers * margin + extras
        shared += base[room] * who.free
    share = shared / paying
    return {
        room: RoomPrice(
            room_type=room,
            rooms=who.rooms,
            travellers=who.travellers,
            free=who.free,
            per_person=Decimal(math.ceil(base[room] + share)) if who.travellers else Decimal(0),
        )
        for room, who in sleeping.items()
    }


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
    free_place_every: int = 0,
) -> PriceResult:
    """Choose one offer per stay and price the quote.

    `overrides` maps a stay id to the bid id staff chose for it; that bid must
    itself be complete, or the stay is reported missing. Stays with no
    complete offer are listed in `missing` and the result carries no price.
    `free_place_every`: one free place per that many paying travellers (0: none).
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

    hotel_cost_total = sum((c.cost for c in choices), Decimal(0))
    cost_per_person = hotel_cost_total / pax
    free_places = free_places_for(pax=pax, every=free_place_every)
    room_costs = {}
    for room_type, count in rooms.items():
        if count <= 0:
            continue
        room_costs[room_type] = sum(
            (
                choice.offer.lines[(choice.stay.stay_id, room_type)][0] * choice.factor * count * choice.stay.nights
                for choice in choices
            ),
            Decimal(0),
        )
    room_prices = room_prices_for(
        pax=pax,
        rooms=rooms,
        room_costs=room_costs,
        margin_percent=margin_percent,
        extras_per_person=extras_per_person,
        free_places=free_places,
    )
    price_total = sum((line.total for line in room_prices.values()), Decimal(0))
    return PriceResult(
        currency=currency,
        margin_percent=margin_percent,
        pax=pax,
        choices=choices,
        hotel_cost_total=hotel_cost_total,
        extras_per_person=extras_per_person,
        cost_per_person=cost_per_person,
        price_per_person=cents(price_total / (pax - free_places)),
        price_total=price_total,
        room_prices=room_prices,
        bids_valid_until=min((c.offer.valid_until for c in choices), default=datetime.date.max),
        missing=missing,
        free_places=free_places,
        free_place_every=free_place_every,
    )
