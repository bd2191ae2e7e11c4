"""The bids the pricing and the comparison start from: one query, one validity rule."""

import datetime
from decimal import Decimal

from django.utils import timezone

from quotations.models import ExchangeRate, HotelBid
from quotations.selectors import bid_list_standing, exchange_factor, exchange_factors, offer_list_valid
from quotations.services import invitation_decline, invitation_withdraw


def test_standing_bids_leave_out_declined_and_withdrawn_hotels_but_keep_expired_bids(bidding_round):
    # Given Delta declining and Aurora taken out of the bidding (Cenit's bid has expired)
    r = bidding_round
    invitation_decline(invitation=r.invitations["delta"], reason="Sin habitaciones", by=r.users["delta"])
    invitation_withdraw(invitation=r.invitations["aurora"], reason="Fuera de plazo", by=r.staff)

    # When the standing bids and the valid offers are listed
    standing = [bid.pk for bid in bid_list_standing(quotation=r.quotation)]
    valid = [offer.bid_id for offer in offer_list_valid(quotation=r.quotation, on=timezone.localdate())]

    # Then the oldest come first, expired Cenit stands but is not a valid offer
    assert standing == [r.bids[key].pk for key in ("boreal", "cenit", "estrella")]
    assert valid == [r.bids[key].pk for key in ("boreal", "estrella")]


def test_an_offer_is_valid_through_its_last_day(bidding_round):
    # Given Boreal's bid valid until a known day
    r = bidding_round
    last_day = timezone.localdate() + datetime.timedelta(days=3)
    HotelBid.objects.filter(pk=r.bids["boreal"].pk).update(valid_until=last_day)

    # When the valid offers are listed on that day and the day after
    on_last_day = {o.bid_id for o in offer_list_valid(quotation=r.quotation, on=last_day)}
    day_after = {o.bid_id for o in offer_list_valid(quotation=r.quotation, on=last_day + datetime.timedelta(days=1))}

    # Then Boreal counts on its last day only
    assert r.bids["boreal"].pk in on_last_day
    assert r.bids["boreal"].pk not in day_after


def test_exchange_factors_read_in_one_query_agree_with_each_rate_looked_up_alone(db, django_assert_num_queries):
    # given: rates stored both ways round and on several days
    day = datetime.date(2027, 3, 1)
    ExchangeRate.objects.create(base="USD", quote="EUR", rate=Decimal("0.90"), valid_from=day)
    ExchangeRate.objects.create(base="EUR", quote="USD", rate=Decimal("1.25"), valid_from=day + datetime.timedelta(2))
    ExchangeRate.objects.create(base="GBP", quote="EUR", rate=Decimal("1.17"), valid_from=day + datetime.timedelta(3))
    ExchangeRate.objects.create(base="EUR", quote="GBP", rate=Decimal("0.80"), valid_from=day)
    ExchangeRate.objects.create(base="MXN", quote="EUR", rate=Decimal("0.05"), valid_from=day + datetime.timedelta(9))
    currencies = {"EUR", "USD", "GBP", "MXN", "COP"}

    for on in (day, day + datetime.timedelta(2), day + datetime.timedelta(5)):
        # when: every factor into EUR is read at once
        with django_assert_num_queries(1):
            factors = exchange_factors(currencies=currencies, quote="EUR", on=on)

        # then: each is what the one-rate lookup says, the newest rate either way round winning
        assert factors == {c: exchange_factor(base=c, quote="EUR", on=on) for c in currencies}
    assert exchange_factors(currencies=currencies, quote="EUR", on=day + datetime.timedelta(5)) == {
        "EUR": Decimal(1),
        "USD": Decimal(1) / Decimal("1.25"),
        "GBP": Decimal("1.17"),
        "MXN": None,
        "COP": None,
    }
