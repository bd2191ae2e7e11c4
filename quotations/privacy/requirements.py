"""What every viewer of a quotation may see of the trip: room mix, itinerary, requirements.

Hotels, clients, staff and emails all show the group's requirements the same
way; each audience's presenter builds on these.
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from quotations.models import ROOM_OCCUPANCY, Quotation, RoomType


def present_room_mix(quotation: Quotation) -> list[dict]:
    """The room types the group asked for, with how many of each; none of a type is left out."""
    return [
        {"room_type": room, "label": RoomType(room).label, "count": count, "occupancy": ROOM_OCCUPANCY[room]}
        for room, count in quotation.room_mix.items()
        if count
    ]


def present_itinerary(quotation: Quotation) -> list[dict]:
    """The stays in order, each with its check-in and check-out days."""
    stays, day = [], quotation.arrival
    for stay in quotation.stays.order_by("position"):
        check_out = day + datetime.timedelta(days=stay.nights)
        stays.append({"id": stay.pk, "city": stay.city, "nights": stay.nights, "check_in": day, "check_out": check_out})
        day = check_out
    return stays


def present_requirements(quotation: Quotation) -> dict:
    return {
        "arrival": quotation.arrival,
        "departure": quotation.departure,
        "nights": quotation.nights,
        "pax": quotation.pax,
        "rooms": present_room_mix(quotation),
        "meal_plan": quotation.get_meal_plan_display(),
    }


def present_room_prices(prices: Mapping[str, Decimal | str]) -> list[dict]:
    """A price per person for each room type (what one traveller pays sleeping in it)."""
    return [
        {"room_type": room, "label": RoomType(room).label, "per_person": Decimal(price)}
        for room, price in prices.items()
    ]
