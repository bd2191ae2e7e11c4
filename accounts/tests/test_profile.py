"""The profile page and the password change, for every role, linked from everyone's navigation."""

import html

import pytest
from django.test import Client as HttpClient
from django.utils import translation
from django.utils.translation import gettext

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from accounts.models import Language, User

PASSWORD = "correct horse battery"  # the factories' password
FACTORIES = {"staff": StaffFactory, "client": ClientContactFactory, "hotel": HotelUserFactory}
HOMES = {"staff": "/staff/", "client": "/client/", "hotel": "/portal/"}

pytestmark = pytest.mark.django_db


def _http(user, language="en") -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE=language)
    http.force_login(user)
    return http


def _details(user: User) -> tuple:
    user.refresh_from_db()
    return user.full_name, user.phone, user.language, user.email, user.role


@pytest.mark.parametrize("role", list(FACTORIES))
def test_every_role_has_the_profile_in_its_navigation(role):
    user = FACTORIES[role](full_name="Marta Ejemplo", phone="+34600111222")
    http = _http(user)

    home = http.get(HOMES[role]).content.decode()
    page = http.get("/accounts/profile/")

    assert '<a class="nav-link" href="/accounts/profile/">Your account</a>' in home
    body = page.content.decode()
    assert page.status_code == 200
    assert '<a class="nav-link active" href="/accounts/profile/" aria-current="page">Your account</a>' in body
    assert 'value="Marta Ejemplo"' in body and 'value="+34600111222"' in body
    assert f'<dd class="col-sm-8 text-break" data-testid="account-email">{user.email}</dd>' in body
    assert 'href="/accounts/password/"' in body


def test_anonymous_is_sent_to_the_login_page():
    anonymous = HttpClient()

    assert anonymous.get("/accounts/profile/")["Location"] == "/accounts/login/?next=/accounts/profile/"
    assert anonymous.get("/accounts/password/")["Location"] == "/accounts/login/?next=/accounts/password/"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("+34 600-111 222", "+34600111222"), ("0034 (600) 111.222", "+34600111222"), ("", None)],
)
def test_saving_the_profile_stores_the_name_an_e164_phone_and_the_language(typed, stored):
    # given a hotel user reading in English
    user = HotelUserFactory(full_name="Old Name", language=Language.ENGLISH, phone="+34911222333")
    http = _http(user)

    # when they save new details, Spanish among them
    response = http.post("/accounts/profile/", {"full_name": "  Marta   Ejemplo ", "phone": typed, "language": "es"})

    # then they are stored, the role and email untouched, and the next page is in Spanish
    assert (response.status_code, response["Location"]) == (302, "/accounts/profile/")
    assert response.cookies["django_language"].value == "es"
    assert _details(user) == ("Marta Ejemplo", stored, "es", user.email, "hotel")
    page = http.get("/accounts/profile/")
    assert page["Content-Language"] == "es"
    with translation.override("es"):
        assert html.escape(gettext("Your details are saved.")) in page.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"full_name": "", "phone": "", "language": "es"}, "full_name", "This field is required."),
        (
            {"full_name": "Marta", "phone": "600111222", "language": "es"},
            "phone",
            "Enter the phone number in international format, for example +34600111222.",
        ),
        (
            {"full_name": "Marta", "phone": "+34 699 000 111", "language": "es"},
            "phone",
            "Another account already uses this phone number.",
        ),
        (
            {"full_name": "Marta", "phone": "", "language": "fr"},
            "language",
            "Select a valid choice. fr is not one of the available choices.",
        ),
    ],
)
def test_a_wrong_profile_is_refused_with_the_fields_error_and_changes_nothing(data, field, message):
    ClientContactFactory(phone="+34699000111")
    user = StaffFactory(full_name="Lucía Comercial", phone="+34600111222", language=Language.ENGLISH)
    before = _details(user)
    http = _http(user)

    response = http.post("/accounts/profile/", data)

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert "django_language" not in response.cookies
    assert _details(user) == before
    # the navigation bar still shows the stored name, not the refused one
    assert f'<span class="navbar-text" title="{user.email}">Lucía Comercial</span>' in response.content.decode()


def test_keeping_ones_own_phone_is_not_a_clash():
    user = ClientContactFactory(full_name="Marta", phone="+34600111222", language=Language.SPANISH)

    response = _http(user).post("/accounts/profile/", {"full_name": "Marta", "phone": "+34600111222", "language": "es"})

    assert response.status_code == 302
    assert _details(user)[:3] == ("Marta", "+34600111222", "es")


def test_changing_the_password_keeps_the_session_and_needs_the_old_one():
    user = ClientContactFactory()
    http = _http(user)

    wrong = http.post(
        "/accounts/password/",
        {"old_password": "not it", "new_password1": "a-new-secret-2027", "new_password2": "a-new-secret-2027"},
    )
    right = http.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "a-new-secret-2027", "new_password2": "a-new-secret-2027"},
    )

    assert wrong.status_code == 200
    assert list(wrong.context["form"].errors) == ["old_password"]
    assert (right.status_code, right["Location"]) == (302, "/accounts/profile/")
    user.refresh_from_db()
    assert user.check_password("a-new-secret-2027")
    page = http.get("/accounts/profile/")  # still logged in, told so once
    assert page.status_code == 200
    assert "Your password is changed." in page.content.decode()
    assert "Your password is changed." not in http.get("/accounts/profile/").content.decode()


def test_the_password_change_page_is_ours_and_the_admins_stays_the_admins():
    staff = StaffFactory()
    http = _http(staff)

    ours = http.get("/accounts/password/")
    admins = http.get("/admin/password_change/")

    assert [t.name for t in ours.templates][:2] == ["accounts/password_change.html", "base.html"]
    assert admins.templates[0].name == "registration/password_change_form.html"
    assert "admin/base_site.html" in [t.name for t in admins.templates]
