"""Each email's context is built for its recipient, in the recipient's language."""

import datetime

from django.utils import timezone, translation

from accounts.factories import HotelUserFactory, StaffFactory
from notifications.models import EmailMessage
from quotations.factories import HotelFactory, quotation_make
from quotations.services import quotation_invite_hotels


def test_hotel_invitation_names_rooms_and_board_in_the_hotels_language(db):
    # Given an English-speaking hotel, invited by staff working in Spanish
    staff = StaffFactory()
    quotation = quotation_make(owner=staff, nights=(("Sevilla", 3),))
    hotel = HotelFactory(city="Sevilla", members=[HotelUserFactory(language="en")])

    # When staff invite it
    with translation.override("es"):
        quotation_invite_hotels(
            quotation=quotation, hotels=[hotel], by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=2)
        )

    # Then its email speaks English throughout, the room mix and the board included
    email = EmailMessage.objects.get(template="hotel_invitation", to_email=hotel.email)
    assert email.language == "en"
    assert "2 × Single" in email.body_text and "9 × Double" in email.body_text
    assert "Bed and breakfast" in email.body_text
    assert "Doble" not in email.body_text and "Alojamiento" not in email.body_text
