"""Reads on quotations."""

from django.utils import timezone

from quotations.models import Quotation, QuotationStatus


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
