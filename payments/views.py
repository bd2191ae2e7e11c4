"""The money pages: staff record and confirm transfers, the leader and each traveller say theirs is on its way."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bookings.privacy import booking_get_visible
from bookings.views import booking_page
from payments.forms import RefundForm, TransferForm
from payments.models import Refund
from payments.receipts import payment_receipt_pdf, refund_credit_note_pdf
from payments.services import (
    OPEN_FOR_PAYMENT,
    payment_announce,
    payment_cancel,
    payment_confirm_received,
    payment_record_transfer,
    refund_issue,
    traveller_link_send,
)
from payments.travellers import present_traveller_payment, traveller_from_token
from quotations.privacy import viewer_for
from spirittours.access import client_required, staff_required
from spirittours.errors import NotVisible
from spirittours.web import action_submit, form_submit


@require_POST
@staff_required
def staff_transfer_record(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    form = TransferForm(request.POST, booking=booking)
    done = form_submit(
        request,
        form,
        lambda data: payment_record_transfer(
            booking=booking,
            installment=data["installment"],
            amount=data["amount"],
            received_on=data["received_on"],
            reference=data["reference"],
            by=request.user,
        ),
        success=_("The transfer is recorded and confirmed."),
        redirect_to=reverse("staff_bookings:booking", kwargs={"pk": pk}),
    )
    return done or booking_page(
        request, pk, template="bookings/staff/booking.html", viewer_kind="staff", status=400, transfer_form=form
    )


# --- The traveller's own page (a signed link, no login) ---------------------------------------------


@require_GET
def traveller_page(request: HttpRequest, token: str) -> HttpResponse:
    traveller = traveller_from_token(token=token)
    presented = present_traveller_payment(
        traveller=traveller, open_for_payment=traveller.booking.status in OPEN_FOR_PAYMENT
    )
    response = render(request, "payments/traveller.html", {"pay": presented, "token": token})
    # The link is the traveller's key: never hand it to another site (same-origin keeps the form's CSRF check).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def traveller_announce(request: HttpRequest, token: str, installment_id: int) -> HttpResponse:
    traveller = traveller_from_token(token=token)
    installment = traveller.booking.installments.filter(pk=installment_id).first()
    if installment is None:
        raise NotVisible
    return action_submit(
        request,
        lambda: payment_announce(booking=traveller.booking, installment=installment, traveller=traveller, by=None),
        success=_("Thank you! We will confirm your payment when the transfer arrives."),
        redirect_to=reverse("pay:traveller", kwargs={"token": token}),
    )


# --- The group leader ----------------------------------------------------------------------------------


def _leader_booking(request: HttpRequest, pk: int):
    return booking_get_visible(viewer=request.viewer, pk=pk)


@require_POST
@client_required
def client_announce(request: HttpRequest, pk: int, installment_id: int) -> HttpResponse:
    """The leader says the transfer for the rest of an installment (or for one traveller's share) is on its way."""
    booking = _leader_booking(request, pk)
    installment = booking.installments.filter(pk=installment_id).first()
    traveller_id = request.POST.get("traveller", "")
    traveller = None
    if traveller_id:
        traveller = booking.travellers.filter(pk=traveller_id if traveller_id.isdigit() else 0).first()
        if traveller is None:
            raise NotVisible
    if installment is None:
        raise NotVisible
    return action_submit(
        request,
        lambda: payment_announce(booking=booking, installment=installment, traveller=traveller, by=request.user),
        success=_("Thank you! We will confirm your payment when the transfer arrives."),
        redirect_to=reverse("client_bookings:booking", kwargs={"pk": pk}) + "#pay",
    )


@require_POST
@client_required
def client_traveller_link(request: HttpRequest, pk: int, traveller_id: int) -> HttpResponse:
    booking = _leader_booking(request, pk)
    traveller = booking.travellers.filter(pk=traveller_id, cancelled_at__isnull=True).first()
    if traveller is None:
        raise NotVisible
    return action_submit(
        request,
        lambda: traveller_link_send(traveller=traveller, by=request.user),
        success=_("The payment link is on its way to %(name)s.") % {"name": traveller.full_name},
        redirect_to=reverse("client_bookings:booking", kwargs={"pk": pk}) + "#pay",
    )


# --- Staff: pending transfers ------------------------------------------------------------------------


def _staff_payment(request: HttpRequest, pk: int, payment_id: int):
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    payment = booking.payments.filter(pk=payment_id).first()
    if payment is None:
        raise NotVisible
    return payment


@require_POST
@staff_required
def staff_payment_confirm(request: HttpRequest, pk: int, payment_id: int) -> HttpResponse:
    payment = _staff_payment(request, pk, payment_id)
    return action_submit(
        request,
        lambda: payment_confirm_received(payment=payment, by=request.user),
        success=_("The payment is confirmed."),
        redirect_to=reverse("staff_bookings:booking", kwargs={"pk": pk}) + "#ledger",
    )


@require_POST
@staff_required
def staff_payment_cancel(request: HttpRequest, pk: int, payment_id: int) -> HttpResponse:
    payment = _staff_payment(request, pk, payment_id)
    return action_submit(
        request,
        lambda: payment_cancel(payment=payment, by=request.user),
        success=_("The pending payment is cancelled."),
        redirect_to=reverse("staff_bookings:booking", kwargs={"pk": pk}) + "#ledger",
    )


@require_POST
@staff_required
def staff_refund(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_get_visible(viewer=request.viewer, pk=pk)
    form = RefundForm(request.POST, prefix="refund")
    done = form_submit(
        request,
        form,
        lambda data: refund_issue(booking=booking, amount=data["amount"], reference=data["reference"], by=request.user),
        success=_("The refund is recorded and the client is told."),
        redirect_to=reverse("staff_bookings:booking", kwargs={"pk": pk}) + "#ledger",
    )
    return done or booking_page(
        request, pk, template="bookings/staff/booking.html", viewer_kind="staff", status=400, refund_form=form
    )


# --- Receipts and credit notes (the booking's client contacts and staff) ---------------------------


def _pdf(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@login_required
def receipt_download(request: HttpRequest, pk: int, payment_id: int) -> HttpResponse:
    booking = booking_get_visible(viewer=viewer_for(request.user), pk=pk)
    payment = booking.payments.select_related("installment", "traveller").filter(pk=payment_id).first()
    if payment is None:
        raise NotVisible
    return _pdf(*payment_receipt_pdf(payment=payment, language=translation.get_language() or "es"))


@require_GET
@login_required
def credit_note_download(request: HttpRequest, pk: int, refund_id: int) -> HttpResponse:
    booking = booking_get_visible(viewer=viewer_for(request.user), pk=pk)
    refund = Refund.objects.select_related("payment").filter(pk=refund_id, payment__booking=booking).first()
    if refund is None:
        raise NotVisible
    return _pdf(*refund_credit_note_pdf(refund=refund, language=translation.get_language() or "es"))
