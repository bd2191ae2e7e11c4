"""The horizons of typed dates and the size of an itinerary, and a page that outlives a far date."""

import datetime
from types import SimpleNamespace

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from quotations import limits
from quotations.errors import QuotationError
from quotations.models import Quotation

NOW = timezone.make_aware(datetime.datetime(2026, 3, 10, 12, 0))
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def stay(city="Sevilla", nights=3):
    return SimpleNamespace(city=city, nights=nights)


def refusal(check, **arguments) -> QuotationError:
    with pytest.raises(QuotationError) as raised:
        check(**arguments)
    return raised.value


def test_years_after_keeps_the_calendar_day_and_moves_29_february_to_the_28th():
    assert limits.years_after(datetime.date(2026, 3, 10), 2) == datetime.date(2028, 3, 10)
    assert limits.years_after(datetime.date(2028, 2, 29), 3) == datetime.date(2031, 2, 28)
    assert limits.years_after(NOW, 2) == NOW.replace(year=2028)


def test_the_horizons_are_two_years_for_deadlines_and_validity_and_three_for_travel():
    assert limits.bid_deadline_latest(now=NOW) == timezone.localtime(NOW).replace(year=2028)
    assert limits.valid_until_latest(today=TODAY) == datetime.date(2028, 3, 10)
    assert limits.travel_date_latest(today=TODAY) == datetime.date(2029, 3, 10)
    assert limits.travel_nights_max(today=TODAY) == 1096


@pytest.mark.parametrize(
    "deadline",
    [NOW + datetime.timedelta(minutes=1), timezone.localtime(NOW).replace(year=2028)],
    ids=["a minute from now", "exactly two years from now"],
)
def test_a_bid_deadline_within_the_horizon_passes(deadline):
    assert limits.bid_deadline_check(bid_deadline=deadline, now=NOW) is None


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        (NOW, "Choose a moment in the future."),
        (NOW - datetime.timedelta(days=1), "Choose a moment in the future."),
        (
            timezone.localtime(NOW).replace(year=2028) + datetime.timedelta(minutes=1),
            "Choose a bid deadline no later than March 10, 2028, two years from now.",
        ),
        (
            timezone.make_aware(datetime.datetime(9999, 12, 30, 10, 0)),
            "Choose a bid deadline no later than March 10, 2028, two years from now.",
        ),
    ],
    ids=["now", "yesterday", "a minute past the horizon", "year 9999"],
)
def test_a_bid_deadline_outside_the_window_is_refused_on_its_field(deadline, message):
    error = refusal(limits.bid_deadline_check, bid_deadline=deadline, now=NOW)
    assert (error.field, str(error.message)) == ("bid_deadline", message)


def test_a_bid_deadline_refusal_names_the_field_it_is_asked_to():
    error = refusal(limits.bid_deadline_check, bid_deadline=NOW, now=NOW, field="extend-bid_deadline")
    assert error.field == "extend-bid_deadline"


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (TODAY - datetime.timedelta(days=1), "The date cannot be in the past."),
        (datetime.date(2029, 3, 11), "Choose a travel date no later than March 10, 2029, three years from now."),
        (datetime.date(9999, 12, 31), "Choose a travel date no later than March 10, 2029, three years from now."),
    ],
)
def test_a_travel_date_outside_three_years_is_refused(day, message):
    error = refusal(limits.travel_date_check, day=day, today=TODAY, field="departure")
    assert (error.field, str(error.message)) == ("departure", message)


@pytest.mark.parametrize("day", [TODAY, datetime.date(2029, 3, 10)])
def test_a_travel_date_from_today_to_the_horizon_passes(day):
    assert limits.travel_date_check(day=day, today=TODAY) is None


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (TODAY - datetime.timedelta(days=1), "The date cannot be in the past."),
        (
            datetime.date(2028, 3, 11),
            "Choose a valid-until date no later than March 10, 2028, two years from now.",
        ),
    ],
)
def test_a_valid_until_date_outside_two_years_is_refused(day, message):
    error = refusal(limits.valid_until_check, day=day, today=TODAY)
    assert (error.field, str(error.message)) == ("valid_until", message)


@pytest.mark.parametrize("day", [TODAY, datetime.date(2028, 3, 10)])
def test_a_valid_until_date_from_today_to_the_horizon_passes(day):
    assert limits.valid_until_check(day=day, today=TODAY) is None


def test_the_city_limit_is_read_from_the_stay_model():
    from quotations.models import QuotationStay

    assert limits.CITY_MAX_LENGTH == QuotationStay._meta.get_field("city").max_length == 100


def test_an_itinerary_at_every_limit_passes():
    stays = [stay("S" * 100, 365), stay("Granada", 365), *[stay(f"C{n}", 12) for n in range(28)]]
    assert sum(s.nights for s in stays) == 1066
    assert limits.stays_check(stays=stays, today=TODAY) is None


@pytest.mark.parametrize(
    ("stays", "message"),
    [
        ([], "Every stay needs a city and at least one night."),
        ([stay(nights=0)], "Every stay needs a city and at least one night."),
        ([stay(city="  ")], "Every stay needs a city and at least one night."),
        ([stay(city="S" * 101)], "A city name can have at most 100 characters."),
        ([stay(nights=366)], "A stay can last at most 365 nights (Sevilla)."),
        ([stay(nights=32768)], "A stay can last at most 365 nights (Sevilla)."),
        ([stay(nights=1)] * 31, "An itinerary can have at most 30 stays."),
        ([stay(nights=365)] * 4, "The stays add up to 1460 nights; a trip can last at most 1096."),
    ],
    ids=["none", "zero nights", "blank", "city too long", "366 nights", "past a small int", "31 stays", "4 years"],
)
def test_an_itinerary_past_a_limit_is_refused_on_the_stays_field(stays, message):
    error = refusal(limits.stays_check, stays=stays, today=TODAY)
    assert (error.field, str(error.message)) == ("stays", message)


@pytest.mark.django_db
def test_staff_page_renders_a_quotation_whose_stored_deadline_is_near_the_largest_date(bidding_round):
    """A far deadline already stored (before the horizons existed) must not lock staff out of the page."""
    r = bidding_round
    far = timezone.make_aware(datetime.datetime(9999, 12, 30, 10, 0))
    Quotation.objects.filter(pk=r.quotation.pk).update(bid_deadline=far)
    http = HttpClient()
    http.force_login(r.staff)

    response = http.get(reverse("staff:quotation", kwargs={"pk": r.quotation.pk}))

    assert response.status_code == 200
    assert Quotation.objects.get(pk=r.quotation.pk).bid_deadline == far
