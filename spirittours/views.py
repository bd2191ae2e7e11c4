import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect
from django.template import loader
from django.utils import translation

from spirittours.areas import home_url_name_for

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the home of their role's area; anyone else to the login page."""
    return redirect(home_url_name_for(request.user) or "login")


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page (handler500), in the request's language.

    Rendered without the request, so no context processor runs: the page needs no
    session, user or database, any of which may be what failed. If even this
    template fails, a line of plain HTML answers.
    """
    try:
        body = loader.get_template("500.html").render({"LANGUAGE_CODE": translation.get_language()})
    except Exception:
        logger.exception("the 500 page could not be rendered")
        body = "<h1>Server Error (500)</h1>"
    return HttpResponseServerError(body)
