"""channels-redis' pub/sub layer, telling consumers when Redis came back.

Redis pub/sub delivers at most once: whatever is published while a web process
is cut off from Redis never reaches it. channels-redis documents an
`on_reconnect` option for this (a message type sent to every consumer so it can
resync from its source of truth), but its 4.x pub/sub layer accepts the option
and never acts on it (django/channels_redis#406). This layer does:

    "CONFIG": {"hosts": [...], "on_reconnect": "layer.reconnected"}

Each time a shard's subscriber connection to Redis is re-established, every
channel of this process on that event loop gets `{"type": "layer.reconnected"}`,
put straight onto its local queue (no Redis round trip). redis-py restores the
subscriptions before the notice is queued, so everything published afterwards
arrives after the notice: a consumer that resyncs on it misses nothing. Every
consumer on a layer configured this way needs a handler for the type.

`on_disconnect` is refused rather than silently ignored: while Redis is gone a
consumer can do nothing useful with the layer; the resync belongs to the
reconnect.
"""

import asyncio

from channels_redis import pubsub
from channels_redis.utils import _wrap_close
from django.core.exceptions import ImproperlyConfigured


class _ShardConnection(pubsub.RedisSingleShardConnection):
    async def subscribe(self, channel):
        await super().subscribe(channel)
        # redis-py runs a connection's connect callbacks on every reconnect (after its
        # own one that re-subscribes), never on the first connect. Registering is
        # idempotent, and a new pub/sub connection (after a flush) is picked up here.
        client = self._pubsub
        if client is not None and client.connection is not None:
            client.connection.register_connect_callback(self._reconnected)

    def _reconnected(self, connection) -> None:
        self.channel_layer.notify_local_channels()


class _LoopLayer(pubsub.RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shards connect lazily, so swapping them right after construction is safe.
        self._shards = [_ShardConnection(shard.host, self) for shard in self._shards]

    def notify_local_channels(self) -> None:
        if not self.on_reconnect:
            return
        notice = self.channel_layer.serialize({"type": self.on_reconnect})
        for queue in list(self.channels.values()):
            queue.put_nowait(notice)


class RedisPubSubChannelLayer(pubsub.RedisPubSubChannelLayer):
    """`channels_redis.pubsub.RedisPubSubChannelLayer` with `on_reconnect` honoured."""

    def __init__(self, *args, on_disconnect=None, **kwargs):
        if on_disconnect is not None:
            raise ImproperlyConfigured("on_disconnect is not supported: resync on on_reconnect instead.")
        super().__init__(*args, **kwargs)

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
            return layer
