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
  - the heartbeat finds the room's latest seq ahead of `served`, and `served`
    does not move within IN_FLIGHT_SECONDS: that heals a quiet socket that missed
    the last events. Events recorded but still on their way through the layer
    are not lost, and a socket that is moving finds any hole on its next event;
    catching up on them anyway cost a database read per beat per socket whenever
    events were in flight, which under load fed on itself (docs/PERFORMANCE.md).
Anything else about an event touches no database: see `dispatch`.

Frames once per audience. A live event's frame depends on the event and the
viewer's audience alone (quotations/privacy/room.py): every user of one hotel,
every client contact, every staff user of one level, in one language, gets the
same frame, and so does every hotel an event does not name. This process builds
and JSON-encodes each event's frame once per audience (`FRAMES`) and every socket
of that audience sends the same text with its own `after` appended; replays
after a gap or reconnect are built per socket, with the same presenters.

Close codes (daphne forwards only 1000 and 3000-4999 from the application):
  4400  bad frame: a binary frame, text that is not JSON, or JSON that is not an object;
  4403  not allowed: no login, not this viewer's room, or a hotel taken out of the bidding
        (also mid-session);
  4413  frame too large: text over 4 KiB (the room is read-only over the socket; nothing
        a browser sends is anywhere near that).
A JSON object with an unknown or missing `type` is ignored, so a newer browser
script talking to an older server during a deploy keeps its socket;
`{"type": "ping"}` gets `{"type": "pong"}`.

A browser gone. A frame sent after the browser has left has nowhere to go: daphne
drops it, uvicorn raises (see `__call__`). The socket stops sending and the
server's disconnect ends it. However the consumer ends, its heartbeat ends with it.
"""

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation

from quotations.events import RoomEventKind
from quotations.metrics import ROOM_SOCKETS_OPEN
from quotations.privacy import Viewer, ViewerKind, room_catch_up, room_may_join, viewer_for
from quotations.privacy.room import EventNames, RoomAudience, event_names, present_event_for_audience, room_audience
from quotations.selectors import room_latest_seq
from quotations.services import room_group

logger = logging.getLogger(__name__)

CLOSE_BAD_FRAME = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_LARGE = 4413
MAX_FRAME_BYTES = 4096
# How long the heartbeat waits for a socket behind the room to move before it takes the
# events it has not had as lost rather than on their way.
IN_FLIGHT_SECONDS = 2.0


class _EventFrames:
    """One room event's frames in this process, by audience: the JSON text of the frame
    without its closing brace (`after` differs per socket and is appended by each), or
    None for an audience that gets nothing."""

    __slots__ = ("event", "names", "texts")

    def __init__(self, event: dict):
        self.event = event
        self.names: EventNames = event_names(event)
        self.texts: dict[RoomAudience, str | None] = {}

    def text_for(self, audience: RoomAudience) -> str | None:
        try:
            return self.texts[audience]
        except KeyError:
            frame = present_event_for_audience(audience=audience, event=self.event)
            text = self.texts[audience] = None if frame is None else json.dumps(frame)[:-1]
            return text


class FrameCache:
    """The frames of this process's most recent room events, shared by its sockets.

    Keyed by (quotation, seq), and an entry is used only for an event equal to the one it
    was built from, so a reused number (a flushed database) can never serve a stale frame.
    Bounded: the oldest events go first; a socket so far behind that its event has gone
    builds the frame again (the same frame: it depends on the event and audience alone).
    """

    def __init__(self, size: int = 512):
        self.size = size
        self.events: OrderedDict[tuple[int, int], _EventFrames] = OrderedDict()

    def text_for(self, *, quotation_id: int, event: dict, viewer: Viewer, language: str) -> str | None:
        key = (quotation_id, event["seq"])
        entry = self.events.get(key)
        if entry is None or entry.event != event:
            entry = self.events[key] = _EventFrames(event)
            if len(self.events) > self.size:
                self.events.popitem(last=False)
        return entry.text_for(room_audience(viewer=viewer, names=entry.names, language=language))

    def clear(self) -> None:
        self.events.clear()


FRAMES = FrameCache()


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
        self.gone = False  # the server has said the browser is gone: nothing more can be sent
        self.served = 0
        self.told = 0
        self.heartbeat: asyncio.Task | None = None
        self.counted = False  # in ROOM_SOCKETS_OPEN
        self.moved = asyncio.Event()  # set whenever `served` moves on
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
        ROOM_SOCKETS_OPEN.inc()
        self.counted = True
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

    async def __call__(self, scope, receive, send):
        async def to_browser(message):
            # Once the browser has gone the ASGI server refuses sends: uvicorn with
            # ClientDisconnected (an OSError, as ASGI asks) or, once it has read the close
            # itself, a RuntimeError; daphne drops them. Either way this socket is closed,
            # and the server's disconnect, already on its way, ends the consumer.
            if self.gone:
                return
            try:
                await send(message)
            except (OSError, RuntimeError):
                if message["type"] == "websocket.accept":
                    raise
                self.gone = self.closed = True

        try:
            await super().__call__(scope, receive, to_browser)
        finally:
            # A disconnect has done this already; an error, or the server cancelling the
            # consumer, has not, and a beat outliving its socket would read the database forever.
            self.closed = True
            if self.counted:
                self.counted = False
                ROOM_SOCKETS_OPEN.dec()
            if self.heartbeat is not None:
                self.heartbeat.cancel()
            if self.joined:
                self.joined = False
                with contextlib.suppress(Exception):
                    await self.channel_layer.group_discard(self.group, self.channel_name)

    async def disconnect(self, code):
        self.closed = True
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        if self.joined:
            self.joined = False
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
        self.moved.set()
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
            text = FRAMES.text_for(
                quotation_id=self.quotation_id, event=event, viewer=self.viewer, language=self.language
            )
            self.served = event["seq"]
            self.moved.set()
            if text is not None:
                await self.send(text_data=f'{text}, "after": {self.told}}}')
                self.told = event["seq"]

    async def layer_reconnected(self, message):
        async with self.serving:
            if self.joined and not self.closed:
                await self._resume()

    async def room_heartbeat(self) -> None:
        latest = await database_sync_to_async(room_latest_seq)(quotation_id=self.quotation_id)
        before = self.served
        if latest > before:
            self.moved.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.moved.wait(), IN_FLIGHT_SECONDS)
        async with self.serving:
            if self.closed:
                return
            if latest > self.served == before:
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
