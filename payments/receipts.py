"""The receipt of a confirmed payment and the credit note of a done refund, as the client downloads them.

Numbers come from the ledger (given once, when the payment is confirmed or
the refund done, from a gap-free counter), so a document can be made again at
any time and is always the same.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from bookings.models import Booking, InstallmentKind
from payments.documents import DocumentParty, ReceiptDocument, receipt_pdf
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from spirittours.errors import NotVisible


def _seller() -> DocumentParty:
    return DocumentParty(name=settings.BANK_ACCOUNT_HOLDER, lines=tuple(settings.COMPANY_ADDRESS_LINES))


def _buyer(booking: Booking) -> DocumentParty:
    client = booking.client
    return DocumentParty(name=client.name, lines=tuple(line for line in (client.tax_id, client.email) if line))


def payment_receipt_pdf(*, payment: Payment, language: str) -> tuple[str, bytes]:
    """(file name, PDF) of a confirmed payment's receipt; NotVisible for any other payment."""
    if payment.status != PaymentStatus.CONFIRMED or not payment.receipt_number:
        raise NotVisible
    booking = payment.booking
    with translation.override(language):
        description = str(InstallmentKind(payment.installment.kind).label)
        if payment.traveller_id:
            description = f"{description} · {payment.traveller.full_name}"
        document = ReceiptDocument(
            kind="receipt",
            number=payment.receipt_number,
            issued_on=payment.confirmed_at.date(),
            seller=_seller(),
            buyer=_buyer(booking),
            booking_reference=booking.reference,
            group_name=booking.group_name,
            description=description,
            amount=payment.amount,
            currency=payment.currency,
            method_label=_("Bank transfer"),
            language=language,
        )
    return f"{payment.receipt_number}.pdf", receipt_pdf(document)


def refund_credit_note_pdf(*, refund: Refund, language: str) -> tuple[str, bytes]:
    if refund.status != RefundStatus.DONE or not refund.credit_note_number:
        raise NotVisible
    payment = refund.payment
    booking = payment.booking
    with translation.override(language):
        document = ReceiptDocument(
            kind="credit_note",
            number=refund.credit_note_number,
            issued_on=refund.done_at.date(),
            seller=_seller(),
            buyer=_buyer(booking),
            booking_reference=booking.reference,
            group_name=booking.group_name,
            description=_("Refund"),
            amount=refund.amount,
            currency=refund.currency,
            method_label=_("Bank transfer"),
            language=language,
            refers_to=payment.receipt_number or "",
        )
    return f"{refund.credit_note_number}.pdf", receipt_pdf(document)
