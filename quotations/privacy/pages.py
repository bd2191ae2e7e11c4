"""What each viewer may see of quotations on pages. The one place that decides it.

Pages, forms, the API, room frames, emails and WhatsApp answers never hand a
model to a template or a serializer for a non-staff viewer: they ask this
module for a *presented* dict, built fresh for that viewer from only the
fields the viewer may see. Rules:

- a hotel user sees the group's requirements (dates, pax, room mix, meal plan,
  the stays in its own city) and its own invitation and bids; never another
  hotel's prices, identity, the number of competitors or a rank; never the
  client's identity; never the margin or the client price;
- a client contact sees its own client's quotations once they have been sent,
  with client prices, itinerary and inclusions; never a net rate or the margin;
  the chosen hotels' names only once the quote is sent;
- staff see everything; below settings.MARGIN_VISIBLE_FROM_LEVEL, no margin.

Looking up an object the viewer may not see raises Http404, never 403, so
that ids and tokens cannot be probed.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role, User
from quotations.models import (
    ROOM_OCCUPANCY,
    BidStatus,
    HotelBid,
    HotelInvitation,
    InvitationStatus,
    Quotation,
    QuotationPricing,
    QuotationStatus,
    RoomType,
)
from quotations.pricing import PriceResult, cents
from quotations.selectors import bid_comparison

S = QuotationStatus
# A client sees a quotation from the moment it is sent; "cancelled" only if it had been sent.
CLIENT_STATUSES = frozenset({S.SENT, S.CHANGES_REQUESTED, S.APPROVED, S.BOOKED, S.DECLINED, S.EXPIRED, S.CANCELLED})


class ViewerKind(StrEnum):
    STAFF = "staff"
    CLIENT = "client"
    HOTEL = "hotel"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Viewer:
    kind: ViewerKind
    user_id: int | None = None
    staff_level: int = 0
    is_superuser: bool = False
    client_ids: frozenset[int] = frozenset()
    hotel_ids: frozenset[int] = frozenset()

    @property
    def sees_margin(self) -> bool:
        return self.kind == ViewerKind.STAFF and (
            self.is_superuser or self.staff_level >= settings.MARGIN_VISIBLE_FROM_LEVEL
        )


ANONYMOUS = Viewer(kind=ViewerKind.ANONYMOUS)


def viewer_for(user: User | None) -> Viewer:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    if user.role == Role.STAFF:
        return Viewer(
            kind=ViewerKind.STAFF,
            user_id=user.pk,
            staff_level=user.staff_level or 0,
            is_superuser=user.is_superuser,
        )
    if user.role == Role.CLIENT:
        return Viewer(
            kind=ViewerKind.CLIENT,
            user_id=user.pk,
            client_ids=frozenset(user.client_accounts.values_list("pk", flat=True)),
        )
    if user.role == Role.HOTEL:
        return Viewer(
            kind=ViewerKind.HOTEL,
            user_id=user.pk,
            hotel_ids=frozenset(user.hotels.filter(is_active=True).values_list("pk", flat=True)),
        )
    return ANONYMOUS


# --- Which objects a viewer may reach -----------------------------------------------


def quotations_visible(*, viewer: Viewer) -> QuerySet[Quotation]:
    if viewer.kind == ViewerKind.STAFF:
        return Quotation.objects.all()
    if viewer.kind == ViewerKind.CLIENT:
        return Quotation.objects.filter(
            client_id__in=viewer.client_ids, status__in=CLIENT_STATUSES, valid_until__isnull=False
        )
    if viewer.kind == ViewerKind.HOTEL:
        return Quotation.objects.filter(pk__in=invitations_visible(viewer=viewer).values("quotation_id"))
    return Quotation.objects.none()


def quotation_get_visible(*, viewer: Viewer, pk: int) -> Quotation:
    quotation = quotations_visible(viewer=viewer).select_related("client", "owner").filter(pk=pk).first()
    if quotation is None:
        raise Http404
    return quotation


def invitations_visible(*, viewer: Viewer) -> QuerySet[HotelInvitation]:
    if viewer.kind == ViewerKind.STAFF:
        return HotelInvitation.objects.all()
    if viewer.kind == ViewerKind.HOTEL:
        # A hotel taken out of the bidding loses sight of the group altogether.
        return HotelInvitation.objects.filter(hotel_id__in=viewer.hotel_ids).exclude(status=InvitationStatus.WITHDRAWN)
    return HotelInvitation.objects.none()


def invitation_get_for_hotel(*, viewer: Viewer, token: str) -> HotelInvitation:
    """The portal's invitation behind a link token, for a member of that hotel only."""
    if viewer.kind != ViewerKind.HOTEL:
        raise Http404
    invitation = invitations_visible(viewer=viewer).filter(token=token).select_related("hotel", "quotation").first()
    if invitation is None:
        raise Http404
    return invitation


