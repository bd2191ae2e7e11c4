"""The booking pages: the client's bookings and one booking, the staff's list and one booking."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bookings.forms import BookingFilterForm
from bookings.panels import booking_panels
from bookings.privacy import booking_get_visible, bookings_visible, present_booking, present_booking_list
from bookings.selectors import booking_list_filter
from spirittours.access import client_required, staff_required
from spirittours.errors import NotVisible


def booking_page(request: HttpRequest, pk: int, *, template: str, viewer_kind: str, status: int = 200, **extra):
    """One booking for its viewer, with the panels other apps add; `extra` is handed to those panels' context."""
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    request.booking_panel_extra = extra
    context = {
        "booking": present_booking(viewer=request.viewer, booking=booking),
        "panels": booking_panels(request=request, booking=booking, viewer_kind=viewer_kind),
    }
    return render(request, template, context, status=status)


@require_GET
@client_required
def client_booking_list(request: HttpRequest) -> HttpResponse:
    rows = present_booking_list(viewer=request.viewer)
    return render(request, "bookings/client/home.html", {"bookings": rows})


@require_GET
@client_required
def client_booking(request: HttpRequest, pk: int) -> HttpResponse:
    return booking_page(request, pk, template="bookings/client/booking.html", viewer_kind="client")


@require_GET
@client_required
def client_booking_for_quotation(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking of one of the client's approved quotes (the quote page links here)."""
    booking = bookings_visible(viewer=request.viewer).filter(quotation_id=pk).first()
    if booking is None:
        raise NotVisible
    return redirect("client_bookings:booking", pk=booking.pk)


@require_GET
@staff_required
def staff_booking_list(request: HttpRequest) -> HttpResponse:
    form = BookingFilterForm(request.GET or None)
    bookings = bookings_visible(viewer=request.viewer)
    if form.is_valid():
        data = form.cleaned_data
        bookings = booking_list_filter(
            bookings=bookings,
            status=data["status"],
            arrival_from=data["arrival_from"],
            arrival_to=data["arrival_to"],
            owner_id=data["owner"].pk if data["owner"] else None,
            overdue=data["overdue"],
            today=timezone.localdate(),
        )
    rows = present_booking_list(viewer=request.viewer, bookings=bookings)
    return render(request, "bookings/staff/home.html", {"bookings": rows, "form": form})


@require_GET
@staff_required
def staff_booking(request: HttpRequest, pk: int) -> HttpResponse:
    return booking_page(request, pk, template="bookings/staff/booking.html", viewer_kind="staff")
