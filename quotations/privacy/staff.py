"""What staff see of a quotation: everything, but the margin only from the margin level.

Below settings.MARGIN_VISIBLE_FROM_LEVEL staff see prices and costs, never
the margin.
"""

import datetime

from django.http import Http404

from quotations.models import Quotation, QuotationPricing
from quotations.pricing import PriceResult, cents
from quotations.privacy.access import Viewer, ViewerKind
from quotations.privacy.requirements import present_itinerary, present_requirements, present_room_prices
from quotations.selectors import bid_comparison


def present_pricing_for_staff(*, viewer: Viewer, pricing: QuotationPricing | None) -> dict | None:
    """A pricing run for staff; the margin and what derives from it only above the threshold."""
    if viewer.kind != ViewerKind.STAFF:
        raise Http404
    if pricing is None:
        return None
    presented = {
        "id": pricing.pk,
        "currency": pricing.currency,
        "hotel_cost_total": pricing.hotel_cost_total,
        "cost_per_person": pricing.cost_per_person,
        "extras_per_person": pricing.extras_per_person,
        "price_per_person": pricing.price_per_person,
        "price_total": pricing.price_total,
        "room_prices": present_room_prices(pricing.room_prices),
        "stays": pricing.breakdown.get("stays", []),
        "bids_valid_until": pricing.bids_valid_until,
        "computed_at": pricing.created_at,
        "computed_by": pricing.computed_by.get_full_name() if pricing.computed_by else "",
    }
    if viewer.sees_margin:
        presented["margin_percent"] = pricing.margin_percent
    return presented


def present_quotation_for_staff(*, viewer: Viewer, quotation: Quotation, on: datetime.date) -> dict:
    """Everything about a quotation, but the margin only for staff allowed to see it."""
    if viewer.kind != ViewerKind.STAFF:
        raise Http404
    pricing = quotation.pricings.filter(is_current=True).select_related("computed_by").first()
    invitations = quotation.invitations.select_related("hotel").order_by("hotel__name")
    presented = {
        "id": quotation.pk,
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "client": {"id": quotation.client_id, "name": quotation.client.name, "country": quotation.client.country},
        "owner_name": quotation.owner.get_full_name() or quotation.owner.email,
        "status": quotation.status,
        "status_label": quotation.get_status_display(),
        "currency": quotation.currency,
        "requirements": present_requirements(quotation),
        "itinerary": present_itinerary(quotation),
        "bid_deadline": quotation.bid_deadline,
        "valid_until": quotation.valid_until,
        "notes": quotation.notes,
        "invitations": [
            {
                "id": inv.pk,
                "hotel_name": inv.hotel.name,
                "city": inv.hotel.city,
                "stars": inv.hotel.stars,
                "status": inv.status,
                "status_label": inv.get_status_display(),
                "viewed_at": inv.viewed_at,
                "decline_reason": inv.decline_reason,
                "portal_path": f"/portal/i/{inv.token}/",
            }
            for inv in invitations
        ],
        "comparison": bid_comparison(quotation=quotation, on=on),
        "extras": [
            {"id": e.pk, "kind": e.get_kind_display(), "description": e.description, "amount": e.amount_per_person}
            for e in quotation.extras.order_by("id")
        ],
        "pricing": present_pricing_for_staff(viewer=viewer, pricing=pricing),
        "sees_margin": viewer.sees_margin,
    }
    if viewer.sees_margin:
        presented["margin_percent"] = quotation.margin_percent
    return presented


def present_price_preview_for_staff(*, viewer: Viewer, result: PriceResult) -> dict:
    """An unsaved automatic quotation, shown to staff while they try margins and overrides."""
    if viewer.kind != ViewerKind.STAFF:
        raise Http404
    presented = {
        "currency": result.currency,
        "complete": not result.missing,
        "missing": [stay.city for stay in result.missing],
        "stays": [
            {
                "city": choice.stay.city,
                "nights": choice.stay.nights,
                "hotel_name": choice.offer.hotel_name,
                "bid_currency": choice.offer.currency,
                "cost": cents(choice.cost),
                "overridden": choice.overridden,
            }
            for choice in result.choices
        ],
        "hotel_cost_total": cents(result.hotel_cost_total),
        "cost_per_person": cents(result.cost_per_person),
        "extras_per_person": cents(result.extras_per_person),
        "price_per_person": result.price_per_person,
        "price_total": result.price_total,
        "room_prices": present_room_prices(result.room_prices),
        "bids_valid_until": None if result.missing else result.bids_valid_until,
    }
    if viewer.sees_margin:
        presented["margin_percent"] = result.margin_percent
    return presented
