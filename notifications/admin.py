from csp.decorators import csp_replace
from django.contrib import admin, messages
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from notifications.errors import PermanentSendError
from notifications.models import EmailMessage, EmailStatus, EmailSuppression, EmailTemplate, EmailTrackingEvent
from notifications.previews import preview_context
from notifications.services import email_render, email_retry

PREVIEW_LANGUAGES = ("es", "en")
# The policy of a framed email preview: inline styles, images inlined as data, nothing else.
EMAIL_PREVIEW_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "connect-src": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'self'"],
}


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
            path(
                "previews/<str:template>/<str:language>/",
                self.admin_site.admin_view(self.preview_html),
                name="notifications_email_preview_html",
            ),
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
            for language in PREVIEW_LANGUAGES
        ]
        context = {**self.admin_site.each_context(request), "title": _("Email previews"), "renders": renders}
        return TemplateResponse(request, "admin/notifications/previews.html", context)

    @method_decorator(xframe_options_sameorigin)
    @method_decorator(csp_replace(EMAIL_PREVIEW_POLICY))
    def preview_html(self, request, template: str, language: str):
        """One email's HTML on its own, framed by the previews page.

        Emails style themselves inline (mail clients ignore stylesheets), which the
        site's policy forbids; this response alone allows inline styles and nothing
        else: no script, no request to anywhere, framed only by our own pages.
        """
        if template not in EmailTemplate.values or language not in PREVIEW_LANGUAGES:
            raise Http404
        rendered = email_render(template=template, language=language, context=preview_context(template))
        return HttpResponse(rendered.html)


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
