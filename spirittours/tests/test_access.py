"""The access decorators and the role home page."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.utils.module_loading import import_string

from spirittours.access import client_required, hotel_required, role_required, staff_required

SEQUENCE = itertools.count()
ROLES = ["staff", "client", "hotel"]
DECORATORS = {"staff": staff_required, "client": client_required, "hotel": hotel_required}
viewers_built: list = []


def viewer_stub(user):
    """A VIEWER_FACTORY for these tests: records who it was asked about."""
    viewers_built.append(user.pk)
    return ("viewer of", user.pk)


@pytest.fixture(autouse=True)
def _stub_viewer(settings):
    settings.VIEWER_FACTORY = "spirittours.tests.test_access.viewer_stub"
    viewers_built.clear()


def _user(role: str, **fields):
    return get_user_model().objects.create_user(
        email=f"{role}{next(SEQUENCE)}@access.example", password="correct horse battery", role=role, **fields
    )


class _Page:
    """A view that records the requests it served."""

    def __init__(self) -> None:
        self.seen: list = []

    def __call__(self, request, pk):
        self.seen.append((request.viewer, pk))
        return HttpResponse("ok")


def _get(user, path: str = "/somewhere/7/?tab=bids"):
    request = RequestFactory().get(path)
    request.user = user
    return request


@pytest.mark.parametrize("role", ROLES)
def test_anonymous_is_sent_to_the_login_page_and_back(role):
    page = _Page()

    response = DECORATORS[role](page)(_get(AnonymousUser()), pk=7)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/somewhere/7/%3Ftab%3Dbids"
    assert page.seen == []
    assert viewers_built == []


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "other"), [(r, o) for r in ROLES for o in ROLES if r != o])
def test_a_user_of_another_role_gets_404(role, other):
    page = _Page()

    with pytest.raises(Http404):
        DECORATORS[role](page)(_get(_user(other, is_staff=other == "staff")), pk=7)

    assert page.seen == []
    assert viewers_built == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_an_inactive_user_of_the_role_gets_404(role):
    page = _Page()

    with pytest.raises(Http404):
        DECORATORS[role](page)(_get(_user(role, is_active=False)), pk=7)

    assert page.seen == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_right_role_gets_through_with_its_viewer(role):
    page = _Page()
    user = _user(role)

    response = DECORATORS[role](page)(_get(user), pk=7)

    assert (response.status_code, response.content) == (200, b"ok")
    assert page.seen == [(("viewer of", user.pk), 7)]
    assert viewers_built == [user.pk]


@pytest.mark.django_db
def test_role_required_takes_any_role_name():
    page = _Page()
    user = _user("staff")

    role_required("staff")(page)(_get(user), pk=1)

    with pytest.raises(Http404):
        role_required("guide")(page)(_get(user), pk=2)
    assert page.seen == [(("viewer of", user.pk), 1)]


@pytest.mark.django_db
def test_the_project_viewer_factory_knows_the_user(settings):
    settings.VIEWER_FACTORY = "quotations.privacy.viewer_for"
    page = _Page()
    user = _user("staff", staff_level=6, is_staff=True)

    staff_required(page)(_get(user), pk=1)

    ((viewer, _pk),) = page.seen
    assert viewer == import_string("quotations.privacy.viewer_for")(user)
    assert (viewer.kind, viewer.user_id, viewer.staff_level) == ("staff", user.pk, 6)


@pytest.mark.django_db
def test_without_a_viewer_factory_the_site_is_misconfigured(settings):
    del settings.VIEWER_FACTORY
    page = _Page()

    with pytest.raises(ImproperlyConfigured, match="VIEWER_FACTORY"):
        staff_required(page)(_get(_user("staff")), pk=1)
    assert page.seen == []


# --- The role home page ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "home"), [("staff", "/staff/"), ("client", "/client/"), ("hotel", "/portal/")])
def test_home_sends_each_role_to_its_area(role, home):
    http = HttpClient()
    http.force_login(_user(role))

    response = http.get("/")

    assert (response.status_code, response["Location"]) == (302, home)


@pytest.mark.django_db
def test_home_sends_anyone_else_to_the_login_page():
    response = HttpClient().get("/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")


@pytest.mark.django_db
def test_wrong_role_over_http_is_404_and_anonymous_goes_to_login():
    http = HttpClient()
    http.force_login(_user("client"))

    assert http.get("/staff/").status_code == 404
    assert http.get("/portal/").status_code == 404
    anonymous = HttpClient().get("/client/")
    assert (anonymous.status_code, anonymous["Location"]) == (302, "/accounts/login/?next=/client/")
