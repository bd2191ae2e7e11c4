"""The product's ASGI app plus benchmark-only routes, never deployed:

/ws/echo/quotations/<id>/               forwards room events to the socket without any filtering;
/ws/per-socket-frames/quotations/<id>/  the room consumer with the frame path it had before frames
                                        were built once per audience: every socket presents the
                                        event for its own viewer and JSON-encodes its own frame;
/ws/eager-heartbeat/quotations/<id>/    the room consumer with the heartbeat it had before: it
                                        catches up from the database whenever the room is ahead
                                        of the socket, events in flight included;
/ws/before/quotations/<id>/             both: the room consumer as it was.

They exist only so bench/ws_fanout.py can measure, on the same server and run, what
per-viewer filtering costs against a plain fan-out, and each change to the consumer
against the consumer without it.
"""

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path
from django.utils import translation

from spirittours.asgi import django_asgi_app  # sets Django up first  # isort: skip
from quotations.consumers import CLOSE_FORBIDDEN, QuotationRoomConsumer  # isort: skip
from quotations.events import RoomEventKind  # isort: skip
from quotations.privacy import Viewer, ViewerKind, room_may_join  # isort: skip
from quotations.privacy import room as room_privacy  # isort: skip
from quotations.routing import websocket_urlpatterns  # isort: skip
from quotations.selectors import room_latest_seq  # isort: skip
from quotations.services import room_group  # isort: skip


def _present_event_per_viewer(*, viewer: Viewer, event: dict) -> dict | None:
    """present_event as it was: the viewer's own presenter, handed the whole viewer."""
    kind = event["kind"]
    presenter = room_privacy._PRESENTERS.get(kind, {}).get(viewer.kind)
    payload = presenter(viewer, event["data"]) if presenter is not None else None
    if payload is None:
        return None
    return {"type": "event", "seq": event["seq"], "kind": kind, "at": event["at"], "data": payload}


class PerSocketFramesRoomConsumer(QuotationRoomConsumer):
    """The room consumer with its earlier live-event path: a frame built and encoded per socket."""

    async def room_event(self, event):
        async with self.serving:
            if self.closed or event["seq"] <= self.served:
                return
            if event["seq"] != self.served + 1:
                await self._resume()
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
                frame = _present_event_per_viewer(viewer=self.viewer, event=event)
            self.served = event["seq"]
            if frame is not None:
                await self._send_frames([frame])


class EagerHeartbeatRoomConsumer(QuotationRoomConsumer):
    """The room consumer with its earlier heartbeat: the room ahead of the socket is a loss."""

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


class BeforeRoomConsumer(PerSocketFramesRoomConsumer, EagerHeartbeatRoomConsumer):
    """The room consumer as it was before both."""


class EchoConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.group = room_group(int(self.scope["url_route"]["kwargs"]["quotation_id"]))
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "snapshot", "seq": 0, "data": {}})

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dispatch(self, message):
        # Same fast path as the product's consumer, so only the filtering differs.
        if message["type"] == "room.event":
            await self.room_event(message)
        else:
            await super().dispatch(message)

    async def room_event(self, event):
        await self.send_json({**event, "type": "event"})

    async def layer_reconnected(self, message):
        """The layer's notice after a Redis reconnect; an unfiltered echo has nothing to catch up."""


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [
                        *websocket_urlpatterns,
                        path(
                            "ws/per-socket-frames/quotations/<int:quotation_id>/",
                            PerSocketFramesRoomConsumer.as_asgi(),
                        ),
                        path("ws/eager-heartbeat/quotations/<int:quotation_id>/", EagerHeartbeatRoomConsumer.as_asgi()),
                        path("ws/before/quotations/<int:quotation_id>/", BeforeRoomConsumer.as_asgi()),
                        path("ws/echo/quotations/<int:quotation_id>/", EchoConsumer.as_asgi()),
                    ]
                )
            )
        ),
    }
)
