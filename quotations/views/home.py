from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from quotations.privacy import ViewerKind, viewer_for

HOME_BY_KIND = {
    ViewerKind.STAFF: "staff:home",
    ViewerKind.CLIENT: "client:home",
    ViewerKind.HOTEL: "portal:home",
}


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their part of the site; anyone else to the login page."""
    return redirect(HOME_BY_KIND.get(viewer_for(request.user).kind, "login"))
