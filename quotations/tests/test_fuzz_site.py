"""Hostile input on the site's own POST endpoints and the admin: login, logout, language, admin forms.

Also: every POST endpoint of the staff workspace, the portal and the client pages
is fuzzed by one of the test_fuzz_* modules, so a new endpoint cannot be forgotten.
"""

from urllib.parse import urlsplit

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import URLPattern, reverse
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from quotations import urls as quotation_urls
from quotations.factories import ClientFactory, HotelFactory, quotation_make
from quotations.models import Client, Hotel, Quotation
from quotations.tests import test_fuzz_client, test_fuzz_portal, test_fuzz_staff
from quotations.tests.fuzzing import (
    FUZZ,
    HUGE,
    ODD_TEXT,
    Ref,
    World,
    admin_form_data,
    db_snapshot,
    form_data,
    junk,
    logged_in,
    resolve,
    rolled_back,
    snapshot_diff,
    submit_and_judge,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # accounts.factories.UserFactory's
PAGES_WITHOUT_A_FORM = {
    "staff:home",
    "staff:quotation",
    "staff:client_preview",
    "portal:home",
    "portal:invitation",
    "client:home",
    "client:quotation",
    "client:quotation_pdf",
}


def _stays_on_the_site(location: str) -> bool:
    """A redirect that leads nowhere but this site (Django's own check gives up on URLs over 2,048 characters)."""
    target = urlsplit(location)
    return target.scheme in ("", "http") and target.netloc in ("", "testserver") and not location.startswith("//")


def test_every_post_endpoint_of_the_quotation_pages_is_fuzzed():
    names = {
        f"{namespace}:{pattern.name}"
        for namespace, patterns in (
            ("staff", quotation_urls.staff_urlpatterns),
            ("portal", quotation_urls.portal_urlpatterns),
            ("client", quotation_urls.client_urlpatterns),
        )
        for pattern in patterns
        if isinstance(pattern, URLPattern)
    }
    fuzzed = test_fuzz_staff.FUZZED | test_fuzz_portal.FUZZED | test_fuzz_client.FUZZED
    assert names - PAGES_WITHOUT_A_FORM == fuzzed


# --- login, logout, language -------------------------------------------------------------------------


@pytest.fixture
def people():
    return World(
        staff=StaffFactory(email="ventas@spirittours.example"),
        contact=ClientContactFactory(email="padre.ignacio@parroquia.example"),
        hotel=HotelUserFactory(email="reservas@hotel.example"),
    )


EMAILS = st.sampled_from(
    ["ventas@spirittours.example", "VENTAS@spirittours.example ", "padre.ignacio@parroquia.example", "nadie@x.example"]
)
NEXTS = st.one_of(
    st.sampled_from(["/staff/", "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]),
    st.sampled_from(ODD_TEXT + HUGE[:1]),
    st.text(max_size=60),
)


@FUZZ
@given(
    username=st.one_of(EMAILS, junk()),
    password=st.one_of(st.just(PASSWORD), junk()),
    next_url=st.one_of(st.just(None), NEXTS),
)
@example(username="ventas@spirittours.example\x00", password=PASSWORD, next_url=None)
def test_fuzz_login(people, username, password, next_url):
    data = {"username": username, "password": password, **({"next": next_url} if next_url is not None else {})}
    outcome = submit_and_judge(http=logged_in(None), send=lambda http: http.post(reverse("login"), data))
    if outcome == "accepted":
        assert password == PASSWORD


@FUZZ
@given(data=form_data({"next": "/"}))
@example(data={"next": "é" * 1100})  # percent-encoded, longer than Django's own redirect check reads
def test_fuzz_logout(people, data):
    response = None

    def send(http):
        nonlocal response
        response = http.post(reverse("logout"), data)
        return response

    submit_and_judge(http=logged_in(people.staff), send=send)
    location = response.get("Location", "")
    assert _stays_on_the_site(location), location


@FUZZ
@given(language=st.one_of(st.sampled_from(["es", "en", "fr", "EN", "es-ES", ""]), junk()), next_url=NEXTS)
def test_fuzz_set_language_stores_only_a_site_language_and_never_leaves_the_site(people, language, next_url):
    http = logged_in(people.contact)
    with rolled_back():
        before = db_snapshot()
        response = http.post(reverse("set_language"), {"language": language, "next": next_url})
        assert response.status_code in (204, 302)
        # a logged-in user's switch to the site's other language is stored; nothing else is written
        stores = language in ("es", "en") and language != people.contact.language
        assert snapshot_diff(before, db_snapshot()) == ({"accounts.User": (3, 3)} if stores else {})
        stored = type(people.contact).objects.get(pk=people.contact.pk).language
        assert stored == (language if stores else people.contact.language)
    location = response.get("Location", "")
    assert _stays_on_the_site(location), location


# --- the admin -------------------------------------------------------------------------------------------


@pytest.fixture
def admin_world():
    director = StaffFactory(staff_level=10, is_superuser=True)
    http = logged_in(director)
    client = ClientFactory(contacts=[ClientContactFactory()])
    hotel = HotelFactory(city="Sevilla", members=[HotelUserFactory()])
    quotation = quotation_make(owner=director, client=client)
    refs = {
        "contact": client.contacts.get().pk,
        "member": hotel.members.get().pk,
        "aurora": hotel.pk,
        "client": client.pk,
        "director": director.pk,
        "quotation": quotation.pk,
        "stay": quotation.stays.get().pk,
        "log": quotation.log.get().pk,
    }
    return World(http=http, client=client, hotel=hotel, quotation=quotation, director=director, refs=refs)


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _admin_post(world, url, data, after_url):
    return submit_and_judge(
        http=world.http, send=lambda http: http.post(url, data), after=lambda http: http.get(after_url)
    )


CLIENT_ADD = {
    "name": "Colegio Santa Ana",
    "kind": "company",
    "country": "ES",
    "language": "es",
    "email": "viajes@santaana.example",
    "phone": "+34600111222",
    "tax_id": "B12345678",
    "notes": "",
}


@FUZZ
@given(data=form_data({**CLIENT_ADD, "contacts": Ref("contact")}, {"contacts": "id"}))
@example(data={**CLIENT_ADD, "contacts": "0.001"})
def test_fuzz_admin_client_add(admin_world, data):
    url = _admin_url(Client, "add")
    _admin_post(admin_world, url, resolve(data, admin_world.refs), _admin_url(Client, "changelist"))


HOTEL_ADD = {
    "name": "Hotel Giralda",
    "city": "Sevilla",
    "country": "ES",
    "stars": "4",
    "email": "ventas@giralda.example",
    "phone": "",
    "currency": "EUR",
    "is_active": "on",
}


@FUZZ
@given(data=form_data({**HOTEL_ADD, "members": Ref("member")}, {"stars": "number", "members": "id"}))
@example(data={**HOTEL_ADD, "members": "0.001"})
@example(data={**HOTEL_ADD, "city": "S" * 101})
@example(data={**HOTEL_ADD, "stars": str(2**15)})
def test_fuzz_admin_hotel_add(admin_world, data):
    url = _admin_url(Hotel, "add")
    _admin_post(admin_world, url, resolve(data, admin_world.refs), _admin_url(Hotel, "changelist"))


def _change_page_data(world, model, pk):
    return admin_form_data(world.http.get(_admin_url(model, "change", pk)))


@pytest.mark.parametrize("model", [Client, Hotel, Quotation])
def test_an_admin_change_page_posted_back_unchanged_is_saved(admin_world, model):
    pk = {Client: admin_world.client, Hotel: admin_world.hotel, Quotation: admin_world.quotation}[model].pk
    url = _admin_url(model, "change", pk)
    response = admin_world.http.post(url, _change_page_data(admin_world, model, pk))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else None


@FUZZ
@given(data=form_data({**CLIENT_ADD, "contacts": Ref("contact"), "_save": "Save"}, {"contacts": "id"}))
@example(data={**CLIENT_ADD, "contacts": "x", "_save": "Save"})
def test_fuzz_admin_client_change(admin_world, data):
    url = _admin_url(Client, "change", admin_world.client.pk)
    _admin_post(admin_world, url, resolve(data, admin_world.refs), url)


@FUZZ
@given(data=form_data({**HOTEL_ADD, "members": Ref("member"), "_save": "Save"}, {"stars": "number", "members": "id"}))
@example(data={**HOTEL_ADD, "members": "x", "_save": "Save"})
@example(data={**HOTEL_ADD, "members": str(2**63), "_save": "Save"})
def test_fuzz_admin_hotel_change(admin_world, data):
    url = _admin_url(Hotel, "change", admin_world.hotel.pk)
    _admin_post(admin_world, url, resolve(data, admin_world.refs), url)


QUOTATION_CHANGE = {
    "client": Ref("client"),
    "owner": Ref("director"),
    "group_name": "Peregrinación a Sevilla",
    "margin_percent": "15.00",
    "free_place_every": "0",
    "notes": "",
    # The inlines are read-only, but their management forms and row ids come back with the form.
    **{f"{inline}-TOTAL_FORMS": count for inline, count in (("stays", "1"), ("log", "1"), ("invitations", "0"))},
    **{f"{inline}-INITIAL_FORMS": count for inline, count in (("stays", "1"), ("log", "1"), ("invitations", "0"))},
    **{f"{inline}-{bound}_NUM_FORMS": "0" for inline in ("stays", "log", "invitations") for bound in ("MIN", "MAX")},
    "stays-0-id": Ref("stay"),
    "stays-0-quotation": Ref("quotation"),
    "log-0-id": Ref("log"),
    "log-0-quotation": Ref("quotation"),
    "_save": "Save",
}
QUOTATION_CHANGE_KINDS = {
    "client": "id",
    "owner": "id",
    "margin_percent": "decimal",
    "free_place_every": "number",
    **{name: "number" for name in QUOTATION_CHANGE if name.endswith("FORMS")},
    **{name: "id" for name in QUOTATION_CHANGE if name.endswith(("-id", "-quotation"))},
}


def test_the_quotation_change_data_is_what_the_page_posts(admin_world):
    posted = resolve(QUOTATION_CHANGE, admin_world.refs)
    assert posted == _change_page_data(admin_world, Quotation, admin_world.quotation.pk)


@FUZZ
@given(data=form_data(QUOTATION_CHANGE, QUOTATION_CHANGE_KINDS))
@example(data={**QUOTATION_CHANGE, "client": "x"})
@example(data={**QUOTATION_CHANGE, "margin_percent": "100.001"})
def test_fuzz_admin_quotation_change(admin_world, data):
    url = _admin_url(Quotation, "change", admin_world.quotation.pk)
    _admin_post(admin_world, url, resolve(data, admin_world.refs), url)


@FUZZ
@given(data=form_data(test_fuzz_staff.CREATE, test_fuzz_staff.CREATE_KINDS))
def test_the_admin_quotation_add_page_only_leads_to_the_staff_page(admin_world, data):
    with rolled_back():
        before = db_snapshot()
        response = admin_world.http.post(_admin_url(Quotation, "add"), {**data, "client": admin_world.client.pk})
        assert (response.status_code, response["Location"]) == (302, reverse("staff:quotation_create"))
        assert snapshot_diff(before, db_snapshot()) == {}


@FUZZ
@given(data=form_data(test_fuzz_staff.INVITE, {"hotels": "id", "bid_deadline": "datetime"}))
@example(data={**test_fuzz_staff.INVITE, "bid_deadline": "9999-12-30T10:00"})
def test_fuzz_admin_invite_hotels_action(admin_world, data):
    posted = {
        "action": "invite_hotels",
        "_selected_action": str(admin_world.quotation.pk),
        "post": "yes",
        **resolve(data, admin_world.refs),
    }
    changelist = _admin_url(Quotation, "changelist")
    _admin_post(admin_world, changelist, posted, _admin_url(Quotation, "change", admin_world.quotation.pk))


@pytest.mark.parametrize("model", [Client, Hotel, Quotation])
@pytest.mark.parametrize("query", ["\x00", "a\x00b", "x" * 5000, "%", "\\"])
def test_an_admin_search_for_any_text_answers(admin_world, model, query):
    response = admin_world.http.get(_admin_url(model, "changelist"), {"q": query})
    assert response.status_code == 200


def test_the_admin_models_fuzzed_here_are_registered():
    assert {Client, Hotel, Quotation} <= set(admin_site._registry)


@pytest.mark.parametrize(
    ("model", "data"),
    [(Client, {**CLIENT_ADD, "contacts": Ref("contact")}), (Hotel, {**HOTEL_ADD, "members": Ref("member")})],
)
def test_the_admin_additions_the_fuzz_starts_from_are_accepted(admin_world, model, data):
    url = _admin_url(model, "add")
    outcome = submit_and_judge(http=admin_world.http, send=lambda http: http.post(url, resolve(data, admin_world.refs)))
    assert outcome == "accepted"


def test_the_admin_invitation_the_fuzz_starts_from_is_accepted(admin_world):
    posted = {
        "action": "invite_hotels",
        "_selected_action": str(admin_world.quotation.pk),
        "post": "yes",
        **resolve(test_fuzz_staff.INVITE, admin_world.refs),
    }
    url = _admin_url(Quotation, "changelist")
    assert submit_and_judge(http=admin_world.http, send=lambda http: http.post(url, posted)) == "accepted"


def test_a_right_password_logs_in(people):
    data = {"username": people.staff.email, "password": PASSWORD}
    assert submit_and_judge(http=logged_in(None), send=lambda http: http.post(reverse("login"), data)) == "accepted"
