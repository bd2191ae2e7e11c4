"""The payments panels of the booking pages (declared for bookings.panels)."""

from bookings.models import BookingStatus
from bookings.panels import BookingPanel
from payments.forms import TransferForm
from payments.selectors import payment_list_for_booking
from payments.services import OPEN_FOR_PAYMENT


def _staff_ledger(request, booking) -> dict:
    extra = getattr(request, "booking_panel_extra", {})
    return {
        "payments": list(payment_list_for_booking(booking=booking)),
        "currency": booking.currency,
        "can_record": booking.status in OPEN_FOR_PAYMENT and booking.paid_amount < booking.total,
        "transfer_form": extra.get("transfer_form") or TransferForm(booking=booking),
        "booking_id": booking.pk,
    }


def _client_payments(request, booking) -> dict:
    confirmed = [p for p in payment_list_for_booking(booking=booking) if p.status == "confirmed"]
    return {
        "payments": confirmed,
        "currency": booking.currency,
        "owes": booking.status != BookingStatus.CANCELLED and booking.paid_amount < booking.total,
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
