"""Bookings' answer to the quotation hooks, in the transaction of the quotation's move: an approval creates
the booking, a cancellation cancels it."""

from django.dispatch import receiver

from bookings.models import Booking, BookingStatus
from bookings.services import booking_cancel, booking_create_from_quotation
from quotations.hooks import quotation_approved, quotation_cancelled


@receiver(quotation_approved, dispatch_uid="bookings.booking_create_on_approval")
def booking_create_on_approval(sender, *, quotation, by, **kwargs) -> None:
    booking_create_from_quotation(quotation=quotation, by=by)


@receiver(quotation_cancelled, dispatch_uid="bookings.booking_cancel_with_quotation")
def booking_cancel_with_quotation(sender, *, quotation, reason, by, **kwargs) -> None:
    """Staff cancelling an approved or booked quotation cancel its booking on the same terms as the client."""
    booking = Booking.objects.filter(quotation=quotation).exclude(status=BookingStatus.CANCELLED).first()
    if booking is not None:
        booking_cancel(booking=booking, reason=reason, by=by)
