"""Writes on hotel bids: submit, revise and withdraw, each before the deadline.

A revision never edits the previous bid: it supersedes it with a new row, so
the full history of what a hotel offered stays on record.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from quotations.cities import city_key
from quotations.errors import QuotationError
from quotations.events import BidRevised, BidSubmitted, BidWithdrawn
from quotations.limits import valid_until_check
from quotations.models import (
    BidStatus,
    HotelBid,
    HotelBidLine,
    HotelInvitation,
    InvitationStatus,
    Quotation,
    RoomType,
)
from quotations.services.audit import quotation_log
from quotations.services.invitations import invitation_user_may_act
from quotations.services.quotations import quotation_lock
from quotations.services.room import invitation_event, room_event_record
from quotations.workflow import hotel_act_check
from spirittours.geo import Currency

# No hotel room costs more than this per night in any currency we quote;
# a larger figure is a typing error (an extra zero, a pasted total).
MAX_NIGHTLY_RATE = Decimal("100000")


@dataclass(frozen=True)
class BidLineInput:
    stay_id: int
    room_type: str
    nightly_rate: Decimal
    rooms_available: int


def _validate_lines(*, quotation: Quotation, invitation: HotelInvitation, lines: list[BidLineInput]) -> None:
    if not lines:
        raise QuotationError(_("Offer at least one room rate."), field="lines")
    stays = {stay.pk: stay for stay in quotation.stays.all()}
    requested = quotation.room_mix
    seen = set()
    for line in lines:
        stay = stays.get(line.stay_id)
        if stay is None or city_key(stay.city) != city_key(invitation.hotel.city):
            raise QuotationError(_("A rate was given for a stay this hotel was not invited to."), field="lines")
        if line.room_type not in RoomType.values or requested.get(line.room_type, 0) == 0:
            raise QuotationError(_("The group did not ask for this room type."), field="lines")
        key = (line.stay_id, line.room_type)
        if key in seen:
            raise QuotationError(_("Each room type can be priced once per stay."), field="lines")
        seen.add(key)
        rate = line.nightly_rate
        if not isinstance(rate, Decimal) or not rate.is_finite():
            raise QuotationError(_("Enter the rate as a number."), field="nightly_rate")
        if rate <= 0:
            raise QuotationError(_("Rates must be greater than zero."), field="nightly_rate")
        if rate.as_tuple().exponent < -2:
            raise QuotationError(_("Rates can have at most 2 decimals."), field="nightly_rate")
        if rate > MAX_NIGHTLY_RATE:
            raise QuotationError(
                _("A nightly rate above %(max)s is not accepted.") % {"max": MAX_NIGHTLY_RATE}, field="nightly_rate"
            )
        if line.rooms_available < 1:
            raise QuotationError(_("Offer at least one room of each type you price."), field="rooms_available")
        if line.rooms_available > requested[line.room_type]:
            raise QuotationError(
                ngettext(
                    "The group asked for %(count)d room of this type; offer no more than that.",
                    "The group asked for %(count)d rooms of this type; offer no more than that.",
                    requested[line.room_type],
                )
                % {"count": requested[line.room_type]},
                field="rooms_available",
            )


def _validate_terms(*, invitation: HotelInvitation, currency: str, valid_until: datetime.date) -> None:
    if currency not in Currency.values:
        raise QuotationError(_("Choose a currency from the list."), field="currency")
    if currency != invitation.hotel.currency:
        raise QuotationError(
            _("Quote in your hotel's currency, %(currency)s.") % {"currency": invitation.hotel.currency},
            field="currency",
        )
    if valid_until < timezone.localdate():
        raise QuotationError(_("The valid-until date cannot be in the past."), field="valid_until")
    valid_until_check(day=valid_until)


# The same form sent again this soon after is one submission (a double click, a
# browser retry), not a new revision: the later clicks see the saved bid.
RESUBMISSION_WINDOW = datetime.timedelta(seconds=30)


def _is_resubmission(bid: HotelBid, *, lines: list[BidLineInput], by: User, **terms) -> bool:
    """Whether `bid` is this very offer, sent by the same person moments ago; `terms` are bid fields."""
    if bid.submitted_by_id != by.pk or timezone.now() - bid.created_at > RESUBMISSION_WINDOW:
        return False
    offered = [(line.stay_id, line.room_type, line.nightly_rate, line.rooms_available) for line in lines]
    saved = [(line.stay_id, line.room_type, line.nightly_rate, line.rooms_available) for line in bid.lines.all()]
    return sorted(offered) == sorted(saved) and all(getattr(bid, name) == value for name, value in terms.items())


def _bid_write(
    *,
    invitation: HotelInvitation,
    lines: list[BidLineInput],
    currency: str,
    valid_until: datetime.date,
    conditions: str,
    notes: str,
    by: User,
    revising: bool,
) -> HotelBid:
    if not invitation_user_may_act(invitation=invitation, user=by):
        raise QuotationError(_("You cannot act on this invitation."), code="forbidden")
    _validate_terms(invitation=invitation, currency=currency, valid_until=valid_until)
    conditions, notes = conditions.strip(), notes.strip()
    with transaction.atomic():
        quotation = quotation_lock(quotation=invitation.quotation)
        locked = HotelInvitation.objects.select_for_update().select_related("hotel").get(pk=invitation.pk)
        hotel_act_check(quotation=quotation, invitation=locked, now=timezone.now())
        _validate_lines(quotation=quotation, invitation=locked, lines=lines)
        current = locked.bids.filter(status=BidStatus.ACTIVE).prefetch_related("lines").first()
        terms = {"currency": currency, "valid_until": valid_until, "conditions": conditions, "notes": notes}
        if current is not None and _is_resubmission(current, lines=lines, by=by, **terms):
            return current  # a second click on the same form: the bid is already saved
        if revising and current is None:
            raise QuotationError(_("There is no active bid to revise."), code="no_bid")
        if not revising and current is not None:
            raise QuotationError(_("A bid is already active; revise it instead."), code="bid_exists")
        last_revision = locked.bids.order_by("-revision").values_list("revision", flat=True).first() or 0
        if current is not None:
            current.status = BidStatus.SUPERSEDED
            current.save(update_fields=["status", "updated_at"])
        bid = HotelBid.objects.create(
            invitation=locked,
            revision=last_revision + 1,
            currency=currency,
            valid_until=valid_until,
            conditions=conditions,
            notes=notes,
            submitted_by=by,
        )
        HotelBidLine.objects.bulk_create(
            HotelBidLine(
                bid=bid,
                stay_id=line.stay_id,
                room_type=line.room_type,
                nightly_rate=line.nightly_rate,
                rooms_available=line.rooms_available,
            )
            for line in lines
        )
        if locked.status != InvitationStatus.BID:
            locked.status = InvitationStatus.BID
            locked.save(update_fields=["status", "updated_at"])
        quotation_log(
            quotation=quotation,
            action="bid.revised" if revising else "bid.submitted",
            actor=by,
            data={"invitation": locked.pk, "bid": bid.pk, "revision": bid.revision},
        )
        room_event_record(
            quotation=quotation,
            event=invitation_event(
                BidRevised if revising else BidSubmitted, locked, bid=bid.pk, revision=bid.revision, currency=currency
            ),
        )
    return bid


def bid_submit(
    *,
    invitation: HotelInvitation,
    lines: list[BidLineInput],
    currency: str,
    valid_until: datetime.date,
    conditions: str = "",
    notes: str = "",
    by: User,
) -> HotelBid:
    """A hotel's first offer on an invitation, before the bid deadline."""
    return _bid_write(
        invitation=invitation,
        lines=lines,
        currency=currency,
        valid_until=valid_until,
        conditions=conditions,
        notes=notes,
        by=by,
        revising=False,
    )


