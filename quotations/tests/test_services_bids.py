import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.factories import HotelUserFactory, StaffFactory
from quotations.errors import QuotationError
from quotations.factories import HotelFactory, quotation_make
from quotations.models import (
    BidStatus,
    HotelBid,
    HotelBidLine,
    InvitationStatus,
    Quotation,
    QuotationLog,
    QuotationStatus,
)
from quotations.services import (
    BidLineInput,
    RoomMix,
    bid_revise,
    bid_submit,
    bid_withdraw,
    invitation_decline,
    quotation_invite_hotels,
)

IN_TEN_DAYS = timezone.localdate() + datetime.timedelta(days=10)


@pytest.fixture
def bidding(db):
    """A quotation in Sevilla (2 singles, 9 doubles) with two invited hotels."""
    staff = StaffFactory()
    quotation = quotation_make(owner=staff, rooms=RoomMix(singles=2, doubles=9), nights=(("Sevilla", 3),))
    alcazar_user, giralda_user = HotelUserFactory(), HotelUserFactory()
    alcazar = HotelFactory(name="Alcázar", city="Sevilla", members=[alcazar_user])
    giralda = HotelFactory(name="Giralda", city="Sevilla", members=[giralda_user])
    invitations = quotation_invite_hotels(
        quotation=quotation,
        hotels=[alcazar, giralda],
        by=staff,
        bid_deadline=timezone.now() + datetime.timedelta(days=5),
    )
    return quotation, invitations, alcazar_user, giralda_user


def _lines(quotation, single="80.00", double="95.50", singles=2, doubles=9):
    stay = quotation.stays.get()
    return [
        BidLineInput(stay_id=stay.pk, room_type="single", nightly_rate=Decimal(single), rooms_available=singles),
        BidLineInput(stay_id=stay.pk, room_type="double", nightly_rate=Decimal(double), rooms_available=doubles),
    ]


def test_submit_records_bid_lines_and_marks_invitation(bidding):
    quotation, (invitation, _), user, _ = bidding
    bid = bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    assert (bid.revision, bid.status, bid.currency) == (1, BidStatus.ACTIVE, "EUR")
    assert sorted(bid.lines.values_list("room_type", "nightly_rate", "rooms_available")) == [
        ("double", Decimal("95.50"), 9),
        ("single", Decimal("80.00"), 2),
    ]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.BID
    assert QuotationLog.objects.filter(quotation=quotation, action="bid.submitted", data__bid=bid.pk).count() == 1


def test_revise_supersedes_and_keeps_history(bidding):
    quotation, (invitation, _), user, _ = bidding
    first = bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    second = bid_revise(
        invitation=invitation, lines=_lines(quotation, double="90.00"), currency="EUR", valid_until=IN_TEN_DAYS, by=user
    )
    first.refresh_from_db()
    assert (first.status, second.status, second.revision) == (BidStatus.SUPERSEDED, BidStatus.ACTIVE, 2)
    assert first.lines.get(room_type="double").nightly_rate == Decimal("95.50")
    assert second.lines.get(room_type="double").nightly_rate == Decimal("90.00")


