"""The traveller's payment link by email: their own share and link, nothing of the other travellers."""

from django.conf import settings
from django.urls import reverse

from bookings.models import Installment, Traveller
from notifications.services import email_queue
from payments.travellers import traveller_link_token


def email_traveller_payment_link(*, traveller: Traveller, installment: Installment, share, leader_name: str) -> None:
    booking = traveller.booking
    path = reverse("pay:traveller", kwargs={"token": traveller_link_token(traveller=traveller)})
    email_queue(
        template="traveller_payment_link",
        to_email=traveller.email,
        to_name=traveller.full_name,
        language=booking.client.language,
        context={
            "traveller_name": traveller.full_name,
            "leader_name": leader_name,
            "booking_reference": booking.reference,
            "group_name": booking.group_name,
            "arrival": booking.arrival,
            "amount": share,
            "currency": booking.currency,
            "due": installment.due_date,
            "url": f"{settings.SITE_URL}{path}",
        },
        dedupe_key=f"traveller_payment_link:traveller:{traveller.pk}:installment:{installment.pk}",
    )
