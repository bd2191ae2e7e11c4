"""Reads of the ledger for the booking pages."""

from django.db.models import QuerySet

from bookings.models import Booking
from payments.models import Payment, Refund, RefundStatus


def payment_list_for_booking(*, booking: Booking) -> QuerySet[Payment]:
    return booking.payments.select_related("installment", "created_by", "traveller").order_by("created_at", "pk")


def refund_list_for_booking(*, booking: Booking) -> QuerySet[Refund]:
    return Refund.objects.filter(payment__booking=booking, status=RefundStatus.DONE).order_by("done_at", "pk")
