import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Role
from quotations.rooms import ROOM_OCCUPANCY
from spirittours.db import TimeStampedModel
from spirittours.geo import Country, Currency


def invitation_token_new() -> str:
    return secrets.token_urlsafe(32)


class ClientKind(models.TextChoices):
    COMPANY = "company", _("Company or agency")
    PERSON = "person", _("Private person")


class Client(TimeStampedModel):
    """Who buys the trip: a parish, a school, a company, an agency or a person."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=ClientKind.choices, default=ClientKind.COMPANY)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.SPANISH)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contacts"),
        related_name="client_accounts",
        blank=True,
        limit_choices_to={"role": Role.CLIENT},
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Hotel(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100, db_index=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    stars = models.PositiveSmallIntegerField(_("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        related_name="hotels",
        blank=True,
        limit_choices_to={"role": Role.HOTEL},
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("hotel")
        verbose_name_plural = _("hotels")
        ordering = ["city", "name"]
        constraints = [
            models.CheckConstraint(name="hotel_stars_1_to_5", condition=models.Q(stars__gte=1, stars__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class MealPlan(models.TextChoices):
    ROOM_ONLY = "RO", _("Room only")
    BED_AND_BREAKFAST = "BB", _("Bed and breakfast")
    HALF_BOARD = "HB", _("Half board")
    FULL_BOARD = "FB", _("Full board")
    ALL_INCLUSIVE = "AI", _("All inclusive")


class RoomType(models.TextChoices):
    SINGLE = "single", _("Single")
    DOUBLE = "double", _("Double")
    TWIN = "twin", _("Twin")
    TRIPLE = "triple", _("Triple")


class QuotationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    BIDDING = "bidding", _("Bidding")
    QUOTED = "quoted", _("Quoted")
    SENT = "sent", _("Sent to client")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    BOOKED = "booked", _("Booked")
    DECLINED = "declined", _("Declined by client")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Quotation(TimeStampedModel):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="quotations")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_quotations",
        limit_choices_to={"role": Role.STAFF},
    )
    group_name = models.CharField(_("group name"), max_length=200)
    arrival = models.DateField(_("arrival"))
    departure = models.DateField(_("departure"))
    pax = models.PositiveIntegerField(_("passengers"), validators=[MinValueValidator(1)])
    singles = models.PositiveIntegerField(_("single rooms"), default=0)
    doubles = models.PositiveIntegerField(_("double rooms"), default=0)
    twins = models.PositiveIntegerField(_("twin rooms"), default=0)
    triples = models.PositiveIntegerField(_("triple rooms"), default=0)
    meal_plan = models.CharField(
        _("meal plan"), max_length=2, choices=MealPlan.choices, default=MealPlan.BED_AND_BREAKFAST
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    margin_percent = models.DecimalField(
        _("margin %"),
        max_digits=5,
        decimal_places=2,
        default=15,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # One free place per this many paying passengers (a group leader, a priest); 0: none.
    free_place_every = models.PositiveSmallIntegerField(
        _("one free place per paying passengers"), default=0, validators=[MaxValueValidator(100)]
    )
    bid_deadline = models.DateTimeField(_("bid deadline"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=QuotationStatus.choices, default=QuotationStatus.DRAFT, db_index=True
    )
    notes = models.TextField(_("internal notes"), blank=True)

    class Meta:
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="quotation_departure_after_arrival", condition=models.Q(departure__gt=models.F("arrival"))
            ),
            models.CheckConstraint(name="quotation_pax_positive", condition=models.Q(pax__gte=1)),
            models.CheckConstraint(
                name="quotation_margin_0_to_100", condition=models.Q(margin_percent__gte=0, margin_percent__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.group_name}"

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days

    @property
    def room_mix(self) -> dict[str, int]:
        return {
            RoomType.SINGLE: self.singles,
            RoomType.DOUBLE: self.doubles,
            RoomType.TWIN: self.twins,
            RoomType.TRIPLE: self.triples,
        }

    @property
    def bed_capacity(self) -> int:
        return sum(ROOM_OCCUPANCY[room] * count for room, count in self.room_mix.items())


class QuotationStay(models.Model):
    """One city of the itinerary, in order: the group sleeps `nights` nights there."""

    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), on_delete=models.CASCADE, related_name="stays"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    city = models.CharField(_("city"), max_length=100)
    nights = models.PositiveSmallIntegerField(_("nights"), validators=[MinValueValidator(1)])
    # The meal plan of this stay; empty: the quotation's.
    meal_plan = models.CharField(_("meal plan"), max_length=2, choices=MealPlan.choices, blank=True)

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["quotation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quotation", "position"], name="stay_unique_position"),
            models.CheckConstraint(name="stay_nights_positive", condition=models.Q(nights__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.city} × {self.nights}"


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    VIEWED = "viewed", _("Viewed")
    BID = "bid", _("Bid submitted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn by us")


class HotelInvitation(TimeStampedModel):
    """A hotel asked to bid for a quotation; its token is the portal link."""

    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), on_delete=models.CASCADE, related_name="invitations"
    )
    hotel = models.ForeignKey(Hotel, verbose_name=_("hotel"), on_delete=models.PROTECT, related_name="invitations")
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.INVITED, db_index=True
    )
    token = models.CharField(
        _("portal token"), max_length=64, unique=True, default=invitation_token_new, editable=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.PROTECT, related_name="+"
    )
    viewed_at = models.DateTimeField(_("first viewed at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    decline_reason = models.TextField(_("decline reason"), blank=True)

    class Meta:
        verbose_name = _("hotel invitation")
        verbose_name_plural = _("hotel invitations")
        ordering = ["quotation", "hotel__name"]
        constraints = [
            models.UniqueConstraint(fields=["quotation", "hotel"], name="invitation_unique_hotel_per_quotation"),
        ]

    def __str__(self) -> str:
        return f"{self.quotation.reference} → {self.hotel.name}"


class BidStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded by a revision")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class HotelBid(TimeStampedModel):
    """One revision of a hotel's offer. Revising keeps the old row as history."""

    invitation = models.ForeignKey(
        HotelInvitation, verbose_name=_("invitation"), on_delete=models.CASCADE, related_name="bids"
    )
    revision = models.PositiveSmallIntegerField(_("revision"))
    status = models.CharField(_("status"), max_length=10, choices=BidStatus.choices, default=BidStatus.ACTIVE)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    valid_until = models.DateField(_("valid until"))
    conditions = models.TextField(_("conditions"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("hotel bid")
        verbose_name_plural = _("hotel bids")
        ordering = ["invitation", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "revision"], name="bid_unique_revision"),
            models.UniqueConstraint(
                fields=["invitation"], condition=models.Q(status="active"), name="bid_one_active_per_invitation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitation} r{self.revision}"


class HotelBidLine(models.Model):
    """The nightly net rate of one room type for one stay, per room."""

    bid = models.ForeignKey(HotelBid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="lines")
    stay = models.ForeignKey(QuotationStay, verbose_name=_("stay"), on_delete=models.CASCADE, related_name="bid_lines")
    room_type = models.CharField(_("room type"), max_length=10, choices=RoomType.choices)
    nightly_rate = models.DecimalField(_("nightly net rate"), max_digits=10, decimal_places=2)
    rooms_available = models.PositiveIntegerField(_("rooms available"))

    class Meta:
        verbose_name = _("bid line")
        verbose_name_plural = _("bid lines")
        ordering = ["stay__position", "room_type"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "stay", "room_type"], name="bid_line_unique_room"),
            models.CheckConstraint(name="bid_line_rate_positive", condition=models.Q(nightly_rate__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.get_room_type_display()} {self.nightly_rate}"


class QuotationLog(models.Model):
    """Audit trail: written in the same transaction as the change it describes."""

    # PROTECT: a quotation with an audit trail is cancelled, never deleted.
    quotation = models.ForeignKey(Quotation, verbose_name=_("quotation"), on_delete=models.PROTECT, related_name="log")
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
        verbose_name = _("quotation log entry")
        verbose_name_plural = _("quotation log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.quotation_id} {self.action}"


class ReferenceCounter(models.Model):
    """Per-prefix, per-year counter behind references such as Q-2026-00042."""

    prefix = models.CharField(_("prefix"), max_length=4)
    year = models.PositiveSmallIntegerField(_("year"))
    last_value = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_value}"
