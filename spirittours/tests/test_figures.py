"""Money, days and times in the viewer's language, one style each."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

NBSP = "\xa0"


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load figures %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", f"13.680,00{NBSP}€ · 6.180,00{NBSP}€ · 1.245,50{NBSP}US$"), ("en", "€13,680.00 · €6,180.00 · US$1,245.50")],
)
def test_money_in_the_viewers_language_always_with_two_decimals(language, expected):
    source = "{{ a|money:'EUR' }} · {{ b|money:'EUR' }} · {{ c|money:'USD' }}"
    assert render(source, language, a=Decimal("13680"), b=Decimal("6180"), c="1245.5") == expected


def test_money_never_rounds_a_currency_without_minor_units_away():
    assert render("{{ a|money:'COP' }}", "en", a=Decimal("1234.56")) == "COP1,234.56"


def test_empty_money_and_dates_show_a_dash():
    assert render("{{ a|money:'EUR' }} {{ b|day }} {{ c|when }}", "es", a=None, b=None, c=None) == "— — —"


@pytest.mark.parametrize(
    ("language", "day", "moment", "bare"),
    [
        ("es", "4 feb 2027", "13 dic 2026, 18:00 CET", "13 dic 2026, 18:00 (CET)"),
        ("en", "4 Feb 2027", "13 Dec 2026, 18:00 CET", "13 Dec 2026, 18:00 (CET)"),
    ],
)
def test_days_and_times_in_one_style_and_the_quotations_time_zone(settings, language, day, moment, bare):
    settings.TIME_ZONE = "Europe/Madrid"
    at = datetime.datetime(2026, 12, 13, 17, 0, tzinfo=datetime.UTC)  # 18:00 in Madrid
    source = '{{ d|day }}|{{ t|when }}|{{ t|when:"nozone" }} ({{ t|zone }})'
    assert render(source, language, d=datetime.date(2027, 2, 4), t=at) == f"{day}|{moment}|{bare}"


def test_a_moments_day_is_the_day_in_the_quotations_time_zone(settings):
    settings.TIME_ZONE = "Europe/Madrid"
    late = datetime.datetime(2026, 12, 13, 23, 30, tzinfo=datetime.UTC)  # already the 14th in Madrid
    assert render("{{ t|day }}", "en", t=late) == "14 Dec 2026"
    summer = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.UTC)
    assert render("{{ t|when }}", "en", t=summer) == "1 Jul 2026, 12:00 CEST"
