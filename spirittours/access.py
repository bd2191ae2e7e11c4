"""Who may open which part of the site. Wrong role answers 404, like a missing object.

A view decorated with `role_required("staff")` (or `staff_required`) sends an
anonymous visitor to the login page, answers 404 to a user of another role,
and otherwise runs with `request.viewer` set: what the privacy rules know
about this user, built by the factory named in the VIEWER_FACTORY setting
(a dotted path to a callable taking the user). The roles are compared by
value, the `role` strings of the user model.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from spirittours.areas import role_of

View = Callable[..., HttpResponse]


def viewer_build(user: Any) -> Any:
    """The viewer of `user`, as the VIEWER_FACTORY setting builds it."""
    path = getattr(settings, "VIEWER_FACTORY", "")
    if not path:
        raise ImproperlyConfigured("VIEWER_FACTORY must name the callable that builds a viewer from a user.")
    return import_string(path)(user)


def role_required(role: str) -> Callable[[View], View]:
    """Log in first; then only users of `role` get through, with `request.viewer` set."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) != role:
                raise Http404
            request.viewer = viewer_build(request.user)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required("staff")
client_required = role_required("client")
hotel_required = role_required("hotel")
