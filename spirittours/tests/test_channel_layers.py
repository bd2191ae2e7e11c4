"""The pub/sub channel layer against a Redis of the test's own that dies and comes back."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import ConnectionError as RedisConnectionError

from spirittours.channel_layers import RedisPubSubChannelLayer
from spirittours.tests.redis_process import RedisProcess

pytestmark = pytest.mark.redis
CEILING = 60  # seconds; CI shares two cores


@pytest.fixture
def redis_process():
    process = RedisProcess()
    yield process
    process.stop()


def _layer(url: str, **config) -> RedisPubSubChannelLayer:
    return RedisPubSubChannelLayer(hosts=[{"address": url, "socket_timeout": 30}], prefix="layer-test", **config)


def test_every_local_channel_hears_of_the_reconnect_before_anything_published_after_it(redis_process):
    # given: two consumers' channels, one of them in a group
    layer = _layer(redis_process.url, on_reconnect="layer.reconnected")

    async def scenario():
        in_group, alone = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("room", in_group)
        await layer.group_send("room", {"type": "room.event", "n": 1})
        assert await asyncio.wait_for(layer.receive(in_group), CEILING) == {"type": "room.event", "n": 1}

        # when: Redis dies, a message is published meanwhile, and Redis comes back
        redis_process.kill()
        with pytest.raises(RedisConnectionError):
            await layer.group_send("room", {"type": "room.event", "n": 2})
        redis_process.start()

        # then: each channel gets the notice once the subscriptions are back, and the
        # next message after it; the one published during the outage is gone
        assert await asyncio.wait_for(layer.receive(in_group), CEILING) == {"type": "layer.reconnected"}
        assert await asyncio.wait_for(layer.receive(alone), CEILING) == {"type": "layer.reconnected"}
        await layer.group_send("room", {"type": "room.event", "n": 3})
        assert await asyncio.wait_for(layer.receive(in_group), CEILING) == {"type": "room.event", "n": 3}
        await layer.send(alone, {"type": "direct"})
        assert await asyncio.wait_for(layer.receive(alone), CEILING) == {"type": "direct"}
        await layer.flush()

    async_to_sync(scenario)()


def test_on_disconnect_is_refused_rather_than_ignored():
    with pytest.raises(ImproperlyConfigured):
        RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:1"], on_disconnect="layer.disconnected")
