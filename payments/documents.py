"""Receipts and credit notes as one-page A4 PDFs, in the buyer's language.

The caller hands over everything the document shows, already decided: the
number, the parties, the description and the method's label (translated by
the caller). Amounts and dates are formatted by Babel in `language`; the
labels are translated in it. The output is deterministic: the same document
gives the same bytes (reportlab's invariant mode fixes the dates and ids).

The standard Helvetica font covers Spanish, English and the other Western
European languages (Windows-1252, € included); a character outside it
shows as a box.
"""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from spirittours.templatetags.figures import day_format, money_format


class DocumentKind(StrEnum):
    RECEIPT = "receipt"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True)
class DocumentParty:
    name: str
    lines: tuple[str, ...] = ()  # address, tax id...


@dataclass(frozen=True)
class ReceiptDocument:
    """What a receipt or a credit note shows.

    `amount` is what was received or refunded, positive; a credit note shows
    it as a refund (negative). `refers_to` is, on a credit note, the number of
    the receipt it refunds.
    """

    kind: str  # a DocumentKind: "receipt" or "credit_note"
    number: str  # e.g. R-2026-00001 / CN-2026-00001
    issued_on: datetime.date
    seller: DocumentParty
    buyer: DocumentParty
    booking_reference: str
    group_name: str
    description: str  # e.g. "Deposit" / "Balance", already translated by the caller
    amount: Decimal
    currency: str
    method_label: str  # e.g. "Bank transfer", already translated by the caller
    language: str  # "es" or "en"
    refers_to: str = ""


MARGIN = 20 * mm
WIDTH = A4[0] - 2 * MARGIN
GREY = colors.HexColor("#555555")
LINE = colors.HexColor("#BBBBBB")

STYLES = {
    "seller": ParagraphStyle("seller", fontName="Helvetica-Bold", fontSize=13, leading=16),
    "small": ParagraphStyle("small", fontName="Helvetica", fontSize=9, leading=12, textColor=GREY),
    "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=20, leading=24, spaceBefore=8),
    "heading": ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=10, leading=13, textColor=GREY),
    "body": ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13),
    "bold": ParagraphStyle("bold", fontName="Helvetica-Bold", fontSize=10, leading=13),
    "amount": ParagraphStyle("amount", fontName="Helvetica", fontSize=10, leading=13, alignment=TA_RIGHT),
    "amount_head": ParagraphStyle(
        "amount_head", fontName="Helvetica-Bold", fontSize=10, leading=13, alignment=TA_RIGHT
    ),
    "total": ParagraphStyle("total", fontName="Helvetica-Bold", fontSize=12, leading=15, alignment=TA_RIGHT),
}


def _text(value: object, style: str) -> Paragraph:
    """A paragraph of plain text: whatever the caller's strings hold, never read as markup."""
    return Paragraph(escape(str(value)), STYLES[style])


def _party(party: DocumentParty, *, name_style: str) -> list[Paragraph]:
    return [_text(party.name, name_style), *(_text(line, "small") for line in party.lines if line)]


def _labels(document: ReceiptDocument) -> dict[str, str]:
    if document.kind == DocumentKind.RECEIPT:
        return {"title": gettext("Receipt"), "party": gettext("Received from"), "total": gettext("Total received")}
    if document.kind == DocumentKind.CREDIT_NOTE:
        return {"title": gettext("Credit note"), "party": gettext("Refunded to"), "total": gettext("Total refunded")}
    raise ValueError(f"unknown document kind {document.kind!r}")


def _story(document: ReceiptDocument, labels: dict[str, str]) -> list:
    amount = abs(document.amount) if document.kind == DocumentKind.RECEIPT else -abs(document.amount)
    shown = money_format(amount, document.currency)
    story: list = [*_party(document.seller, name_style="seller"), Spacer(1, 8 * mm)]
    story.append(_text(labels["title"], "title"))
    story.append(_text(gettext("Number: %(number)s") % {"number": document.number}, "body"))
    story.append(_text(gettext("Date: %(date)s") % {"date": day_format(document.issued_on)}, "body"))
    if document.kind == DocumentKind.CREDIT_NOTE and document.refers_to:
        story.append(_text(gettext("Refund of receipt %(number)s") % {"number": document.refers_to}, "body"))
    story += [Spacer(1, 8 * mm), _text(labels["party"], "heading"), *_party(document.buyer, name_style="bold")]
    story.append(Spacer(1, 10 * mm))

    header = [gettext("Booking"), gettext("Group"), gettext("Description"), gettext("Method"), gettext("Amount")]
    row = [document.booking_reference, document.group_name, document.description, document.method_label]
    table = Table(
        [
            [*(_text(label, "bold") for label in header[:-1]), _text(header[-1], "amount_head")],
            [*(_text(value, "body") for value in row), _text(shown, "amount")],
            [_text(labels["total"], "bold"), "", "", "", _text(shown, "total")],
        ],
        colWidths=[0.17 * WIDTH, 0.27 * WIDTH, 0.19 * WIDTH, 0.17 * WIDTH, 0.20 * WIDTH],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, 1), 0.5, LINE),
                ("SPAN", (0, 2), (3, 2)),
                ("TOPPADDING", (0, 2), (-1, 2), 8),
            ]
        )
    )
    story.append(table)
    return story


def receipt_pdf(document: ReceiptDocument) -> bytes:
    """The receipt or credit note as a one-page A4 PDF whose title is its number.

    An unknown `kind` raises ValueError.
    """
    with translation.override(document.language):
        labels = _labels(document)
        buffer = io.BytesIO()
        pdf = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=document.number,
            subject=labels["title"],
            author=document.seller.name,
            creator=document.seller.name,
            lang=document.language,
            invariant=1,
        )
        pdf.build(_story(document, labels))
    return buffer.getvalue()
