"""Reads of the ledger for the booking pages."""

from django.db.models import Count, QuerySet

from bookings.models import Booking
from payments.models import Payment, Refund, RefundStatus


def payment_list_for_booking(*, booking: Booking) -> QuerySet[Payment]:
    return (
        booking.payments.select_related("installment", "created_by", "traveller", "booking__client")
        .prefetch_related("refunds")
        .order_by("created_at", "pk")
    )


def refund_list_for_booking(*, booking: Booking) -> QuerySet[Refund]:
    return Refund.objects.filter(payment__booking=booking, status=RefundStatus.DONE).order_by("done_at", "pk")


def refund_list_moving(*, booking: Booking) -> QuerySet[Refund]:
    """Refunds sent to a gateway and not yet done, or refused by it (staff refund those by bank)."""
    return (
        Refund.objects.filter(payment__booking=booking)
        .exclude(status=RefundStatus.DONE)
        .select_related("payment")
        .order_by("created_at", "pk")
    )


def payment_counts_by_provider_and_status() -> dict[tuple[str, str], int]:
    """How many payments each provider has in each status (only the pairs that occur)."""
    rows = Payment.objects.order_by().values_list("provider", "status").annotate(count=Count("pk"))
    return {(provider, status): count for provider, status, count in rows}
