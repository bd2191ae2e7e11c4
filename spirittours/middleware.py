"""Turning a `NotVisible` raised anywhere under a page into that page's 404."""

from django.http import Http404, HttpRequest
from django.utils.deprecation import MiddlewareMixin

from spirittours.errors import NotVisible


class NotVisibleMiddleware(MiddlewareMixin):
    """A page whose object the viewer may not see answers exactly like a missing one.

    Re-raised as Http404 so that Django's own 404 handling (the 404 template,
    the "Not Found" log line) is the one answer for both.
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotVisible):
            raise Http404 from exception
        return None
