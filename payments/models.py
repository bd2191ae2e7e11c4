"""The payments ledger, as in pretix: what was paid is the sum of confirmed payments minus done refunds.

A `Payment` is money the client (the group leader, or one traveller for their
share) sends for one installment, through one provider; a `Refund` gives back
part or all of a confirmed payment. Rows are never deleted; a status moves
only forward, and confirming an already confirmed payment changes nothing.
Each idempotency key is unique, so the same transfer recorded twice, or the
same provider notification processed twice, is one row.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, Installment, Traveller
from spirittours.db import TimeStampedModel
from spirittours.geo import Country, Currency

GATEWAY_CHOICES = [("stripe", "Stripe"), ("mercadopago", "MercadoPago"), ("payu", "PayU")]


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Payment(TimeStampedModel):
    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="payments")
    installment = models.ForeignKey(
        Installment, verbose_name=_("installment"), on_delete=models.PROTECT, related_name="payments"
    )
    # Set when a traveller pays their own share through their link.
    traveller = models.ForeignKey(
        Traveller,
        verbose_name=_("traveller"),
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    provider = models.CharField(_("provider"), max_length=20, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.CREATED, db_index=True
    )
    # The bank reference of a transfer, or the checkout's id at a gateway (a Stripe session...).
    provider_reference = models.CharField(_("provider reference"), max_length=120, blank=True)
    # The money movement's own id at the gateway, once a notification names it (used to refund).
    provider_payment_id = models.CharField(_("payment id at the provider"), max_length=120, blank=True)
    checkout_url = models.URLField(_("checkout address"), max_length=2000, blank=True)
    checkout_expires_at = models.DateTimeField(_("checkout expires at"), null=True, blank=True)
    # Set when the provider reported something that does not match (amount, currency): staff look.
    flag = models.CharField(_("flag"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    receipt_number = models.CharField(_("receipt number"), max_length=20, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["booking", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(name="payment_amount_positive", condition=models.Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.booking.reference} {self.amount} {self.currency} ({self.status})"

    @property
    def provider_label(self) -> str:
        return dict(GATEWAY_CHOICES).get(self.provider) or str(_("Bank transfer"))


class RefundStatus(models.TextChoices):
    CREATED = "created", _("Created")
    TRANSIT = "transit", _("In transit")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RefundSource(models.TextChoices):
    CLIENT = "client", _("Asked by the client")
    STAFF = "staff", _("Made by our team")
    PROVIDER = "provider", _("Made at the provider")


class Refund(TimeStampedModel):
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.CREATED, db_index=True
    )
    source = models.CharField(_("source"), max_length=10, choices=RefundSource.choices)
    provider_reference = models.CharField(_("provider reference"), max_length=120, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    credit_note_number = models.CharField(_("credit note number"), max_length=20, unique=True, null=True, blank=True)
    # Why the provider refused it, when it did (shown to staff, who then refund by bank).
    failure = models.CharField(_("failure"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["payment", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(name="refund_amount_positive", condition=models.Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.payment.booking.reference} −{self.amount} {self.currency} ({self.status})"


class EventOutcome(models.TextChoices):
    RECEIVED = "received", _("Received")
    APPLIED = "applied", _("Applied")
    UNCHANGED = "unchanged", _("Nothing to change")
    FLAGGED = "flagged", _("Flagged for staff")
    UNKNOWN = "unknown", _("Not ours")
    FAILED = "failed", _("Processing failed")
    INVALID = "invalid", _("Invalid signature")


class ProviderEvent(models.Model):
    """Every notification a gateway sends, recorded before anything is done with it.

    The request is answered once the row is committed; a task processes it
    after commit, and the retry job takes up any whose processing failed or
    never ran (a worker killed). An invalid signature is recorded too, with
    its own unique id, and never processed.
    """

    provider = models.CharField(_("provider"), max_length=20)
    external_id = models.CharField(_("id at the provider"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    headers = models.JSONField(_("headers"), default=dict)
    query = models.JSONField(_("query"), default=dict)
    body = models.TextField(_("body"), blank=True)
    signature_valid = models.BooleanField(_("signature valid"))
    # What verification read from the body: processing works from this, not from the raw body again.
    data = models.JSONField(_("verified data"), default=dict)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True, db_index=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=EventOutcome.choices, default=EventOutcome.RECEIVED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )

    class Meta:
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="provider_event_unique_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.external_id} ({self.outcome})"


class PaymentRoute(models.Model):
    """Which gateway a client's country pays through (editable in the admin); countries not listed use Stripe."""

    country = models.CharField(_("country"), max_length=2, choices=Country.choices, unique=True)
    provider = models.CharField(_("provider"), max_length=20, choices=GATEWAY_CHOICES)

    class Meta:
        verbose_name = _("payment route")
        verbose_name_plural = _("payment routes")
        ordering = ["country"]

    def __str__(self) -> str:
        return f"{self.country} → {self.provider}"
