"""The booking pages: the client's bookings and one booking, the staff's list and one booking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from bookings.errors import BookingError
from bookings.forms import (
    BookingFilterForm,
    CancelBookingForm,
    GuideAssignForm,
    ScheduleForm,
    TravellerCsvForm,
    TravellerForm,
)
from bookings.panels import booking_panels
from bookings.privacy import booking_get_visible, bookings_visible, present_booking, present_booking_list
from bookings.rules import manifest_editable, schedule_changeable_by
from bookings.selectors import booking_list_filter
from bookings.services import (
    TravellerInput,
    booking_cancel,
    booking_cancellation_terms,
    booking_may_cancel,
    rooming_assign,
    traveller_add,
    traveller_cancel,
    traveller_cancellation_terms,
    traveller_remove,
    travellers_import_csv,
)
from quotations.models import RoomType
from quotations.privacy import viewer_for
from spirittours.access import client_required, staff_required
from spirittours.errors import NotVisible
from spirittours.web import action_submit, form_add_domain_error, form_submit


def booking_page(request: HttpRequest, pk: int, *, template: str, viewer_kind: str, status: int = 200, **extra):
    """One booking for its viewer, with the panels other apps add.

    `extra` holds forms being shown again with their errors: the page's own
    (traveller_form, csv_form, csv_errors) and the panels' (handed to their context).
    """
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    request.booking_panel_extra = extra
    presented = present_booking(viewer=request.viewer, booking=booking)
    context = {
        "booking": presented,
        "panels": booking_panels(request=request, booking=booking, viewer_kind=viewer_kind),
        "manifest_open": manifest_editable(booking=booking, by=request.user),
        "traveller_form": extra.get("traveller_form") or TravellerForm(room_types=list(presented.room_types)),
        "csv_form": extra.get("csv_form") or TravellerCsvForm(),
        "csv_errors": extra.get("csv_errors", []),
        "ns": f"{viewer_kind}_bookings",
        "guide_form": GuideAssignForm(initial={"guide": booking.guide_id}) if viewer_kind == "staff" else None,
        "schedule_form": ScheduleForm(prefix="schedule")
        if viewer_kind == "staff" and booking.status == "option" and schedule_changeable_by(by=request.user)
        else None,
        "may_cancel": booking_may_cancel(booking=booking, by=request.user),
        "cancel_terms": booking_cancellation_terms(booking=booking) if booking.status != "cancelled" else None,
    }
    return render(request, template, context, status=status)


def _page_for(request: HttpRequest, pk: int, **extra) -> HttpResponse:
    """The booking page of the viewer's side, shown again with a form's errors (400)."""
    if request.viewer.kind == "staff":
        return booking_page(
            request, pk, template="bookings/staff/booking.html", viewer_kind="staff", status=400, **extra
        )
    return booking_page(request, pk, template="bookings/client/booking.html", viewer_kind="client", status=400, **extra)


def _back(request: HttpRequest, booking) -> str:
    name = "staff_bookings:booking" if request.viewer.kind == "staff" else "client_bookings:booking"
    return reverse(name, kwargs={"pk": booking.pk}) + "#travellers"


@require_POST
@login_required
def booking_traveller_add(request: HttpRequest, pk: int) -> HttpResponse:
    request.viewer = viewer_for(request.user)
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    presented_types = [(t, RoomType(t).label) for t in sorted({r.room_type for r in booking.rooms.all()})]
    form = TravellerForm(request.POST, room_types=presented_types)
    done = form_submit(
        request,
        form,
        lambda data: traveller_add(booking=booking, data=TravellerInput(**data), by=request.user),
        success=_("The traveller is added."),
        redirect_to=_back(request, booking),
    )
    return done or _page_for(request, pk, traveller_form=form)


@require_POST
@login_required
def booking_travellers_import(request: HttpRequest, pk: int) -> HttpResponse:
    request.viewer = viewer_for(request.user)
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    form = TravellerCsvForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page_for(request, pk, csv_form=form)
    try:
        created, errors = travellers_import_csv(
            booking=booking, content=form.cleaned_data["file"].read(), by=request.user
        )
    except BookingError as error:
        form_add_domain_error(form, error)
        return _page_for(request, pk, csv_form=form)
    if errors:
        form.add_error("file", _("Nothing was saved: correct the rows below and upload the file again."))
        return _page_for(request, pk, csv_form=form, csv_errors=errors)
    messages.success(
        request,
        ngettext("%(count)d traveller is added.", "%(count)d travellers are added.", len(created))
        % {"count": len(created)},
    )
    return redirect(_back(request, booking))


@require_POST
@login_required
def booking_traveller_remove(request: HttpRequest, pk: int, traveller_id: int) -> HttpResponse:
    request.viewer = viewer_for(request.user)
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    traveller = booking.travellers.filter(pk=traveller_id, cancelled_at__isnull=True).first()
    if traveller is None:
        raise NotVisible
    return action_submit(
        request,
        lambda: traveller_remove(traveller=traveller, by=request.user),
        success=_("The traveller is removed."),
        redirect_to=_back(request, booking),
    )


@require_POST
@login_required
def booking_rooming_save(request: HttpRequest, pk: int) -> HttpResponse:
    request.viewer = viewer_for(request.user)
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    assignments: dict[int, int | None] = {}
    back = _back(request, booking).replace("#travellers", "#rooming")
    for key, value in request.POST.items():
        if not key.startswith("room_"):
            continue
        try:
            assignments[int(key.removeprefix("room_"))] = int(value) if value else None
        except ValueError:
            messages.error(request, _("Choose a room from the list for each traveller."))
            return redirect(back)
    return action_submit(
        request,
        lambda: rooming_assign(booking=booking, assignments=assignments, by=request.user),
        success=_("The rooming list is saved."),
        redirect_to=back,
    )


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
    return _booking_of_quotation(request, pk, "client_bookings:booking")


@require_GET
@staff_required
def staff_booking_for_quotation(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking of an approved quotation (the staff quotation page links here)."""
    return _booking_of_quotation(request, pk, "staff_bookings:booking")


