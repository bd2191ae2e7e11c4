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
from spirittours.geo import Currency


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
    provider_reference = models.CharField(_("provider reference"), max_length=120, blank=True)
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

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["payment", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(name="refund_amount_positive", condition=models.Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.payment.booking.reference} −{self.amount} {self.currency} ({self.status})"
