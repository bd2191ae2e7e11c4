"""The client's quote as an A4 PDF, in the client's language.

Built from the client's presented quote only, so it holds what the client
page holds and nothing more: client prices, never a hotel's net rate or the
margin. The price lines and the total are the presenter's figures, printed
as they are, never recomputed. Amounts and dates are formatted by Babel in
`language`; the output is deterministic (reportlab's invariant mode).

The standard Helvetica font covers Spanish, English and the other Western
European languages (Windows-1252, € included); a character outside it
shows as a box.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from babel.numbers import format_percent
from django.utils import translation
from django.utils.translation import gettext, ngettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from quotations.privacy.clients import PresentedClientPrices, PresentedQuotationForClient
from spirittours.templatetags.figures import babel_locale, day_format, money_format


@dataclass(frozen=True)
class CancellationTierText:
    """Cancelled `min_days_before` days or more before arrival: `retained_percent` of the total is kept."""

    min_days_before: int
    retained_percent: Decimal


MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
GREY = colors.HexColor("#555555")
LINE = colors.HexColor("#BBBBBB")

STYLES = {
    "seller": ParagraphStyle("seller", fontName="Helvetica-Bold", fontSize=11, leading=14, textColor=GREY),
    "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=18, leading=22, spaceBefore=6),
    "subtitle": ParagraphStyle("subtitle", fontName="Helvetica", fontSize=11, leading=14, textColor=GREY),
    "heading": ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=12, leading=15, spaceBefore=10),
    "body": ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13),
    "bold": ParagraphStyle("bold", fontName="Helvetica-Bold", fontSize=10, leading=13),
    "item": ParagraphStyle("item", fontName="Helvetica", fontSize=10, leading=13, leftIndent=10, bulletIndent=0),
    "small": ParagraphStyle("small", fontName="Helvetica", fontSize=9, leading=12, textColor=GREY),
    "right": ParagraphStyle("right", fontName="Helvetica", fontSize=10, leading=13, alignment=TA_RIGHT),
    "right_bold": ParagraphStyle("right_bold", fontName="Helvetica-Bold", fontSize=10, leading=13, alignment=TA_RIGHT),
    "total": ParagraphStyle("total", fontName="Helvetica-Bold", fontSize=12, leading=15, alignment=TA_RIGHT),
}

TABLE_STYLE = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
    ("LINEBELOW", (0, 1), (-1, -1), 0.4, LINE),
    ("LEFTPADDING", (0, 0), (0, -1), 0),
]


def _text(value: object, style: str = "body") -> Paragraph:
    """A paragraph of plain text: whatever the quote's strings hold, never read as markup."""
    return Paragraph(escape(str(value)), STYLES[style])


def _percent(value: Decimal) -> str:
    return format_percent(value / 100, locale=babel_locale(), decimal_quantization=False)


def cancellation_lines(tiers: Sequence[CancellationTierText]) -> list[str]:
    """One line per tier, from the earliest cancellation to the latest, in the active language.

    A tier applies from its `min_days_before` up to the day before the next
    higher tier; the lowest tier also applies below its own minimum (and after
    arrival), as `bookings.money.cancellation_tier_for` decides, so it reads
    "Under N days". Of tiers with the same minimum, the first one given counts.
    """
    ordered = sorted(tiers, key=lambda tier: tier.min_days_before, reverse=True)
    distinct = [
        tier for i, tier in enumerate(ordered) if i == 0 or tier.min_days_before != ordered[i - 1].min_days_before
    ]
    lines = []
    for i, tier in enumerate(distinct):
        percent = _percent(tier.retained_percent)
        if len(distinct) == 1:
            lines.append(gettext("Any cancellation: %(percent)s retained") % {"percent": percent})
        elif i == 0:
            lines.append(
                gettext("%(days)s days or more before arrival: %(percent)s retained")
                % {"days": tier.min_days_before, "percent": percent}
            )
        elif i == len(distinct) - 1:
            lines.append(
                gettext("Under %(days)s days: %(percent)s")
                % {"days": distinct[i - 1].min_days_before, "percent": percent}
            )
        else:
            lines.append(
                gettext("From %(low)s to %(high)s days: %(percent)s")
                % {"low": tier.min_days_before, "high": distinct[i - 1].min_days_before - 1, "percent": percent}
            )
    return lines


def _key_values(rows: list[tuple[str, str]]) -> Table:
    table = Table(
        [[_text(label, "bold"), _text(value)] for label, value in rows],
        colWidths=[0.3 * WIDTH, 0.7 * WIDTH],
        hAlign="LEFT",
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0)]))
    return table


def _trip(quote: PresentedQuotationForClient) -> list:
    requirements = quote.requirements
    rooms = ", ".join(f"{room.count} × {room.label}" for room in requirements.rooms) or "—"
    return [
        _text(gettext("Your trip"), "heading"),
        _key_values(
            [
                (gettext("Arrival"), day_format(requirements.arrival)),
                (gettext("Departure"), day_format(requirements.departure)),
                (gettext("Nights"), str(requirements.nights)),
                (gettext("Passengers"), str(requirements.pax)),
                (gettext("Rooms"), rooms),
                (gettext("Meal plan"), str(requirements.meal_plan)),
            ]
        ),
    ]


def _itinerary(quote: PresentedQuotationForClient) -> list:
    header = [gettext("City"), gettext("Check-in"), gettext("Check-out"), gettext("Nights"), gettext("Meal plan")]
    rows = [
        [
            _text(stay.city),
            _text(day_format(stay.check_in)),
            _text(day_format(stay.check_out)),
            _text(stay.nights, "right"),
            _text(stay.meal_plan_label),
        ]
        for stay in quote.itinerary
    ]
    heads = [*(_text(label, "bold") for label in header[:3]), _text(header[3], "right_bold"), _text(header[4], "bold")]
    table = Table(
        [heads, *rows],
        colWidths=[0.26 * WIDTH, 0.18 * WIDTH, 0.18 * WIDTH, 0.1 * WIDTH, 0.28 * WIDTH],
        repeatRows=1,
    )
    table.setStyle(TableStyle(TABLE_STYLE))
    return [_text(gettext("Itinerary"), "heading"), table]


