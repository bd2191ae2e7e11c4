"""The people around a booking besides its client: the hotel's booked stays and rooming list on the portal,
staff's rooming exports per hotel, and the guide's trip page (a signed link, no price)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bookings.forms import GuideAssignForm, ScheduleForm
from bookings.guides import booking_from_guide_token
from bookings.money import DepositRule, ScheduleRules
from bookings.privacy import booking_get_visible, present_booked_stays, present_rooms, present_travellers
from bookings.rooming import (
    booked_hotel_get,
    booked_hotels_visible,
    present_booked_stay_for_hotel,
    rooming_list_for,
)
from bookings.rooming_export import rooming_csv, rooming_filename, rooming_xlsx
from bookings.services import booking_schedule_change, guide_assign, rooming_send
from spirittours.access import hotel_required, staff_required
from spirittours.errors import NotVisible
from spirittours.web import action_submit

EXPORTS = {
    "csv": (rooming_csv, "text/csv; charset=utf-8"),
    "xlsx": (rooming_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@require_GET
@hotel_required
def portal_booking_list(request: HttpRequest) -> HttpResponse:
    stays = [
        present_booked_stay_for_hotel(booked=booked)
        for booked in booked_hotels_visible(viewer=request.viewer)
        .select_related("booking", "hotel")
        .order_by("check_in", "pk")
    ]
    return render(request, "bookings/portal/home.html", {"stays": stays})


@require_GET
@hotel_required
def portal_booking(request: HttpRequest, pk: int) -> HttpResponse:
    stay = present_booked_stay_for_hotel(booked=booked_hotel_get(viewer=request.viewer, pk=pk))
    return render(request, "bookings/portal/booking.html", {"stay": stay})


def _export(request: HttpRequest, booked, extension: str) -> HttpResponse:
    if extension not in EXPORTS:
        raise NotVisible
    build, content_type = EXPORTS[extension]
    rooming = rooming_list_for(booked=booked, language=translation.get_language() or "es")
    response = HttpResponse(build(rooming), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{rooming_filename(rooming, extension)}"'
    return response


@require_GET
@hotel_required
def portal_rooming_export(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    return _export(request, booked_hotel_get(viewer=request.viewer, pk=pk), extension)


@require_GET
@staff_required
def staff_rooming_export(request: HttpRequest, pk: int, hotel_pk: int, extension: str) -> HttpResponse:
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    booked = booking.hotels.select_related("hotel", "booking").filter(pk=hotel_pk).first()
    if booked is None:
        raise NotVisible
    return _export(request, booked, extension)


@require_POST
@staff_required
def staff_rooming_send(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    return action_submit(
        request,
        lambda: rooming_send(booking=booking, by=request.user),
        success=_("Each hotel has its rooming list."),
        redirect_to=reverse("staff_bookings:booking", kwargs={"pk": pk}) + "#rooming",
    )


@require_POST
@staff_required
def staff_guide_assign(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    form = GuideAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active guide."))
        return redirect(reverse("staff_bookings:booking", kwargs={"pk": pk}))
    return action_submit(
        request,
        lambda: guide_assign(booking=booking, guide=form.cleaned_data["guide"], by=request.user),
        success=_("The guide is assigned and told."),
        redirect_to=reverse("staff_bookings:booking", kwargs={"pk": pk}),
    )


@require_GET
def guide_trip(request: HttpRequest, token: str) -> HttpResponse:
    booking = booking_from_guide_token(token=token)
    context = {
        "booking": booking,
        "guide": booking.guide,
        "stays": present_booked_stays(booking=booking),
        "rooms": present_rooms(booking=booking),
        "travellers": present_travellers(booking=booking),
    }
    response = render(request, "bookings/guide.html", context)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@staff_required
def staff_schedule_change(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    form = ScheduleForm(request.POST, prefix="schedule")
    if not form.is_valid():
        messages.error(request, _("Check the schedule's rules: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect(reverse("staff_bookings:booking", kwargs={"pk": pk}))
    data = form.cleaned_data
    rules = ScheduleRules(
        deposit=DepositRule(
            percent=data["deposit_percent"],
            fixed=data["deposit_fixed_per_person"],
            per_person=True,
            whichever_higher=data["whichever_higher"],
            due_days=settings.BOOKING_DEPOSIT_DUE_DAYS,
        ),
        balance_days_before=data["balance_days_before"],
    )
    return action_submit(
        request,
        lambda: booking_schedule_change(booking=booking, rules=rules, by=request.user),
        success=_("The payment schedule is built again."),
        redirect_to=reverse("staff_bookings:booking", kwargs={"pk": pk}),
    )
