"""The payments demo: the demo's booked trips have their deposit paid by bank transfer.

Runs after the quotations demo, whose approvals made the bookings; a second run
finds every such deposit paid and changes nothing.
"""

from django.utils import timezone
from django.utils.translation import ngettext

from bookings.models import Booking, BookingStatus
from payments.services import payment_record_transfer
from quotations.models import QuotationStatus
from spirittours.seeding import SeedResult, SeedStep

SEED_STEPS = [SeedStep(name="payments", order=40, run="payments.seeds.payments_seed")]


def payments_seed() -> SeedResult:
    paid = 0
    unpaid = Booking.objects.filter(status=BookingStatus.OPTION, quotation__status=QuotationStatus.BOOKED)
    for booking in unpaid.select_related("owner").order_by("pk"):
        deposit = booking.installments.order_by("position").first()
        payment_record_transfer(
            booking=booking,
            installment=deposit,
            amount=deposit.amount - deposit.paid_amount,
            received_on=timezone.localdate(),
            reference=f"DEMO {booking.reference}",
            by=booking.owner,
        )
        paid += 1
    bookings = Booking.objects.count()
    return SeedResult(
        headline=ngettext(
            "Bookings: %(count)d, the deposit of %(paid)d paid by this run.",
            "Bookings: %(count)d, the deposits of %(paid)d paid by this run.",
            bookings,
        )
        % {"count": bookings, "paid": paid},
    )
