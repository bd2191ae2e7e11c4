"""The stored preferred language is the one a person reads the site in.

At login (the site's and the admin's) the user's `language` becomes the language
cookie, so the pages open in the language their emails are written in; switching
language while logged in (`accounts.views.language_set`) stores the new choice.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The language a login on this request chose, for the response's cookie.
_CHOSEN = "_preferred_language"


def language_cookie_set(response: HttpResponse, language: str) -> None:
    """The cookie Django's LocaleMiddleware reads, written as django.views.i18n.set_language writes it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def language_on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """user_logged_in receiver: the response to this request sets the language cookie to the user's language.

    A login answers with a redirect, so the next page is the first one in that language.
    `request` is None, or a bare HttpRequest that no middleware sees, when a login happens
    outside a page (a test client's login()); then no cookie is set.
    """
    language = getattr(user, "language", "")
    if request is not None and language in dict(settings.LANGUAGES):
        setattr(request, _CHOSEN, language)


class PreferredLanguageMiddleware:
    """Writes the language cookie on the response of a request that logged someone in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, _CHOSEN, None)
        if language is not None:
            language_cookie_set(response, language)
        return response
