"""An itinerary's cities in the hotels' spelling, and a meal plan per stay."""

import datetime
import re
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from notifications.models import EmailMessage
from quotations.cities import city_canonical, city_key, hotel_city_list
from quotations.errors import QuotationError
from quotations.factories import ClientFactory, HotelFactory, bid_lines_full
from quotations.models import MealPlan, Quotation, QuotationLog, QuotationStay, ReferenceCounter
from quotations.privacy import present_invitation_for_hotel, viewer_for
from quotations.selectors import hotel_list_invitable
from quotations.services import (
    RoomMix,
    StayInput,
    bid_submit,
    quotation_close_bidding,
    quotation_create,
    quotation_invite_hotels,
    quotation_price,
    quotation_send,
)

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


@pytest.mark.django_db
def test_a_hotel_spelled_without_the_accent_is_invited_bids_and_reads_its_nights():
    # given hotels in "Córdoba", as most spell it, and one written "cordoba "
    HotelFactory(city="Córdoba")
    HotelFactory(city="Córdoba")
    member = HotelUserFactory()
    plain = HotelFactory(name="Hotel Sin Tilde", city="cordoba ", members=[member])
    quotation = _create([StayInput(city="CORDOBA", nights=2)])
    staff = quotation.owner
    assert list(quotation.stays.values_list("city", flat=True)) == ["Córdoba"]

    # when staff invite every hotel the page offers, and the plain-spelled one bids
    offered = list(hotel_list_invitable(quotation=quotation))
    invited = quotation_invite_hotels(
        quotation=quotation, hotels=offered, by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=5)
    )
    invitation = next(invitation for invitation in invited if invitation.hotel == plain)
    bid = bid_submit(
        invitation=invitation,
        lines=bid_lines_full(quotation=quotation, hotel=plain, rates={"double": "90.00"}),
        currency=plain.currency,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        conditions="",
        by=member,
    )

    # then it was offered, invited, its bid covers the stay, and its requirements name its nights
    assert plain in offered and len(offered) == 3
    assert [line.stay.city for line in bid.lines.all()] == ["Córdoba"]
    requirements = present_invitation_for_hotel(invitation=invitation, viewer=viewer_for(member), now=timezone.now())
    assert [stay.city for stay in requirements.stays] == ["Córdoba"]


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


# --- each stay's meal plan where the trip is shown ----------------------------------------------

STAY_ROW = re.compile(
    r"<tr>\s*<td[^>]*>(?P<city>[^<]*)</td>(?:(?!</tr>).)*?"
    r'<td data-meal-plan="(?P<code>\w+)"[^>]*>(?P<label>[^<]*)</td>',
    re.S,
)


