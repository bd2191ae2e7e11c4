"""A NotVisible raised under any page answers that page's 404; other errors are left alone."""

import re

import pytest
from django.conf import settings
from django.http import Http404, HttpResponse
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import include, path
from django.utils import translation

from spirittours.errors import DomainError, NotVisible
from spirittours.middleware import NotVisibleMiddleware


def _hidden(request):
    raise NotVisible


def _missing(request):
    raise Http404


def _refused(request):
    raise DomainError("Refused.")


urlpatterns = [
    path("hidden/", _hidden),
    path("missing/", _missing),
    path("refused/", _refused),
    path("", include("spirittours.urls")),  # the error pages' layout links to the site's pages
]


def test_not_visible_becomes_http404_and_other_errors_pass_through():
    middleware = NotVisibleMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")
    with pytest.raises(Http404):
        middleware.process_exception(request, NotVisible())
    assert middleware.process_exception(request, DomainError("Refused.")) is None
    assert middleware.process_exception(request, ValueError()) is None


def test_the_middleware_is_installed():
    assert "spirittours.middleware.NotVisibleMiddleware" in settings.MIDDLEWARE


def test_not_visible_default_message_and_code():
    error = NotVisible()
    with translation.override("en"):
        assert (str(error), error.code, error.field) == ("Not found.", "not_visible", None)


@pytest.mark.urls("spirittours.tests.test_middleware")
def test_a_page_raising_not_visible_answers_like_a_missing_page(db):
    http = HttpClient(raise_request_exception=False)
    hidden, missing = http.get("/hidden/"), http.get("/missing/")
    assert (hidden.status_code, missing.status_code) == (404, 404)
    # the same page, but for its own path (the language switcher's "next") and the CSRF
    # token, which is masked afresh on every page
    token = re.compile(rb"[A-Za-z0-9]{64}")
    assert token.sub(b"<token>", hidden.content.replace(b"/hidden/", b"/missing/")) == token.sub(
        b"<token>", missing.content
    )
    assert http.get("/refused/").status_code == 500
