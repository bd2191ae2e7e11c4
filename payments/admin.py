"""The ledger in the back office: rows are read-only; a bank transfer is recorded through the same
service as on the staff's booking page (`Record a bank transfer`, linked from each booking)."""

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from bookings.models import Booking
from payments.forms import TransferForm
from payments.models import Payment, PaymentRoute, ProviderEvent, Refund
from payments.services import payment_record_transfer
from spirittours.errors import DomainError
from spirittours.web import form_add_domain_error


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    def get_urls(self):
        record = self.admin_site.admin_view(self.record_transfer_view)
        return [path("record/<int:booking_id>/", record, name="payments_payment_record"), *super().get_urls()]

    def record_transfer_view(self, request, booking_id: int):
        """Record a bank transfer on a booking: the staff page's form and service, in the back office."""
        booking = get_object_or_404(Booking, pk=booking_id)
        if not request.user.has_perm("payments.view_payment") or getattr(request.user, "role", "") != "staff":
            messages.error(request, _("Only staff may record a transfer."))
            return redirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        form = TransferForm(request.POST or None, booking=booking)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment_record_transfer(
                    booking=booking,
                    installment=data["installment"],
                    amount=data["amount"],
                    received_on=data["received_on"],
                    reference=data["reference"],
                    by=request.user,
                )
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, _("The transfer is recorded and confirmed."))
                return redirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a bank transfer"),
            "booking": booking,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/record_transfer.html", context)

    list_display = ("created_at", "booking", "amount", "currency", "provider", "status", "receipt_number", "flag")
    list_filter = ("status", "provider")
    search_fields = ("booking__reference", "provider_reference", "provider_payment_id", "receipt_number")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "payment", "amount", "currency", "status", "source", "credit_note_number")
    list_filter = ("status", "source")
    search_fields = ("payment__booking__reference", "credit_note_number")


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    """Every gateway notification as it arrived, and what processing made of it (for support)."""

    list_display = ("received_at", "provider", "external_id", "kind", "signature_valid", "outcome", "attempts")
    list_filter = ("provider", "outcome", "signature_valid")
    search_fields = ("external_id", "payment__booking__reference")
    date_hierarchy = "received_at"


@admin.register(PaymentRoute)
class PaymentRouteAdmin(admin.ModelAdmin):
    """Which gateway each country pays through; a gateway without keys, or one that does not take the
    booking's currency, falls back to Stripe and then to bank transfer (payments.routing)."""

    list_display = ("country", "provider")
    list_editable = ("provider",)
    ordering = ("country",)
