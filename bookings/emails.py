"""The booking emails, queued in the transaction of their change, each once (its dedupe key names the event).

Contexts are plain data for the recipient: the client's contacts read client
figures and their own booking link; nothing here ever names a hotel's price.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.text import format_lazy

from bookings.models import Booking
from notifications.services import email_queue
from quotations.models import RoomType
from quotations.services.emails import hotel_language


def booking_client_url(*, booking: Booking) -> str:
    return f"{settings.SITE_URL}{reverse('client_bookings:booking', kwargs={'pk': booking.pk})}"


def booking_contacts(*, booking: Booking):
    """The client's active contacts, who receive the booking's emails."""
    return booking.client.contacts.filter(is_active=True).order_by("pk")


def email_booking_contacts(
    *, booking: Booking, template: str, context: dict, dedupe_key: str, attachments: list[dict] | None = None
) -> None:
    """One email to each of the booking's contacts, in their language, with their booking's link.

    `dedupe_key` names the event; each contact's key adds them, so the event is told once to each.
    """
    for contact in booking_contacts(booking=booking):
        email_queue(
            template=template,
            to_email=contact.email,
            to_name=contact.get_full_name(),
            language=contact.language,
            context={
                "booking_reference": booking.reference,
                "group_name": booking.group_name,
                **context,
                "url": booking_client_url(booking=booking),
            },
            dedupe_key=f"{dedupe_key}:user:{contact.pk}",
            attachments=attachments,
        )


def email_booking_confirmed(*, booking: Booking) -> None:
    email_booking_contacts(
        booking=booking,
        template="booking_confirmed",
        context={"arrival": booking.arrival, "departure": booking.departure},
        dedupe_key=f"booking_confirmed:booking:{booking.pk}",
    )


def email_payment_received(
    *, booking: Booking, payment_id: int, amount, currency: str, attachments: list[dict] | None = None
) -> None:
    email_booking_contacts(
        booking=booking,
        template="payment_received",
        context={"amount": amount, "currency": currency, "balance_due": booking.total - booking.paid_amount},
        dedupe_key=f"payment_received:payment:{payment_id}",
        attachments=attachments,
    )


def email_hotel_booking_request(*, booked_hotel) -> None:
    """To a chosen hotel: the booking of its rooms and its nights, never a price or the client."""
    _email_hotel(
        booked_hotel=booked_hotel, update=None, dedupe_key=f"hotel_booking_request:booked_hotel:{booked_hotel.pk}"
    )


def email_hotel_rooming(*, booked_hotel, update: bool, sent_at) -> None:
    """To a chosen hotel: its rooming list is ready (or was updated) on its portal."""
    key = f"hotel_rooming:booked_hotel:{booked_hotel.pk}:{sent_at.isoformat()}"
    _email_hotel(booked_hotel=booked_hotel, update=update, dedupe_key=key)


def _email_hotel(*, booked_hotel, update: bool | None, dedupe_key: str) -> None:
    booking = booked_hotel.booking
    counts: dict[str, int] = {}
    for room in booking.rooms.all():
        counts[room.room_type] = counts.get(room.room_type, 0) + 1
    path = reverse("portal_bookings:booking", kwargs={"pk": booked_hotel.pk})
    email_queue(
        template="hotel_booking_request",
        to_email=booked_hotel.hotel.email,
        to_name=booked_hotel.hotel.name,
        language=hotel_language(hotel=booked_hotel.hotel),
        context={
            "booking_reference": booking.reference,
            "group_name": booking.group_name,
            "check_in": booked_hotel.check_in,
            "check_out": booked_hotel.check_out,
            # Lazy labels: rendered in the hotel's language.
            "rooms": [format_lazy("{} × {}", count, RoomType(room_type).label) for room_type, count in counts.items()],
            "url": f"{settings.SITE_URL}{path}",
            "rooming": update is not None,
            "update": bool(update),
        },
        dedupe_key=dedupe_key,
    )
