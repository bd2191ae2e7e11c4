"""Bookings: an approved quote frozen as what the client bought, its payment schedule and its travellers.

Every figure of a booking is copied from the quote's pricing when the client
approves it and is never recomputed: the price lines, the chosen hotels and the
exchange rates of that day. What has been paid is written here by the payments
ledger only (`paid_amount`, each installment's `paid_amount`), so the booking's
pages and status never need to add up payments themselves.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from quotations.models import Client, Hotel, HotelInvitation, Quotation, RoomType
from spirittours.db import TimeStampedModel
from spirittours.geo import Currency


class BookingStatus(models.TextChoices):
    OPTION = "option", _("Option (awaiting the deposit)")
    CONFIRMED = "confirmed", _("Confirmed")
    PAID = "paid", _("Paid in full")
    TRAVELLING = "travelling", _("Travelling")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Guide(TimeStampedModel):
    """A tour guide who may accompany a group; reached by email, with a link to the trip (never a price)."""

    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    language = models.CharField(_("language of emails"), max_length=2, default="es")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("guide")
        verbose_name_plural = _("guides")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class PaymentTerms(TimeStampedModel):
    """A quotation's own payment schedule rules, instead of the settings' (BOOKING_DEPOSIT_*)."""

    quotation = models.OneToOneField(
        Quotation, verbose_name=_("quotation"), on_delete=models.CASCADE, related_name="payment_terms"
    )
    deposit_percent = models.DecimalField(
        _("deposit % of the total"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    deposit_fixed_per_person = models.DecimalField(
        _("deposit per paying traveller"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    whichever_higher = models.BooleanField(_("whichever deposit is higher"), default=False)
    balance_days_before = models.PositiveSmallIntegerField(
        _("balance due days before arrival"), default=60, validators=[MaxValueValidator(365)]
    )

    class Meta:
        verbose_name = _("payment terms")
        verbose_name_plural = _("payment terms")

    def __str__(self) -> str:
        return str(self.quotation)


class Booking(TimeStampedModel):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    quotation = models.OneToOneField(
        Quotation, verbose_name=_("quotation"), on_delete=models.PROTECT, related_name="booking"
    )
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="bookings")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_bookings"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.OPTION, db_index=True
    )
    group_name = models.CharField(_("group name"), max_length=200)
    arrival = models.DateField(_("arrival"), db_index=True)
    departure = models.DateField(_("departure"))
    pax = models.PositiveIntegerField(_("travellers"))
    paying = models.PositiveIntegerField(_("paying travellers"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2)
    # Confirmed payments minus done refunds; written by the payments ledger only.
    paid_amount = models.DecimalField(_("paid"), max_digits=16, decimal_places=2, default=0)
    # Frozen at approval: the client's lines per room type, the stays with their chosen hotels,
    # and the exchange rate of each bid currency to the booking's currency on that day.
    price_lines = models.JSONField(_("price per room type"), default=dict)
    stays = models.JSONField(_("stays and hotels"), default=list)
    exchange_rates = models.JSONField(_("exchange rates"), default=dict)
    cancellation_tiers = models.JSONField(_("cancellation tiers"), default=list)
    rooming_cutoff = models.DateField(_("rooming list cut-off"))
    guide = models.ForeignKey(
        Guide, verbose_name=_("guide"), on_delete=models.PROTECT, related_name="bookings", null=True, blank=True
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    # What the cancellation tier kept when the booking was cancelled; paid beyond it is refunded.
    # Changes to the total after booking (a traveller's cancellation, a single supplement): each
    # {"kind", "label", "amount"}, so the lines plus these always add up to the total shown.
    adjustments = models.JSONField(_("adjustments"), default=list, blank=True)
    retained_amount = models.DecimalField(
        _("retained on cancellation"), max_digits=16, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["arrival", "reference"]
        constraints = [
            models.CheckConstraint(name="booking_total_not_negative", condition=models.Q(total__gte=0)),
            models.CheckConstraint(
                name="booking_departure_after_arrival", condition=models.Q(departure__gt=models.F("arrival"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.group_name}"

    @property
    def balance(self):
        return self.total - self.paid_amount

    @property
    def refund_owed(self):
        """What was paid beyond what is owed (the total, or after a cancellation what the tier retains)."""
        owed = self.total if self.retained_amount is None else self.retained_amount
        return max(self.paid_amount - owed, 0)


class InstallmentKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    PROGRESS = "progress", _("Progress payment")
    BALANCE = "balance", _("Balance")
    FULL = "full", _("Full payment")


class Installment(models.Model):
    """One due payment of a booking's schedule; the schedule's amounts add up to the booking's total."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="installments"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=InstallmentKind.choices)
    due_date = models.DateField(_("due date"), db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)])
    # Confirmed payments of this installment; written by the payments ledger only.
    paid_amount = models.DecimalField(_("paid"), max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["booking", "position"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "position"], name="installment_unique_position"),
            models.CheckConstraint(name="installment_amount_not_negative", condition=models.Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.booking.reference} #{self.position} {self.get_kind_display()}"

    @property
    def outstanding(self):
        return max(self.amount - self.paid_amount, 0)


