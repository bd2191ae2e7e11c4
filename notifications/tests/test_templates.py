"""Every transactional email renders in Spanish and English from its documented context alone.

A missing variable renders as "INVALID_<name>" here, so a template that uses a name outside
its context contract fails loudly instead of printing an empty string.
"""

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.models import EmailTemplate
from notifications.previews import preview_context

MADRID = ZoneInfo("Europe/Madrid")
LANGUAGES = ("es", "en")

CLIENT_NAME = "Viajes Camino & Fe S.L."
GROUP_NAME = "Peregrinación Santiago & Fátima 2026"
ARRIVAL = date(2026, 5, 12)
DEPARTURE = date(2026, 5, 16)
BID_DEADLINE = timezone.make_aware(datetime(2026, 4, 20, 18, 0), MADRID)
PRICE_PER_PERSON = Decimal("1245.50")
PRICE_TOTAL = Decimal("52311.00")

CONTEXTS: dict[str, dict] = {
    "quotation_created": {
        "recipient_name": "Lucía Martín Ortega",
        "reference": "Q-2026-0042",
        "group_name": GROUP_NAME,
        "client_name": CLIENT_NAME,
        "arrival": ARRIVAL,
        "departure": DEPARTURE,
        "pax": 42,
        "url": "https://spirittours.example/staff/quotations/42/",
    },
    "quotation_approved": {
        "recipient_name": "Padre Javier Romero",
        "reference": "Q-2026-0042",
        "group_name": GROUP_NAME,
        "price_per_person": PRICE_PER_PERSON,
        "price_total": PRICE_TOTAL,
        "currency": "EUR",
        "url": "https://spirittours.example/client/quotations/42/",
    },
    "hotel_invitation": {
        "recipient_name": "Departamento de reservas",
        "hotel_name": "Hotel Compostela Plaza",
        "reference": "Q-2026-0042",
        "group_name": GROUP_NAME,
        "city": "Santiago de Compostela",
        "arrival": ARRIVAL,
        "departure": DEPARTURE,
        "pax": 42,
        "rooms": ["9 × Double", "20 × Twin", "2 × Single"],
        "meal_plan": "Half board",
        "bid_deadline": BID_DEADLINE,
        "url": "https://spirittours.example/portal/i/7f3c9a1e2b4d/",
    },
    "payment_received": {
        "recipient_name": "Padre Javier Romero",
        "booking_reference": "B-2026-0017",
        "amount": Decimal("15693.30"),
        "currency": "EUR",
        "balance_due": Decimal("36617.70"),
        "url": "https://spirittours.example/client/bookings/17/",
    },
    "booking_confirmed": {
        "recipient_name": "Padre Javier Romero",
        "booking_reference": "B-2026-0017",
        "group_name": GROUP_NAME,
        "arrival": ARRIVAL,
        "departure": DEPARTURE,
        "url": "https://spirittours.example/client/bookings/17/",
    },
    "traveller_payment_link": {
        "recipient_name": "Ana Ruiz Gómez",
        "traveller_name": "Ana Ruiz Gómez",
        "leader_name": "Padre Javier Romero",
        "booking_reference": "B-2026-0017",
        "group_name": GROUP_NAME,
        "arrival": ARRIVAL,
        "amount": Decimal("412.35"),
        "currency": "EUR",
        "due": date(2026, 4, 12),
        "url": "https://spirittours.example/pay/abc/",
    },
    "hotel_booking_request": {
        "recipient_name": "Hotel Alfonso XIII",
        "booking_reference": "B-2026-0017",
        "group_name": GROUP_NAME,
        "check_in": ARRIVAL,
        "check_out": DEPARTURE,
        "rooms": ["2 × Single", "18 × Double"],
        "url": "https://spirittours.example/portal/bookings/3/",
    },
    "guide_assigned": {
        "recipient_name": "Carmen Vidal Suárez",
        "guide_name": "Carmen Vidal Suárez",
        "booking_reference": "B-2026-0017",
        "group_name": GROUP_NAME,
        "arrival": ARRIVAL,
        "departure": DEPARTURE,
        "url": "https://spirittours.example/staff/bookings/17/",
    },
    "payment_reminder": {
        "recipient_name": "Padre Javier Romero",
        "booking_reference": "B-2026-0017",
        "amount": Decimal("36617.70"),
        "currency": "EUR",
        "due_date": date(2026, 4, 12),
        "url": "https://spirittours.example/client/bookings/17/pay/",
    },
    "deadline_warning": {
        "recipient_name": "Departamento de reservas",
        "kind": "bid",
        "reference": "Q-2026-0042",
        "group_name": GROUP_NAME,
        "deadline": BID_DEADLINE,
        "url": "https://spirittours.example/portal/i/7f3c9a1e2b4d/",
    },
    "cancellation_notice": {
        "recipient_name": "Padre Javier Romero",
        "booking_reference": "B-2026-0017",
        "group_name": GROUP_NAME,
        "reason": "La parroquia ha aplazado la peregrinación al año próximo.",
        "refund_amount": Decimal("7846.65"),
        "currency": "EUR",
        "url": "https://spirittours.example/client/bookings/17/",
    },
    "refund_processed": {
        "recipient_name": "Padre Javier Romero",
        "booking_reference": "B-2026-0017",
        "amount": Decimal("7846.65"),
        "currency": "EUR",
        "url": "https://spirittours.example/client/bookings/17/",
    },
    "quotation_sent": {
        "recipient_name": "Padre Javier Romero",
        "reference": "Q-2026-0042",
        "group_name": GROUP_NAME,
        "revised": False,
        "arrival": ARRIVAL,
        "departure": DEPARTURE,
        "pax": 42,
        "price_per_person": PRICE_PER_PERSON,
        "price_total": PRICE_TOTAL,
        "currency": "EUR",
        "valid_until": date(2026, 4, 30),
        "url": "https://spirittours.example/client/quotations/42/",
    },
    "client_changes_requested": {
        "recipient_name": "Lucía Martín Ortega",
        "reference": "Q-2026-0042",
        "group_name": GROUP_NAME,
        "client_name": CLIENT_NAME,
        "requested_by": "Padre Javier Romero",
        "message": "Una noche más en Fátima & habitaciones <triples> si es posible.",
        "url": "https://spirittours.example/staff/quotations/42/",
    },
    "client_declined": {
        "recipient_name": "Lucía Martín Ortega",
        "reference": "Q-2026-0042",
        "group_name": GROUP_NAME,
        "client_name": CLIENT_NAME,
        "declined_by": "Padre Javier Romero",
        "reason": "El consejo parroquial ha aplazado el viaje.",
        "url": "https://spirittours.example/staff/quotations/42/",
    },
    "hotel_activity": {
        "recipient_name": "Lucía Martín Ortega",
        "reference": "Q-2026-0042",
        "group_name": GROUP_NAME,
        "hotels": [
            {
                "hotel_name": "Hotel Compostela Plaza",
                "city": "Santiago de Compostela",
                "events": [
                    {"kind": "submitted", "revision": 1, "at": BID_DEADLINE, "reason": ""},
                    {"kind": "revised", "revision": 2, "at": BID_DEADLINE, "reason": ""},
                ],
            },
            {
                "hotel_name": "Hotel Fátima Sol",
                "city": "Fátima",
                "events": [{"kind": "declined", "revision": None, "at": BID_DEADLINE, "reason": "Completo en mayo"}],
            },
        ],
        "url": "https://spirittours.example/staff/quotations/42/",
    },
    "bidding_incomplete": {
        "recipient_name": "Lucía Martín Ortega",
        "reference": "Q-2026-0042",
        "group_name": GROUP_NAME,
        "deadline": BID_DEADLINE,
        "cities": ["Santiago de Compostela", "Fátima"],
        "url": "https://spirittours.example/staff/quotations/42/",
    },
    "password_reset": {
        "recipient_name": "Padre Javier Romero",
        "url": "https://spirittours.example/accounts/reset/MQ/c1a2b3-5f6e7d8c9b0a/",
        "valid_hours": 24,
    },
}

