"""Back-office admin for quotations.

Statuses, invitations, bids and the audit log are written only by the
services: here they are read-only, and the actions on quotations call the
service verbs and report each refusal without changing anything.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from quotations.admin_base import ReadOnlyMixin, SafeRelatedFieldsMixin
from quotations.errors import QuotationError
from quotations.forms.staff import DEFAULT_BID_WINDOW, DEFAULT_QUOTE_VALIDITY, InviteHotelsForm
from quotations.models import (
    Client,
    Hotel,
    HotelBid,
    HotelBidLine,
    HotelInvitation,
    Quotation,
    QuotationLog,
    QuotationStay,
    ReferenceCounter,
    RoomEvent,
    RoomMessage,
)
from quotations.privacy import viewer_for
from quotations.services import (
    quotation_close_bidding,
    quotation_invite_hotels,
    quotation_send,
    quotation_update,
)
from quotations.workflow import ACTIONS, Action, action_allowed, action_check

LOG_INLINE_LIMIT = 20
ROOM_FIELDS = ("singles", "doubles", "twins", "triples")
# What the hotels bid on: there is no service to change it after creation.
TRIP_FIELDS = ("arrival", "departure", "pax", *ROOM_FIELDS, "meal_plan", "currency")
SERVICE_FIELDS = ("reference", "status", "bid_deadline", "valid_until", "created_at", "updated_at")
# The fields quotation_update may change, and the action of the table that allows each.
DETAIL_FIELDS = ("group_name", "owner", "notes")
TERM_FIELDS = ("client", "margin_percent", "free_place_every")


def user_sees_margin(user) -> bool:
    return viewer_for(user).sees_margin


def fieldsets_without(fieldsets, name: str):
    return [(title, {**opts, "fields": tuple(f for f in opts["fields"] if f != name)}) for title, opts in fieldsets]


@admin.register(Client)
class ClientAdmin(SafeRelatedFieldsMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "country", "language", "email", "phone", "created_at")
    list_filter = ("kind", "country", "language")
    search_fields = ("name", "email", "phone", "tax_id")
    autocomplete_fields = ("contacts",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(Hotel)
class HotelAdmin(SafeRelatedFieldsMixin, admin.ModelAdmin):
    list_display = ("name", "city", "country", "stars", "email", "currency", "is_active")
    list_filter = ("is_active", "country", "stars", "currency", "city")
    search_fields = ("name", "city", "email")
    autocomplete_fields = ("members",)
    readonly_fields = ("created_at", "updated_at")


class QuotationStayInline(ReadOnlyMixin, admin.TabularInline):
    model = QuotationStay
    fields = ("position", "city", "nights")
    readonly_fields = fields
    extra = 0


class PortalPathMixin:
    @admin.display(description=_("portal link"))
    def portal_path(self, obj: HotelInvitation) -> str:
        return f"/portal/i/{obj.token}/"


class HotelInvitationInline(PortalPathMixin, ReadOnlyMixin, admin.TabularInline):
    model = HotelInvitation
    fields = ("hotel", "status", "viewed_at", "portal_path")
    readonly_fields = fields
    extra = 0
    show_change_link = True


class LatestFirstFormSet(forms.BaseInlineFormSet):
    def get_queryset(self):
        return super().get_queryset()[:LOG_INLINE_LIMIT]


class QuotationLogInline(ReadOnlyMixin, admin.TabularInline):
    model = QuotationLog
    formset = LatestFirstFormSet
    fields = ("created_at", "action", "actor", "data")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    extra = 0
    verbose_name_plural = _("latest log entries")


@admin.register(Quotation)
class QuotationAdmin(SafeRelatedFieldsMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "group_name",
        "client",
        "owner",
        "status",
        "arrival",
        "pax",
        "bid_deadline",
        "valid_until",
    )
    list_filter = ("status", "meal_plan", "currency", ("owner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reference", "group_name", "client__name", "stays__city")
    list_select_related = ("client", "owner")
    date_hierarchy = "arrival"
    autocomplete_fields = ("client", "owner")
    actions = ("invite_hotels", "close_bidding", "send_to_client")
    fieldsets = (
        (None, {"fields": ("reference", "status", "client", "owner", "group_name")}),
        (_("Trip"), {"fields": ("arrival", "departure", "pax", "meal_plan")}),
        (_("Rooms"), {"fields": (ROOM_FIELDS,)}),
        (
            _("Pricing and dates"),
            {"fields": ("currency", "margin_percent", "free_place_every", "bid_deadline", "valid_until")},
        ),
        (_("Notes"), {"fields": ("notes", "created_at", "updated_at")}),
        (_("Room"), {"fields": ("room_links",)}),
    )
    # Statuses and dates move by verbs; the itinerary, group and rooms never change.
    always_readonly = (*SERVICE_FIELDS, *TRIP_FIELDS, "room_links")

    def add_view(self, request, form_url="", extra_context=None):
        # One way to create a quotation: the staff page, which calls quotation_create.
        return redirect("staff:quotation_create")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if user_sees_margin(request.user) else fieldsets_without(fieldsets, "margin_percent")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.always_readonly)
        if obj is None or not action_allowed(Action.EDIT_DETAILS, obj.status):
            readonly += DETAIL_FIELDS
        if obj is None or not action_allowed(Action.EDIT_TERMS, obj.status):
            readonly += TERM_FIELDS
        return tuple(readonly)

    def get_inlines(self, request, obj):
        return (QuotationStayInline, HotelInvitationInline, QuotationLogInline)

    @admin.display(description=_("room"))
    def room_links(self, obj: Quotation) -> str:
        """The quotation's room messages and events, each list filtered to this quotation."""
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}?quotation__id__exact={}">{}</a> · <a href="{}?quotation__id__exact={}">{}</a>',
            reverse("admin:quotations_roommessage_changelist"),
            obj.pk,
            _("Messages (%(count)d)") % {"count": obj.messages.count()},
            reverse("admin:quotations_roomevent_changelist"),
            obj.pk,
            _("Events (%(count)d)") % {"count": obj.room_events.count()},
        )

    def save_model(self, request, obj, form, change):
        """Edits go through quotation_update, which checks the status and retires a stale pricing."""
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in DETAIL_FIELDS + TERM_FIELDS}
        obj.refresh_from_db()
        if changes:
            quotation_update(quotation=obj, by=request.user, **changes)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except QuotationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect(request.path)

    def has_delete_permission(self, request, obj=None):
        return False  # deleting would erase the audit log; quotations are cancelled instead

    def _refused(self, request, quotation: Quotation, error: QuotationError) -> None:
        message = _("%(reference)s: %(error)s") % {"reference": quotation.reference, "error": error.message}
        self.message_user(request, message, messages.ERROR)

    def _done(self, request, quotation: Quotation, message: str, **params) -> None:
        self.message_user(request, message % {"reference": quotation.reference, **params}, messages.SUCCESS)

    @admin.action(description=ACTIONS[Action.INVITE].label, permissions=["change"])
    def invite_hotels(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one quotation to invite hotels."), messages.ERROR)
            return None
        quotation = queryset.get()
        try:
            action_check(Action.INVITE, quotation.status)
        except QuotationError as error:
            self._refused(request, quotation, error)
            return None
        if request.POST.get("post") == "yes":
            form = InviteHotelsForm(request.POST, quotation=quotation)
            if form.is_valid():
                try:
                    invited = quotation_invite_hotels(
                        quotation=quotation,
                        hotels=list(form.cleaned_data["hotels"]),
                        by=request.user,
                        bid_deadline=form.cleaned_data["bid_deadline"],
                    )
                except QuotationError as error:
                    self._refused(request, quotation, error)
                else:
                    message = ngettext(
                        "%(reference)s: %(count)d hotel invited.",
                        "%(reference)s: %(count)d hotels invited.",
                        len(invited),
                    )
                    self._done(request, quotation, message, count=len(invited))
                return None
        else:
            deadline = quotation.bid_deadline
            if deadline is None or deadline <= timezone.now():
                deadline = timezone.now() + DEFAULT_BID_WINDOW
            form = InviteHotelsForm(initial={"bid_deadline": deadline}, quotation=quotation)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite hotels"),
            "opts": self.model._meta,
            "quotation": quotation,
            "stays": quotation.stays.all(),
            "invited": quotation.invitations.select_related("hotel"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/quotations/quotation/invite_hotels.html", context)

    @admin.action(description=ACTIONS[Action.CLOSE_BIDDING].label, permissions=["change"])
    def close_bidding(self, request, queryset):
        for quotation in queryset:
            try:
                quotation_close_bidding(quotation=quotation, by=request.user)
            except QuotationError as error:
                self._refused(request, quotation, error)
            else:
                self._done(request, quotation, _("%(reference)s: bidding closed."))

    @admin.action(description=ACTIONS[Action.SEND].label, permissions=["change"])
    def send_to_client(self, request, queryset):
        today = timezone.localdate()
        for quotation in queryset:
            valid_until = quotation.valid_until
            if valid_until is None or valid_until < today:
                valid_until = today + DEFAULT_QUOTE_VALIDITY
            try:
                quotation_send(quotation=quotation, valid_until=valid_until, by=request.user)
            except QuotationError as error:
                self._refused(request, quotation, error)
            else:
                self._done(request, quotation, _("%(reference)s: sent to the client."))


@admin.register(QuotationStay)
class QuotationStayAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("quotation", "position", "city", "nights")
    search_fields = ("city", "quotation__reference", "quotation__group_name")
    list_select_related = ("quotation",)


@admin.register(HotelInvitation)
class HotelInvitationAdmin(PortalPathMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("quotation", "hotel", "status", "invited_by", "viewed_at", "declined_at", "created_at")
    list_filter = ("status",)
    search_fields = ("quotation__reference", "hotel__name", "hotel__city")
    list_select_related = ("quotation", "hotel", "invited_by")
    date_hierarchy = "created_at"
    raw_id_fields = ("quotation", "hotel", "invited_by")
    readonly_fields = ("portal_path",)


class HotelBidLineInline(ReadOnlyMixin, admin.TabularInline):
    model = HotelBidLine
    fields = ("stay", "room_type", "nightly_rate", "rooms_available")
    readonly_fields = fields
    extra = 0


@admin.register(HotelBid)
class HotelBidAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("invitation", "revision", "status", "currency", "valid_until", "submitted_by", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("invitation__quotation__reference", "invitation__hotel__name")
    list_select_related = ("invitation__quotation", "invitation__hotel", "submitted_by")
    date_hierarchy = "created_at"
    raw_id_fields = ("invitation", "submitted_by")
    inlines = (HotelBidLineInline,)


@admin.register(HotelBidLine)
class HotelBidLineAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("bid", "stay", "room_type", "nightly_rate", "rooms_available")
    list_filter = ("room_type",)
    search_fields = ("bid__invitation__quotation__reference", "bid__invitation__hotel__name")
    list_select_related = ("bid__invitation__quotation", "bid__invitation__hotel", "stay")
    raw_id_fields = ("bid", "stay")


@admin.register(QuotationLog)
class QuotationLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "quotation", "action", "actor")
    list_filter = ("action",)
    search_fields = ("quotation__reference", "action", "actor__email")
    list_select_related = ("quotation", "actor")
    date_hierarchy = "created_at"
    raw_id_fields = ("quotation", "actor")


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("prefix", "year", "last_value")
    list_filter = ("prefix", "year")


@admin.register(RoomMessage)
class RoomMessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A room's conversation, for staff to read; messages are written only in the room."""

    list_display = ("created_at", "quotation", "author", "author_kind", "audience", "hotel", "excerpt")
    list_filter = ("author_kind", "audience", ("quotation", admin.RelatedOnlyFieldListFilter))
    search_fields = ("quotation__reference", "quotation__group_name", "author__email", "hotel__name", "body")
    list_select_related = ("quotation", "author", "hotel")
    date_hierarchy = "created_at"
    raw_id_fields = ("quotation", "author", "hotel")
    ordering = ("-created_at", "-id")

    @admin.display(description=_("message"))
    def excerpt(self, obj: RoomMessage) -> str:
        return obj.body if len(obj.body) <= 80 else f"{obj.body[:79]}…"


@admin.register(RoomEvent)
class RoomEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """What each room showed, in order: the record sockets replay from."""

    list_display = ("quotation", "seq", "kind", "created_at")
    list_filter = ("kind", ("quotation", admin.RelatedOnlyFieldListFilter))
    search_fields = ("quotation__reference", "quotation__group_name", "kind")
    list_select_related = ("quotation",)
    date_hierarchy = "created_at"
    raw_id_fields = ("quotation",)
    ordering = ("-created_at", "-id")


from quotations import admin_pricing  # noqa: E402, F401  (registers the pricing models)