def _rows(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 200
    return [(m["city"], m["code"], m["label"]) for m in STAY_ROW.finditer(response.content.decode())]


def _http(user, language="en") -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return http


@pytest.fixture
def andalucia(db):
    """Sevilla 2 nights half board, Granada 1 night with the quotation's bed and breakfast; bid, priced, sent."""
    staff = StaffFactory(language="en")
    contact = ClientContactFactory(language="en")
    seville_member, granada_member = HotelUserFactory(language="en"), HotelUserFactory(language="es")
    seville = HotelFactory(city="Sevilla", members=[seville_member])
    granada = HotelFactory(city="Granada", members=[granada_member])
    quotation = quotation_create(
        client=ClientFactory(contacts=[contact]),
        owner=staff,
        group_name="Andalucía 2027",
        arrival=ARRIVAL,
        departure=ARRIVAL + datetime.timedelta(days=3),
        pax=10,
        rooms=RoomMix(doubles=5),
        stays=[StayInput(city="sevilla", nights=2, meal_plan=MealPlan.HALF_BOARD), StayInput(city="GRANADA", nights=1)],
        meal_plan=MealPlan.BED_AND_BREAKFAST,
        by=staff,
    )
    invitations = quotation_invite_hotels(
        quotation=quotation,
        hotels=[seville, granada],
        by=staff,
        bid_deadline=timezone.now() + datetime.timedelta(days=3),
    )
    for invitation, member in zip(invitations, (seville_member, granada_member), strict=True):
        bid_submit(
            invitation=invitation,
            lines=bid_lines_full(quotation=quotation, hotel=invitation.hotel, rates={"double": "100"}),
            currency="EUR",
            valid_until=timezone.localdate() + datetime.timedelta(days=30),
            by=member,
        )
    quotation_close_bidding(quotation=quotation, by=staff)
    quotation_price(quotation=quotation, by=staff)
    quotation_send(quotation=quotation, valid_until=timezone.localdate() + datetime.timedelta(days=14), by=staff)
    return SimpleNamespace(
        quotation=quotation,
        staff=staff,
        contact=contact,
        members={"Sevilla": seville_member, "Granada": granada_member},
        invitations={invitation.hotel.city: invitation for invitation in invitations},
    )


def test_the_staff_page_shows_each_stays_meal_plan_and_both_plans_with_their_cities(andalucia):
    page = _http(andalucia.staff).get(reverse("staff:quotation", kwargs={"pk": andalucia.quotation.pk}))
    assert _rows(page) == [("Sevilla", "HB", "Half board"), ("Granada", "BB", "Bed and breakfast")]
    assert "Half board (Sevilla); Bed and breakfast (Granada)" in page.content.decode()


def test_the_client_page_shows_each_stays_meal_plan(andalucia):
    page = _http(andalucia.contact).get(reverse("client:quotation", kwargs={"pk": andalucia.quotation.pk}))
    assert _rows(page) == [("Sevilla", "HB", "Half board"), ("Granada", "BB", "Bed and breakfast")]
    assert "Accommodation, Half board (Sevilla); Bed and breakfast (Granada)" in page.content.decode()


@pytest.mark.parametrize(
    ("city", "language", "row", "requirement"),
    [
        ("Sevilla", "en", ("Sevilla", "HB", "Half board"), "Half board"),
        ("Granada", "es", ("Granada", "BB", "Alojamiento y desayuno"), "Alojamiento y desayuno"),
    ],
)
def test_a_hotel_sees_the_meal_plan_of_its_own_nights_only(andalucia, city, language, row, requirement):
    http = _http(andalucia.members[city], language)
    page = http.get(reverse("portal:invitation", kwargs={"token": andalucia.invitations[city].token}))
    html = page.content.decode()
    assert _rows(page) == [row]
    requirements = html[html.index('data-testid="requirements"') : html.index('data-testid="stays"')]
    plans = re.findall(
        r'<dt class="col-sm-5">(?:Meal plan|Régimen)</dt>\s*<dd class="col-sm-7">([^<]*)</dd>', requirements
    )
    assert plans == [requirement]
    other = {"Sevilla": "Granada", "Granada": "Sevilla"}[city]
    assert other not in html


def test_the_invitation_email_names_the_meal_plan_of_the_hotels_own_nights(andalucia):
    emails = {
        email.to_email: email for email in EmailMessage.objects.filter(template="hotel_invitation").order_by("pk")
    }
    seville = emails[andalucia.invitations["Sevilla"].hotel.email]
    granada = emails[andalucia.invitations["Granada"].hotel.email]
    assert "Meal plan: Half board\n" in seville.body_text
    assert "Régimen: Alojamiento y desayuno\n" in granada.body_text
    assert "Half board</td>" in seville.body_html
    assert [(stay["nights"], stay["meal_plan"]) for stay in seville.context["stays"]] == [(2, "Half board")]


# --- the create page: rows with suggestions and a meal plan each, or the text ---------------------


def _create_post(http, **fields):
    data = {
        "client": ClientFactory().pk,
        "group_name": "Andalucía 2027",
        "arrival": ARRIVAL.isoformat(),
        "departure": (ARRIVAL + datetime.timedelta(days=3)).isoformat(),
        "pax": "10",
        "singles": "0",
        "doubles": "5",
        "twins": "0",
        "triples": "0",
        "meal_plan": "BB",
        "currency": "EUR",
        "margin_percent": "15",
        **fields,
    }
    return http.post(reverse("staff:quotation_create"), data)


def _nothing_written():
    return (Quotation.objects.count(), QuotationStay.objects.count(), QuotationLog.objects.count()) == (0, 0, 0)


@pytest.fixture
def staff_http(db):
    HotelFactory(city="Sevilla")
    HotelFactory(city="Granada")
    HotelFactory(city="Córdoba")
    HotelFactory(city="Ávila", is_active=False)
    return _http(StaffFactory(language="en"))


def test_the_create_page_suggests_the_active_hotels_cities_in_six_rows(staff_http):
    page = staff_http.get(reverse("staff:quotation_create"))
    html = page.content.decode()
    assert page.status_code == 200
    datalist = re.search(r'<datalist id="hotel-cities">(.*?)</datalist>', html, re.S)[1]
    assert re.findall(r'<option value="([^"]*)">', datalist) == ["Córdoba", "Granada", "Sevilla"]
    assert html.count('data-testid="stay-row"') == 6
    assert html.count('list="hotel-cities"') == 6
    assert re.findall(r'<option value="([A-Z]*)"[^>]*>As the quotation</option>', html) == [""] * 6
    assert "<script>" not in html and " style=" not in html


def test_rows_create_the_stays_with_the_hotels_spelling_and_their_own_meal_plans(staff_http):
    response = _create_post(
        staff_http,
        stay_1_city="sevilla",
        stay_1_nights="2",
        stay_1_meal_plan="HB",
        stay_2_city="GRANADA ",
        stay_2_nights="1",
        stay_3_meal_plan="FB",  # a meal plan on an empty row is no stay
    )
    quotation = Quotation.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("staff:quotation", kwargs={"pk": quotation.pk}),
    )
    assert _stays(quotation) == [("Sevilla", 2, "HB"), ("Granada", 1, "")]


