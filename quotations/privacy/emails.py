"""What each email recipient may read: the context of every quotation email.

Like pages and room frames, emails get a context built for their recipient
(plain data: the context is stored as JSON until the email is sent):
a hotel's invitation carries the group's requirements and its own link, never
the client or a price; the client's approval carries client prices only.
"""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy

from accounts.models import User
from quotations.models import HotelInvitation, Quotation
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
    own = [s for s in present_itinerary(quotation) if s.city.casefold() == invitation.hotel.city.casefold()]
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
