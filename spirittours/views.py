from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from spirittours.areas import home_url_name_for


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the home of their role's area; anyone else to the login page."""
    return redirect(home_url_name_for(request.user) or "login")
