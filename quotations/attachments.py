"""The quote PDF an email may carry (see notifications.attachments)."""

from quotations.models import Quotation
from quotations.quote_pdf import quotation_pdf


def _quote(*, id: int, language: str) -> tuple[str, bytes, str]:
    return (
        *quotation_pdf(quotation=Quotation.objects.select_related("client").get(pk=id), language=language),
        "application/pdf",
    )


EMAIL_ATTACHMENTS = [{"quote": _quote}]
