"""The ledger in the back office: read-only (a transfer is recorded on the staff's booking page)."""

from django.contrib import admin

from payments.models import Payment, Refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "booking", "amount", "currency", "provider", "status", "receipt_number")
    list_filter = ("status", "provider")
    search_fields = ("booking__reference", "provider_reference", "receipt_number")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "payment", "amount", "currency", "status", "source", "credit_note_number")
    list_filter = ("status", "source")
    search_fields = ("payment__booking__reference", "credit_note_number")
