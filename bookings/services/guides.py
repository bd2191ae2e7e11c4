"""Assigning a guide to a booking: the guide and the client's contacts are told, once per assignment."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role, User
from bookings.emails import email_booking_contacts
from bookings.errors import BookingError
from bookings.guides import guide_link_token
from bookings.models import Booking, BookingStatus, Guide
from bookings.services.bookings import booking_lock, booking_log
from notifications.services import email_queue


def guide_assign(*, booking: Booking, guide: Guide, by: User) -> Booking:
    if by.role != Role.STAFF or not by.is_active:
        raise BookingError(_("Only active staff may do this."), code="forbidden")
    if not guide.is_active:
        raise BookingError(_("Choose an active guide."), field="guide")
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        if locked.status in (BookingStatus.CANCELLED, BookingStatus.COMPLETED):
            raise BookingError(_("This booking can no longer be changed."), code="closed")
        if locked.guide_id == guide.pk:
            return locked
        locked.guide = guide
        locked.save(update_fields=["guide", "updated_at"])
        entry = booking_log(booking=locked, action="guide.assigned", actor=by, data={"guide": guide.pk})
        common = {
            "booking_reference": locked.reference,
            "group_name": locked.group_name,
            "guide_name": guide.full_name,
            "arrival": locked.arrival,
            "departure": locked.departure,
        }
        token = guide_link_token(booking=locked, guide=guide)
        guide_url = f"{settings.SITE_URL}{reverse('guide:trip', kwargs={'token': token})}"
        email_queue(
            template="guide_assigned",
            to_email=guide.email,
            to_name=guide.full_name,
            language=guide.language,
            context={**common, "url": guide_url},
            dedupe_key=f"guide_assigned:log:{entry.pk}:guide:{guide.pk}",
        )
        email_booking_contacts(
            booking=locked,
            template="guide_assigned",
            context=common,
            dedupe_key=f"guide_assigned:log:{entry.pk}",
        )
    booking.refresh_from_db()
    return booking