def test_the_typed_itinerary_takes_an_optional_meal_plan_code_per_stay(staff_http):
    response = _create_post(staff_http, stays="córdoba:2:hb, Toledo: 1")
    quotation = Quotation.objects.get()
    assert response.status_code == 302
    assert _stays(quotation) == [("Córdoba", 2, "HB"), ("Toledo", 1, "")]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"stays": "Sevilla:3", "stay_1_city": "Sevilla", "stay_1_nights": "3"},
            "stays",
            "Fill in the rows or type the itinerary, not both.",
        ),
        ({}, "stays", "Every stay needs a city and at least one night."),
        ({"stay_2_city": "Sevilla"}, "stay_2_nights", "Every stay needs a city and at least one night."),
        ({"stay_1_nights": "3"}, "stay_1_city", "Every stay needs a city and at least one night."),
        (
            {"stay_1_city": "Sevilla", "stay_1_nights": "3", "stay_1_meal_plan": "XX"},
            "stay_1_meal_plan",
            "Select a valid choice. XX is not one of the available choices.",
        ),
        (
            {"stay_1_city": "Sevilla", "stay_1_nights": "0"},
            "stay_1_nights",
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            {"stays": "Sevilla:3:XX"},
            "stays",
            "“XX” is not a meal plan code (in “Sevilla:3:XX”): write RO, BB, HB, FB or AI.",
        ),
        (
            {"stay_1_city": "Sevilla", "stay_1_nights": "2"},
            "stays",
            "The stays add up to 2 nights but the trip has 3.",
        ),
        (
            {"stay_1_city": "S" * 101, "stay_1_nights": "3"},
            "stay_1_city",
            "Ensure this value has at most 100 characters (it has 101).",
        ),
    ],
    ids=[
        "both",
        "neither",
        "no nights",
        "no city",
        "unknown plan",
        "zero nights",
        "unknown code",
        "nights short",
        "long city",
    ],
)
def test_a_bad_itinerary_is_shown_on_its_field_and_writes_nothing(staff_http, fields, field, message):
    response = _create_post(staff_http, **fields)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message.replace("“", "&ldquo;") in response.content.decode() or message in response.content.decode()
    assert _nothing_written()
    assert EmailMessage.objects.count() == 0


# --- the demo --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_has_a_trip_with_breakfast_only_in_madrid(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    trip = Quotation.objects.get(group_name="Tierra de santos: Madrid, Granada y Sevilla")
    assert (trip.meal_plan, _stays(trip)) == (
        "HB",
        [("Madrid", 2, "BB"), ("Granada", 2, ""), ("Sevilla", 3, "")],
    )
    assert QuotationStay.objects.exclude(meal_plan="").count() == 1


@pytest.mark.django_db
def test_a_hotel_with_two_stays_in_its_city_reads_each_stays_meal_plan():
    # given: Madrid at the start with breakfast, Toledo, Madrid again at the end with half board
    madrid = HotelFactory(city="Madrid", members=[HotelUserFactory(language="en")])
    quotation = _create(
        [
            StayInput(city="Madrid", nights=2),
            StayInput(city="Toledo", nights=1),
            StayInput(city="madrid", nights=1, meal_plan=MealPlan.HALF_BOARD),
        ]
    )
    # when: the Madrid hotel is invited
    (invitation,) = quotation_invite_hotels(
        quotation=quotation,
        hotels=[madrid],
        by=quotation.owner,
        bid_deadline=timezone.now() + datetime.timedelta(days=5),
    )
    # then: its email lists both stays with their plans, its portal requirements both plans in order
    email = EmailMessage.objects.get(template="hotel_invitation")
    lines = email.body_text.split("Meal plan:\n", 1)[1].splitlines()[:2]
    assert [line.rsplit(": ", 1)[1] for line in lines] == ["Bed and breakfast", "Half board"]
    assert all(line.startswith("  - ") for line in lines)
    page = _http(madrid.members.get()).get(reverse("portal:invitation", kwargs={"token": invitation.token}))
    assert _rows(page) == [("Madrid", "BB", "Bed and breakfast"), ("Madrid", "HB", "Half board")]
    assert "Bed and breakfast; Half board</dd>" in page.content.decode()
