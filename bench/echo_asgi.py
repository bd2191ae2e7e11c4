"""The product's ASGI app plus one benchmark-only route, /ws/echo/quotations/<id>/,
that forwards room events to the socket without any filtering.

It exists only so bench/ws_fanout.py can measure what per-viewer filtering
costs against a plain fan-out on the same server; it is never deployed.
"""

from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from spirittours.asgi import django_asgi_app  # sets Django up first  # isort: skip
from quotations.routing import websocket_urlpatterns  # isort: skip
from quotations.services import room_group  # isort: skip


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
                    [*websocket_urlpatterns, path("ws/echo/quotations/<int:quotation_id>/", EchoConsumer.as_asgi())]
                )
            )
        ),
    }
)
