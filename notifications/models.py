"""The email outbox: every email is a row before it is a message on the wire."""

import uuid
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from spirittours.db import TimeStampedModel


class EmailTemplate(models.TextChoices):
    QUOTATION_CREATED = "quotation_created", _("Quotation created")
    QUOTATION_APPROVED = "quotation_approved", _("Quotation approved")
    HOTEL_INVITATION = "hotel_invitation", _("Hotel invitation")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmed")
    GUIDE_ASSIGNED = "guide_assigned", _("Guide assigned")
    PAYMENT_REMINDER = "payment_reminder", _("Payment reminder")
    DEADLINE_WARNING = "deadline_warning", _("Deadline warning")
    CANCELLATION_NOTICE = "cancellation_notice", _("Cancellation notice")
    REFUND_PROCESSED = "refund_processed", _("Refund processed")
    QUOTATION_SENT = "quotation_sent", _("Quote sent")
    CLIENT_CHANGES_REQUESTED = "client_changes_requested", _("Client asked for changes")
    CLIENT_DECLINED = "client_declined", _("Client declined")
    HOTEL_ACTIVITY = "hotel_activity", _("Hotel activity")
    BIDDING_INCOMPLETE = "bidding_incomplete", _("Bidding closed incomplete")
    PASSWORD_RESET = "password_reset", _("Password reset")
    TRAVELLER_PAYMENT_LINK = "traveller_payment_link", _("Traveller's payment link")
    HOTEL_BOOKING_REQUEST = "hotel_booking_request", _("Booking request to a hotel")


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Marked as spam")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")


def message_id_new() -> str:
    """A fresh RFC 5322 Message-ID on the domain of the sending address."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "spirittours.example"
    return f"<{uuid.uuid4().hex}@{domain}>"


class EmailMessage(TimeStampedModel):
    """One email, rendered once when queued; delivery only ever sends these bytes."""

    template = models.CharField(_("template"), max_length=30, choices=EmailTemplate.choices)
    language = models.CharField(_("language"), max_length=2)
    to_email = models.EmailField(_("recipient"))
    to_name = models.CharField(_("recipient name"), max_length=150, blank=True)
    context = models.JSONField(_("context"), default=dict)
    # Documents made when the email is sent, by the app that declares each kind (notifications.attachments):
    # [{"kind": "receipt", "id": 12}], so the outbox stores a reference, never the file.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("plain text"))
    body_html = models.TextField(_("HTML"))
    status = models.CharField(
        _("status"), max_length=12, choices=EmailStatus.choices, default=EmailStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Fixed when the row is queued and sent on every attempt: a copy sent again after a
    # crash carries the same Message-ID, so the provider and mail clients can tell.
    message_id_header = models.CharField(
        _("Message-ID"), max_length=255, unique=True, default=message_id_new, editable=False
    )
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True, db_index=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "updated_at"], name="email_status_updated")]

    def __str__(self) -> str:
        return f"{self.template} → {self.to_email} ({self.status})"


class EmailSuppression(models.Model):
    """An address that bounced hard or complained: later sends to it are suppressed."""

    email = models.EmailField(_("email"), unique=True)
    reason = models.CharField(_("reason"), max_length=20)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class EmailTrackingEvent(models.Model):
    """A tracking webhook event, kept once per provider event id."""

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    message = models.ForeignKey(
        EmailMessage, verbose_name=_("email"), on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    event_type = models.CharField(_("event"), max_length=20)
    recipient = models.EmailField(_("recipient"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
