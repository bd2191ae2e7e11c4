from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from notifications.errors import PermanentSendError
from notifications.models import EmailMessage, EmailStatus, EmailSuppression, EmailTemplate, EmailTrackingEvent
from notifications.previews import preview_context
from notifications.services import email_render, email_retry


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "template", "to_email", "language", "status", "attempts", "last_error")
    list_filter = ("status", "template", "language")
    search_fields = ("to_email", "subject", "dedupe_key", "message_id_header", "provider_message_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in EmailMessage._meta.fields]
    actions = ("retry_failed",)
    change_list_template = "admin/notifications/emailmessage/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected failed emails again"))
    def retry_failed(self, request, queryset):
        retried = 0
        for message in queryset.filter(status=EmailStatus.FAILED):
            try:
                email_retry(message=message)
                retried += 1
            except PermanentSendError as error:
                self.message_user(request, str(error), messages.ERROR)
        self.message_user(request, _("%(count)d emails queued again.") % {"count": retried})

    def get_urls(self):
        return [
            path("previews/", self.admin_site.admin_view(self.previews), name="notifications_email_previews"),
            *super().get_urls(),
        ]

    def previews(self, request):
        """Every template in both languages, rendered with demo data."""
        renders = [
            {
                "template": key,
                "label": label,
                "language": language,
                **email_render(template=key, language=language, context=preview_context(key)).__dict__,
            }
            for key, label in EmailTemplate.choices
            for language in ("es", "en")
        ]
        context = {**self.admin_site.each_context(request), "title": _("Email previews"), "renders": renders}
        return TemplateResponse(request, "admin/notifications/previews.html", context)


@admin.register(EmailSuppression)
class EmailSuppressionAdmin(admin.ModelAdmin):
    list_display = ("email", "reason", "created_at")
    search_fields = ("email",)


@admin.register(EmailTrackingEvent)
class EmailTrackingEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "event_type", "recipient", "message")
    list_filter = ("event_type",)
    search_fields = ("event_id", "recipient")
    readonly_fields = ("event_id", "message", "event_type", "recipient", "occurred_at", "received_at")

    def has_add_permission(self, request):
        return False
