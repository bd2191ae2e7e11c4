"""What staff see of a quotation: everything, but the margin only from the margin level.

Below settings.MARGIN_VISIBLE_FROM_LEVEL staff see prices and costs, never
the margin: `margin_percent` is then None, never left out, so every reader
(page, API, WhatsApp) handles the same shape.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from quotations.models import InvitationStatus, Quotation, QuotationPricing
from quotations.pricing import PriceResult, cents
from quotations.privacy.access import Viewer, ViewerKind
from quotations.privacy.comparison import ComparisonStay, present_bid_comparison
from quotations.privacy.presented import Presented
from quotations.privacy.requirements import (
    PresentedRequirements,
    PresentedRoomPrice,
    PresentedStay,
    present_itinerary,
    present_requirements,
    present_room_prices,
)
from quotations.workflow import hotel_may_act, hotel_staff_actions
from spirittours.errors import NotVisible


@dataclass(frozen=True)
class PresentedStayCost(Presented):
    """The hotel chosen for one stay and what the whole stay costs, in the quotation's currency."""

    stay_id: int
    city: str
    nights: int
    bid_id: int
    hotel_name: str
    bid_currency: str
    cost: Decimal
    overridden: bool  # chosen by staff instead of the best offer


@dataclass(frozen=True)
class PresentedPricingForStaff(Presented):
    """A saved pricing run."""

    id: int
    currency: str
    hotel_cost_total: Decimal
    cost_per_person: Decimal
    extras_per_person: Decimal
    price_per_person: Decimal
    price_total: Decimal
    room_prices: tuple[PresentedRoomPrice, ...]
    free_places: int
    paying: int
    stays: tuple[PresentedStayCost, ...]
    bids_valid_until: datetime.date
    computed_at: datetime.datetime
    computed_by: str
    margin_percent: Decimal | None  # None below the margin level


@dataclass(frozen=True)
class PresentedPricePreview(Presented):
    """An automatic quotation computed for staff to look at, not saved."""

    currency: str
    complete: bool
    missing: tuple[str, ...]  # cities without a complete valid bid
    stays: tuple[PresentedStayCost, ...]
    hotel_cost_total: Decimal
    cost_per_person: Decimal
    extras_per_person: Decimal
    price_per_person: Decimal
    price_total: Decimal
    room_prices: tuple[PresentedRoomPrice, ...]
    free_places: int
    paying: int
    bids_valid_until: datetime.date | None  # None while a stay is missing
    margin_percent: Decimal | None  # None below the margin level


@dataclass(frozen=True)
class PresentedClientForStaff(Presented):
    id: int
    name: str
    country: str


@dataclass(frozen=True)
class PresentedInvitationForStaff(Presented):
    id: int
    hotel_name: str
    city: str
    stars: int
    status: str
    status_label: str
    viewed_at: datetime.datetime | None
    decline_reason: str
    portal_path: str
    # What staff may do for this hotel now (quotations.workflow.hotel_staff_actions), by action name,
    # and whether they may enter or revise its bid for it (the hotel rule, hotel_may_act).
    actions: frozenset[str]
    may_bid: bool
    has_bid: bool


@dataclass(frozen=True)
class PresentedExtra(Presented):
    id: int
    kind: str  # the kind's label
    description: str
    amount: Decimal  # per person, in the quotation's currency


@dataclass(frozen=True)
class PresentedQuotationForStaff(Presented):
    id: int
    reference: str
    group_name: str
    client: PresentedClientForStaff
    owner_name: str
    status: str
    status_label: str
    currency: str
    requirements: PresentedRequirements
    itinerary: tuple[PresentedStay, ...]
    bid_deadline: datetime.datetime | None
    valid_until: datetime.date | None
    notes: str
    invitations: tuple[PresentedInvitationForStaff, ...]
    comparison: tuple[ComparisonStay, ...]
    extras: tuple[PresentedExtra, ...]
    pricing: PresentedPricingForStaff | None
    sees_margin: bool
    margin_percent: Decimal | None  # None below the margin level


def _stay_cost(stay: dict) -> PresentedStayCost:
    """A stay of a saved pricing's breakdown (JSON, amounts as strings)."""
    return PresentedStayCost(
        stay_id=stay["stay"],
        city=stay["city"],
        nights=stay["nights"],
        bid_id=stay["bid"],
        hotel_name=stay["hotel_name"],
        bid_currency=stay["bid_currency"],
        cost=Decimal(stay["cost"]),
        overridden=stay["overridden"],
    )


