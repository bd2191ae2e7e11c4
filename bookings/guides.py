"""What a guide sees of a booking: the itinerary and the rooming list, never a price, through a signed link.

The link names the booking and the guide; it stops working when another
guide is assigned or the booking is cancelled (NotVisible, a 404).
"""

from django.core import signing

from bookings.models import Booking, BookingStatus, Guide
from spirittours.errors import NotVisible

SALT = "bookings.guide-link"


def guide_link_token(*, booking: Booking, guide: Guide) -> str:
    return signing.dumps({"b": booking.pk, "g": guide.pk}, salt=SALT, compress=True)


def booking_from_guide_token(*, token: str) -> Booking:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise NotVisible from None
    if not isinstance(data, dict):
        raise NotVisible
    booking = (
        Booking.objects.select_related("guide")
        .filter(pk=data.get("b"), guide_id=data.get("g"))
        .exclude(status=BookingStatus.CANCELLED)
        .first()
    )
    if booking is None:
        raise NotVisible
    return booking
