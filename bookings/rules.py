"""The booking rules every entry point asks: who may change the manifest and rooming list, and until when."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from bookings.errors import BookingError
from bookings.models import Booking, BookingStatus
from spirittours.templatetags.figures import day_format


def manifest_editable_check(*, booking: Booking, by: User, today: datetime.date | None = None) -> None:
    """The one rule for who may change the manifest and rooming list, and until when.

    The booking's client contacts until the rooming cut-off; staff until the
    group departs. Never once the booking is cancelled or completed.
    """
    today = today or timezone.localdate()
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.COMPLETED):
        raise BookingError(_("This booking can no longer be changed."), code="closed")
    if by.role == Role.STAFF and by.is_active:
        if today > booking.departure:
            raise BookingError(_("The group has already travelled."), code="closed")
        return
    if by.role != Role.CLIENT or not booking.client.contacts.filter(pk=by.pk, is_active=True).exists():
        raise BookingError(_("Only the group's contacts and our team may change the travellers."), code="forbidden")
    if today > booking.rooming_cutoff:
        raise BookingError(
            _("The rooming list closed on %(date)s: write to us for any change.")
            % {"date": day_format(booking.rooming_cutoff)},
            code="cutoff",
        )


def manifest_editable(*, booking: Booking, by: User, today: datetime.date | None = None) -> bool:
    try:
        manifest_editable_check(booking=booking, by=by, today=today)
    except BookingError:
        return False
    return True


def schedule_changeable_by(*, by: User) -> bool:
    """Whether this user's level lets them build a booking's payment schedule again
    (BOOKING_SCHEDULE_EDIT_FROM_LEVEL); whether the booking still allows it is the service's."""
    if by.role != Role.STAFF or not by.is_active:
        return False
    return by.is_superuser or (by.staff_level or 0) >= settings.BOOKING_SCHEDULE_EDIT_FROM_LEVEL
