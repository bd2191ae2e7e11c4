"""The live room of a quotation: /ws/quotations/<id>/?last_seq=N.

Authorise in connect (staff, the client's contacts once the quote is sent,
users of an invited hotel), join the group, then catch up: the events after
`last_seq` filtered for this viewer, or a snapshot.

Positions. Every room event has a per-quotation `seq`, and every event of the
room reaches every socket of the room before filtering. A socket keeps two
positions: `served`, the seq up to which it has dealt with every event (sent
or filtered out), and `told`, the position the browser last heard of. Each
event frame carries `after`, the position the browser had before it; a
heartbeat, `{"type": "heartbeat", "seq": served, "after": told}`, every
ROOM_HEARTBEAT_SECONDS tells the browser how far it has been served. A browser
whose own position is behind a frame's `after` has lost frames and reconnects
with ?last_seq= (static/js/quotation_room.js); a viewer's filtered-out events
are never a gap.

Resume. The channel layer delivers at most once; the database has every
event. The socket catches up from the database after `served` (access checked
again first) when
  - an event arrives whose seq is not served + 1: a message was lost (an event
    that arrives late, after a catch-up that included it, is skipped);
  - the layer says its Redis connection came back (`layer.reconnected`, see
    spirittours/channel_layers.py): whatever was published meanwhile was lost;
  - the heartbeat finds the room's latest seq ahead of `served`, which heals a
    quiet socket that missed the last events.
Anything else about an event touches no database: see `dispatch`.

Close codes (daphne forwards only 1000 and 3000-4999 from the application):
  4400  bad frame: a binary frame, text that is not JSON, or JSON that is not an object;
  4403  not allowed: no login, not this viewer's room, or a hotel taken out of the bidding
        (also mid-session);
  4413  frame too large: text over 4 KiB (the room is read-only over the socket; nothing
        a browser sends is anywhere near that).
A JSON object with an unknown or missing `type` is ignored, so a newer browser
script talking to an older server during a deploy keeps its socket;
`{"type": "ping"}` gets `{"type": "pong"}`.
"""

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation

from quotations.events import RoomEventKind
from quotations.privacy import ViewerKind, present_event, room_catch_up, room_may_join, viewer_for
from quotations.selectors import room_latest_seq
from quotations.services import room_group

logger = logging.getLogger(__name__)

CLOSE_BAD_FRAME = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_LARGE = 4413
MAX_FRAME_BYTES = 4096


def _last_seq(query_string: bytes) -> int | None:
    for pair in query_string.decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        if name == "last_seq" and value.isdigit():
            return int(value)
    return None


class QuotationRoomConsumer(AsyncJsonWebsocketConsumer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.joined = False
        self.closed = False
        self.served = 0
        self.told = 0
        self.heartbeat: asyncio.Task | None = None
        # Room events, resumes and heartbeats each send a run of frames and move the
        # positions; the heartbeat runs in its own task, so they take turns.
        self.serving = asyncio.Lock()

    async def connect(self):
        self.quotation_id = int(self.scope["url_route"]["kwargs"]["quotation_id"])
        self.group = room_group(self.quotation_id)
        user = self.scope.get("user")
        self.viewer = await database_sync_to_async(viewer_for)(user)
        self.language = getattr(user, "language", None) or translation.get_language()
        # Accept first so that the refusal reaches the browser as close code 4403.
        await self.accept()
        if not await database_sync_to_async(room_may_join)(viewer=self.viewer, quotation_id=self.quotation_id):
            await self._close(CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        last_seq = _last_seq(self.scope["query_string"])
        frames, self.served = await database_sync_to_async(self._catch_up)(last_seq)
        self.told = last_seq or 0
        await self._send_frames(frames)
        self.heartbeat = asyncio.create_task(self._beat())

    def _catch_up(self, last_seq: int | None):
        with translation.override(self.language):
            return room_catch_up(viewer=self.viewer, quotation_id=self.quotation_id, last_seq=last_seq)

    def _resume_frames(self):
        if not room_may_join(viewer=self.viewer, quotation_id=self.quotation_id):
            return None
        return self._catch_up(self.served)

    async def disconnect(self, code):
        self.closed = True
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        if self.joined:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _close(self, code: int) -> None:
        self.closed = True
        await self.close(code=code)

    # --- From the browser -------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.closed:
            return
        if text_data is None:
            await self._close(CLOSE_BAD_FRAME)
            return
        if len(text_data) > MAX_FRAME_BYTES or len(text_data.encode(errors="surrogatepass")) > MAX_FRAME_BYTES:
            await self._close(CLOSE_TOO_LARGE)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self._close(CLOSE_BAD_FRAME)
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        # The room is read-only over the socket: messages are posted through the pages.
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    # --- To the browser ---------------------------------------------------------------

    async def _send_frames(self, frames: list[dict]) -> None:
        for frame in frames:
            if frame["type"] == "event":
                frame["after"] = self.told  # present_event built this dict for this socket alone
            await self.send_json(frame)
            self.told = frame["seq"]

    async def _resume(self) -> None:
        """Catch up from the database after `served`; call holding `serving`."""
        resumed = await database_sync_to_async(self._resume_frames)()
        if resumed is None:
            await self._close(CLOSE_FORBIDDEN)
            return
        frames, self.served = resumed
        await self._send_frames(frames)

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
        async with self.serving:
            if self.closed or event["seq"] <= self.served:
                return  # already part of a catch-up this socket received
            if event["seq"] != self.served + 1:
                await self._resume()  # something before it was lost on the way
                return
            if (
                self.viewer.kind == ViewerKind.HOTEL
                and event["kind"] == RoomEventKind.INVITATION_WITHDRAWN
                and event["data"].get("hotel") in self.viewer.hotel_ids
                and not await database_sync_to_async(room_may_join)(viewer=self.viewer, quotation_id=self.quotation_id)
            ):
                await self._close(CLOSE_FORBIDDEN)
                return
            with translation.override(self.language):
                frame = present_event(viewer=self.viewer, event=event)
            self.served = event["seq"]
            if frame is not None:
                await self._send_frames([frame])

    async def layer_reconnected(self, message):
        async with self.serving:
            if self.joined and not self.closed:
                await self._resume()

    async def room_heartbeat(self) -> None:
        latest = await database_sync_to_async(room_latest_seq)(quotation_id=self.quotation_id)
        async with self.serving:
            if self.closed:
                return
            if latest > self.served:
                await self._resume()
                if self.closed:
                    return
            await self.send_json({"type": "heartbeat", "seq": self.served, "after": self.told})
            self.told = self.served

    async def _beat(self) -> None:
        while not self.closed:
            await asyncio.sleep(settings.ROOM_HEARTBEAT_SECONDS)
            try:
                await self.room_heartbeat()
            except Exception:
                # A database hiccup costs one beat; the next one tries again.
                logger.warning("room %s: heartbeat failed", self.quotation_id, exc_info=True)
