"""The booking emails, queued in the transaction of their change, each once (its dedupe key names the event).

Contexts are plain data for the recipient: the client's contacts read client
figures and their own booking link; nothing here ever names a hotel's price.
"""

from django.conf import settings
from django.urls import reverse

from bookings.models import Booking
from notifications.services import email_queue


def _client_url(booking: Booking) -> str:
    return f"{settings.SITE_URL}{reverse('client_bookings:booking', kwargs={'pk': booking.pk})}"


def booking_contacts(*, booking: Booking):
    """The client's active contacts, who receive the booking's emails."""
    return booking.client.contacts.filter(is_active=True).order_by("pk")


def email_booking_confirmed(*, booking: Booking) -> None:
    for contact in booking_contacts(booking=booking):
        email_queue(
            template="booking_confirmed",
            to_email=contact.email,
            to_name=contact.get_full_name(),
            language=contact.language,
            context={
                "booking_reference": booking.reference,
                "group_name": booking.group_name,
                "arrival": booking.arrival,
                "departure": booking.departure,
                "url": _client_url(booking),
            },
            dedupe_key=f"booking_confirmed:booking:{booking.pk}:user:{contact.pk}",
        )


def email_payment_received(*, booking: Booking, payment_id: int, amount, currency: str) -> None:
    for contact in booking_contacts(booking=booking):
        email_queue(
            template="payment_received",
            to_email=contact.email,
            to_name=contact.get_full_name(),
            language=contact.language,
            context={
                "booking_reference": booking.reference,
                "group_name": booking.group_name,
                "amount": amount,
                "currency": currency,
                "balance_due": booking.total - booking.paid_amount,
                "url": _client_url(booking),
            },
            dedupe_key=f"payment_received:payment:{payment_id}:user:{contact.pk}",
        )
