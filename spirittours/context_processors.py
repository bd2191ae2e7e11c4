from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from spirittours.areas import nav_links_for


def site_nav(request: HttpRequest) -> dict:
    """`site_nav`: the navigation links of the current user, built only if a template reads them."""

    def links() -> list:
        match = getattr(request, "resolver_match", None)
        return nav_links_for(getattr(request, "user", None), current=match.view_name if match else None)

    return {"site_nav": SimpleLazyObject(links)}
