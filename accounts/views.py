"""The account pages: language switch, profile, password change and password reset."""

from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language

from accounts.services import user_language_set


def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, redirect to `next`), and for a logged-in user the stored preference too."""
    if request.method == "POST" and request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    return set_language(request)
