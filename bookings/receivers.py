"""Bookings' answer to the quotation hooks: an approval creates the booking in the same transaction."""

from django.dispatch import receiver

from bookings.services import booking_create_from_quotation
from quotations.hooks import quotation_approved


@receiver(quotation_approved, dispatch_uid="bookings.booking_create_on_approval")
def booking_create_on_approval(sender, *, quotation, by, **kwargs) -> None:
    booking_create_from_quotation(quotation=quotation, by=by)
