"""The preferred language: a login opens the site in it, the switcher stores a new one."""

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from accounts.factories import ClientContactFactory, StaffFactory, UserFactory
from accounts.models import Language, User

PASSWORD = "correct horse battery"  # the factories' password
COOKIE = settings.LANGUAGE_COOKIE_NAME

pytestmark = pytest.mark.django_db


def _login(http, user, url="/accounts/login/", **extra):
    return http.post(url, {"username": user.email, "password": PASSWORD}, **extra)


def test_a_login_opens_the_site_in_the_users_language_whatever_the_browser_asks_for():
    # given a client contact who prefers Spanish, in an English browser
    contact = ClientContactFactory(language=Language.SPANISH)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")

    # when they log in and open their page
    response = _login(http, contact)
    page = http.get("/client/")

    # then the cookie says Spanish and the page is in Spanish
    assert (response.status_code, response["Location"]) == (302, "/")
    assert response.cookies[COOKIE].value == "es"
    assert response.cookies[COOKIE]["max-age"] == 365 * 24 * 60 * 60  # survives a browser restart, like the session
    assert page["Content-Language"] == "es"
    assert "Sus cotizaciones" in page.content.decode()


def test_a_login_replaces_the_language_chosen_before_logging_in():
    staff = StaffFactory(language=Language.ENGLISH)
    http = HttpClient()
    http.cookies[COOKIE] = "es"

    response = _login(http, staff)

    assert response.cookies[COOKIE].value == "en"
    assert http.get("/staff/")["Content-Language"] == "en"


def test_the_admin_login_sets_the_language_too():
    staff = StaffFactory(language=Language.ENGLISH)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="es")

    response = _login(http, staff, url="/admin/login/?next=/admin/")

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert response.cookies[COOKIE].value == "en"


def test_a_failed_login_sets_no_language():
    contact = ClientContactFactory(language=Language.ENGLISH)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="es")

    response = http.post("/accounts/login/", {"username": contact.email, "password": "wrong"})

    assert response.status_code == 200
    assert COOKIE not in response.cookies
    assert response["Content-Language"] == "es"


def test_switching_language_when_logged_in_stores_it_for_the_next_login():
    # given a Spanish-preferring contact, logged in
    contact = ClientContactFactory(language=Language.SPANISH)
    http = HttpClient()
    _login(http, contact)

    # when they switch to English on their page
    response = http.post("/i18n/setlang/", {"language": "en", "next": "/client/"})

    # then the page is English now, the preference is stored, and the next login opens in English
    assert (response.status_code, response["Location"]) == (302, "/client/")
    assert response.cookies[COOKIE].value == "en"
    contact.refresh_from_db()
    assert contact.language == "en"
    fresh = HttpClient(HTTP_ACCEPT_LANGUAGE="es")
    assert _login(fresh, contact).cookies[COOKIE].value == "en"
    assert "Your quotes" in fresh.get("/client/").content.decode()


def test_switching_language_anonymously_changes_no_account():
    users = [UserFactory(language=Language.SPANISH), UserFactory(language=Language.ENGLISH)]

    response = HttpClient().post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert response.cookies[COOKIE].value == "en"
    assert list(User.objects.order_by("pk").values_list("language", flat=True)) == [u.language for u in users]


@pytest.mark.parametrize("language", ["fr", "xx", ""])
def test_a_language_the_site_does_not_have_is_not_stored(language):
    contact = ClientContactFactory(language=Language.SPANISH)
    http = HttpClient()
    http.force_login(contact)

    response = http.post("/i18n/setlang/", {"language": language, "next": "/client/"})

    assert (response.status_code, response["Location"]) == (302, "/client/")
    contact.refresh_from_db()
    assert contact.language == "es"


def test_a_get_or_a_post_without_csrf_token_stores_nothing():
    contact = ClientContactFactory(language=Language.SPANISH)
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(contact)

    got = http.get("/i18n/setlang/", {"language": "en", "next": "/client/"})
    forged = http.post("/i18n/setlang/", {"language": "en", "next": "/client/"})

    assert (got.status_code, got["Location"]) == (302, "/client/")
    assert COOKIE not in got.cookies
    assert forged.status_code == 403
    contact.refresh_from_db()
    assert contact.language == "es"
