"""The client's quote as PDF: the presenter's figures in the client's language, never a hotel's net rate."""

import dataclasses
import io
import re
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader

from accounts.factories import ClientContactFactory
from quotations.documents import CancellationTierText, cancellation_lines, quote_pdf
from quotations.factories import ClientFactory, quotation_sent
from quotations.privacy import PresentedQuotationForClient, present_quotation_for_client, viewer_for
from spirittours.templatetags.figures import day_format

# Nightly net rates distinct from every client figure, and what they make per person for the 3 nights.
RATES = {"single": "97.30", "double": "113.70", "twin": "113.70", "triple": "141.90"}
NET = ["97.30", "97,30", "113.70", "113,70", "291.90", "291,90", "170.55", "170,55"]
TIERS = (
    CancellationTierText(min_days_before=30, retained_percent=Decimal(80)),
    CancellationTierText(min_days_before=0, retained_percent=Decimal(100)),
    CancellationTierText(min_days_before=60, retained_percent=Decimal(25)),
)
TERMS = "Prices include VAT.\n\nRooms are held until\nthe deposit is paid."


def _client_quote() -> PresentedQuotationForClient:
    contact = ClientContactFactory()
    quotation = quotation_sent(client=ClientFactory(name="Cofradía del Rocío", contacts=[contact]), rates=RATES)
    return present_quotation_for_client(viewer=viewer_for(contact), quotation=quotation)


def _render(quote: PresentedQuotationForClient, language: str) -> tuple[PdfReader, str]:
    data = quote_pdf(quote=quote, language=language, tiers=TIERS, terms=TERMS, seller_name="Spirit Tours S.L.")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", " ", text)


def _day(value, language: str) -> str:
    with translation.override(language):
        return day_format(value)


@pytest.mark.django_db
def test_the_english_quote_shows_the_trip_the_lines_and_the_total_the_presenter_holds():
    # given a sent quote as its client contact sees it: 2 singles and 9 doubles, 20 paying travellers
    quote = _client_quote()
    lines = {line.room_type: (line.paying, line.per_person, line.total) for line in quote.prices.by_room}
    assert lines == {
        "single": (2, Decimal("336.00"), Decimal("672.00")),
        "double": (18, Decimal("197.00"), Decimal("3546.00")),
    }
    assert (quote.prices.total, quote.prices.per_person) == (Decimal("4218.00"), Decimal("210.90"))

    quote = dataclasses.replace(quote, inclusions=("Guide <español> & coach",))

    # when it is rendered in English
    reader, text = _render(quote, "en")

    # then the PDF holds the trip, the itinerary, the hotel, the lines, the total, the validity and the policy
    assert reader.metadata.title == f"Quote {quote.reference}"
    stay = quote.itinerary[0]
    for expected in (
        "Spirit Tours S.L.",
        quote.group_name,
        f"Quote {quote.reference} for Cofradía del Rocío",
        f"Arrival {_day(quote.requirements.arrival, 'en')}",
        f"Departure {_day(quote.requirements.departure, 'en')}",
        "Passengers 20",
        "2 × Single, 9 × Double",
        "Meal plan Bed and breakfast",
        f"Sevilla {_day(stay.check_in, 'en')} {_day(stay.check_out, 'en')} 3 Bed and breakfast",
        f"Sevilla: {quote.hotels[0].hotel_name} (4 stars)",
        "– Accommodation, Bed and breakfast – Guide <español> & coach",
        "Single 2 €336.00 €672.00",
        "Double 18 €197.00 €3,546.00",
        "Total for the group €4,218.00",
        "On average €210.90 for each of the 20 paying travellers.",
        f"Valid until {_day(quote.valid_until, 'en')}",
        "Cancellation policy",
        "60 days or more before arrival: 25% retained From 30 to 59 days: 80% Under 30 days: 100%",
        "Prices include VAT.",
        "Rooms are held until the deposit is paid.",
    ):
        assert expected in text


@pytest.mark.django_db
def test_the_spanish_quote_formats_the_figures_in_spanish():
    # given a sent quote as its client contact sees it
    quote = _client_quote()

    # when it is rendered in Spanish
    _, text = _render(quote, "es")

    # then the reference, the dates and every amount are in the Spanish format
    for expected in (
        quote.reference,
        quote.group_name,
        _day(quote.requirements.arrival, "es"),
        _day(quote.valid_until, "es"),
        "336,00 €",
        "672,00 €",
        "197,00 €",
        "3.546,00 €",
        "4.218,00 €",
        "210,90 €",
        "25 %",
        "80 %",
        "100 %",
    ):
        assert expected in text
    assert "€4,218.00" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "en"])
def test_no_hotel_net_rate_appears_in_the_quote(language):
    # given a sent quote whose hotel bid distinctive nightly rates
    quote = _client_quote()

    # when it is rendered
    _, text = _render(quote, language)

    # then no net rate, nor what it makes per person, appears
    assert [value for value in NET if value in text] == []


@pytest.mark.django_db
def test_a_quote_without_prices_says_the_price_is_not_available():
    # given a quote whose price is not there
    quote = dataclasses.replace(_client_quote(), prices=None)

    # when it is rendered in English
    _, text = _render(quote, "en")

    # then it says so, shows no amount, and still shows the trip and the validity
    assert "The price of this quote is being prepared." in text
    assert "€" not in text
    assert "Total for the group" not in text
    assert f"Valid until {_day(quote.valid_until, 'en')}" in text


@pytest.mark.django_db
def test_the_same_quote_gives_the_same_bytes():
    # given one quote
    quote = _client_quote()

    # when it is rendered twice
    first = quote_pdf(quote=quote, language="en", tiers=TIERS, terms=TERMS, seller_name="Spirit Tours S.L.")
    second = quote_pdf(quote=quote, language="en", tiers=TIERS, terms=TERMS, seller_name="Spirit Tours S.L.")

    # then the bytes are identical
    assert first == second


def test_cancellation_lines_word_any_tiers_from_the_earliest_to_the_latest():
    # given tiers in any order, the lowest above zero (it also applies below its minimum)
    tiers = [
        CancellationTierText(min_days_before=15, retained_percent=Decimal("100")),
        CancellationTierText(min_days_before=90, retained_percent=Decimal("10")),
        CancellationTierText(min_days_before=45, retained_percent=Decimal("12.5")),
    ]

    # when they are worded in English
    with translation.override("en"):
        lines = cancellation_lines(tiers)

    # then each tier reads its range of days
    assert lines == [
        "90 days or more before arrival: 10% retained",
        "From 45 to 89 days: 12.5%",
        "Under 45 days: 100%",
    ]


def test_cancellation_lines_of_one_tier_or_none():
    # given a single tier, and no tier
    single = [CancellationTierText(min_days_before=0, retained_percent=Decimal(100))]

    # when they are worded in English
    with translation.override("en"):
        one, none = cancellation_lines(single), cancellation_lines([])

    # then one tier applies to any cancellation, and no tier gives no line
    assert one == ["Any cancellation: 100% retained"]
    assert none == []


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", "until 30 days before arrival"), ("es", "hasta 30 días antes")])
def test_the_quote_pdf_states_the_rooming_deadline_of_the_settings(settings, language, words):
    from quotations.quote_pdf import quotation_pdf

    settings.BOOKING_ROOMING_CUTOFF_DAYS = 30
    contact = ClientContactFactory(language=language)
    quotation = quotation_sent(client=ClientFactory(contacts=[contact]), rates=RATES)

    _name, data = quotation_pdf(quotation=quotation, language=language)

    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))
    assert words in text
