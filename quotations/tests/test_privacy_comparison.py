"""The staff's bid comparison marks as best exactly the bid the automatic quotation chooses.

Figures from the bidding round in conftest: Boreal (USD, 5★) wins Sevilla once
converted, Cenit's bid has expired, Delta and Estrella cost the same in
Granada and Estrella has more stars.
"""

import datetime
from dataclasses import replace
from decimal import Decimal

from django.utils import timezone

from quotations.factories import bid_lines_full
from quotations.models import ExchangeRate, QuotationPricing
from quotations.privacy import ExclusionReason, present_bid_comparison, viewer_for
from quotations.services import bid_revise, quotation_price_preview


def _compare(r):
    """The comparison staff see today, as the staff page shows it."""
    return present_bid_comparison(viewer=viewer_for(r.staff), quotation=r.quotation, on=timezone.localdate())


def _best_by_stay(comparison) -> dict[int, list[int]]:
    return {stay.stay_id: [row.bid_id for row in stay.rows if row.best] for stay in comparison}


def _chosen_by_stay(quotation) -> dict[int, list[int]]:
    result = quotation_price_preview(quotation=quotation)
    return {choice.stay.stay_id: [choice.offer.bid_id] for choice in result.choices}


def _rows(comparison, city: str) -> dict:
    (stay,) = [stay for stay in comparison if stay.city == city]
    return {row.bid_id: row for row in stay.rows}


def _rate(row, room_type: str):
    (rate,) = [rate for rate in row.rates if rate is not None and rate.room_type == room_type]
    return rate


def _revise_lines(r, key: str, lines, *, currency: str = "EUR"):
    return bid_revise(
        invitation=r.invitations[key],
        lines=lines,
        currency=currency,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        by=r.users[key],
    )


def _revise(r, key: str, *, currency: str, single: str, double: str):
    rates = {"single": single, "double": double, "twin": "1", "triple": "1"}
    lines = bid_lines_full(quotation=r.quotation, hotel=r.hotels[key], rates=rates)
    return _revise_lines(r, key, lines, currency=currency)


def test_equal_totals_go_to_more_stars_as_in_the_pricing(bidding_round):
    # Given the round as bid: Delta and Estrella cost the same in Granada
    r = bidding_round
    r.close()

    # When staff compare the bids
    comparison = _compare(r)

    # Then each stay marks one bid, the one the pricing chooses: Boreal, and Estrella on stars
    granada = _rows(comparison, "Granada")
    delta, estrella = granada[r.bids["delta"].pk], granada[r.bids["estrella"].pk]
    assert delta.total == estrella.total == Decimal("1815.78")
    assert (delta.best, estrella.best) == (False, True)
    assert _best_by_stay(comparison) == _chosen_by_stay(r.quotation)
    assert list(_best_by_stay(comparison).values()) == [[r.bids["boreal"].pk], [r.bids["estrella"].pk]]
    assert QuotationPricing.objects.count() == 0


def test_equal_totals_across_currencies_go_to_more_stars(bidding_round):
    # Given 1 USD = 2 EUR, Aurora (4★) bidding in EUR what Boreal (5★) bids in USD,
    # and Boreal's revision the later one, so only the stars can decide
    r = bidding_round
    ExchangeRate.objects.filter(base="USD", quote="EUR").update(rate=Decimal("2"))
    aurora = _revise(r, "aurora", currency="EUR", single="170.34", double="200.58")
    boreal = _revise(r, "boreal", currency="USD", single="85.17", double="100.29")
    r.close()

    # When staff compare the bids
    comparison = _compare(r)

    # Then both cost 6437.70 EUR and only Boreal, the pricing's choice, is marked
    sevilla = _rows(comparison, "Sevilla")
    assert sevilla[aurora.pk].total == sevilla[boreal.pk].total == Decimal("6437.70")
    assert (sevilla[aurora.pk].best, sevilla[boreal.pk].best) == (False, True)
    assert _rate(sevilla[boreal.pk], "single").converted == Decimal("170.34")
    assert _best_by_stay(comparison) == _chosen_by_stay(r.quotation)