def bid_get_for_hotel(*, invitation: HotelInvitation, pk: int) -> HotelBid:
    bid = invitation.bids.filter(pk=pk).first()
    if bid is None:
        raise Http404
    return bid


# --- Presented views: fresh dicts holding only what the viewer may see ---------------


def _room_mix(quotation: Quotation) -> list[dict]:
    return [
        {"room_type": room, "label": RoomType(room).label, "count": count, "occupancy": ROOM_OCCUPANCY[room]}
        for room, count in quotation.room_mix.items()
        if count
    ]


def _itinerary(quotation: Quotation) -> list[dict]:
    stays, day = [], quotation.arrival
    for stay in quotation.stays.order_by("position"):
        check_out = day + datetime.timedelta(days=stay.nights)
        stays.append({"id": stay.pk, "city": stay.city, "nights": stay.nights, "check_in": day, "check_out": check_out})
        day = check_out
    return stays


def _requirements(quotation: Quotation) -> dict:
    return {
        "arrival": quotation.arrival,
        "departure": quotation.departure,
        "nights": quotation.nights,
        "pax": quotation.pax,
        "rooms": _room_mix(quotation),
        "meal_plan": quotation.get_meal_plan_display(),
    }


def _bid(bid: HotelBid) -> dict:
    return {
        "id": bid.pk,
        "revision": bid.revision,
        "status": bid.status,
        "status_label": bid.get_status_display(),
        "currency": bid.currency,
        "valid_until": bid.valid_until,
        "conditions": bid.conditions,
        "notes": bid.notes,
        "submitted_at": bid.created_at,
        "lines": [
            {
                "stay_id": line.stay_id,
                "city": line.stay.city,
                "room_type": line.room_type,
                "room_label": line.get_room_type_display(),
                "nightly_rate": line.nightly_rate,
                "rooms_available": line.rooms_available,
            }
            for line in bid.lines.select_related("stay").order_by("stay__position", "room_type")
        ],
    }


def _bidding_open(invitation: HotelInvitation, now: datetime.datetime) -> bool:
    """Whether this hotel can still bid: the round is open, before the deadline, not declined."""
    quotation = invitation.quotation
    return (
        quotation.status == S.BIDDING
        and quotation.bid_deadline is not None
        and now < quotation.bid_deadline
        and invitation.status != InvitationStatus.DECLINED
    )


def present_invitation_for_hotel(*, viewer: Viewer, invitation: HotelInvitation, now: datetime.datetime) -> dict:
    """The portal's view of one invitation: requirements, own bids, whether it is open."""
    if viewer.kind != ViewerKind.HOTEL or invitation.hotel_id not in viewer.hotel_ids:
        raise Http404
    quotation = invitation.quotation
    own_city = invitation.hotel.city.casefold()
    stays = [stay for stay in _itinerary(quotation) if stay["city"].casefold() == own_city]
    deadline = quotation.bid_deadline
    bids = [_bid(bid) for bid in invitation.bids.order_by("-revision")]
    return {
        "token": invitation.token,
        "hotel": {"id": invitation.hotel_id, "name": invitation.hotel.name, "currency": invitation.hotel.currency},
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "requirements": _requirements(quotation),
        "stays": stays,
        "bid_deadline": deadline,
        "is_open": _bidding_open(invitation, now),
        "status": invitation.status,
        "status_label": invitation.get_status_display(),
        "declined": invitation.status == InvitationStatus.DECLINED,
        "decline_reason": invitation.decline_reason,
        "active_bid": next((bid for bid in bids if bid["status"] == BidStatus.ACTIVE), None),
        "bids": bids,
    }


