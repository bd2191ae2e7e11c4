"""How far ahead a typed date may lie, and how large an itinerary may be.

A date beyond these horizons is a typing error (a year 9999, an extra digit),
never a real trip: a deadline that far ahead would also break every page that
computes a date from it. Forms and services call the same checks, so a form
error and a service refusal say the same thing.

    bid deadline            after now, at most 2 years ahead
    arrival and departure   today or later, at most 3 years ahead
    valid until (bid, quote) today or later, at most 2 years ahead
    itinerary               1 to 30 stays; a city as long as the model allows;
                            1 to 365 nights a stay; in all no more nights than
                            fit in the travel horizon

Each check raises QuotationError on the field it names and returns nothing.
`now` and `today` default to the current moment; tests pass their own.
"""

import datetime
from collections.abc import Sequence
from typing import Protocol, TypeVar

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from quotations.errors import QuotationError
from quotations.models import QuotationStay

DEADLINE_HORIZON_YEARS = 2
TRAVEL_HORIZON_YEARS = 3
VALIDITY_HORIZON_YEARS = 2

MAX_STAYS = 30
MAX_STAY_NIGHTS = 365
CITY_MAX_LENGTH = QuotationStay._meta.get_field("city").max_length


Moment = TypeVar("Moment", datetime.date, datetime.datetime)


class Stay(Protocol):
    city: str
    nights: int


def years_after(moment: Moment, years: int) -> Moment:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def _today(today: datetime.date | None) -> datetime.date:
    return today if today is not None else timezone.localdate()


def bid_deadline_latest(*, now: datetime.datetime | None = None) -> datetime.datetime:
    return years_after(timezone.localtime(now or timezone.now()), DEADLINE_HORIZON_YEARS)


def travel_date_latest(*, today: datetime.date | None = None) -> datetime.date:
    return years_after(_today(today), TRAVEL_HORIZON_YEARS)


def valid_until_latest(*, today: datetime.date | None = None) -> datetime.date:
    return years_after(_today(today), VALIDITY_HORIZON_YEARS)


def travel_nights_max(*, today: datetime.date | None = None) -> int:
    """The longest trip that starts today and ends within the travel horizon."""
    today = _today(today)
    return (travel_date_latest(today=today) - today).days


def bid_deadline_check(
    *, bid_deadline: datetime.datetime, now: datetime.datetime | None = None, field: str = "bid_deadline"
) -> None:
    now = now or timezone.now()
    if bid_deadline <= now:
        raise QuotationError(_("Choose a moment in the future."), field=field)
    latest = bid_deadline_latest(now=now)
    if bid_deadline > latest:
        raise QuotationError(
            _("Choose a bid deadline no later than %(latest)s, two years from now.")
            % {"latest": date_format(latest.date())},
            field=field,
        )


def travel_date_check(*, day: datetime.date, today: datetime.date | None = None, field: str = "arrival") -> None:
    today = _today(today)
    if day < today:
        raise QuotationError(_("The date cannot be in the past."), field=field)
    latest = travel_date_latest(today=today)
    if day > latest:
        raise QuotationError(
            _("Choose a travel date no later than %(latest)s, three years from now.") % {"latest": date_format(latest)},
            field=field,
        )


def valid_until_check(*, day: datetime.date, today: datetime.date | None = None, field: str = "valid_until") -> None:
    today = _today(today)
    if day < today:
        raise QuotationError(_("The date cannot be in the past."), field=field)
    latest = valid_until_latest(today=today)
    if day > latest:
        raise QuotationError(
            _("Choose a valid-until date no later than %(latest)s, two years from now.")
            % {"latest": date_format(latest)},
            field=field,
        )


def stays_check(*, stays: Sequence[Stay], today: datetime.date | None = None, field: str = "stays") -> None:
    """The itinerary's shape; that its nights match the travel dates is the service's rule."""
    if not stays:
        raise QuotationError(_("Every stay needs a city and at least one night."), field=field)
    if len(stays) > MAX_STAYS:
        raise QuotationError(
            _("An itinerary can have at most %(max)d stays.") % {"max": MAX_STAYS},
            field=field,
        )
    for stay in stays:
        if not stay.city.strip() or stay.nights < 1:
            raise QuotationError(_("Every stay needs a city and at least one night."), field=field)
        if len(stay.city.strip()) > CITY_MAX_LENGTH:
            raise QuotationError(
                _("A city name can have at most %(max)d characters.") % {"max": CITY_MAX_LENGTH}, field=field
            )
        if stay.nights > MAX_STAY_NIGHTS:
            raise QuotationError(
                _("A stay can last at most %(max)d nights (%(city)s).") % {"max": MAX_STAY_NIGHTS, "city": stay.city},
                field=field,
            )
    total, most = sum(stay.nights for stay in stays), travel_nights_max(today=today)
    if total > most:
        raise QuotationError(
            _("The stays add up to %(total)d nights; a trip can last at most %(max)d.") % {"total": total, "max": most},
            field=field,
        )