def _booking_of_quotation(request: HttpRequest, pk: int, page: str) -> HttpResponse:
    booking = bookings_visible(viewer=request.viewer).filter(quotation_id=pk).first()
    if booking is None:
        raise NotVisible
    return redirect(page, pk=booking.pk)


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


def _cancel_page(request: HttpRequest, booking, form, *, status: int = 200) -> HttpResponse:
    side = "staff" if request.viewer.kind == "staff" else "client"
    context = {
        "booking": present_booking(viewer=request.viewer, booking=booking),
        "terms": booking_cancellation_terms(booking=booking),
        "form": form,
        "ns": f"{side}_bookings",
    }
    return render(request, "bookings/cancel.html", context, status=status)


@login_required
def booking_cancel_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what cancelling today retains and refunds, and the reason; POST: cancel."""
    request.viewer = viewer_for(request.user)
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    if not booking_may_cancel(booking=booking, by=request.user):
        raise NotVisible
    if request.method != "POST":
        return _cancel_page(request, booking, CancelBookingForm())
    form = CancelBookingForm(request.POST)
    done = form_submit(
        request,
        form,
        lambda data: booking_cancel(booking=booking, reason=data["reason"], by=request.user),
        success=_("The booking is cancelled. We will refund what is due."),
        redirect_to=_back(request, booking).replace("#travellers", ""),
    )
    return done or _cancel_page(request, booking, form, status=400)


@login_required
def booking_traveller_cancel(request: HttpRequest, pk: int, traveller_id: int) -> HttpResponse:
    """GET: what cancelling this traveller does to the booking; POST: cancel their place."""
    request.viewer = viewer_for(request.user)
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    traveller = (
        booking.travellers.select_related("room", "booking").filter(pk=traveller_id, cancelled_at__isnull=True).first()
    )
    if traveller is None or not booking_may_cancel(booking=booking, by=request.user):
        raise NotVisible
    if request.method == "POST":
        return action_submit(
            request,
            lambda: traveller_cancel(traveller=traveller, by=request.user),
            success=_("The place of %(name)s is cancelled and the booking repriced.") % {"name": traveller.full_name},
            redirect_to=_back(request, booking),
        )
    side = "staff" if request.viewer.kind == "staff" else "client"
    context = {
        "booking": present_booking(viewer=request.viewer, booking=booking),
        "traveller": traveller,
        "terms": traveller_cancellation_terms(traveller=traveller),
        "ns": f"{side}_bookings",
    }
    return render(request, "bookings/traveller_cancel.html", context)
