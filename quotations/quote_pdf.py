"""The quote as the client's PDF: the client page's presented quote, the cancellation policy and the terms.

The same document for the download on the client page and the quote email's
attachment (notifications.attachments), built for the client's view.
"""

from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from quotations.documents import CancellationTierText, quote_pdf
from quotations.models import Quotation
from quotations.privacy import present_quotation_for_client, viewer_for
from spirittours.errors import NotVisible


def cancellation_policy() -> list[CancellationTierText]:
    return [
        CancellationTierText(min_days_before=days, retained_percent=Decimal(percent))
        for days, percent in settings.CANCELLATION_TIERS
    ]


def quotation_pdf(*, quotation: Quotation, language: str) -> tuple[str, bytes]:
    """(file name, PDF) of a quote as its client sees it; NotVisible before it is sent."""
    contact = quotation.client.contacts.filter(is_active=True).order_by("pk").first()
    if contact is None:
        raise NotVisible
    with translation.override(language):
        presented = present_quotation_for_client(viewer=viewer_for(contact), quotation=quotation)
        content = quote_pdf(
            quote=presented,
            language=language,
            tiers=cancellation_policy(),
            terms=_(
                "Prices are per person, in the currency shown, for the rooms, meal plans and services listed. "
                "Approving the quote creates the booking with its payment schedule; the rooming list can be "
                "completed until %(days)s days before arrival."
            )
            % {"days": settings.BOOKING_ROOMING_CUTOFF_DAYS},
            seller_name=settings.BANK_ACCOUNT_HOLDER,
        )
    return f"{quotation.reference}.pdf", content
