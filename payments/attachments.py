"""The payments documents an email may carry (see notifications.attachments)."""

from payments.models import Payment, Refund
from payments.receipts import payment_receipt_pdf, refund_credit_note_pdf

PDF = "application/pdf"


def _receipt(*, id: int, language: str) -> tuple[str, bytes, str]:
    payment = Payment.objects.select_related("booking", "installment", "traveller").get(pk=id)
    return (*payment_receipt_pdf(payment=payment, language=language), PDF)


def _credit_note(*, id: int, language: str) -> tuple[str, bytes, str]:
    refund = Refund.objects.select_related("payment__booking").get(pk=id)
    return (*refund_credit_note_pdf(refund=refund, language=language), PDF)


EMAIL_ATTACHMENTS = [{"receipt": _receipt, "credit_note": _credit_note}]