def present_invitation_list_for_hotel(*, viewer: Viewer, now: datetime.datetime) -> list[dict]:
    invitations = (
        invitations_visible(viewer=viewer)
        .select_related("hotel", "quotation")
        .order_by("quotation__bid_deadline", "pk")
    )
    return [
        {
            "token": inv.token,
            "hotel_name": inv.hotel.name,
            "reference": inv.quotation.reference,
            "group_name": inv.quotation.group_name,
            "arrival": inv.quotation.arrival,
            "departure": inv.quotation.departure,
            "pax": inv.quotation.pax,
            "bid_deadline": inv.quotation.bid_deadline,
            "status_label": inv.get_status_display(),
            "is_open": _bidding_open(inv, now),
        }
        for inv in invitations
    ]


def _client_prices(pricing: QuotationPricing | None) -> dict | None:
    if pricing is None:
        return None
    return {
        "currency": pricing.currency,
        "per_person": pricing.price_per_person,
        "total": pricing.price_total,
        "by_room": [
            {"room_type": room, "label": RoomType(room).label, "per_person": Decimal(price)}
            for room, price in pricing.room_prices.items()
        ],
    }


def _chosen_hotels(pricing: QuotationPricing | None) -> list[dict]:
    if pricing is None:
        return []
    return [
        {
            "city": choice.stay.city,
            "hotel_name": choice.bid.invitation.hotel.name,
            "stars": choice.bid.invitation.hotel.stars,
        }
        for choice in pricing.choices.select_related("stay", "bid__invitation__hotel").order_by("stay__position")
    ]


def present_quotation_for_client(*, viewer: Viewer, quotation: Quotation) -> dict:
    if viewer.kind != ViewerKind.CLIENT or quotation.client_id not in viewer.client_ids:
        raise Http404
    if quotation.status not in CLIENT_STATUSES or quotation.valid_until is None:
        raise Http404
    pricing = quotation.pricings.filter(is_current=True).first()
    return {
        "id": quotation.pk,
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "client_name": quotation.client.name,
        "status": quotation.status,
        "status_label": quotation.get_status_display(),
        "requirements": _requirements(quotation),
        "itinerary": _itinerary(quotation),
        "inclusions": [extra.description for extra in quotation.extras.order_by("id")],
        "prices": _client_prices(pricing),
        "hotels": _chosen_hotels(pricing),
        "valid_until": quotation.valid_until,
        "owner_name": quotation.owner.get_full_name(),
        "owner_email": quotation.owner.email,
    }


def present_quotation_list_for_client(*, viewer: Viewer) -> list[dict]:
    quotations = quotations_visible(viewer=viewer).order_by("-created_at")
    result = []
    for quotation in quotations.prefetch_related("pricings"):
        pricing = next((p for p in quotation.pricings.all() if p.is_current), None)
        result.append(
            {
                "id": quotation.pk,
                "reference": quotation.reference,
                "group_name": quotation.group_name,
                "arrival": quotation.arrival,
                "pax": quotation.pax,
                "status": quotation.status,
                "status_label": quotation.get_status_display(),
                "valid_until": quotation.valid_until,
                "per_person": pricing.price_per_person if pricing else None,
                "currency": pricing.currency if pricing else quotation.currency,
            }
        )
    return result


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
        "room_prices": _client_prices(pricing)["by_room"],
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
        "requirements": _requirements(quotation),
        "itinerary": _itinerary(quotation),
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
        "room_prices": [
            {"room_type": room, "label": RoomType(room).label, "per_person": price}
            for room, price in result.room_prices.items()
        ],
        "bids_valid_until": None if result.missing else result.bids_valid_until,
    }
    if viewer.sees_margin:
        presented["margin_percent"] = result.margin_percent
    return presented