# Emails that reach a hotel: nothing about the client or any price may show.
HOTEL_KEYS = ("hotel_invitation", "deadline_warning", "hotel_booking_request")
MONEY = re.compile(r"\d[.,]\d{2}\b")


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def render_email(key: str, context: dict, lang: str) -> Email:
    # A copy each time: rendering writes into the dict it is given ({% get_current_language %}).
    with translation.override(lang):
        return Email(
            subject=render_to_string(f"emails/{key}/subject.txt", dict(context)).strip(),
            text=render_to_string(f"emails/{key}/body.txt", dict(context)),
            html=render_to_string(f"emails/{key}/body.html", dict(context)),
        )


@pytest.fixture(autouse=True)
def _strict_templates(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = "INVALID_%s"
    settings.TEMPLATES = templates


def assert_well_formed(email: Email, context: dict) -> None:
    for part in (email.subject, email.text, email.html):
        assert "INVALID_" not in part
        assert "{%" not in part and "{{" not in part
    assert email.subject and "\n" not in email.subject
    assert "&amp;" not in email.subject + email.text, "plain text must not be HTML-escaped"
    assert context["recipient_name"] in email.text
    assert context["url"] in email.text
    assert f'href="{context["url"]}"' in email.html
    assert "Spirit Tours" in email.text and "Spirit Tours" in email.html
    if "group_name" in context:
        assert context["group_name"] in email.text
        assert context["group_name"].replace("&", "&amp;") in email.html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", CONTEXTS)
def test_email_renders_from_its_context(key, lang):
    email = render_email(key, CONTEXTS[key], lang)

    assert_well_formed(email, CONTEXTS[key])
    assert f'<html lang="{lang}">' in email.html


@pytest.mark.parametrize("key", CONTEXTS)
def test_spanish_and_english_subjects_differ(key):
    spanish = render_email(key, CONTEXTS[key], "es")
    english = render_email(key, CONTEXTS[key], "en")

    assert spanish.subject != english.subject
    assert spanish.text.startswith("Hola, ")
    assert english.text.startswith("Hello ")


def test_missing_variable_fails_loudly():
    context = {k: v for k, v in CONTEXTS["booking_confirmed"].items() if k != "url"}

    email = render_email("booking_confirmed", context, "en")

    assert "INVALID_url" in email.html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dates_and_amounts_are_localised(lang):
    approved = render_email("quotation_approved", CONTEXTS["quotation_approved"], lang)
    created = render_email("quotation_created", CONTEXTS["quotation_created"], lang)

    expected_price = {"es": "1.245,50\xa0€", "en": "€1,245.50"}[lang]
    expected_arrival = {"es": "12 may 2026", "en": "12 May 2026"}[lang]
    assert expected_price in approved.text and expected_price in approved.html
    assert expected_arrival in created.text and expected_arrival in created.html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", HOTEL_KEYS)
def test_hotel_emails_show_no_client_and_no_price(key, lang):
    # Even a caller that leaks client fields into the context must not get them printed.
    leaky_context = {
        **CONTEXTS[key],
        "client_name": CLIENT_NAME,
        "price_per_person": PRICE_PER_PERSON,
        "price_total": PRICE_TOTAL,
        "currency": "EUR",
    }

    email = render_email(key, leaky_context, lang)

    for part in (email.subject, email.text, email.html):
        assert "Viajes Camino" not in part
        assert "EUR" not in part
        assert MONEY.search(part) is None
        assert re.search(r"price|precio", part, re.IGNORECASE) is None


def test_every_template_has_a_context_here_and_in_the_previews():
    assert set(CONTEXTS) == set(EmailTemplate.values)
    for key in EmailTemplate.values:
        assert set(CONTEXTS[key]) <= set(preview_context(key)), key


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", CONTEXTS)
def test_preview_context_renders(key, lang):
    # Only the names of the template's contract: what the admin preview shows is what a real email can.
    context = {name: value for name, value in preview_context(key).items() if name in CONTEXTS[key]}

    email = render_email(key, context, lang)

    assert_well_formed(email, context)


# What a hotel charges and who the hotels are: never in an email to the client.
HOTEL_SECRETS = {
    "hotel_cost_total": Decimal("38817.43"),
    "cost_per_person": Decimal("924.22"),
    "margin_percent": Decimal("17.35"),
    "nightly_rate": Decimal("97.31"),
    "hotel_name": "Hotel Compostela Plaza",
    "hotels": [{"hotel_name": "Hotel Compostela Plaza", "nightly_rate": Decimal("97.31")}],
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_quote_email_shows_client_prices_only(lang):
    email = render_email("quotation_sent", {**CONTEXTS["quotation_sent"], **HOTEL_SECRETS}, lang)

    expected = {"es": ("1.245,50\xa0€", "52.311,00\xa0€"), "en": ("€1,245.50", "€52,311.00")}[lang]
    for part in (email.text, email.html):
        assert all(price in part for price in expected)
        for secret in ("38817", "924", "17,35", "17.35", "97,31", "97.31", "Compostela Plaza"):
            assert secret not in part
    assert {"es": "30 abr 2026", "en": "30 Apr 2026"}[lang] in email.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_hotel_activity_lists_each_hotel_without_prices(lang):
    email = render_email("hotel_activity", {**CONTEXTS["hotel_activity"], "price_per_person": PRICE_PER_PERSON}, lang)

    for part in (email.text, email.html):
        assert "Hotel Compostela Plaza" in part and "Hotel Fátima Sol" in part
        assert "Completo en mayo" in part
        assert MONEY.search(part) is None and "EUR" not in part and "€" not in part
    if lang == "en":
        assert "submitted a bid (revision 1)" in email.text
        assert "revised its bid (revision 2)" in email.text
        assert "declined the invitation: Completo en mayo" in email.text
        assert "2 hotels acted on quotation Q-2026-0042" in email.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_client_texts_reach_staff_as_written_and_escaped_in_html(lang):
    email = render_email("client_changes_requested", CONTEXTS["client_changes_requested"], lang)

    assert CONTEXTS["client_changes_requested"]["message"] in email.text
    assert "Una noche más en Fátima &amp; habitaciones &lt;triples&gt; si es posible." in email.html
    assert "<triples>" not in email.html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bidding_incomplete_names_the_cities(lang):
    email = render_email("bidding_incomplete", CONTEXTS["bidding_incomplete"], lang)

    for part in (email.text, email.html):
        assert "Santiago de Compostela" in part and "Fátima" in part
    assert {"es": "20 abr 2026, 18:00 (CEST)", "en": "20 Apr 2026, 18:00 (CEST)"}[lang] in email.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_hotel_invitation_lists_the_requirements(lang):
    email = render_email("hotel_invitation", CONTEXTS["hotel_invitation"], lang)

    for room in CONTEXTS["hotel_invitation"]["rooms"]:
        assert room in email.text and room in email.html
    assert "Half board" in email.text
    assert "Hotel Compostela Plaza" in email.text
    assert {"es": "20 abr 2026, 18:00 CEST", "en": "20 Apr 2026, 18:00 CEST"}[lang] in email.text


VARIANTS = [
    ("deadline_warning", {"kind": "quote", "recipient_name": "Padre Javier Romero"}, "Your quote Q-2026-0042"),
    ("payment_received", {"balance_due": Decimal("0.00")}, "The booking is now fully paid."),
    ("cancellation_notice", {"refund_amount": Decimal("0.00"), "reason": ""}, "no refund is due"),
    ("quotation_sent", {"revised": True}, "We have revised quote Q-2026-0042"),
    ("client_declined", {"reason": ""}, "They gave no reason."),
    ("password_reset", {"valid_hours": 1}, "It works once, for one hour."),
]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("key", "changes", "english_phrase"), VARIANTS)
def test_email_variants_render(key, changes, english_phrase, lang):
    context = {**CONTEXTS[key], **changes}

    email = render_email(key, context, lang)

    assert_well_formed(email, context)
    assert (english_phrase in email.text) is (lang == "en")