def present_pricing_for_staff(*, viewer: Viewer, pricing: QuotationPricing | None) -> PresentedPricingForStaff | None:
    """A pricing run for staff; the margin only from the margin level."""
    if viewer.kind != ViewerKind.STAFF:
        raise NotVisible
    if pricing is None:
        return None
    return PresentedPricingForStaff(
        id=pricing.pk,
        currency=pricing.currency,
        hotel_cost_total=pricing.hotel_cost_total,
        cost_per_person=pricing.cost_per_person,
        extras_per_person=pricing.extras_per_person,
        price_per_person=pricing.price_per_person,
        price_total=pricing.price_total,
        room_prices=present_room_prices(pricing.room_prices),
        free_places=pricing.breakdown.get("free_places", 0),
        paying=pricing.breakdown.get("paying", pricing.breakdown.get("pax", 0)),
        stays=tuple(_stay_cost(stay) for stay in pricing.breakdown.get("stays", [])),
        bids_valid_until=pricing.bids_valid_until,
        computed_at=pricing.created_at,
        computed_by=pricing.computed_by.get_full_name() if pricing.computed_by else "",
        margin_percent=pricing.margin_percent if viewer.sees_margin else None,
    )


def present_quotation_for_staff(
    *, viewer: Viewer, quotation: Quotation, on: datetime.date
) -> PresentedQuotationForStaff:
    """Everything about a quotation, bids compared as on `on`; the margin only from the margin level."""
    if viewer.kind != ViewerKind.STAFF:
        raise NotVisible
    pricing = quotation.pricings.filter(is_current=True).select_related("computed_by").first()
    invitations = quotation.invitations.select_related("hotel").order_by("hotel__name")
    itinerary = present_itinerary(quotation)
    now = timezone.now()
    return PresentedQuotationForStaff(
        id=quotation.pk,
        reference=quotation.reference,
        group_name=quotation.group_name,
        client=PresentedClientForStaff(
            id=quotation.client_id, name=quotation.client.name, country=quotation.client.country
        ),
        owner_name=quotation.owner.get_full_name() or quotation.owner.email,
        status=quotation.status,
        status_label=quotation.get_status_display(),
        currency=quotation.currency,
        requirements=present_requirements(quotation, stays=itinerary),
        itinerary=itinerary,
        bid_deadline=quotation.bid_deadline,
        valid_until=quotation.valid_until,
        notes=quotation.notes,
        invitations=tuple(
            PresentedInvitationForStaff(
                id=inv.pk,
                hotel_name=inv.hotel.name,
                city=inv.hotel.city,
                stars=inv.hotel.stars,
                status=inv.status,
                status_label=inv.get_status_display(),
                viewed_at=inv.viewed_at,
                decline_reason=inv.decline_reason,
                portal_path=f"/portal/i/{inv.token}/",
                actions=frozenset(str(a) for a in hotel_staff_actions(quotation=quotation, invitation=inv, now=now)),
                may_bid=hotel_may_act(quotation=quotation, invitation=inv, now=now),
                has_bid=inv.status == InvitationStatus.BID,
            )
            for inv in invitations
        ),
        comparison=present_bid_comparison(viewer=viewer, quotation=quotation, on=on),
        extras=tuple(
            PresentedExtra(id=e.pk, kind=e.get_kind_display(), description=e.description, amount=e.amount_per_person)
            for e in quotation.extras.order_by("id")
        ),
        pricing=present_pricing_for_staff(viewer=viewer, pricing=pricing),
        sees_margin=viewer.sees_margin,
        margin_percent=quotation.margin_percent if viewer.sees_margin else None,
    )


def present_price_preview_for_staff(*, viewer: Viewer, result: PriceResult) -> PresentedPricePreview:
    """An unsaved automatic quotation, shown to staff while they try margins and overrides."""
    if viewer.kind != ViewerKind.STAFF:
        raise NotVisible
    return PresentedPricePreview(
        currency=result.currency,
        complete=not result.missing,
        missing=tuple(stay.city for stay in result.missing),
        stays=tuple(
            PresentedStayCost(
                stay_id=choice.stay.stay_id,
                city=choice.stay.city,
                nights=choice.stay.nights,
                bid_id=choice.offer.bid_id,
                hotel_name=choice.offer.hotel_name,
                bid_currency=choice.offer.currency,
                cost=cents(choice.cost),
                overridden=choice.overridden,
            )
            for choice in result.choices
        ),
        hotel_cost_total=cents(result.hotel_cost_total),
        cost_per_person=cents(result.cost_per_person),
        extras_per_person=cents(result.extras_per_person),
        price_per_person=result.price_per_person,
        price_total=result.price_total,
        room_prices=present_room_prices(result.room_prices),
        free_places=result.free_places,
        paying=result.paying,
        bids_valid_until=None if result.missing else result.bids_valid_until,
        margin_percent=result.margin_percent if viewer.sees_margin else None,
    )
