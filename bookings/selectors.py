"""Reads of bookings for the staff list: filters by status, arrival, owner and what is overdue."""

import datetime

from django.db.models import F, Q, QuerySet

from bookings.models import Booking, BookingStatus


def booking_list_filter(
    *,
    bookings: QuerySet[Booking],
    status: str = "",
    arrival_from: datetime.date | None = None,
    arrival_to: datetime.date | None = None,
    owner_id: int | None = None,
    overdue: bool = False,
    today: datetime.date,
) -> QuerySet[Booking]:
    if status:
        bookings = bookings.filter(status=status)
    if arrival_from:
        bookings = bookings.filter(arrival__gte=arrival_from)
    if arrival_to:
        bookings = bookings.filter(arrival__lte=arrival_to)
    if owner_id:
        bookings = bookings.filter(owner_id=owner_id)
    if overdue:
        late = Q(installments__due_date__lt=today, installments__paid_amount__lt=F("installments__amount"))
        bookings = bookings.filter(late).exclude(status=BookingStatus.CANCELLED).distinct()
    return bookings
