"""Reads of the ledger for the booking pages."""

from django.db.models import QuerySet

from bookings.models import Booking
from payments.models import Payment


def payment_list_for_booking(*, booking: Booking) -> QuerySet[Payment]:
    return booking.payments.select_related("installment", "created_by", "traveller").order_by("created_at", "pk")
