"""Parts of the site, declared by each app in its `areas.py` as `AREAS`.

An area is a URL prefix with its own namespace, served to one role (the
`role` value of the logged-in user: "staff", "client", "hotel") or to several
(the account pages every role has). The project's
URLs mount every discovered area; the role home page sends each person to the
one area of their role that names a `home`; the navigation bar shows every
entry of every area of the viewer's role, so an app adds pages and menu items
to the staff or client side without editing the app that opened that side.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, include, path, reverse
from django.utils.functional import Promise

from spirittours.discovery import app_declarations


@dataclass(frozen=True)
class NavEntry:
    """One link of the navigation bar.

    `label` is lazy (gettext_lazy) so it renders in the language of each request.
    `url_name` is reversed without arguments. The link is lit on its own page and
    on the pages named in `active_on`. `visible`, when set, decides per user.
    Entries sort by `order`, then in discovery order.
    """

    label: str | Promise
    url_name: str
    order: int = 100
    active_on: tuple[str, ...] = ()
    visible: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Area:
    """A part of the site: URL `prefix` ("staff/"), `namespace`, the `role` it serves.

    `role` is one role, or a tuple of roles for a part several roles share.
    `home` is the URL name the role home page sends the role to; at most one
    area per role names one. `urlpatterns` are mounted under `prefix` in
    `namespace`.
    """

    namespace: str
    prefix: str
    role: str | tuple[str, ...]
    urlpatterns: Sequence[URLPattern | URLResolver]
    home: str | None = None
    nav: tuple[NavEntry, ...] = field(default=())

    @property
    def roles(self) -> tuple[str, ...]:
        return self.role if isinstance(self.role, tuple) else (self.role,)


@dataclass(frozen=True)
class NavLink:
    """A navigation entry as one request shows it."""

    label: str | Promise
    url: str
    active: bool
    current: bool


@cache
def areas_discover() -> tuple[Area, ...]:
    """Every app's AREAS, in INSTALLED_APPS order; checked once, then cached."""
    found: list[Area] = app_declarations(module="areas", name="AREAS")
    _areas_check(found)
    return tuple(found)


def _areas_check(areas: list[Area]) -> None:
    seen: dict[str, Area] = {}
    homes: dict[str, Area] = {}
    for area in areas:
        if area.namespace in seen:
            raise ImproperlyConfigured(f"Two areas use the namespace {area.namespace!r}.")
        seen[area.namespace] = area
        if area.home is None:
            continue
        for role in area.roles:
            if role in homes:
                raise ImproperlyConfigured(
                    f"Areas {homes[role].namespace!r} and {area.namespace!r} both name a home for role {role!r}."
                )
            homes[role] = area


def area_include(area: Area) -> URLResolver:
    return path(area.prefix, include((list(area.urlpatterns), area.namespace)))


def area_urlpatterns() -> list[URLResolver]:
    """One include per discovered area, for the project's URLs."""
    return [area_include(area) for area in areas_discover()]


def role_of(user: Any) -> str | None:
    """The role of a logged-in, active user; None for anyone else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return getattr(user, "role", None)


def home_url_name_for(user: Any) -> str | None:
    """The URL name of the user's home, or None when their role has no area."""
    role = role_of(user)
    if role is None:
        return None
    return next((area.home for area in areas_discover() if role in area.roles and area.home), None)


def nav_links_for(user: Any, *, current: str | None) -> list[NavLink]:
    """The navigation bar of `user` on the page whose view name is `current`."""
    role = role_of(user)
    if role is None:
        return []
    entries = [entry for area in areas_discover() if role in area.roles for entry in area.nav]
    entries.sort(key=lambda entry: entry.order)  # stable: ties keep discovery order
    return [
        NavLink(
            label=entry.label,
            url=reverse(entry.url_name),
            active=current is not None and (current == entry.url_name or current in entry.active_on),
            current=current == entry.url_name,
        )
        for entry in entries
        if entry.visible is None or entry.visible(user)
    ]
