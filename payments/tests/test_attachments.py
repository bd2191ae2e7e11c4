"""Documents travel with their emails: the receipt with "payment received", the credit notes with
"refund processed", the quote with "your quote"; the outbox stores a reference and builds the PDF at
each attempt."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.utils import timezone
from pypdf import PdfReader

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.factories import booking_approved
from bookings.services import booking_cancel
from notifications.models import EmailMessage
from notifications.services import email_deliver
from payments.models import Payment
from payments.services import payment_record_transfer, refund_issue

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def _sent(template: str):
    (row,) = EmailMessage.objects.filter(template=template)
    mail.outbox.clear()
    email_deliver(message_id=row.pk)
    (sent,) = mail.outbox
    return row, sent


def test_the_payment_email_carries_its_receipt_and_the_refund_email_its_credit_note():
    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact)
    deposit = booking.installments.get(position=1)
    staff = StaffFactory()
    payment_record_transfer(
        booking=booking,
        installment=deposit,
        amount=deposit.amount,
        received_on=timezone.localdate(),
        reference="T-1",
        by=staff,
    )

    row, sent = _sent("payment_received")

    payment = Payment.objects.get()
    assert row.attachments == [{"kind": "receipt", "id": payment.pk}]
    ((filename, content, mimetype),) = sent.attachments
    assert (filename, mimetype) == (f"{payment.receipt_number}.pdf", "application/pdf")
    assert payment.receipt_number in _text(content)

    booking.refresh_from_db()
    booking_cancel(booking=booking, reason="Postponed", by=contact)
    (refund,) = refund_issue(booking=booking, amount=Decimal("10.00"), reference="R-1", by=staff)
    _row, refund_mail = _sent("refund_processed")
    ((filename, content, _mimetype),) = refund_mail.attachments
    assert filename == f"{refund.credit_note_number}.pdf"


def test_the_quote_email_carries_the_quote_and_the_client_downloads_it():
    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact)
    quotation = booking.quotation

    _row, sent = _sent("quotation_sent")
    http = HttpClient()
    http.force_login(contact)
    download = http.get(f"/client/quotations/{quotation.pk}/quote.pdf")
    stranger = HttpClient()
    stranger.force_login(ClientContactFactory())

    ((filename, content, _mimetype),) = sent.attachments
    assert filename == f"{quotation.reference}.pdf"
    assert quotation.reference in _text(content)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert stranger.get(f"/client/quotations/{quotation.pk}/quote.pdf").status_code == 404
