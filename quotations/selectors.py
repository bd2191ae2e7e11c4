"""Reads on quotations."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from quotations.models import Hotel, Quotation, QuotationStatus


def quotation_ids_bidding_past_deadline() -> list[int]:
    return list(
        Quotation.objects.filter(status=QuotationStatus.BIDDING, bid_deadline__lte=timezone.now())
        .order_by("bid_deadline")
        .values_list("pk", flat=True)
    )


def quotation_ids_sent_past_validity() -> list[int]:
    return list(
        Quotation.objects.filter(status=QuotationStatus.SENT, valid_until__lt=timezone.localdate())
        .order_by("valid_until")
        .values_list("pk", flat=True)
    )


def hotel_list_invitable(*, quotation: Quotation) -> QuerySet[Hotel]:
    """Active hotels in the itinerary's cities that this quotation has not invited yet."""
    cities = Q()
    for city in quotation.stays.values_list("city", flat=True):
        cities |= Q(city__iexact=city)
    if not cities:
        return Hotel.objects.none()
    return Hotel.objects.filter(cities, is_active=True).exclude(invitations__quotation=quotation).order_by("name")
