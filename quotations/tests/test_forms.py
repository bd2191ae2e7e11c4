"""Form-level limits: far dates, oversized itineraries, and form fields no looser than their columns."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.db import models
from django.utils import timezone, translation
from django.utils.formats import date_format

from quotations.factories import quotation_make
from quotations.forms.client import DeclineQuoteForm, RequestChangesForm
from quotations.forms.fields import ITINERARY_MAX_LENGTH, ItineraryField
from quotations.forms.portal import BidForm, DeclineInvitationForm
from quotations.forms.room import MessageForm, StaffMessageForm
from quotations.forms.staff import (
    CancelForm,
    ExtendDeadlineForm,
    ExtraForm,
    InviteHotelsForm,
    PriceForm,
    QuotationCreateForm,
    SendForm,
)
from quotations.limits import bid_deadline_latest, travel_date_latest, valid_until_latest
from quotations.models import HotelBidLine, Quotation, QuotationExtra, QuotationStay, RoomMessage
from quotations.services import StayInput

FAR_DEADLINE = "9999-12-30T10:00"
FAR_DATE = "9999-12-30"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _deadline_text(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _latest_deadline_message() -> str:
    return f"Choose a bid deadline no later than {date_format(bid_deadline_latest().date())}, two years from now."


def _date_message(kind: str, latest: datetime.date, years: str) -> str:
    return f"Choose a {kind} date no later than {date_format(latest)}, {years} years from now."


# --- the itinerary --------------------------------------------------------------------------------


def test_itinerary_field_reads_cities_and_nights_in_order():
    assert ItineraryField().clean("Sevilla:3, Granada: 2\nCórdoba:1") == [
        StayInput(city="Sevilla", nights=3),
        StayInput(city="Granada", nights=2),
        StayInput(city="Córdoba", nights=1),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("S" * 101 + ":3", "A city name can have at most 100 characters."),
        ("Sevilla:32768", "A stay can last at most 365 nights (Sevilla)."),
        ("Sevilla:366", "A stay can last at most 365 nights (Sevilla)."),
        ("Sevilla:0", "Every stay needs a city and at least one night."),
        (", ".join(f"C{n}:1" for n in range(31)), "An itinerary can have at most 30 stays."),
        ("A:365, B:365, C:365, D:365", "The stays add up to 1460 nights; a trip can last at most"),
        ("Sevilla:" + "9" * 5000, f"Ensure this value has at most {ITINERARY_MAX_LENGTH} characters"),
        ("Sevilla:3\x00", "Null characters are not allowed."),
    ],
    ids=["long city", "small-int overflow", "366 nights", "zero nights", "31 stays", "4 years", "huge", "NUL"],
)
def test_itinerary_field_refuses_what_the_stay_table_cannot_hold(text, message):
    with pytest.raises(forms.ValidationError) as raised:
        ItineraryField().clean(text)
    assert raised.value.messages[0].startswith(message)


def test_itinerary_field_reads_an_optional_meal_plan_code_after_the_nights():
    assert ItineraryField().clean("Sevilla:3:HB, Granada: 2 : fb, Córdoba:1") == [
        StayInput(city="Sevilla", nights=3, meal_plan="HB"),
        StayInput(city="Granada", nights=2, meal_plan="FB"),
        StayInput(city="Córdoba", nights=1, meal_plan=""),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Sevilla:3:XX", "“XX” is not a meal plan code (in “Sevilla:3:XX”): write RO, BB, HB, FB or AI."),
        ("Sevilla:3:", "“” is not a meal plan code (in “Sevilla:3:”): write RO, BB, HB, FB or AI."),
        ("Sevilla:3:HB:FB", "Write each stay as City:nights, for example Sevilla:3 (not “Sevilla:3:HB:FB”)."),
    ],
)
def test_itinerary_field_refuses_a_meal_plan_code_it_does_not_know(text, message):
    with pytest.raises(forms.ValidationError) as raised:
        ItineraryField().clean(text)
    assert raised.value.messages == [message]


def test_itinerary_field_takes_a_city_of_exactly_the_column_length():
    assert ItineraryField().clean("S" * 100 + ":365") == [StayInput(city="S" * 100, nights=365)]


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", [InviteHotelsForm, ExtendDeadlineForm])
def test_a_bid_deadline_near_the_largest_date_is_a_field_error(form_class):
    kwargs = {"quotation": quotation_make()} if form_class is InviteHotelsForm else {}
    form = form_class({"bid_deadline": FAR_DEADLINE}, **kwargs)
    assert not form.is_valid()
    assert form.errors["bid_deadline"] == [_latest_deadline_message()]


@pytest.mark.django_db
def test_a_bid_deadline_at_the_horizon_is_accepted_and_a_minute_past_it_is_not():
    latest = bid_deadline_latest().replace(second=0, microsecond=0)
    at = ExtendDeadlineForm({"bid_deadline": _deadline_text(latest)})
    past = ExtendDeadlineForm({"bid_deadline": _deadline_text(latest + datetime.timedelta(minutes=1))})
    assert at.is_valid(), at.errors
    assert past.errors["bid_deadline"] == [_latest_deadline_message()]


@pytest.mark.django_db
def test_a_bid_deadline_in_the_past_is_still_refused():
    form = ExtendDeadlineForm({"bid_deadline": _deadline_text(timezone.now() - datetime.timedelta(hours=1))})
    assert form.errors["bid_deadline"] == ["Choose a moment in the future."]


def _create_data(**fields):
    arrival = timezone.localdate() + datetime.timedelta(days=40)
    return {
        "group_name": "Grupo",
        "arrival": arrival.isoformat(),
        "departure": (arrival + datetime.timedelta(days=3)).isoformat(),
        "pax": "10",
        "singles": "0",
        "doubles": "5",
        "twins": "0",
        "triples": "0",
        "stays": "Sevilla:3",
        "meal_plan": "BB",
        "currency": "EUR",
        "margin_percent": "15",
        **fields,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["arrival", "departure"])
def test_a_travel_date_past_three_years_is_a_field_error(field):
    form = QuotationCreateForm(_create_data(**{field: FAR_DATE}))
    assert not form.is_valid()
    assert form.errors[field] == [_date_message("travel", travel_date_latest(), "three")]


@pytest.mark.django_db
def test_a_travel_date_at_the_horizon_passes_the_field():
    latest = travel_date_latest()
    form = QuotationCreateForm(_create_data(departure=latest.isoformat()))
    form.is_valid()
    assert "departure" not in form.errors


@pytest.mark.django_db
def test_the_create_form_refuses_a_departure_in_the_past():
    form = QuotationCreateForm(_create_data(departure="2020-01-01"))
    assert not form.is_valid()
    assert form.errors["departure"] == ["The date cannot be in the past."]


@pytest.mark.django_db
def test_a_quote_valid_until_past_two_years_is_a_field_error():
    form = SendForm({"valid_until": FAR_DATE})
    assert form.errors["valid_until"] == [_date_message("valid-until", valid_until_latest(), "two")]
    assert SendForm({"valid_until": valid_until_latest().isoformat()}).is_valid()


def _bare_invitation() -> dict:
    return {"active_bid": None, "hotel": {"currency": "EUR"}, "stays": [], "requirements": {"rooms": []}}


@pytest.mark.parametrize(
    ("valid_until", "message"),
    [
        (FAR_DATE, None),
        ("2020-01-01", "The date cannot be in the past."),
    ],
)
def test_bid_rates_valid_until_outside_the_window_are_a_field_error(valid_until, message):
    form = BidForm({"currency": "EUR", "valid_until": valid_until}, invitation=_bare_invitation())
    assert form.errors["valid_until"] == [message or _date_message("valid-until", valid_until_latest(), "two")]


# --- every form field no looser than its column ----------------------------------------------------


def _column(model, name) -> models.Field:
    return model._meta.get_field(name)


TEXT_FIELDS = [
    (QuotationCreateForm.base_fields["group_name"], _column(Quotation, "group_name")),
    (ExtraForm.base_fields["description"], _column(QuotationExtra, "description")),
    (MessageForm.base_fields["body"], _column(RoomMessage, "body")),
    (StaffMessageForm.base_fields["body"], _column(RoomMessage, "body")),
]


@pytest.mark.parametrize(("field", "column"), TEXT_FIELDS, ids=lambda item: getattr(item, "name", ""))
def test_text_fields_are_no_longer_than_their_column(field, column):
    assert field.max_length is not None
    assert field.max_length <= column.max_length


# Free text kept in a TextField or in the audit log's JSON: bounded by the form alone.
UNBOUNDED_COLUMNS = [
    RequestChangesForm.base_fields["message"],
    DeclineQuoteForm.base_fields["reason"],
    DeclineInvitationForm.base_fields["reason"],
    CancelForm.base_fields["reason"],
    BidForm.base_fields["conditions"],
    BidForm.base_fields["notes"],
]


@pytest.mark.parametrize("field", UNBOUNDED_COLUMNS)
def test_free_text_for_text_columns_has_a_bound(field):
    assert field.max_length is not None
    assert field.max_length <= 2000


def test_the_itinerary_fits_the_stay_table():
    assert 30 * (100 + len(": 365: HB, ")) == ITINERARY_MAX_LENGTH
    assert _column(QuotationStay, "city").max_length == 100


def test_every_stay_row_fits_the_stay_table():
    form = QuotationCreateForm()
    rows = [name for name in form.fields if name.startswith("stay_")]
    assert len(rows) == 3 * 6
    for number in range(1, 7):
        assert form.fields[f"stay_{number}_city"].max_length == _column(QuotationStay, "city").max_length
        assert (form.fields[f"stay_{number}_nights"].min_value, form.fields[f"stay_{number}_nights"].max_value) == (
            1,
            365,
        )
        assert [value for value, _label in form.fields[f"stay_{number}_meal_plan"].choices] == [
            "",
            *[value for value, _label in _column(QuotationStay, "meal_plan").choices],
        ]


def _decimal_fits(field: forms.DecimalField, column: models.DecimalField) -> bool:
    whole_digits = column.max_digits - column.decimal_places
    return (
        field.decimal_places is not None
        and field.decimal_places <= column.decimal_places
        and field.max_digits is not None
        and field.max_digits - field.decimal_places <= whole_digits
    )


def _bid_form_with_one_cell() -> BidForm:
    invitation = {
        **_bare_invitation(),
        "stays": [{"id": 1, "city": "Sevilla", "nights": 3}],
        "requirements": {"rooms": [{"room_type": "double", "count": 9}]},
    }
    return BidForm(invitation=invitation)


def test_decimal_fields_fit_their_columns():
    price = PriceForm(comparison=[], show_margin=True)
    assert _decimal_fits(QuotationCreateForm.base_fields["margin_percent"], _column(Quotation, "margin_percent"))
    assert _decimal_fits(price.fields["margin_percent"], _column(Quotation, "margin_percent"))
    assert _decimal_fits(ExtraForm.base_fields["amount_per_person"], _column(QuotationExtra, "amount_per_person"))
    assert _decimal_fits(_bid_form_with_one_cell().fields["rate_1_double"], _column(HotelBidLine, "nightly_rate"))


INTEGER_MAX = 2147483647  # PositiveIntegerField on every backend


def test_integer_fields_stay_within_their_columns():
    form = QuotationCreateForm()
    for name in ("pax", "singles", "doubles", "twins", "triples"):
        assert form.fields[name].max_value is not None
        assert form.fields[name].max_value <= INTEGER_MAX
    rooms = _bid_form_with_one_cell().fields["rooms_1_double"]
    assert (rooms.min_value, rooms.max_value) == (1, 9)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e309", "0.001", "1000000", "-0.01"])
def test_a_bid_rate_that_is_not_a_price_is_a_field_error(value):
    form = BidForm(
        {"currency": "EUR", "valid_until": timezone.localdate().isoformat(), "rate_1_double": value},
        invitation=_bid_form_with_one_cell().invitation,
    )
    assert not form.is_valid()
    assert "rate_1_double" in form.errors


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e309", "100.001", "101", "-1"])
def test_a_margin_that_is_not_a_percentage_is_a_field_error(value):
    form = PriceForm({"margin_percent": value}, comparison=[], show_margin=True)
    assert not form.is_valid()
    assert list(form.errors) == ["margin_percent"]


@pytest.mark.parametrize("value", ["NaN", "1e309", str(2**63), "-1", "0.001"])
def test_an_extra_amount_that_is_not_money_is_a_field_error(value):
    form = ExtraForm({"kind": "guide", "description": "Guía", "amount_per_person": value})
    assert not form.is_valid()
    assert list(form.errors) == ["amount_per_person"]


def test_an_extra_amount_above_the_column_is_a_field_error():
    form = ExtraForm({"kind": "guide", "description": "Guía", "amount_per_person": "100000000"})
    assert not form.is_valid()
    assert list(form.errors) == ["amount_per_person"]
    assert ExtraForm({"kind": "guide", "description": "Guía", "amount_per_person": Decimal("99.50")}).is_valid()


@pytest.mark.django_db
@pytest.mark.parametrize("pk", [str(2**63), str(-(2**63) - 1), "9" * 30])
def test_a_hotel_number_no_row_could_have_is_an_invalid_choice(pk):
    quotation = quotation_make()
    form = InviteHotelsForm({"hotels": [pk], "bid_deadline": _deadline_text(timezone.now())}, quotation=quotation)
    assert not form.is_valid()
    assert form.errors["hotels"] == [f"Select a valid choice. {pk} is not one of the available choices."]