def test_second_submit_is_refused_revision_needs_active_bid(bidding):
    quotation, (invitation, _), user, _ = bidding
    with pytest.raises(QuotationError) as no_bid:
        bid_revise(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    assert no_bid.value.code == "no_bid"
    bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    with pytest.raises(QuotationError) as exists:
        bid_submit(
            invitation=invitation,
            lines=_lines(quotation, single="79.00"),
            currency="EUR",
            valid_until=IN_TEN_DAYS,
            by=user,
        )
    assert exists.value.code == "bid_exists"
    assert HotelBid.objects.count() == 1


def test_withdraw_then_submit_again_gets_next_revision(bidding):
    quotation, (invitation, _), user, _ = bidding
    bid = bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    bid_withdraw(bid=bid, by=user)
    invitation.refresh_from_db()
    assert (bid.status, invitation.status) == (BidStatus.WITHDRAWN, InvitationStatus.INVITED)  # never opened
    again = bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    assert again.revision == 2


def test_other_hotels_user_cannot_bid_on_an_invitation(bidding):
    quotation, (alcazar_invitation, _), _, giralda_user = bidding
    with pytest.raises(QuotationError) as refused:
        bid_submit(
            invitation=alcazar_invitation,
            lines=_lines(quotation),
            currency="EUR",
            valid_until=IN_TEN_DAYS,
            by=giralda_user,
        )
    assert refused.value.code == "forbidden"
    assert HotelBid.objects.count() == 0


BAD_INPUT = {
    "negative rate": ({"single": "-10.00"}, {}, "nightly_rate"),
    "zero rate": ({"single": "0"}, {}, "nightly_rate"),
    "three decimals": ({"double": "95.555"}, {}, "nightly_rate"),
    "huge rate": ({"double": "100000.01"}, {}, "nightly_rate"),
    "more rooms than asked": ({"doubles": 10}, {}, "rooms_available"),
    "no rooms": ({"singles": 0}, {}, "rooms_available"),
    "unknown currency": ({}, {"currency": "XAU"}, "currency"),
    "EUR lower case": ({}, {"currency": "eur"}, "currency"),
    "not the hotel's currency": ({}, {"currency": "USD"}, "currency"),
    "valid until yesterday": ({}, {"valid_until": timezone.localdate() - datetime.timedelta(days=1)}, "valid_until"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_bid_input_is_a_field_error_and_writes_nothing(bidding, case):
    quotation, (invitation, _), user, _ = bidding
    line_args, terms, field = BAD_INPUT[case]
    logs = QuotationLog.objects.count()
    with pytest.raises(QuotationError) as refused:
        bid_submit(
            invitation=invitation,
            lines=_lines(quotation, **line_args),
            currency=terms.get("currency", "EUR"),
            valid_until=terms.get("valid_until", IN_TEN_DAYS),
            by=user,
        )
    assert refused.value.field == field
    assert (HotelBid.objects.count(), HotelBidLine.objects.count(), QuotationLog.objects.count()) == (0, 0, logs)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.INVITED


def test_room_type_not_requested_is_refused(bidding):
    quotation, (invitation, _), user, _ = bidding
    stay = quotation.stays.get()
    triple = BidLineInput(stay_id=stay.pk, room_type="triple", nightly_rate=Decimal("120"), rooms_available=1)
    with pytest.raises(QuotationError) as refused:
        bid_submit(invitation=invitation, lines=[triple], currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    assert refused.value.field == "lines"
    assert HotelBid.objects.count() == 0


def test_bid_after_deadline_is_refused(bidding):
    quotation, (invitation, _), user, _ = bidding
    Quotation.objects.filter(pk=quotation.pk).update(bid_deadline=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(QuotationError) as refused:
        bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    assert refused.value.code == "closed"
    assert HotelBid.objects.count() == 0


def test_bid_on_declined_invitation_is_refused(bidding):
    quotation, (invitation, _), user, _ = bidding
    invitation_decline(invitation=invitation, reason="Completo esas fechas", by=user)
    with pytest.raises(QuotationError) as refused:
        bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    assert refused.value.code == "declined"
    assert HotelBid.objects.count() == 0


def test_decline_withdraws_active_bid(bidding):
    quotation, (invitation, _), user, _ = bidding
    bid = bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    invitation_decline(invitation=invitation, reason="Overbooking", by=user)
    bid.refresh_from_db()
    invitation.refresh_from_db()
    assert (bid.status, invitation.status, invitation.decline_reason) == (
        BidStatus.WITHDRAWN,
        InvitationStatus.DECLINED,
        "Overbooking",
    )


def test_bid_when_bidding_closed_is_refused(bidding):
    quotation, (invitation, _), user, _ = bidding
    Quotation.objects.filter(pk=quotation.pk).update(status=QuotationStatus.QUOTED)
    with pytest.raises(QuotationError) as refused:
        bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    assert refused.value.code == "closed"


def test_identical_resubmissions_within_the_window_are_one_revision(bidding):
    # given: a first bid
    quotation, (invitation, _), user, _ = bidding
    first = bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    events = quotation.room_events.count()

    # when: the same bid is sent again as a submission and as revisions
    again = bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
    revised = [
        bid_revise(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)
        for _ in range(3)
    ]

    # then: all of them are the first bid; nothing more was written
    assert {again.pk, *(bid.pk for bid in revised)} == {first.pk}
    assert list(HotelBid.objects.filter(invitation=invitation).values_list("revision", "status")) == [(1, "active")]
    assert QuotationLog.objects.filter(quotation=quotation, action__startswith="bid.").count() == 1
    assert quotation.room_events.count() == events


def test_a_changed_bid_or_one_sent_after_the_window_is_a_new_revision(bidding):
    quotation, (invitation, _), user, _ = bidding
    first = bid_submit(invitation=invitation, lines=_lines(quotation), currency="EUR", valid_until=IN_TEN_DAYS, by=user)

    changed = bid_revise(
        invitation=invitation, lines=_lines(quotation, double="95.00"), currency="EUR", valid_until=IN_TEN_DAYS, by=user
    )
    HotelBid.objects.filter(pk=changed.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    later = bid_revise(
        invitation=invitation, lines=_lines(quotation, double="95.00"), currency="EUR", valid_until=IN_TEN_DAYS, by=user
    )

    assert (first.revision, changed.revision, later.revision) == (1, 2, 3)
    assert HotelBid.objects.get(invitation=invitation, status=BidStatus.ACTIVE) == later
