"""An itinerary's cities in the hotels' spelling, and a meal plan per stay."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from accounts.factories import StaffFactory
from notifications.models import EmailMessage
from quotations.cities import city_canonical, city_key, hotel_city_list
from quotations.errors import QuotationError
from quotations.factories import ClientFactory, HotelFactory
from quotations.models import MealPlan, Quotation, QuotationLog, QuotationStay, ReferenceCounter
from quotations.services import RoomMix, StayInput, quotation_create, quotation_invite_hotels

ARRIVAL = timezone.localdate() + datetime.timedelta(days=45)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _create(stays, meal_plan=MealPlan.BED_AND_BREAKFAST):
    staff = StaffFactory()
    return quotation_create(
        client=ClientFactory(),
        owner=staff,
        group_name="Andalucía 2027",
        arrival=ARRIVAL,
        departure=ARRIVAL + datetime.timedelta(days=sum(stay.nights for stay in stays)),
        pax=10,
        rooms=RoomMix(doubles=5),
        stays=stays,
        meal_plan=meal_plan,
        margin_percent=Decimal("15.00"),
        by=staff,
    )


def _stays(quotation):
    return list(quotation.stays.values_list("city", "nights", "meal_plan"))


# --- the spelling of a city ---------------------------------------------------------------------


def test_city_key_ignores_case_accents_and_extra_spaces():
    assert city_key("  Santiago   de COMPOSTELA ") == "santiago de compostela"
    assert city_key("Córdoba") == city_key("cordoba") == city_key("CÓRDOBA") == "cordoba"
    assert city_key("Logroño") == "logrono"


def test_city_canonical_takes_the_known_spelling_or_keeps_the_typed_one_trimmed():
    known = ["Córdoba", "Sevilla", "Santiago de Compostela"]
    assert city_canonical(city="sevilla", known=known) == "Sevilla"
    assert city_canonical(city=" CORDOBA ", known=known) == "Córdoba"
    assert city_canonical(city="santiago  de compostela", known=known) == "Santiago de Compostela"
    assert city_canonical(city="  ávila de los Caballeros ", known=known) == "ávila de los Caballeros"
    assert city_canonical(city="Sevilla la Nueva", known=known) == "Sevilla la Nueva"


@pytest.mark.django_db
def test_hotel_city_list_has_each_active_hotels_city_once_in_the_spelling_most_hotels_use():
    HotelFactory(city="Sevilla")
    HotelFactory(city="Sevilla")
    HotelFactory(city="sevilla ")
    HotelFactory(city="Córdoba")
    HotelFactory(city="Granada")
    HotelFactory(city="Ávila", is_active=False)
    assert hotel_city_list() == ["Córdoba", "Granada", "Sevilla"]


@pytest.mark.django_db
def test_hotel_city_list_breaks_a_tie_between_spellings_the_same_way_every_time():
    HotelFactory(city="Cordoba")
    HotelFactory(city="Córdoba")
    assert hotel_city_list() == ["Cordoba"]


@pytest.mark.django_db
def test_create_stores_the_hotels_spelling_of_a_known_city_and_an_unknown_city_as_typed():
    HotelFactory(city="Sevilla")
    HotelFactory(city="Córdoba")
    quotation = _create(
        [
            StayInput(city="sevilla", nights=2),
            StayInput(city=" CORDOBA", nights=1),
            StayInput(city="  Toledo ", nights=1),
            StayInput(city="vitoria-Gasteiz", nights=1),
        ]
    )
    assert [city for city, _nights, _plan in _stays(quotation)] == ["Sevilla", "Córdoba", "Toledo", "vitoria-Gasteiz"]


@pytest.mark.django_db
def test_hotels_of_a_city_typed_in_lower_case_can_be_invited():
    seville = HotelFactory(city="Sevilla")
    quotation = _create([StayInput(city="sevilla", nights=3)])
    staff = quotation.owner
    invited = quotation_invite_hotels(
        quotation=quotation, hotels=[seville], by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=5)
    )
    assert [invitation.hotel for invitation in invited] == [seville]
    assert EmailMessage.objects.filter(template="hotel_invitation").count() == 1


# --- a meal plan per stay -----------------------------------------------------------------------


@pytest.mark.django_db
def test_create_stores_each_stays_own_meal_plan_and_leaves_the_quotations_blank():
    quotation = _create(
        [
            StayInput(city="Sevilla", nights=2, meal_plan=MealPlan.HALF_BOARD),
            StayInput(city="Granada", nights=1),
            StayInput(city="Córdoba", nights=1, meal_plan=MealPlan.BED_AND_BREAKFAST),
        ],
        meal_plan=MealPlan.BED_AND_BREAKFAST,
    )
    assert _stays(quotation) == [("Sevilla", 2, "HB"), ("Granada", 1, ""), ("Córdoba", 1, "")]
    assert quotation.meal_plan == "BB"


@pytest.mark.django_db
@pytest.mark.parametrize("meal_plan", ["XX", "hb", None, "Half board"])
def test_a_stay_meal_plan_not_in_the_list_is_refused_and_writes_nothing(meal_plan):
    with pytest.raises(QuotationError) as refused:
        _create([StayInput(city="Sevilla", nights=2, meal_plan=meal_plan)])
    assert (refused.value.field, refused.value.message) == ("stays", "Choose each stay's meal plan from the list.")
    assert (Quotation.objects.count(), QuotationStay.objects.count(), QuotationLog.objects.count()) == (0, 0, 0)
    assert (ReferenceCounter.objects.count(), EmailMessage.objects.count()) == (0, 0)
