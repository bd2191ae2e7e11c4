"""The back office's view of bookings: read-only, since every change goes through a service."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, BookingLog, Guide, Installment, PaymentTerms, Traveller


class InstallmentInline(admin.TabularInline):
    model = Installment
    extra = 0
    can_delete = False
    readonly_fields = ("position", "kind", "due_date", "amount", "paid_amount")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TravellerInline(admin.TabularInline):
    model = Traveller
    extra = 0
    can_delete = False
    fields = ("full_name", "nationality", "document_number", "document_expiry", "room_type", "is_free_place")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("reference", "group_name", "client", "owner", "arrival", "status", "total", "paid_amount")
    list_filter = ("status", "arrival", "owner")
    search_fields = ("reference", "group_name", "client__name", "quotation__reference")
    inlines = [InstallmentInline, TravellerInline]
    readonly_fields = [*(field.name for field in Booking._meta.fields), "record_transfer"]

    @admin.display(description=_("Bank transfer"))
    def record_transfer(self, booking: Booking) -> str:
        # The payments app serves it (bookings imports nothing of payments): a link by URL name.
        url = reverse("admin:payments_payment_record", args=[booking.pk])
        return format_html('<a href="{}">{}</a>', url, _("Record a bank transfer"))

    def has_add_permission(self, request) -> bool:
        return False  # a booking is made by the client's approval

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BookingLog)
class BookingLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "booking", "action", "actor")
    list_filter = ("action",)
    search_fields = ("booking__reference",)
    readonly_fields = ("booking", "actor", "action", "data", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Guide)
class GuideAdmin(admin.ModelAdmin):
    list_display = ("full_name", "email", "phone", "languages", "is_active")
    list_filter = ("is_active",)
    search_fields = ("full_name", "email")


@admin.register(PaymentTerms)
class PaymentTermsAdmin(admin.ModelAdmin):
    """A quotation's own deposit and balance rules, used when its client approves it."""

    list_display = (
        "quotation",
        "deposit_percent",
        "deposit_fixed_per_person",
        "whichever_higher",
        "balance_days_before",
    )
    autocomplete_fields = ("quotation",)
    search_fields = ("quotation__reference", "quotation__group_name")
