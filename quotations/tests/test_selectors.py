"""The bids the pricing and the comparison start from: one query, one validity rule."""

import datetime

from django.utils import timezone

from quotations.models import HotelBid
from quotations.selectors import bid_list_standing, offer_list_valid
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
