"""Writes of a quotation's live room: recording events and posting messages.

Record first, then act: `room_event_record` writes the RoomEvent row inside
the caller's transaction and sends the group message only after commit. A
lost message costs nothing: clients resume from their last sequence number.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from quotations.errors import QuotationError
from quotations.events import InvitationPayload, MessagePosted, RoomPayload
from quotations.models import (
    AuthorKind,
    Hotel,
    HotelInvitation,
    MessageAudience,
    Quotation,
    RoomEvent,
    RoomMessage,
)
from quotations.selectors import room_latest_seq
from quotations.workflow import HIDDEN_FROM_HOTEL

logger = logging.getLogger(__name__)
MAX_MESSAGE_LENGTH = 2000


def room_group(quotation_id: int) -> str:
    return f"quotation.{quotation_id}"


def room_event_publish(*, event: RoomEvent) -> None:
    """Send after commit. Failures are logged, not raised: the row is already safe."""
    try:
        async_to_sync(get_channel_layer().group_send)(room_group(event.quotation_id), event.as_message())
    except Exception:
        logger.warning("room event %s#%s not published", event.quotation_id, event.seq, exc_info=True)


def room_event_record(*, quotation: Quotation, event: RoomPayload) -> RoomEvent:
    """Append an event to the quotation's room; call inside the transaction of the change.

    The event's class names its kind; its fields are the payload every viewer's
    frame is built from (quotations/privacy/room.py).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("room_event_record must run inside the transaction of the change")
    # The quotation's row lock orders the sequence numbers of concurrent writers.
    Quotation.objects.select_for_update().filter(pk=quotation.pk).values_list("pk", flat=True).first()
    last = room_latest_seq(quotation_id=quotation.pk)
    row = RoomEvent.objects.create(quotation_id=quotation.pk, seq=last + 1, kind=event.kind, data=event.data())
    transaction.on_commit(lambda: room_event_publish(event=row))
    return row


def invitation_event(cls: type[InvitationPayload], invitation: HotelInvitation, **fields) -> InvitationPayload:
    """An invitation's or a bid's event: which invitation and hotel, for staff and that hotel."""
    return cls(invitation=invitation.pk, hotel=invitation.hotel_id, hotel_name=invitation.hotel.name, **fields)


def _author_kind(user: User) -> str:
    return {Role.STAFF: AuthorKind.STAFF, Role.HOTEL: AuthorKind.HOTEL, Role.CLIENT: AuthorKind.CLIENT}[user.role]


def message_post(
    *, quotation: Quotation, author: User, body: str, audience: str, hotel: Hotel | None = None
) -> RoomMessage:
    """Post a message in the room. Who may write to whom:

    staff → every invited hotel, one hotel privately, or the client;
    a hotel user → staff (a question about its own invitation);
    a client contact → staff.
    """
    body = body.strip()
    if not body:
        raise QuotationError(_("Write a message."), field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise QuotationError(_("Keep the message under 2000 characters."), field="body")
    if not author.is_active:
        raise QuotationError(_("You cannot write in this room."), code="forbidden")
    kind = _author_kind(author)
    if kind == AuthorKind.STAFF:
        if audience not in {MessageAudience.ALL_HOTELS, MessageAudience.HOTEL, MessageAudience.CLIENT}:
            raise QuotationError(_("Choose who the message is for."), field="audience")
        if audience == MessageAudience.HOTEL:
            if hotel is None or not quotation.invitations.filter(hotel=hotel).exists():
                raise QuotationError(_("Choose one of the invited hotels."), field="hotel")
        else:
            hotel = None
    elif kind == AuthorKind.HOTEL:
        invitation = (
            HotelInvitation.objects.filter(quotation=quotation, hotel__members=author)
            .exclude(status__in=HIDDEN_FROM_HOTEL)
            .select_related("hotel")
            .first()
        )
        if invitation is None:
            raise QuotationError(_("You cannot write in this room."), code="forbidden")
        audience, hotel = MessageAudience.STAFF, invitation.hotel
    else:
        if not quotation.client.contacts.filter(pk=author.pk).exists():
            raise QuotationError(_("You cannot write in this room."), code="forbidden")
        audience, hotel = MessageAudience.STAFF, None
    with transaction.atomic():
        message = RoomMessage.objects.create(
            quotation=quotation, author=author, author_kind=kind, audience=audience, hotel=hotel, body=body
        )
        room_event_record(
            quotation=quotation,
            event=MessagePosted(
                message=message.pk,
                author_kind=kind,
                author_name=author.get_full_name() or author.email,
                audience=audience,
                hotel=hotel.pk if hotel else None,
                hotel_name=hotel.name if hotel else None,
                body=body,
                sent_at=message.created_at.isoformat(),
            ),
        )
    return message
