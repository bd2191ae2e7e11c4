"""What each email recipient may read: the context of every quotation email.

Like pages and room frames, emails get a context built for their recipient
(plain data: the context is stored as JSON until the email is sent):
a hotel's invitation carries the group's requirements and its own link, never
the client or a price; the client's approval and quote carry client prices only;
the staff owner's emails may name the client and the hotels.
"""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy

from accounts.models import User
from quotations.cities import city_key
from quotations.models import HotelInvitation, Quotation, QuotationLog
from quotations.privacy.access import viewer_for
from quotations.privacy.clients import present_quotation_for_client
from quotations.privacy.requirements import present_itinerary, present_meal_plan, present_room_mix


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def email_context_quotation_created(*, quotation: Quotation) -> dict:
    """To the staff owner."""
    return {
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "client_name": quotation.client.name,
        "arrival": quotation.arrival,
        "departure": quotation.departure,
        "pax": quotation.pax,
        "url": _url(reverse("staff:quotation", kwargs={"pk": quotation.pk})),
    }


def email_context_hotel_invitation(*, invitation: HotelInvitation) -> dict:
    """To the hotel: its city's nights and its portal link; nothing about the client or prices."""
    quotation = invitation.quotation
    own = [s for s in present_itinerary(quotation) if city_key(s.city) == city_key(invitation.hotel.city)]
    return {
        "hotel_name": invitation.hotel.name,
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "city": invitation.hotel.city,
        "arrival": own[0].check_in if own else quotation.arrival,
        "departure": own[-1].check_out if own else quotation.departure,
        "pax": quotation.pax,
        # Lazy: rendered in the hotel's language, whatever language queues the email.
        "rooms": [format_lazy("{} × {}", room.count, room.label) for room in present_room_mix(quotation)],
        # Lazy too; where the hotel's nights have different plans, `stays` lists each.
        "meal_plan": present_meal_plan(quotation, own),
        "stays": [
            {"check_in": s.check_in, "check_out": s.check_out, "nights": s.nights, "meal_plan": s.meal_plan_label}
            for s in own
        ],
        "bid_deadline": quotation.bid_deadline,
        "url": _url(reverse("portal:invitation", kwargs={"token": invitation.token})),
    }


def email_context_quotation_approved(*, quotation: Quotation, recipient: User) -> dict:
    """To the owner and the client's contacts: client prices and each one's own link."""
    pricing = quotation.pricings.filter(is_current=True).first()
    is_staff = recipient.role == "staff"
    path = reverse("staff:quotation" if is_staff else "client:quotation", kwargs={"pk": quotation.pk})
    return {
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "price_per_person": pricing.price_per_person if pricing else None,
        "price_total": pricing.price_total if pricing else None,
        "currency": pricing.currency if pricing else quotation.currency,
        "url": _url(path),
    }


def email_context_deadline_warning(*, quotation: Quotation, kind: str, url_path: str) -> dict:
    if kind == "bid":
        deadline = quotation.bid_deadline
    else:  # a quote is valid through the whole of its last day
        deadline = timezone.make_aware(datetime.datetime.combine(quotation.valid_until, datetime.time(23, 59)))
    return {
        "kind": kind,
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "deadline": deadline,
        "url": _url(url_path),
    }


def email_context_quotation_sent(*, quotation: Quotation, recipient: User, revised: bool) -> dict:
    """To a client contact: what the client page shows them, client prices only.

    Built from the client page's presenter, so the email never shows more than
    the page; raises NotVisible for a recipient who may not see the quote.
    """
    presented = present_quotation_for_client(viewer=viewer_for(recipient), quotation=quotation)
    prices = presented.prices
    return {
        "reference": presented.reference,
        "group_name": presented.group_name,
        "revised": revised,
        "arrival": presented.requirements.arrival,
        "departure": presented.requirements.departure,
        "pax": presented.requirements.pax,
        "price_per_person": prices.per_person if prices else None,
        "price_total": prices.total if prices else None,
        "currency": prices.currency if prices else quotation.currency,
        "valid_until": presented.valid_until,
        "url": _url(reverse("client:quotation", kwargs={"pk": quotation.pk})),
    }


def _staff_url(quotation: Quotation) -> str:
    return _url(reverse("staff:quotation", kwargs={"pk": quotation.pk}))


def email_context_client_changes_requested(*, quotation: Quotation, message: str, by: User) -> dict:
    """To the staff owner: the client's own words."""
    return {
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "client_name": quotation.client.name,
        "requested_by": by.get_full_name() or by.email,
        "message": message,
        "url": _staff_url(quotation),
    }


def email_context_client_declined(*, quotation: Quotation, reason: str, by: User) -> dict:
    """To the staff owner: the client's reason, which may be empty."""
    return {
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "client_name": quotation.client.name,
        "declined_by": by.get_full_name() or by.email,
        "reason": reason,
        "url": _staff_url(quotation),
    }


# The audit actions a hotel activity digest reports, and the kind each is shown as.
HOTEL_ACTIVITY_KINDS = {"bid.submitted": "submitted", "bid.revised": "revised", "invitation.declined": "declined"}


def email_context_hotel_activity(*, quotation: Quotation, entries: list[QuotationLog]) -> dict:
    """To the staff owner: each hotel's bids, revisions and declines in order, without prices.

    Staff may know which hotel did what; the figures stay on the comparison page.
    """
    invitation_ids = {entry.data.get("invitation") for entry in entries}
    invitations = {
        invitation.pk: invitation
        for invitation in quotation.invitations.select_related("hotel").filter(pk__in=invitation_ids)
    }
    hotels: dict[int, dict] = {}
    for entry in sorted(entries, key=lambda e: (e.created_at, e.pk)):
        invitation = invitations.get(entry.data.get("invitation"))
        if invitation is None or entry.action not in HOTEL_ACTIVITY_KINDS:
            continue
        hotel = hotels.setdefault(
            invitation.pk, {"hotel_name": invitation.hotel.name, "city": invitation.hotel.city, "events": []}
        )
        declined = entry.action == "invitation.declined"
        hotel["events"].append(
            {
                "kind": HOTEL_ACTIVITY_KINDS[entry.action],
                "revision": None if declined else entry.data.get("revision"),
                "at": entry.created_at,
                "reason": entry.data.get("reason", "") if declined else "",
            }
        )
    return {
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "hotels": list(hotels.values()),
        "url": _staff_url(quotation),
    }


def email_context_bidding_incomplete(*, quotation: Quotation, cities: list[str]) -> dict:
    """To the staff owner: the cities still without a complete, valid bid at the deadline."""
    return {
        "reference": quotation.reference,
        "group_name": quotation.group_name,
        "deadline": quotation.bid_deadline,
        "cities": cities,
        "url": _staff_url(quotation),
    }
