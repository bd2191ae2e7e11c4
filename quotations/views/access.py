"""Who may open which part of the site. Wrong role answers 404, like a missing object."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from quotations.privacy import Viewer, ViewerKind, viewer_for


def viewer_required(kind: ViewerKind) -> Callable:
    """Log in first; then only viewers of `kind` get through, with `request.viewer` set."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            viewer: Viewer = viewer_for(request.user)
            if viewer.kind != kind:
                raise Http404
            request.viewer = viewer
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = viewer_required(ViewerKind.STAFF)
client_required = viewer_required(ViewerKind.CLIENT)
hotel_required = viewer_required(ViewerKind.HOTEL)
