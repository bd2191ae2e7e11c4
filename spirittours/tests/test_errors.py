"""The error pages (DEBUG=False): 403, 404 and 500 in the site's layout, in the visitor's language.

A page of another role and a URL that does not exist answer the same 404 page, which says
who is logged in and offers to switch account; the 500 page needs neither the request's
context nor the database. This module is also the URLconf of the tests that need a view
that fails: the project's URLs plus two pages that raise.
"""

import html
import itertools
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client as HttpClient
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext

from spirittours.urls import handler500
from spirittours.urls import urlpatterns as project_urlpatterns

__all__ = ["handler500", "urlpatterns"]


def _forbidden(request):
    raise PermissionDenied("written for the log only")


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/broken/", _broken),
    *project_urlpatterns,
]

SEQUENCE = itertools.count()
ROLES = ["staff", "client", "hotel"]
# A page of each role, opened by a user of another role.
OTHER_ROLES_PAGE = {"staff": "/portal/", "client": "/staff/", "hotel": "/client/quotations/1/"}
UNKNOWN = "/no-such-page/7/"
LANGUAGES = ["es", "en"]
FORM = re.compile(r"<form\b")


def _user(role: str, **fields):
    if role == "staff":
        fields.setdefault("staff_level", 5)
    return get_user_model().objects.create_user(
        email=f"{role}{next(SEQUENCE)}@errors.example", password="correct horse battery", role=role, **fields
    )


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def _http(language: str, user=None, **kwargs) -> HttpClient:
    http = HttpClient(**kwargs)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        http.force_login(user)
    return http


def _in(language: str, message: str) -> str:
    with translation.override(language):
        return html.escape(gettext(message))


def _assert_page_in(body: str, response, language: str) -> None:
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in body
    # a string of the layout already in the catalogue: the page really is in that language
    assert {"es": "Saltar al contenido principal", "en": "Skip to main content"}[language] in body


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", ["another role's page", "unknown URL"])
def test_a_page_of_another_role_or_an_unknown_url_is_the_branded_404(role, language, where):
    # given a logged-in user of this role
    user = _user(role, full_name="Marta Ejemplo")
    url = OTHER_ROLES_PAGE[role] if where == "another role's page" else UNKNOWN

    # when they open the page
    response = _http(language, user).get(url)

    # then the site's 404 page, saying who is logged in, with a way to switch account and go home
    body = response.content.decode()
    assert response.status_code == 404
    assert [t.name for t in response.templates][:1] == ["404.html"]
    _assert_page_in(body, response, language)
    assert 'data-testid="error-page" data-status="404"' in body
    assert f'<h1 class="h3">{_in(language, "Page not found")}</h1>' in body
    with translation.override(language):
        signed_in = gettext("You are signed in as %(name)s (%(email)s).") % {
            "name": "Marta Ejemplo",
            "email": user.email,
        }
    assert html.escape(signed_in) in body
    assert f'<input type="hidden" name="next" value="/accounts/login/?next={url}">' in body
    assert f">{_in(language, 'Switch account')}</button>" in body
    assert f'href="/" data-testid="error-home">{_in(language, "Go to your home page")}</a>' in body
    assert "Traceback" not in body and "urlpatterns" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_anonymous_gets_the_404_page_for_an_unknown_url_and_the_login_page_for_a_role_page(language):
    http = _http(language)

    unknown = http.get(UNKNOWN)
    role_page = http.get("/staff/quotations/1/")

    body = unknown.content.decode()
    assert unknown.status_code == 404
    _assert_page_in(body, unknown, language)
    assert f'<h1 class="h3">{_in(language, "Page not found")}</h1>' in body
    assert 'data-testid="signed-in-as"' not in body
    assert f'href="/" data-testid="error-home">{_in(language, "Go to the login page")}</a>' in body
    assert (role_page.status_code, role_page["Location"]) == (302, "/accounts/login/?next=/staff/quotations/1/")


@pytest.mark.django_db
def test_switch_account_logs_out_and_comes_back_to_the_page_after_the_next_login():
    hotel = _user("hotel")
    http = _http("en", hotel)
    page = http.get("/staff/").content.decode()
    (next_url,) = re.findall(r'name="next" value="([^"]+)"', page.split('data-testid="signed-in-as"')[1])

    response = http.post("/accounts/logout/", {"next": html.unescape(next_url)})

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/staff/")
    assert "_auth_user_id" not in http.session
    login_page = http.get(response["Location"])
    assert '<input type="hidden" name="next" value="/staff/">' in login_page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_permission_denied_is_the_branded_403_without_the_exceptions_message(settings, language):
    settings.ROOT_URLCONF = __name__
    staff = _user("staff")

    response = _http(language, staff).get("/test-errors/forbidden/")

    body = response.content.decode()
    assert response.status_code == 403
    _assert_page_in(body, response, language)
    assert f'<h1 class="h3">{_in(language, "Access denied")}</h1>' in body
    assert 'data-testid="signed-in-as"' in body
    assert "written for the log only" not in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failing_page_is_the_branded_500_without_the_database(settings, language):
    # given no database access at all (this test has no django_db mark): a failed
    # query while rendering would turn into the plain fallback below
    settings.ROOT_URLCONF = __name__
    http = _http(language)
    http.raise_request_exception = False

    response = http.get("/test-errors/broken/")

    body = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}">' in body
    assert response["Content-Language"] == language
    assert f'<h1 class="h3">{_in(language, "Something went wrong on our side")}</h1>' in body
    assert f'href="/" data-testid="error-home">{_in(language, "Go to your home page")}</a>' in body
    assert FORM.findall(body) == []  # nothing posts: there is no CSRF token without the request
    assert "Server Error (500)" not in body and "a bug" not in body
    assert "Content-Security-Policy" in response.headers


@pytest.mark.django_db
def test_the_500_page_does_not_name_the_logged_in_user(settings):
    settings.ROOT_URLCONF = __name__
    staff = _user("staff", full_name="Lucía Comercial")
    http = _http("es", staff)
    http.raise_request_exception = False

    response = http.get("/test-errors/broken/")

    body = response.content.decode()
    assert response.status_code == 500
    assert "Lucía Comercial" not in body and staff.email not in body
    assert FORM.findall(body) == []


def test_the_500_page_falls_back_to_plain_html_when_its_template_fails(settings, monkeypatch):
    settings.ROOT_URLCONF = __name__
    monkeypatch.setattr("spirittours.views.loader.get_template", _broken)
    http = _http("en")
    http.raise_request_exception = False

    response = http.get("/test-errors/broken/")

    assert (response.status_code, response.content) == (500, b"<h1>Server Error (500)</h1>")


def test_debug_false_serves_these_templates_not_djangos():
    assert handler500 == "spirittours.views.server_error"
