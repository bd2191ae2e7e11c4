"""The live room of a quotation: /ws/quotations/<id>/?last_seq=N.

Authorise in connect (staff, the client's contacts once the quote is sent,
users of an invited hotel), join the group, then catch up: the events after
`last_seq` filtered for this viewer, or a snapshot. Close code 4403 means
"not allowed", also when a hotel is taken out of the bidding mid-session.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation

from quotations.privacy import ViewerKind, present_event, room_catch_up, room_may_join, viewer_for
from quotations.services import room_group

CLOSE_FORBIDDEN = 4403


def _last_seq(query_string: bytes) -> int | None:
    for pair in query_string.decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        if name == "last_seq" and value.isdigit():
            return int(value)
    return None


class QuotationRoomConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.quotation_id = int(self.scope["url_route"]["kwargs"]["quotation_id"])
        self.group = room_group(self.quotation_id)
        self.joined = False
        user = self.scope.get("user")
        self.viewer = await database_sync_to_async(viewer_for)(user)
        self.language = getattr(user, "language", None) or translation.get_language()
        # Accept first so that the refusal reaches the browser as close code 4403.
        await self.accept()
        if not await database_sync_to_async(room_may_join)(viewer=self.viewer, quotation_id=self.quotation_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        frames, self.caught_up_to = await database_sync_to_async(self._catch_up)(_last_seq(self.scope["query_string"]))
        for frame in frames:
            await self.send_json(frame)

    def _catch_up(self, last_seq: int | None):
        with translation.override(self.language):
            return room_catch_up(viewer=self.viewer, quotation_id=self.quotation_id, last_seq=last_seq)

    async def disconnect(self, code):
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The room is read-only over the socket: messages are posted through the pages.
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, a hop to
        # a worker thread. Room events touch no database on their fast path (the
        # slow path goes through database_sync_to_async, which closes them itself),
        # and that hop was most of the cost of a delivery: see docs/PERFORMANCE.md.
        if message["type"] == "room.event":
            await self.room_event(message)
        else:
            await super().dispatch(message)

    async def room_event(self, event):
        if event["seq"] <= self.caught_up_to:
            return  # already part of the catch-up this socket received
        if (
            self.viewer.kind == ViewerKind.HOTEL
            and event["kind"] == "invitation.withdrawn"
            and event["data"].get("hotel") in self.viewer.hotel_ids
            and not await database_sync_to_async(room_may_join)(viewer=self.viewer, quotation_id=self.quotation_id)
        ):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        with translation.override(self.language):
            frame = present_event(viewer=self.viewer, event=event)
        if frame is not None:
            await self.send_json(frame)
