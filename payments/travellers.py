"""A traveller's own payment page: a signed link, no login, showing only that traveller's shares and the trip.

The link names the traveller and nothing else; a forged, altered or
cancelled traveller's link is NotVisible (404), like any missing page.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.db.models import Sum

from bookings.models import InstallmentKind, Traveller
from bookings.privacy import PresentedBankDetails, bank_details
from bookings.shares import installment_shares
from payments.models import Payment, PaymentStatus
from quotations.privacy.presented import Label, Presented
from spirittours.errors import NotVisible

SALT = "payments.traveller-link"


def traveller_link_token(*, traveller: Traveller) -> str:
    return signing.dumps({"t": traveller.pk}, salt=SALT, compress=True)


def traveller_from_token(*, token: str) -> Traveller:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise NotVisible from None
    traveller = (
        Traveller.objects.select_related("booking").filter(pk=data.get("t"), cancelled_at__isnull=True).first()
        if isinstance(data, dict)
        else None
    )
    if traveller is None:
        raise NotVisible
    return traveller


@dataclass(frozen=True)
class PresentedShare(Presented):
    installment_id: int
    kind_label: Label
    due_date: datetime.date
    share: Decimal
    confirmed: Decimal
    pending: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class PresentedTravellerPayment(Presented):
    full_name: str
    group_name: str
    booking_reference: str
    arrival: datetime.date
    departure: datetime.date
    cities: tuple[str, ...]
    currency: str
    shares: tuple[PresentedShare, ...]
    total_share: Decimal
    bank: PresentedBankDetails
    transfer_reference: str
    open: bool


def transfer_reference(*, booking, traveller: Traveller | None = None) -> str:
    """What the payer writes on the transfer: the booking's reference, and the traveller's number for a share."""
    return f"{booking.reference}-{traveller.pk}" if traveller is not None else booking.reference


def _paid(traveller: Traveller, installment_id: int, status: str) -> Decimal:
    rows = Payment.objects.filter(traveller=traveller, installment_id=installment_id, status=status)
    return rows.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def present_traveller_payment(*, traveller: Traveller, open_for_payment: bool) -> PresentedTravellerPayment:
    booking = traveller.booking
    shares = []
    for installment in booking.installments.order_by("position"):
        share = installment_shares(booking=booking, installment=installment).get(traveller.pk, Decimal(0))
        confirmed = _paid(traveller, installment.pk, PaymentStatus.CONFIRMED)
        pending = _paid(traveller, installment.pk, PaymentStatus.PENDING)
        shares.append(
            PresentedShare(
                installment_id=installment.pk,
                kind_label=InstallmentKind(installment.kind).label,
                due_date=installment.due_date,
                share=share,
                confirmed=confirmed,
                pending=pending,
                outstanding=max(share - confirmed - pending, Decimal(0)),
            )
        )
    bank = bank_details(booking=booking)
    return PresentedTravellerPayment(
        full_name=traveller.full_name,
        group_name=booking.group_name,
        booking_reference=booking.reference,
        arrival=booking.arrival,
        departure=booking.departure,
        cities=tuple(dict.fromkeys(stay["city"] for stay in sorted(booking.stays, key=lambda s: s["position"]))),
        currency=booking.currency,
        shares=tuple(shares),
        total_share=sum((s.share for s in shares), Decimal(0)),
        bank=bank,
        transfer_reference=transfer_reference(booking=booking, traveller=traveller),
        open=open_for_payment,
    )


RETURN_SALT = "payments.return"


def payment_return_token(*, payment: Payment) -> str:
    """The key of a payment's return page (where the gateway sends the payer back): it names the payment only."""
    return signing.dumps({"p": payment.pk}, salt=RETURN_SALT, compress=True)


def payment_from_return_token(*, token: str) -> Payment:
    try:
        data = signing.loads(token, salt=RETURN_SALT)
    except signing.BadSignature:
        raise NotVisible from None
    payment = (
        Payment.objects.select_related("booking", "traveller").filter(pk=data.get("p")).first()
        if isinstance(data, dict)
        else None
    )
    if payment is None:
        raise NotVisible
    return payment