def _hotels(quote: PresentedQuotationForClient) -> list:
    if not quote.hotels:
        return []
    lines = [
        _text(
            gettext("%(city)s: %(hotel)s (%(stars)s)")
            % {
                "city": hotel.city,
                "hotel": hotel.hotel_name,
                "stars": ngettext("%(stars)s star", "%(stars)s stars", hotel.stars) % {"stars": hotel.stars},
            }
        )
        for hotel in quote.hotels
    ]
    return [_text(gettext("Your hotels"), "heading"), *lines]


def _inclusions(quote: PresentedQuotationForClient) -> list:
    meal_plan = gettext("Accommodation, %(meal_plan)s") % {"meal_plan": quote.requirements.meal_plan}
    return [
        _text(gettext("What is included"), "heading"),
        # An en dash, not a bullet: reportlab writes the bullet where text extraction reads a control character.
        *(Paragraph(escape(str(item)), STYLES["item"], bulletText="–") for item in (meal_plan, *quote.inclusions)),
    ]


def _price_table(prices: PresentedClientPrices) -> Table:
    currency = prices.currency
    header = [gettext("Room type"), gettext("Paying travellers"), gettext("Price per person"), gettext("Line total")]
    rows = [
        [
            _text(line.label),
            _text(line.paying, "right"),
            _text(money_format(line.per_person, currency), "right"),
            _text(money_format(line.total, currency), "right"),
        ]
        for line in prices.by_room
    ]
    heads = [_text(header[0], "bold"), *(_text(label, "right_bold") for label in header[1:])]
    total = [
        _text(gettext("Total for the group"), "bold"),
        "",
        "",
        _text(money_format(prices.total, currency), "total"),
    ]
    table = Table(
        [heads, *rows, total],
        colWidths=[0.34 * WIDTH, 0.2 * WIDTH, 0.22 * WIDTH, 0.24 * WIDTH],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -3), 0.4, LINE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("SPAN", (0, -1), (2, -1)),
                ("TOPPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return table


def _prices(quote: PresentedQuotationForClient) -> list:
    story: list = [_text(gettext("Price"), "heading")]
    prices = quote.prices
    if prices is None:
        story.append(_text(gettext("The price of this quote is being prepared.")))
    else:
        story.append(_price_table(prices))
        if prices.free_places:
            story.append(
                _text(
                    ngettext("Includes %(free)s free place.", "Includes %(free)s free places.", prices.free_places)
                    % {"free": prices.free_places},
                    "small",
                )
            )
        story.append(
            _text(
                ngettext(
                    "On average %(average)s for the %(paying)s paying traveller.",
                    "On average %(average)s for each of the %(paying)s paying travellers.",
                    prices.paying,
                )
                % {"average": money_format(prices.per_person, prices.currency), "paying": prices.paying},
                "small",
            )
        )
    story.append(Spacer(1, 2 * mm))
    story.append(_text(gettext("Valid until %(date)s") % {"date": day_format(quote.valid_until)}, "bold"))
    return [KeepTogether(story)]


def _cancellation(tiers: Sequence[CancellationTierText]) -> list:
    lines = cancellation_lines(tiers)
    if not lines:
        return []
    return [_text(gettext("Cancellation policy"), "heading"), *(_text(line) for line in lines)]


def _terms(terms: str) -> list:
    paragraphs = [part.strip() for part in terms.replace("\r\n", "\n").split("\n\n") if part.strip()]
    if not paragraphs:
        return []
    return [
        _text(gettext("Terms and conditions"), "heading"),
        *(Paragraph(escape(part).replace("\n", "<br/>"), STYLES["small"]) for part in paragraphs),
    ]


def _contact(quote: PresentedQuotationForClient) -> list:
    who = [quote.owner_name, quote.owner_email]
    return [_text(gettext("Your contact"), "heading"), *(_text(value) for value in who if value)]


def _footer(reference: str, seller_name: str):
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 10 * mm, f"{seller_name} · {reference}")
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, gettext("Page %(page)s") % {"page": doc.page})
        canvas.restoreState()

    return draw


def quote_pdf(
    *,
    quote: PresentedQuotationForClient,
    language: str,
    tiers: Sequence[CancellationTierText],
    terms: str,
    seller_name: str,
) -> bytes:
    """The quote as an A4 PDF in `language`: the group's name as its heading, "Quote <reference>" as its title.

    `tiers` are worded by `cancellation_lines`; `terms` is plain text, its
    paragraphs separated by a blank line.
    """
    with translation.override(language):
        title = gettext("Quote %(reference)s") % {"reference": quote.reference}
        story: list = [
            _text(seller_name, "seller"),
            _text(quote.group_name, "title"),
            _text(
                gettext("Quote %(reference)s for %(client)s")
                % {"reference": quote.reference, "client": quote.client_name},
                "subtitle",
            ),
            *_trip(quote),
            *_itinerary(quote),
            *_hotels(quote),
            *_inclusions(quote),
            *_prices(quote),
            *_cancellation(tiers),
            *_terms(terms),
            *_contact(quote),
        ]
        buffer = io.BytesIO()
        pdf = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=title,
            subject=quote.group_name,
            author=seller_name,
            creator=seller_name,
            lang=language,
            invariant=1,
        )
        footer = _footer(quote.reference, seller_name)
        pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
