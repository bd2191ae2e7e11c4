"""Money, days and times in the viewer's language, one style each, on every page and email.

    {% load figures %}
    {{ amount|money:currency }}   13.680,00 € (es) · €13,680.00 (en)
    {{ date_or_datetime|day }}    4 feb 2027 (es) · 4 Feb 2027 (en)
    {{ datetime|when }}           13 dic 2026, 18:00 CET (es) · 13 Dec 2026, 18:00 CET (en)
    {{ datetime|when:"nozone" }} ({{ datetime|zone }})   the same, the zone apart

The language is the active one (the page's, or the email's recipient's); es
is written as in Spain, en as in the United Kingdom (day first, 24-hour
clock). Amounts always show two decimals, whatever the currency, so no
figure is ever rounded away; times are in the quotation's time zone
(settings.TIME_ZONE), with its abbreviation. An empty value shows as "—".
"""

import datetime
import functools
import zoneinfo
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils import translation

register = template.Library()

# The Babel locale for each language of settings.LANGUAGES.
LOCALES = {"es": "es_ES", "en": "en_GB"}
EMPTY = "—"


def babel_locale() -> Locale:
    """The Babel locale of the active language (the default language's when none is active)."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    return _parsed(LOCALES.get(language, LOCALES[settings.LANGUAGE_CODE]))


@functools.cache
def _parsed(code: str) -> Locale:
    # Babel parses a locale name on every call it is given one; a page formats hundreds of figures.
    return Locale.parse(code)


def money_format(amount: Decimal | int | str | None, currency: str) -> str:
    if amount is None or amount == "":
        return EMPTY
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return EMPTY
    if not value.is_finite():
        return EMPTY
    return format_currency(value, currency, locale=babel_locale(), currency_digits=False)


def quotation_time(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime in the quotation's time zone (naive ones are taken to be in it already)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def day_format(value: datetime.date | datetime.datetime | None) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime.datetime):
        value = quotation_time(value).date()
    return format_date(value, format="medium", locale=babel_locale())


def when_format(value: datetime.datetime | None, *, zone: bool = True) -> str:
    if value is None or value == "":
        return EMPTY
    if not isinstance(value, datetime.datetime):
        return day_format(value)
    local = quotation_time(value)
    locale = babel_locale()
    text = "{day}, {time}".format(
        day=format_date(local.date(), format="medium", locale=locale),
        time=format_time(local, format="HH:mm", locale=locale),
    )
    return f"{text} {local.tzname()}" if zone else text


@register.filter
def money(amount, currency: str = "EUR") -> str:
    """`{{ amount|money:currency }}`: the amount in the viewer's language, with the currency's sign."""
    return money_format(amount, currency or "EUR")


@register.filter
def day(value) -> str:
    """`{{ value|day }}`: a date (or a datetime's day in the quotation's time zone)."""
    return day_format(value)


@register.filter
def when(value, arg: str = "") -> str:
    """`{{ value|when }}`: a moment, day and 24-hour time in the quotation's time zone, with the zone.

    `{{ value|when:"nozone" }}` leaves the zone out, for a sentence that names it apart (`|zone`).
    """
    return when_format(value, zone=arg != "nozone")


@register.filter
def zone(value) -> str:
    """`{{ value|zone }}`: the abbreviation of the quotation's time zone at that moment (CET, CEST)."""
    if not isinstance(value, datetime.datetime):
        return ""
    return quotation_time(value).tzname() or ""
