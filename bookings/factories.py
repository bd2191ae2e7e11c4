"""Bookings made the real way: a quote through bidding, sent, approved by the client's contact."""

import datetime

from django.utils import timezone

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.models import Booking
from quotations.factories import ClientFactory, quotation_sent
from quotations.services import quotation_approve


def booking_approved(*, arrival_in_days: int = 150, contact=None, owner=None, **sent_args) -> Booking:
    """A booking created by the client's approval, arriving `arrival_in_days` from today."""
    contact = contact or ClientContactFactory()
    owner = owner or StaffFactory()
    quotation = quotation_sent(
        client=sent_args.pop("client", None) or ClientFactory(contacts=[contact]),
        owner=owner,
        arrival=timezone.localdate() + datetime.timedelta(days=arrival_in_days),
        **sent_args,
    )
    quotation_approve(quotation=quotation, by=contact)
    return Booking.objects.get(quotation=quotation)
