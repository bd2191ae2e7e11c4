"""The bid comparison on the staff page: every standing bid side by side, per stay.

Staff only: it names every hotel and its net rates. Rates are shown per room
type in the quotation's currency, the hotel's own rate beside it. Expired
bids and bids in a currency without an exchange rate are listed apart.

Which bid is best is not decided here: the stay's offers are ranked by the
pricing (`stay_candidates`, with the same validity rule and conversion
factors as the automatic quotation on the same day), so the row marked best
is the bid the automatic quotation chooses when staff do not override it,
and each complete row's total is the pricing's cost of the stay.
"""

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from quotations.models import HotelBid, Quotation
from quotations.pricing import Offer, StayNeed, cents, offer_valid_on, stay_candidates
from quotations.privacy.access import Viewer, ViewerKind
from quotations.privacy.presented import Presented
from quotations.privacy.requirements import PresentedRoom, present_room_mix
from quotations.selectors import bid_list_standing, exchange_factors, offer_from_bid, stay_needs
from spirittours.errors import NotVisible

EXPIRING_SOON = datetime.timedelta(days=7)


class ExclusionReason(StrEnum):
    EXPIRED = "expired"
    NO_RATE = "no_rate"


@dataclass(frozen=True)
class ComparisonRate(Presented):
    room_type: str
    net: Decimal  # nightly, in the bid's currency
    converted: Decimal  # nightly, in the quotation's currency, to the cent
    rooms: int
    enough: bool
    cheapest: bool  # the lowest converted rate for this room type in this stay


@dataclass(frozen=True)
class ComparisonRow(Presented):
    bid_id: int
    revision: int
    invitation_id: int
    hotel_name: str
    stars: int
    currency: str
    valid_until: datetime.date
    expiring_soon: bool
    rates: tuple[ComparisonRate | None, ...]  # in the order of the stay's room_types; None: not offered
    complete: bool  # prices every room type asked for, with enough rooms
    total: Decimal | None  # the whole stay in the quotation's currency, to the cent; None when incomplete
    best: bool  # the bid the automatic quotation chooses for this stay


@dataclass(frozen=True)
class ComparisonExcluded(Presented):
    bid_id: int
    hotel_name: str
    reason: ExclusionReason


@dataclass(frozen=True)
class ComparisonStay(Presented):
    stay_id: int
    city: str
    nights: int
    room_types: tuple[PresentedRoom, ...]
    rows: tuple[ComparisonRow, ...]  # oldest bid first
    excluded: tuple[ComparisonExcluded, ...]


def _rates(
    *, bid: HotelBid, stay_id: int, rooms: tuple[PresentedRoom, ...], factor: Decimal
) -> tuple[ComparisonRate | None, ...]:
    lines = {line.room_type: line for line in bid.lines.all() if line.stay_id == stay_id}
    return tuple(
        None
        if (line := lines.get(room.room_type)) is None
        else ComparisonRate(
            room_type=room.room_type,
            net=line.nightly_rate,
            converted=cents(line.nightly_rate * factor),
            rooms=line.rooms_available,
            enough=line.rooms_available >= room.count,
            cheapest=False,
        )
        for room in rooms
    )


def _mark_cheapest(rates: dict[int, tuple[ComparisonRate | None, ...]]) -> dict[int, tuple[ComparisonRate | None, ...]]:
    """Per room type, mark the stay's lowest converted rate (every bid offering it, on a tie)."""
    columns = list(zip(*rates.values(), strict=True))
    lowest = [min((rate.converted for rate in column if rate is not None), default=None) for column in columns]
    return {
        bid_id: tuple(
            None if rate is None else replace(rate, cheapest=rate.converted == low)
            for rate, low in zip(cells, lowest, strict=True)
        )
        for bid_id, cells in rates.items()
    }


def _stay(
    *,
    quotation: Quotation,
    stay: StayNeed,
    bids: list[HotelBid],
    offers: dict[int, Offer],
    factors: dict[str, Decimal | None],
    rooms: tuple[PresentedRoom, ...],
    on: datetime.date,
) -> ComparisonStay:
    compared, excluded = [], []
    for bid in bids:
        offer = offers[bid.pk]
        if not any(stay_id == stay.stay_id for stay_id, _room in offer.lines):
            continue
        if not offer_valid_on(offer=offer, on=on):
            reason = ExclusionReason.EXPIRED
        elif factors.get(offer.currency) is None:
            reason = ExclusionReason.NO_RATE
        else:
            compared.append(bid)
            continue
        excluded.append(ComparisonExcluded(bid_id=bid.pk, hotel_name=offer.hotel_name, reason=reason))
    ranked = stay_candidates(
        stay=stay, offers=[offers[bid.pk] for bid in compared], rooms=quotation.room_mix, factor_for=factors.get
    )
    costs = {choice.offer.bid_id: choice.cost for choice in ranked}
    best = ranked[0].offer.bid_id if ranked else None
    rates = _mark_cheapest(
        {bid.pk: _rates(bid=bid, stay_id=stay.stay_id, rooms=rooms, factor=factors[bid.currency]) for bid in compared}
    )
    rows = tuple(
        ComparisonRow(
            bid_id=bid.pk,
            revision=bid.revision,
            invitation_id=bid.invitation_id,
            hotel_name=offers[bid.pk].hotel_name,
            stars=offers[bid.pk].hotel_stars,
            currency=bid.currency,
            valid_until=bid.valid_until,
            expiring_soon=bid.valid_until <= on + EXPIRING_SOON,
            rates=rates[bid.pk],
            complete=bid.pk in costs,
            total=cents(costs[bid.pk]) if bid.pk in costs else None,
            best=bid.pk == best,
        )
        for bid in compared
    )
    return ComparisonStay(
        stay_id=stay.stay_id,
        city=stay.city,
        nights=stay.nights,
        room_types=rooms,
        rows=rows,
        excluded=tuple(excluded),
    )


def present_bid_comparison(*, viewer: Viewer, quotation: Quotation, on: datetime.date) -> tuple[ComparisonStay, ...]:
    """Every standing bid per stay as it stands on `on`, the pricing's choice marked best. Staff only."""
    if viewer.kind != ViewerKind.STAFF:
        raise NotVisible
    bids = bid_list_standing(quotation=quotation)
    offers = {bid.pk: offer_from_bid(bid) for bid in bids}
    factors = exchange_factors(currencies={bid.currency for bid in bids}, quote=quotation.currency, on=on)
    rooms = present_room_mix(quotation)
    return tuple(
        _stay(quotation=quotation, stay=stay, bids=bids, offers=offers, factors=factors, rooms=rooms, on=on)
        for stay in stay_needs(quotation=quotation)
    )
