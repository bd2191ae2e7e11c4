"""Staff's money pages: recording a bank transfer on a booking."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.privacy import booking_get_visible
from bookings.views import booking_page
from payments.forms import TransferForm
from payments.services import payment_record_transfer
from spirittours.access import staff_required
from spirittours.web import form_submit


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
