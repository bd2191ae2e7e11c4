"""What a client contact sees of its own client's quotations.

Only quotations that have been sent, with client prices, itinerary and
inclusions; never a net rate or the margin. The chosen hotels' names appear
once the quote is sent.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from quotations.models import Quotation, QuotationPricing
from quotations.privacy.access import CLIENT_STATUSES, Viewer, ViewerKind, quotations_visible
from quotations.privacy.presented import Presented
from quotations.privacy.requirements import (
    PresentedRequirements,
    PresentedRoomPrice,
    PresentedStay,
    present_itinerary,
    present_requirements,
    present_room_prices,
)
from spirittours.errors import NotVisible


@dataclass(frozen=True)
class PresentedClientPrices(Presented):
    """Client prices only: what the group pays, never what the hotels charge.

    `total` is the sum of the lines of `by_room` (paying travellers × price per
    person); `per_person` is the average per paying traveller, for information.
    """

    currency: str
    per_person: Decimal
    total: Decimal
    by_room: tuple[PresentedRoomPrice, ...]
    free_places: int
    paying: int


@dataclass(frozen=True)
class PresentedChosenHotel(Presented):
    city: str
    hotel_name: str
    stars: int


@dataclass(frozen=True)
class PresentedQuotationForClient(Presented):
    id: int
    reference: str
    group_name: str
    client_name: str
    status: str
    status_label: str
    requirements: PresentedRequirements
    itinerary: tuple[PresentedStay, ...]
    inclusions: tuple[str, ...]
    prices: PresentedClientPrices | None
    hotels: tuple[PresentedChosenHotel, ...]
    valid_until: datetime.date
    owner_name: str
    owner_email: str


@dataclass(frozen=True)
class PresentedQuotationSummaryForClient(Presented):
    """A row of the client's list of quotes."""

    id: int
    reference: str
    group_name: str
    arrival: datetime.date
    pax: int
    status: str
    status_label: str
    valid_until: datetime.date
    per_person: Decimal | None  # the average per paying traveller
    total: Decimal | None  # what the group pays: the sum of the quote's lines
    currency: str


def _client_prices(pricing: QuotationPricing | None) -> PresentedClientPrices | None:
    if pricing is None:
        return None
    return PresentedClientPrices(
        currency=pricing.currency,
        per_person=pricing.price_per_person,
        total=pricing.price_total,
        # Only the lines someone pays for: a room type of free places alone has nothing to add up.
        by_room=tuple(line for line in present_room_prices(pricing.room_prices) if line.paying),
        free_places=pricing.breakdown.get("free_places", 0),
        paying=pricing.breakdown.get("paying", pricing.breakdown.get("pax", 0)),
    )


def _chosen_hotels(pricing: QuotationPricing | None) -> tuple[PresentedChosenHotel, ...]:
    if pricing is None:
        return ()
    return tuple(
        PresentedChosenHotel(
            city=choice.stay.city,
            hotel_name=choice.bid.invitation.hotel.name,
            stars=choice.bid.invitation.hotel.stars,
        )
        for choice in pricing.choices.select_related("stay", "bid__invitation__hotel").order_by("stay__position")
    )


def present_quotation_for_client(*, viewer: Viewer, quotation: Quotation) -> PresentedQuotationForClient:
    if viewer.kind != ViewerKind.CLIENT or quotation.client_id not in viewer.client_ids:
        raise NotVisible
    if quotation.status not in CLIENT_STATUSES or quotation.valid_until is None:
        raise NotVisible
    pricing = quotation.pricings.filter(is_current=True).first()
    return PresentedQuotationForClient(
        id=quotation.pk,
        reference=quotation.reference,
        group_name=quotation.group_name,
        client_name=quotation.client.name,
        status=quotation.status,
        status_label=quotation.get_status_display(),
        requirements=present_requirements(quotation),
        itinerary=present_itinerary(quotation),
        inclusions=tuple(extra.description for extra in quotation.extras.order_by("id")),
        prices=_client_prices(pricing),
        hotels=_chosen_hotels(pricing),
        valid_until=quotation.valid_until,
        owner_name=quotation.owner.get_full_name(),
        owner_email=quotation.owner.email,
    )


def present_quotation_list_for_client(*, viewer: Viewer) -> list[PresentedQuotationSummaryForClient]:
    quotations = quotations_visible(viewer=viewer).order_by("-created_at")
    result = []
    for quotation in quotations.prefetch_related("pricings"):
        pricing = next((p for p in quotation.pricings.all() if p.is_current), None)
        result.append(
            PresentedQuotationSummaryForClient(
                id=quotation.pk,
                reference=quotation.reference,
                group_name=quotation.group_name,
                arrival=quotation.arrival,
                pax=quotation.pax,
                status=quotation.status,
                status_label=quotation.get_status_display(),
                valid_until=quotation.valid_until,
                per_person=pricing.price_per_person if pricing else None,
                total=pricing.price_total if pricing else None,
                currency=pricing.currency if pricing else quotation.currency,
            )
        )
    return result
