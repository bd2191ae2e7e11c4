"""What every viewer of a quotation may see of the trip: room mix, itinerary, requirements.

Hotels, clients, staff and emails all show the group's requirements the same
way; each audience's presenter builds on these.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy

from quotations.models import MealPlan, Quotation, RoomType
from quotations.privacy.presented import Label, Presented
from quotations.rooms import ROOM_OCCUPANCY


@dataclass(frozen=True)
class PresentedRoom(Presented):
    room_type: str
    label: Label
    count: int
    occupancy: int


@dataclass(frozen=True)
class PresentedStay(Presented):
    id: int
    city: str
    nights: int
    check_in: datetime.date
    check_out: datetime.date
    meal_plan: str  # the stay's own plan, or the quotation's where the stay has none
    meal_plan_label: Label


@dataclass(frozen=True)
class PresentedRequirements(Presented):
    arrival: datetime.date
    departure: datetime.date
    nights: int
    pax: int
    rooms: tuple[PresentedRoom, ...]
    # The plan of every stay the viewer sees; where they differ, each plan with its cities.
    meal_plan: Label


@dataclass(frozen=True)
class PresentedRoomPrice(Presented):
    """One line of the client price: what each paying traveller of a room type pays, and the line's total."""

    room_type: str
    label: Label
    per_person: Decimal
    rooms: int
    travellers: int  # sleeping in this room type, free places included
    free: int  # free places among them
    paying: int
    total: Decimal  # per_person × paying


def present_room_mix(quotation: Quotation) -> tuple[PresentedRoom, ...]:
    """The room types the group asked for, with how many of each; types not asked for are left out."""
    return tuple(
        PresentedRoom(room_type=room, label=RoomType(room).label, count=count, occupancy=ROOM_OCCUPANCY[room])
        for room, count in quotation.room_mix.items()
        if count
    )


def present_itinerary(quotation: Quotation) -> tuple[PresentedStay, ...]:
    """The stays in order, each with its check-in and check-out days and its meal plan."""
    stays, day = [], quotation.arrival
    for stay in quotation.stays.order_by("position"):
        check_out = day + datetime.timedelta(days=stay.nights)
        meal_plan = stay.meal_plan or quotation.meal_plan
        stays.append(
            PresentedStay(
                id=stay.pk,
                city=stay.city,
                nights=stay.nights,
                check_in=day,
                check_out=check_out,
                meal_plan=meal_plan,
                meal_plan_label=MealPlan(meal_plan).label,
            )
        )
        day = check_out
    return tuple(stays)


def present_meal_plan(quotation: Quotation, stays: Sequence[PresentedStay]) -> Label:
    """One plan for the stays, or "Half board (Sevilla, Córdoba); Full board (Granada)" where they differ."""
    cities: dict[str, list[str]] = {}
    for stay in stays:
        names = cities.setdefault(stay.meal_plan, [])
        if stay.city not in names:
            names.append(stay.city)
    if len(cities) <= 1:
        return MealPlan(next(iter(cities), quotation.meal_plan)).label
    if len({stay.city for stay in stays}) == 1:  # one city twice (a hotel's nights): the plans in order
        return format_lazy("; ".join(["{}"] * len(cities)), *(MealPlan(plan).label for plan in cities))
    parts = [format_lazy("{} ({})", MealPlan(plan).label, ", ".join(names)) for plan, names in cities.items()]
    return format_lazy("; ".join(["{}"] * len(parts)), *parts)


def present_requirements(
    quotation: Quotation, *, stays: Sequence[PresentedStay] | None = None
) -> PresentedRequirements:
    """The group's requirements; the meal plan is that of `stays` (the viewer's), by default every stay."""
    return PresentedRequirements(
        arrival=quotation.arrival,
        departure=quotation.departure,
        nights=quotation.nights,
        pax=quotation.pax,
        rooms=present_room_mix(quotation),
        meal_plan=present_meal_plan(quotation, present_itinerary(quotation) if stays is None else stays),
    )


def present_room_prices(prices: Mapping[str, Any]) -> tuple[PresentedRoomPrice, ...]:
    """The lines of a client price, read from the pricing's JSON (or a `RoomPrice` of a preview), never recomputed.

    A pricing frozen before the lines carried their travellers holds a bare
    price per room type: it is shown with no travellers and a total of zero.
    """
    lines = []
    for room, line in prices.items():
        if isinstance(line, str):
            line = {"per_person": line, "rooms": 0, "travellers": 0, "free": 0, "paying": 0, "total": "0"}
        elif not isinstance(line, Mapping):
            line = {
                "per_person": line.per_person,
                "rooms": line.rooms,
                "travellers": line.travellers,
                "free": line.free,
                "paying": line.paying,
                "total": line.total,
            }
        lines.append(
            PresentedRoomPrice(
                room_type=room,
                label=RoomType(room).label,
                per_person=Decimal(line["per_person"]),
                rooms=line["rooms"],
                travellers=line["travellers"],
                free=line["free"],
                paying=line["paying"],
                total=Decimal(line["total"]),
            )
        )
    return tuple(lines)
