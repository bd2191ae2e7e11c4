"""What a hotel sees in the supplier portal.

The group's requirements and the stays in its own city, its own invitation and
its own bids; never another hotel's prices or identity, the number of
competitors or a rank, the client's identity, the margin or the client price.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from accounts.models import Role
from quotations.cities import city_key
from quotations.models import (
    BidStatus,
    HotelBid,
    HotelBidLine,
    HotelInvitation,
    InvitationStatus,
    QuotationPricingChoice,
    QuotationStatus,
)
from quotations.privacy.access import Viewer, ViewerKind, invitations_visible
from quotations.privacy.presented import Presented
from quotations.privacy.requirements import (
    PresentedRequirements,
    PresentedStay,
    present_itinerary,
    present_requirements,
)
from quotations.workflow import hotel_may_act, hotel_may_see
from spirittours.errors import NotVisible


@dataclass(frozen=True)
class PresentedBidLine(Presented):
    stay_id: int
    city: str
    room_type: str
    room_label: str
    nightly_rate: Decimal
    rooms_available: int


@dataclass(frozen=True)
class PresentedBid(Presented):
    """One revision of the hotel's own bid, in its own currency."""

    id: int
    revision: int
    status: str
    status_label: str
    currency: str
    valid_until: datetime.date
    conditions: str
    notes: str
    submitted_at: datetime.datetime
    entered_by_team: bool  # staff entered it for the hotel (a bid received by phone or email)
    lines: tuple[PresentedBidLine, ...]


@dataclass(frozen=True)
class PresentedHotel(Presented):
    id: int
    name: str
    currency: str


@dataclass(frozen=True)
class PresentedInvitationForHotel(Presented):
    """The portal's page of one invitation; `stays` are only those in the hotel's city."""

    token: str
    hotel: PresentedHotel
    reference: str
    group_name: str
    requirements: PresentedRequirements
    stays: tuple[PresentedStay, ...]
    bid_deadline: datetime.datetime | None
    is_open: bool
    status: str
    status_label: str
    declined: bool
    decline_reason: str
    active_bid: PresentedBid | None
    bids: tuple[PresentedBid, ...]  # newest revision first
    selection: str  # "" until the client decides; then "selected" or "not_selected"


@dataclass(frozen=True)
class PresentedInvitationSummaryForHotel(Presented):
    """A row of the portal's list of invitations."""

    token: str
    hotel_name: str
    reference: str
    group_name: str
    arrival: datetime.date
    departure: datetime.date
    pax: int
    bid_deadline: datetime.datetime | None
    status_label: str
    is_open: bool
    selection: str  # "" until the client decides; then "selected" or "not_selected"


# Every revision's lines in one query, in the order the portal lists them.
BID_LINES = Prefetch(
    "lines", queryset=HotelBidLine.objects.select_related("stay").order_by("stay__position", "room_type")
)


def _bid(bid: HotelBid) -> PresentedBid:
    return PresentedBid(
        id=bid.pk,
        revision=bid.revision,
        status=bid.status,
        status_label=bid.get_status_display(),
        currency=bid.currency,
        valid_until=bid.valid_until,
        conditions=bid.conditions,
        notes=bid.notes,
        submitted_at=bid.created_at,
        entered_by_team=bid.submitted_by.role == Role.STAFF,
        lines=tuple(
            PresentedBidLine(
                stay_id=line.stay_id,
                city=line.stay.city,
                room_type=line.room_type,
                room_label=line.get_room_type_display(),
                nightly_rate=line.nightly_rate,
                rooms_available=line.rooms_available,
            )
            for line in bid.lines.all()  # prefetched in order: BID_LINES
        ),
    )


def present_invitation_for_hotel(
    *, viewer: Viewer, invitation: HotelInvitation, now: datetime.datetime
) -> PresentedInvitationForHotel:
    """The portal's view of one invitation: requirements, own bids, whether it is open."""
    if viewer.kind != ViewerKind.HOTEL or invitation.hotel_id not in viewer.hotel_ids:
        raise NotVisible
    if not hotel_may_see(invitation=invitation):
        raise NotVisible
    quotation = invitation.quotation
    own_city = city_key(invitation.hotel.city)
    stays = tuple(stay for stay in present_itinerary(quotation) if city_key(stay.city) == own_city)
    revisions = invitation.bids.select_related("submitted_by").prefetch_related(BID_LINES).order_by("-revision")
    bids = tuple(_bid(bid) for bid in revisions)
    return PresentedInvitationForHotel(
        token=invitation.token,
        hotel=PresentedHotel(id=invitation.hotel_id, name=invitation.hotel.name, currency=invitation.hotel.currency),
        reference=quotation.reference,
        group_name=quotation.group_name,
        requirements=present_requirements(quotation, stays=stays),  # its meal plan: the hotel's nights
        stays=stays,
        bid_deadline=quotation.bid_deadline,
        is_open=hotel_may_act(quotation=quotation, invitation=invitation, now=now),
        status=invitation.status,
        status_label=invitation.get_status_display(),
        declined=invitation.status == InvitationStatus.DECLINED,
        decline_reason=invitation.decline_reason,
        active_bid=next((bid for bid in bids if bid.status == BidStatus.ACTIVE), None),
        bids=bids,
        selection=invitation_selection(invitation=invitation),
    )


DECIDED = (QuotationStatus.APPROVED, QuotationStatus.BOOKED)


def invitation_selection(*, invitation: HotelInvitation) -> str:
    """Once the client approved the quote, whether this hotel's offer is in it; never which other hotel is."""
    quotation = invitation.quotation
    if quotation.status not in DECIDED:
        return ""
    chosen = QuotationPricingChoice.objects.filter(
        pricing__quotation=quotation, pricing__is_current=True, bid__invitation=invitation
    ).exists()
    return "selected" if chosen else "not_selected"


def present_invitation_list_for_hotel(
    *, viewer: Viewer, now: datetime.datetime
) -> list[PresentedInvitationSummaryForHotel]:
    invitations = (
        invitations_visible(viewer=viewer)
        .select_related("hotel", "quotation")
        .order_by("quotation__bid_deadline", "pk")
    )
    return [
        PresentedInvitationSummaryForHotel(
            token=inv.token,
            hotel_name=inv.hotel.name,
            reference=inv.quotation.reference,
            group_name=inv.quotation.group_name,
            arrival=inv.quotation.arrival,
            departure=inv.quotation.departure,
            pax=inv.quotation.pax,
            bid_deadline=inv.quotation.bid_deadline,
            status_label=inv.get_status_display(),
            is_open=hotel_may_act(quotation=inv.quotation, invitation=inv, now=now),
            selection=invitation_selection(invitation=inv),
        )
        for inv in invitations
    ]
