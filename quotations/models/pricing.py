"""Exchange rates, extras and the frozen result of each automatic quotation."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from quotations.models.core import HotelBid, Quotation, QuotationStay
from spirittours.db import TimeStampedModel
from spirittours.geo import Currency


class ExchangeRate(TimeStampedModel):
    """One unit of `base` is worth `rate` units of `quote`, from `valid_from` on.

    Staff maintain these in the admin; bids in another currency are converted
    with the newest rate in force (or the inverse of the opposite pair).
    """

    base = models.CharField(_("from currency"), max_length=3, choices=Currency.choices)
    quote = models.CharField(_("to currency"), max_length=3, choices=Currency.choices)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["base", "quote", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "valid_from"], name="exchange_rate_unique_day"),
            models.CheckConstraint(
                name="exchange_rate_positive",
                condition=models.Q(rate__gt=0),
                violation_error_message=_("The rate must be greater than zero."),
            ),
            models.CheckConstraint(
                name="exchange_rate_two_currencies",
                condition=~models.Q(base=models.F("quote")),
                violation_error_message=_("A rate converts between two different currencies."),
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} ({self.valid_from})"


class ExtraKind(models.TextChoices):
    GUIDE = "guide", _("Guide")
    TRANSPORT = "transport", _("Transport")
    ENTRANCE = "entrance", _("Entrance fees")
    INSURANCE = "insurance", _("Travel insurance")
    OTHER = "other", _("Other")


class QuotationExtra(models.Model):
    """A per-person service on top of the hotels; its description is shown to the client."""

    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), on_delete=models.CASCADE, related_name="extras"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ExtraKind.choices)
    description = models.CharField(_("description"), max_length=200)
    amount_per_person = models.DecimalField(
        _("amount per person"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("extra")
        verbose_name_plural = _("extras")
        ordering = ["quotation", "id"]
        constraints = [
            models.CheckConstraint(name="extra_amount_not_negative", condition=models.Q(amount_per_person__gte=0)),
        ]

    def __str__(self) -> str:
        return self.description


class QuotationPricing(models.Model):
    """One run of the automatic quotation, every figure frozen as computed.

    Only the newest run of a quotation is current; older runs stay as history.
    """

    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), on_delete=models.CASCADE, related_name="pricings"
    )
    is_current = models.BooleanField(_("current"), default=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    margin_percent = models.DecimalField(_("margin %"), max_digits=5, decimal_places=2)
    hotel_cost_total = models.DecimalField(_("hotel cost, whole group"), max_digits=14, decimal_places=2)
    extras_per_person = models.DecimalField(_("extras per person"), max_digits=12, decimal_places=2)
    cost_per_person = models.DecimalField(_("cost per person"), max_digits=14, decimal_places=2)
    price_per_person = models.DecimalField(_("client price per person"), max_digits=14, decimal_places=2)
    price_total = models.DecimalField(_("client price, whole group"), max_digits=16, decimal_places=2)
    room_prices = models.JSONField(_("client price per person by room type"), default=dict)
    breakdown = models.JSONField(_("breakdown"), default=dict)
    bids_valid_until = models.DateField(_("chosen bids valid until"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quotation pricing")
        verbose_name_plural = _("quotation pricings")
        ordering = ["quotation", "-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(
                fields=["quotation"], condition=models.Q(is_current=True), name="pricing_one_current_per_quotation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quotation_id}: {self.price_per_person} {self.currency}"


class QuotationPricingChoice(models.Model):
    """The bid chosen for one stay in a pricing run."""

    pricing = models.ForeignKey(
        QuotationPricing, verbose_name=_("pricing"), on_delete=models.CASCADE, related_name="choices"
    )
    stay = models.ForeignKey(QuotationStay, verbose_name=_("stay"), on_delete=models.CASCADE, related_name="+")
    bid = models.ForeignKey(HotelBid, verbose_name=_("bid"), on_delete=models.PROTECT, related_name="pricing_choices")
    overridden = models.BooleanField(_("chosen by staff"), default=False)
    cost = models.DecimalField(_("cost of the stay"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("chosen bid")
        verbose_name_plural = _("chosen bids")
        ordering = ["pricing", "stay__position"]
        constraints = [models.UniqueConstraint(fields=["pricing", "stay"], name="pricing_choice_unique_stay")]

    def __str__(self) -> str:
        return f"{self.stay} → {self.bid}"
