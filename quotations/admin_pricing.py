"""Admin for exchange rates (maintained by staff) and the pricing record (read-only)."""

from django.contrib import admin

from quotations.admin_base import ReadOnlyMixin
from quotations.models import ExchangeRate, QuotationExtra, QuotationPricing, QuotationPricingChoice
from quotations.privacy import viewer_for

MARGIN_FIELDS = ("margin_percent",)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("base", "quote", "rate", "valid_from", "updated_at")
    list_filter = ("base", "quote")
    date_hierarchy = "valid_from"
    ordering = ("base", "quote", "-valid_from")


@admin.register(QuotationExtra)
class QuotationExtraAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("quotation", "kind", "description", "amount_per_person")
    list_filter = ("kind",)
    search_fields = ("quotation__reference", "description")
    list_select_related = ("quotation",)


class QuotationPricingChoiceInline(ReadOnlyMixin, admin.TabularInline):
    model = QuotationPricingChoice
    fields = ("stay", "bid", "overridden", "cost")
    readonly_fields = fields
    extra = 0


@admin.register(QuotationPricing)
class QuotationPricingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("quotation", "is_current", "price_per_person", "price_total", "currency", "created_at")
    list_filter = ("is_current", "currency")
    search_fields = ("quotation__reference",)
    list_select_related = ("quotation",)
    date_hierarchy = "created_at"
    inlines = (QuotationPricingChoiceInline,)

    def get_exclude(self, request, obj=None):
        # Staff below the margin level see prices and costs, not the margin.
        return () if viewer_for(request.user).sees_margin else MARGIN_FIELDS

    def get_fields(self, request, obj=None):
        fields = [f.name for f in QuotationPricing._meta.fields if f.name != "id"]
        return [f for f in fields if f not in self.get_exclude(request, obj)]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)
