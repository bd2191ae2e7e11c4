"""Each traveller's share of an installment: what they pay through their own link.

A booking's paying travellers are slots of the price lines (per room type:
`paying` slots at its price per person, `free` slots at nothing). An
installment is split over every slot in proportion to its price
(bookings.money.shares_split), so the shares of all slots add up exactly to
the installment, whether or not the manifest is complete; the travellers of a
room type take its slots in the order they were added, free places the free
slots. A slot nobody holds yet is the group leader's to pay.
"""

from decimal import Decimal

from bookings.models import Booking, Installment, Traveller
from bookings.money import shares_split

# The order the travellers fill the beds (quotations.pricing): places, and the booked rooms' numbers.
ROOM_ORDER = ("single", "double", "twin", "triple")


def _slots(booking: Booking) -> list[tuple[str, bool, Decimal]]:
    """(room type, is free, price) of every place, in a fixed order."""
    slots = []
    for room_type in ROOM_ORDER:
        line = booking.price_lines.get(room_type)
        if not isinstance(line, dict):
            continue
        slots += [(room_type, False, Decimal(line["per_person"]))] * line.get("paying", 0)
        slots += [(room_type, True, Decimal(0))] * line.get("free", 0)
    return slots


def installment_shares(*, booking: Booking, installment: Installment) -> dict[int, Decimal]:
    """{traveller id: their share of `installment`} for every active traveller holding a place."""
    slots = _slots(booking)
    if not slots or not any(price for _type, _free, price in slots):
        return {}
    amounts = shares_split(amount=installment.amount, weights=[price for _type, _free, price in slots])
    waiting: dict[tuple[str, bool], list[int]] = {}
    travellers = Traveller.objects.filter(booking=booking, cancelled_at__isnull=True).order_by("created_at", "pk")
    for traveller in travellers:
        waiting.setdefault((traveller.room_type, traveller.is_free_place), []).append(traveller.pk)
    shares: dict[int, Decimal] = {}
    for (room_type, free, _price), amount in zip(slots, amounts, strict=True):
        queue = waiting.get((room_type, free))
        if queue:
            shares[queue.pop(0)] = amount
    return shares
