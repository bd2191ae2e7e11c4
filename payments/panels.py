"""The payments panels of the booking pages (declared for bookings.panels)."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from bookings.panels import BookingPanel
from bookings.shares import installment_shares
from payments.forms import RefundForm, TransferForm
from payments.models import PaymentStatus
from payments.selectors import payment_list_for_booking, refund_list_for_booking, refund_list_moving
from payments.services import (
    ANNOUNCED,
    OPEN_FOR_PAYMENT,
    gateway_for_booking,
    refund_gateway_refusal,
    shares_outstanding,
)
from payments.travellers import traveller_link_token


def _gateway_refunds(payments: list, now) -> list[dict]:
    """Each confirmed gateway payment and whether it can go back through its gateway now (and why not)."""
    rows = []
    for payment in payments:
        if payment.status != PaymentStatus.CONFIRMED or payment.provider == "manual":
            continue
        left = payment.amount - sum((r.amount for r in payment.refunds.all() if r.status != "failed"), Decimal(0))
        if left <= 0:
            continue
        refusal = refund_gateway_refusal(payment=payment, amount=left, now=now)
        rows.append({"payment": payment, "left": left, "refusal": refusal})
    return rows


def _staff_ledger(request, booking) -> dict:
    extra = getattr(request, "booking_panel_extra", {})
    payments = list(payment_list_for_booking(booking=booking))
    gateway_refunds = _gateway_refunds(payments, timezone.now())
    return {
        "payments": payments,
        "gateway_refunds": gateway_refunds,
        "moving_refunds": list(refund_list_moving(booking=booking)),
        "currency": booking.currency,
        "can_record": booking.status in OPEN_FOR_PAYMENT and booking.paid_amount < booking.total,
        "transfer_form": extra.get("transfer_form") or TransferForm(booking=booking),
        "booking_id": booking.pk,
        "refunds": list(refund_list_for_booking(booking=booking)),
        "refund_owed": booking.refund_owed,
        "can_refund": booking.paid_amount > 0,
        "refund_form": extra.get("refund_form")
        or RefundForm(prefix="refund", initial={"amount": booking.refund_owed or None}, gateways=bool(gateway_refunds)),
    }


def _client_payments(request, booking) -> dict:
    payments = list(payment_list_for_booking(booking=booking))
    open_for_payment = booking.status in OPEN_FOR_PAYMENT
    installments = []
    for installment in booking.installments.order_by("position"):
        announced = sum(
            (p.amount for p in payments if p.installment_id == installment.pk and p.status in ANNOUNCED), Decimal(0)
        )
        installments.append(
            {
                "id": installment.pk,
                "label": installment.get_kind_display(),
                "due_date": installment.due_date,
                "left": max(installment.amount - announced, Decimal(0)),
            }
        )
    upcoming = next((i for i in booking.installments.order_by("position") if i.amount > i.paid_amount), None)
    shares = []
    if upcoming is not None:
        amounts = installment_shares(booking=booking, installment=upcoming)
        outstanding = shares_outstanding(installment=upcoming)
        for traveller in booking.travellers.filter(cancelled_at__isnull=True).order_by("created_at", "pk"):
            shares.append(
                {
                    "traveller": traveller,
                    "share": amounts.get(traveller.pk, Decimal(0)),
                    "left": outstanding.get(traveller.pk, Decimal(0)),
                    "link": reverse("pay:traveller", kwargs={"token": traveller_link_token(traveller=traveller)}),
                }
            )
    gateway = gateway_for_booking(booking=booking) if open_for_payment else None
    return {
        "gateway": gateway if gateway is not None and gateway.identifier != "manual" else None,
        "processing": [p for p in payments if p.status == PaymentStatus.PENDING and p.provider != "manual"],
        "payments": [p for p in payments if p.status == PaymentStatus.CONFIRMED],
        "refunds": list(refund_list_for_booking(booking=booking)),
        "pending": [p for p in payments if p.status == PaymentStatus.PENDING and p.provider == "manual"],
        "currency": booking.currency,
        "owes": open_for_payment and booking.paid_amount < booking.total,
        "installments": installments,
        "upcoming": upcoming,
        "shares": shares,
        "booking_id": booking.pk,
    }


BOOKING_PANELS = [
    BookingPanel(
        name="ledger", template="payments/_staff_ledger.html", viewers=frozenset({"staff"}), context=_staff_ledger
    ),
    BookingPanel(
        name="payments",
        template="payments/_client_payments.html",
        viewers=frozenset({"client"}),
        context=_client_payments,
    ),
]
