"""The live room of a quotation: its event stream and its messages.

Every change that viewers watch live is first a RoomEvent row, written in the
transaction of the change; the WebSocket message is sent after commit. The
rows are the source of truth: a client that missed frames resumes from its
last sequence number.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quotations.models.core import Hotel, Quotation


class RoomEvent(models.Model):
    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), on_delete=models.CASCADE, related_name="room_events"
    )
    seq = models.PositiveIntegerField(_("sequence number"))
    kind = models.CharField(_("kind"), max_length=40)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("room event")
        verbose_name_plural = _("room events")
        ordering = ["quotation", "seq"]
        constraints = [models.UniqueConstraint(fields=["quotation", "seq"], name="room_event_unique_seq")]

    def __str__(self) -> str:
        return f"{self.quotation_id}#{self.seq} {self.kind}"

    def as_message(self) -> dict:
        """The channel-layer message; consumers build each viewer's frame from it, never mutating it."""
        return {
            "type": "room.event",
            "quotation": self.quotation_id,
            "seq": self.seq,
            "kind": self.kind,
            "data": self.data,
            "at": self.created_at.isoformat(),
        }


class MessageAudience(models.TextChoices):
    STAFF = "staff", _("Our team")
    ALL_HOTELS = "hotels", _("Every invited hotel")
    HOTEL = "hotel", _("One hotel, privately")
    CLIENT = "client", _("The client")


class AuthorKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    HOTEL = "hotel", _("Hotel")
    CLIENT = "client", _("Client")


class RoomMessage(models.Model):
    """A message in a quotation's room. `hotel` is the hotel a private message goes
    to, or the hotel whose user asked a question; it decides who may read it."""

    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    author_kind = models.CharField(_("author kind"), max_length=10, choices=AuthorKind.choices)
    audience = models.CharField(_("audience"), max_length=10, choices=MessageAudience.choices)
    hotel = models.ForeignKey(
        Hotel, verbose_name=_("hotel"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("room message")
        verbose_name_plural = _("room messages")
        ordering = ["quotation", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="room_message_hotel_when_needed",
                condition=(
                    models.Q(audience="hotel", hotel__isnull=False)
                    | models.Q(audience="hotels", hotel__isnull=True)
                    | models.Q(audience="client", hotel__isnull=True)
                    | models.Q(audience="staff")
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quotation_id} {self.author_kind}→{self.audience}"
