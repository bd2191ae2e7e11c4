"""Parts of the booking page that other apps add (the payments ledger), declared in their `panels.py`.

bookings never imports the apps that build on it: an app declares
BOOKING_PANELS, a list of `BookingPanel`, and the booking pages render each
panel meant for the viewer's kind with the context it builds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from bookings.models import Booking
from spirittours.discovery import app_declarations


@dataclass(frozen=True)
class BookingPanel:
    """`template` rendered on the booking page of `viewers` ("staff", "client") with `context(request, booking)`."""

    name: str
    template: str
    viewers: frozenset[str]
    context: Callable[[HttpRequest, Booking], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    name: str
    template: str
    context: dict[str, Any]


def booking_panels(*, request: HttpRequest, booking: Booking, viewer_kind: str) -> list[RenderedPanel]:
    panels = [p for p in app_declarations(module="panels", name="BOOKING_PANELS") if viewer_kind in p.viewers]
    panels.sort(key=lambda panel: panel.order)
    return [RenderedPanel(name=p.name, template=p.template, context=p.context(request, booking)) for p in panels]
