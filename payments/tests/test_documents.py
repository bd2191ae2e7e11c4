"""Receipts and credit notes as PDF: the number, the parties, the amount in the buyer's language."""

import dataclasses
import datetime
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from payments.documents import DocumentKind, DocumentParty, ReceiptDocument, receipt_pdf

SELLER = DocumentParty(name="Spirit Tours S.L.", lines=("Calle Sierpes 1, 41004 Sevilla", "CIF B12345678"))
BUYER = DocumentParty(name="Parroquia San Miguel", lines=("Plaza Mayor 3, 28001 Madrid",))


def _receipt(**changes) -> ReceiptDocument:
    document = ReceiptDocument(
        kind=DocumentKind.RECEIPT,
        number="R-2026-00001",
        issued_on=datetime.date(2026, 3, 4),
        seller=SELLER,
        buyer=BUYER,
        booking_reference="B-2026-00042",
        group_name="Peregrinación a Sevilla & Córdoba",
        description="Deposit",
        amount=Decimal("1212.60"),
        currency="EUR",
        method_label="Bank transfer",
        language="en",
    )
    return dataclasses.replace(document, **changes)


def _credit_note(**changes) -> ReceiptDocument:
    return _receipt(kind=DocumentKind.CREDIT_NOTE, number="CN-2026-00001", refers_to="R-2026-00001", **changes)


def _read(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", " ", text)


def test_an_english_receipt_shows_its_number_parties_booking_and_amount():
    # given a receipt in English
    document = _receipt()

    # when it is rendered
    reader, text = _read(receipt_pdf(document))

    # then it is one page titled by its number, with every fact of the payment
    assert len(reader.pages) == 1
    assert reader.metadata.title == "R-2026-00001"
    for expected in (
        "Spirit Tours S.L.",
        "CIF B12345678",
        "Receipt",
        "Number: R-2026-00001",
        "Date: 4 Mar 2026",
        "Received from",
        "Parroquia San Miguel",
        "Plaza Mayor 3, 28001 Madrid",
        "B-2026-00042",
        "Peregrinación a Sevilla & Córdoba",
        "Deposit",
        "Bank transfer",
        "Total received",
        "€1,212.60",
    ):
        assert expected in text
    assert "Credit note" not in text
    assert "-€1,212.60" not in text


def test_a_spanish_receipt_formats_the_amount_and_date_in_spanish():
    # given a receipt in Spanish
    document = _receipt(language="es", description="Depósito", method_label="Transferencia bancaria")

    # when it is rendered
    reader, text = _read(receipt_pdf(document))

    # then the number, the amount and the date follow the Spanish format
    assert reader.metadata.title == "R-2026-00001"
    assert "R-2026-00001" in text
    assert "1.212,60 €" in text
    assert "4 mar 2026" in text
    assert "Depósito" in text
    assert "Transferencia bancaria" in text
    assert "€1,212.60" not in text


def test_an_english_credit_note_shows_a_refund_of_its_receipt():
    # given a credit note refunding a receipt
    document = _credit_note()

    # when it is rendered
    reader, text = _read(receipt_pdf(document))

    # then it is a credit note with a negative amount, naming the receipt it refunds
    assert reader.metadata.title == "CN-2026-00001"
    for expected in ("Credit note", "Number: CN-2026-00001", "Refund of receipt R-2026-00001", "Refunded to"):
        assert expected in text
    assert "Total refunded" in text
    assert text.count("-€1,212.60") == 2  # the line and the total
    assert "Receipt " not in text.replace("Refund of receipt", "")


def test_a_spanish_credit_note_shows_the_refund_in_spanish_format():
    # given a credit note in Spanish
    document = _credit_note(language="es")

    # when it is rendered
    _, text = _read(receipt_pdf(document))

    # then the amount is negative in the Spanish format and the refunded receipt is named
    assert "CN-2026-00001" in text
    assert "R-2026-00001" in text
    assert text.count("-1.212,60 €") == 2


def test_the_same_document_gives_the_same_bytes():
    # given one receipt
    document = _receipt()

    # when it is rendered twice
    first, second = receipt_pdf(document), receipt_pdf(document)

    # then the bytes are identical
    assert first == second


def test_markup_in_the_callers_text_is_shown_as_text():
    # given a buyer whose name looks like markup
    document = _receipt(buyer=DocumentParty(name="<b>Cofradía</b> & Co"))

    # when it is rendered
    _, text = _read(receipt_pdf(document))

    # then the name appears as written
    assert "<b>Cofradía</b> & Co" in text


def test_an_unknown_kind_is_refused():
    # given a document of no known kind
    document = _receipt(kind="invoice")

    # when it is rendered, then it is refused
    with pytest.raises(ValueError, match="invoice"):
        receipt_pdf(document)
