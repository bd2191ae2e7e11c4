"""Which object each row of the old system's exports became.

One `LegacyRecord` per imported source row, keyed by the export's table and
the old system's id: a second import of the same files finds every row here
and writes nothing. The fingerprint of the row's cells tells an unchanged row
from one the old system changed since it was imported (which is reported and
never applied).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LegacyTable(models.TextChoices):
    """The old system's exports, in the order they are imported; the value is the file's name without `.csv`."""

    CLIENTS = "clients", _("Clients")
    HOTELS = "hotels", _("Hotels")
    QUOTATIONS = "quotations", _("Quotations")
    BIDS = "bids", _("Bids")
    BOOKINGS = "bookings", _("Bookings")
    PAYMENTS = "payments", _("Payments")


class LegacyRecord(models.Model):
    """Row `legacy_id` of export `table` became the object `object_id` of that table's model.

    The models: clients → quotations.Client, hotels → quotations.Hotel,
    quotations → quotations.Quotation, bids → quotations.HotelBid,
    bookings → bookings.Booking, payments → payments.Payment.
    """

    # The key is the source row's identity itself: one index to keep up as half a million rows go in, not two.
    pk = models.CompositePrimaryKey("table", "legacy_id")
    table = models.CharField(_("export"), max_length=12, choices=LegacyTable.choices)
    legacy_id = models.CharField(_("id in the old system"), max_length=64)
    object_id = models.PositiveBigIntegerField(_("imported as"))
    fingerprint = models.CharField(_("fingerprint of the source row"), max_length=32)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("imported legacy row")
        verbose_name_plural = _("imported legacy rows")
        ordering = ["table", "legacy_id"]

    def __str__(self) -> str:
        return f"{self.table}:{self.legacy_id} → {self.object_id}"
