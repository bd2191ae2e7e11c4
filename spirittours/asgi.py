"""ASGI entry point of the web process (uvicorn, see the Procfile): HTTP, and WebSocket rooms
behind the session login and an Origin check against ALLOWED_HOSTS."""

import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirittours.settings")


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler with the middleware chain built as under WSGI, entered once per request.

    Every view and middleware here is synchronous. Django's own ASGI handler builds an async
    chain and crosses between the event loop and the request's thread around each middleware
    that is not async, and twice around each MiddlewareMixin hook it runs in async mode. Built
    synchronous, the whole chain runs on the request's thread after one crossing: a bare page
    costs about 1 ms less of its 4 (docs/PERFORMANCE.md). An async view would still work,
    called from the sync chain as under WSGI.
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)


django.setup(set_prefix=False)
django_asgi_app = SyncChainASGIHandler()

# Imported once Django is set up: the routes import models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from quotations.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
