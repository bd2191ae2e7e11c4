"""A new quotation in a real browser: the hotels' cities suggested, a meal plan per stay.

Both languages, desktop and phone width, under the Content-Security-Policy;
the datalist and the rows need no script. Screenshots go to test-artifacts/e2e/.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.factories import StaffFactory
from quotations.factories import ClientFactory, HotelFactory
from quotations.models import Quotation
from quotations.tests.browser import csp_violations, login, shot

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
TEXTS = {
    "en": {"legend": "Itinerary", "plans": ("Half board", "Bed and breakfast"), "default": "As the quotation"},
    "es": {
        "legend": "Itinerario",
        "plans": ("Media pensión", "Alojamiento y desayuno"),
        "default": None,  # the Spanish catalogue is merged later; the value is what matters
    },
}


def _overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", list(TEXTS))
def test_staff_create_a_quotation_with_suggested_cities_and_a_meal_plan_per_stay(live_server, browser, language, size):
    # given: active hotels in three cities, one inactive, a client, staff who read this language
    for city in ("Sevilla", "Granada", "Córdoba"):
        HotelFactory(city=city)
    HotelFactory(city="Ávila", is_active=False)
    ClientFactory(name="Parroquia de San Gil")
    staff = StaffFactory(language=language)
    arrival = timezone.localdate() + datetime.timedelta(days=90)
    page = login(browser, live_server.url, staff.email)
    page.set_viewport_size(SIZES[size])

    # when: the create page opens
    page.goto(f"{live_server.url}/staff/quotations/new/")

    # then: six rows, each city suggesting the active hotels' cities, each stay "as the quotation"
    itinerary = page.locator("[data-testid=itinerary]")
    assert itinerary.locator("legend").inner_text() == TEXTS[language]["legend"]
    assert page.locator("#hotel-cities option").evaluate_all("options => options.map(o => o.value)") == [
        "Córdoba",
        "Granada",
        "Sevilla",
    ]
    rows = itinerary.locator("[data-testid=stay-row]")
    assert rows.count() == 6
    assert rows.nth(0).locator("input[name=stay_1_city]").get_attribute("list") == "hotel-cities"
    assert rows.nth(0).locator("select[name=stay_1_meal_plan]").input_value() == ""
    if TEXTS[language]["default"]:
        assert rows.nth(0).locator("select[name=stay_1_meal_plan] option:checked").inner_text() == "As the quotation"
    assert not _overflows(page)

    # when: staff fill in two stays in lower case, the first with its own meal plan, and create
    form = page.locator("[data-testid=quotation-create-form]")
    form.locator("select[name=client]").select_option(label="Parroquia de San Gil")
    form.locator("input[name=group_name]").fill("Peregrinación a Andalucía")
    form.locator("input[name=arrival]").fill(arrival.isoformat())
    form.locator("input[name=departure]").fill((arrival + datetime.timedelta(days=3)).isoformat())
    form.locator("input[name=pax]").fill("20")
    form.locator("input[name=doubles]").fill("10")
    form.locator("input[name=stay_1_city]").fill("sevilla")
    form.locator("input[name=stay_1_nights]").fill("2")
    form.locator("select[name=stay_1_meal_plan]").select_option("HB")
    form.locator("input[name=stay_2_city]").fill("granada")
    form.locator("input[name=stay_2_nights]").fill("1")
    shot(page, f"create-itinerary-{language}-{size}")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/staff/quotations/*/")

    # then: the stays in the hotels' spelling, each with its meal plan, on the quotation page too
    quotation = Quotation.objects.get()
    assert list(quotation.stays.values_list("city", "nights", "meal_plan")) == [
        ("Sevilla", 2, "HB"),
        ("Granada", 1, ""),
    ]
    cells = page.locator("td[data-meal-plan]")
    assert cells.evaluate_all("cells => cells.map(c => [c.dataset.mealPlan, c.innerText.trim()])") == [
        ["HB", TEXTS[language]["plans"][0]],
        ["BB", TEXTS[language]["plans"][1]],
    ]
    assert not _overflows(page)
    shot(page, f"create-itinerary-created-{language}-{size}")
    assert csp_violations(browser) == []