def bid_revise(
    *,
    invitation: HotelInvitation,
    lines: list[BidLineInput],
    currency: str,
    valid_until: datetime.date,
    conditions: str = "",
    notes: str = "",
    by: User,
) -> HotelBid:
    """Replace the active bid with a new revision; the old one is kept as superseded."""
    return _bid_write(
        invitation=invitation,
        lines=lines,
        currency=currency,
        valid_until=valid_until,
        conditions=conditions,
        notes=notes,
        by=by,
        revising=True,
    )


def bid_withdraw(*, bid: HotelBid, by: User) -> HotelBid:
    """Take back the active bid before the deadline; the invitation stays open."""
    invitation = bid.invitation
    if not invitation_user_may_act(invitation=invitation, user=by):
        raise QuotationError(_("You cannot act on this invitation."), code="forbidden")
    with transaction.atomic():
        quotation = quotation_lock(quotation=invitation.quotation)
        locked_invitation = HotelInvitation.objects.select_for_update().get(pk=invitation.pk)
        hotel_act_check(quotation=quotation, invitation=locked_invitation, now=timezone.now())
        locked = HotelBid.objects.select_for_update().get(pk=bid.pk)
        if locked.status != BidStatus.ACTIVE:
            raise QuotationError(_("Only the active bid can be withdrawn."), code="not_active")
        locked.status = BidStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        locked_invitation.status = InvitationStatus.VIEWED if locked_invitation.viewed_at else InvitationStatus.INVITED
        locked_invitation.save(update_fields=["status", "updated_at"])
        quotation_log(
            quotation=quotation,
            action="bid.withdrawn",
            actor=by,
            data={"invitation": locked_invitation.pk, "bid": locked.pk, "revision": locked.revision},
        )
        room_event_record(
            quotation=quotation,
            event=invitation_event(BidWithdrawn, locked_invitation, bid=locked.pk, revision=locked.revision),
        )
    bid.refresh_from_db()
    return bid