class BookingHotel(models.Model):
    """A hotel chosen for the booking: what it is told of its rooming list, and when."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="hotels")
    hotel = models.ForeignKey(Hotel, verbose_name=_("hotel"), on_delete=models.PROTECT, related_name="bookings")
    invitation = models.ForeignKey(
        HotelInvitation, verbose_name=_("invitation"), on_delete=models.PROTECT, related_name="+"
    )
    check_in = models.DateField(_("check-in"))
    check_out = models.DateField(_("check-out"))
    # The rooming list was first sent (emailed) then; a change after it is flagged to the hotel.
    rooming_sent_at = models.DateTimeField(_("rooming list sent at"), null=True, blank=True)
    rooming_changed_at = models.DateTimeField(_("rooming list changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booked hotel")
        verbose_name_plural = _("booked hotels")
        ordering = ["booking", "check_in", "pk"]
        constraints = [models.UniqueConstraint(fields=["booking", "hotel"], name="booking_hotel_unique")]

    def __str__(self) -> str:
        return f"{self.booking.reference} → {self.hotel.name}"


class BookingRoom(models.Model):
    """One room of the booked mix (the same rooms at every hotel of the trip), numbered for the rooming list."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="rooms")
    number = models.PositiveSmallIntegerField(_("room"))
    room_type = models.CharField(_("room type"), max_length=10, choices=RoomType.choices)

    class Meta:
        verbose_name = _("booked room")
        verbose_name_plural = _("booked rooms")
        ordering = ["booking", "number"]
        constraints = [models.UniqueConstraint(fields=["booking", "number"], name="booking_room_unique_number")]

    def __str__(self) -> str:
        return f"{self.booking.reference} #{self.number} {self.get_room_type_display()}"


class Traveller(TimeStampedModel):
    """One passenger of the manifest. `room_type` is the room they sleep in, which sets their price;
    `room` their room on the rooming list."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="travellers")
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"), blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = models.CharField(_("nationality (ISO code)"), max_length=2, blank=True)
    document_number = models.CharField(_("document number"), max_length=40, blank=True)
    document_expiry = models.DateField(_("document expiry"), null=True, blank=True)
    dietary_needs = models.CharField(_("dietary needs"), max_length=200, blank=True)
    accessibility_needs = models.CharField(_("accessibility needs"), max_length=200, blank=True)
    emergency_contact = models.CharField(_("emergency contact"), max_length=200, blank=True)
    room_type = models.CharField(_("room type"), max_length=10, choices=RoomType.choices)
    is_free_place = models.BooleanField(_("free place"), default=False)
    room = models.ForeignKey(
        BookingRoom,
        verbose_name=_("room"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="travellers",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("traveller")
        verbose_name_plural = _("travellers")
        ordering = ["booking", "full_name", "pk"]

    def __str__(self) -> str:
        return self.full_name


class BookingLog(models.Model):
    """Audit trail of a booking and its money: written in the same transaction as the change."""

    booking = models.ForeignKey(Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=50, db_index=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("booking log entry")
        verbose_name_plural = _("booking log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.action}"
