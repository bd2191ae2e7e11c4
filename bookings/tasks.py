"""Beat jobs of bookings: each scans the database for what is due; a second run finds nothing left."""

from celery import shared_task
from django.utils import timezone

from bookings.services import bookings_travel_progress


@shared_task(acks_late=True)
def bookings_progress() -> int:
    return bookings_travel_progress(today=timezone.localdate())