def test_totals_equal_to_the_cent_are_told_apart_by_the_exact_cost(bidding_round):
    # Given Aurora in EUR at Boreal's converted rates rounded to the cent (78.36 / 92.27):
    # to the cent both cost 2961.45 rate by rate, but Boreal exactly 2961.342
    r = bidding_round
    aurora = _revise(r, "aurora", currency="EUR", single="78.36", double="92.27")
    r.close()

    # When staff compare the bids
    comparison = _compare(r)

    # Then the totals are the pricing's costs, and the cheaper Boreal alone is marked
    sevilla = _rows(comparison, "Sevilla")
    boreal = sevilla[r.bids["boreal"].pk]
    assert (boreal.total, sevilla[aurora.pk].total) == (Decimal("2961.34"), Decimal("2961.45"))
    assert (boreal.best, sevilla[aurora.pk].best) == (True, False)
    assert _best_by_stay(comparison) == _chosen_by_stay(r.quotation)


def test_bids_without_a_rate_or_expired_are_apart_and_never_best(bidding_round):
    # Given no exchange rate for Boreal's dollars, and Cenit's bid expired
    r = bidding_round
    ExchangeRate.objects.all().delete()
    r.close()

    # When staff compare the bids
    comparison = _compare(r)

    # Then Sevilla compares Aurora alone, lists the other two apart, and marks what the pricing chooses
    (sevilla, _granada) = comparison
    assert [row.bid_id for row in sevilla.rows] == [r.bids["aurora"].pk]
    assert sorted((bid.bid_id, bid.reason) for bid in sevilla.excluded) == sorted(
        [(r.bids["boreal"].pk, ExclusionReason.NO_RATE), (r.bids["cenit"].pk, ExclusionReason.EXPIRED)]
    )
    assert _best_by_stay(comparison) == _chosen_by_stay(r.quotation)
    assert _best_by_stay(comparison)[sevilla.stay_id] == [r.bids["aurora"].pk]


def test_incomplete_bid_is_compared_but_never_best(bidding_round):
    # Given Estrella offering one double room fewer than the group needs
    r = bidding_round
    lines = bid_lines_full(
        quotation=r.quotation,
        hotel=r.hotels["estrella"],
        rates={"single": "1", "double": "1", "twin": "1", "triple": "1"},
    )
    short = [replace(line, rooms_available=8) if line.room_type == "double" else line for line in lines]
    estrella = _revise_lines(r, "estrella", short)
    r.close()

    # When staff compare the bids
    comparison = _compare(r)

    # Then its far cheaper rates are shown, but it has no total and Delta is best
    granada = _rows(comparison, "Granada")
    assert (granada[estrella.pk].complete, granada[estrella.pk].total) == (False, None)
    assert _rate(granada[estrella.pk], "double").enough is False
    assert _best_by_stay(comparison) == _chosen_by_stay(r.quotation)
    assert [bid for bid, row in granada.items() if row.best] == [r.bids["delta"].pk]


def test_rates_follow_the_stay_room_types_and_a_blank_type_is_none(bidding_round):
    # Given Aurora revising to offer singles only in Sevilla
    r = bidding_round
    rates = {"single": "60", "double": "1", "twin": "1", "triple": "1"}
    lines = bid_lines_full(quotation=r.quotation, hotel=r.hotels["aurora"], rates=rates)
    aurora = _revise_lines(r, "aurora", [line for line in lines if line.room_type == "single"])
    r.close()

    # When staff compare the bids
    (sevilla, _granada) = _compare(r)

    # Then every row has one cell per room type asked for, in order; Aurora's double is blank
    assert [room.room_type for room in sevilla.room_types] == ["single", "double"]
    rows = {row.bid_id: row for row in sevilla.rows}
    assert [rate.room_type for rate in rows[r.bids["boreal"].pk].rates] == ["single", "double"]
    assert (rows[aurora.pk].rates[1], rows[aurora.pk].complete, rows[aurora.pk].total) == (None, False, None)
    # Aurora's 60.00 is the cheapest single, yet Boreal is best: only a complete bid can be chosen
    assert (rows[aurora.pk].rates[0].cheapest, rows[r.bids["boreal"].pk].rates[0].cheapest) == (True, False)
    assert rows[r.bids["boreal"].pk].rates[1].cheapest is True
    assert [row.bid_id for row in sevilla.rows if row.best] == [r.bids["boreal"].pk]
