"""The money pages: staff record and confirm transfers, the leader and each traveller say theirs is on its way."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from djstripe.views import ProcessWebhookView as StripeWebhookView

from bookings.privacy import booking_get_visible, bookings_visible
from bookings.views import booking_page
from payments.forms import RefundForm, TransferForm
from payments.models import PaymentStatus, Refund
from payments.providers.base import PermanentProviderError
from payments.receipts import payment_receipt_pdf, refund_credit_note_pdf
from payments.services import (
    OPEN_FOR_PAYMENT,
    gateway_for_booking,
    payment_announce,
    payment_cancel,
    payment_checkout_start,
    payment_confirm_received,
    payment_record_transfer,
    refund_issue,
    traveller_link_send,
)
from payments.services.events import provider_event_record, provider_event_refused
from payments.travellers import (
    payment_from_return_token,
    present_traveller_payment,
    traveller_from_token,
    traveller_link_token,
)
from quotations.privacy import viewer_for
from spirittours.access import client_required, staff_required
from spirittours.errors import DomainError, NotVisible
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
    gateway = gateway_for_booking(booking=traveller.booking) if presented.open else None
    response = render(
        request,
        "payments/traveller.html",
        {"pay": presented, "token": token, "gateway": gateway if gateway and gateway.identifier != "manual" else None},
    )
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


def _leader_paying(request: HttpRequest, pk: int, installment_id: int):
    """(booking, installment, traveller or None) the leader pays for: each of this booking, else a 404."""
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
    return booking, installment, traveller


@require_POST
@client_required
def client_announce(request: HttpRequest, pk: int, installment_id: int) -> HttpResponse:
    """The leader says the transfer for the rest of an installment (or for one traveller's share) is on its way."""
    booking, installment, traveller = _leader_paying(request, pk, installment_id)
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
    gateways = booking.payments.filter(status=PaymentStatus.CONFIRMED).exclude(provider="manual").exists()
    form = RefundForm(request.POST, prefix="refund", gateways=gateways)
    done = form_submit(
        request,
        form,
        lambda data: refund_issue(
            booking=booking,
            amount=data["amount"],
            reference=data["reference"],
            method=data["method"],
            by=request.user,
        ),
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


# --- Paying online: to the gateway, and back ------------------------------------------------------


def _to_gateway(request: HttpRequest, start, *, back_url: str) -> HttpResponse:
    """Open (or reuse) the checkout and send the payer there; a refusal goes back with its reason."""
    try:
        started = start()
    except NotVisible:
        raise
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(back_url)
    checkout = started.checkout
    if checkout.form_fields:  # PayU: the payer's browser posts the signed form
        return render(
            request,
            "payments/checkout_form.html",
            {"checkout": checkout, "payment": started.payment, "back_url": back_url},
        )
    return redirect(checkout.redirect_url)


@require_POST
@client_required
def client_checkout(request: HttpRequest, pk: int, installment_id: int) -> HttpResponse:
    """The leader pays what is left of an installment, or one traveller's share, at the gateway."""
    booking, installment, traveller = _leader_paying(request, pk, installment_id)
    back_url = reverse("client_bookings:booking", kwargs={"pk": pk}) + "#pay"
    return _to_gateway(
        request,
        lambda: payment_checkout_start(
            booking=booking, installment=installment, traveller=traveller, by=request.user, back_url=back_url
        ),
        back_url=back_url,
    )


@require_POST
def traveller_checkout(request: HttpRequest, token: str, installment_id: int) -> HttpResponse:
    traveller = traveller_from_token(token=token)
    installment = traveller.booking.installments.filter(pk=installment_id).first()
    if installment is None:
        raise NotVisible
    back_url = reverse("pay:traveller", kwargs={"token": token})
    return _to_gateway(
        request,
        lambda: payment_checkout_start(
            booking=traveller.booking, installment=installment, traveller=traveller, by=None, back_url=back_url
        ),
        back_url=back_url,
    )


@require_GET
def payment_return(request: HttpRequest, token: str) -> HttpResponse:
    """Where the gateway sends the payer back. It never says "failed" before the gateway has: until
    the notification arrives it says "processing", and the page follows the booking's room."""
    payment = payment_from_return_token(token=token)
    booking = payment.booking
    viewer = viewer_for(request.user) if request.user.is_authenticated else None
    is_leader = viewer is not None and bookings_visible(viewer=viewer).filter(pk=booking.pk).exists()
    if payment.traveller is not None and not is_leader:
        back_url = reverse("pay:traveller", kwargs={"token": traveller_link_token(traveller=payment.traveller)})
    elif is_leader and request.user.role == "client":
        back_url = reverse("client_bookings:booking", kwargs={"pk": booking.pk}) + "#pay"
    else:
        back_url = ""
    state = "processing"
    if payment.status == PaymentStatus.CONFIRMED:
        state = "confirmed"
    elif payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED):
        state = "failed"
    response = render(
        request,
        "payments/return.html",
        {
            "payment": payment,
            "booking": booking,
            "state": state,
            "back_url": back_url,
            # The receipt goes to the client's contacts (bookings.emails): a traveller who paid a
            # share through their link is told so, not promised an email of their own.
            "receipt_to_payer": payment.traveller is None or is_leader,
            "room_quotation_id": booking.quotation_id if is_leader else None,
        },
    )
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Gateway notifications --------------------------------------------------------------------------


def _webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """Record first, answer after: 200 once the event is stored (a duplicate too); 400 for a bad signature."""
    try:
        provider_event_record(
            provider=provider,
            headers=dict(request.headers),
            query={key: request.GET.get(key, "") for key in request.GET},
            body=request.body,
        )
    except PermanentProviderError:
        return HttpResponseBadRequest("invalid notification", content_type="text/plain")
    return JsonResponse({"received": True})


@csrf_exempt
@require_POST
def webhook_mercadopago(request: HttpRequest) -> HttpResponse:
    return _webhook(request, "mercadopago")


@csrf_exempt
@require_POST
def webhook_payu(request: HttpRequest) -> HttpResponse:
    return _webhook(request, "payu")


@csrf_exempt
@require_POST
def webhook_stripe(request: HttpRequest, uuid) -> HttpResponse:
    """dj-stripe's endpoint, with one addition: a delivery without a Stripe-Signature is recorded as
    invalid like every other refused notification (dj-stripe answers it 400 and keeps nothing)."""
    if "stripe-signature" not in request.headers:
        provider_event_refused(
            provider="stripe",
            headers=dict(request.headers),
            query={},
            body=request.body,
            reason="The Stripe-Signature header is missing.",
        )
        return HttpResponseBadRequest("invalid notification", content_type="text/plain")
    return StripeWebhookView.as_view()(request, uuid=uuid)
