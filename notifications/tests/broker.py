"""Point the Celery app at a real broker for one test, and back."""

from contextlib import contextmanager

from spirittours.celery import app

KEYS = ("broker_url", "task_always_eager", "broker_transport_options")


def _drop_pools() -> None:
    # Producers and connections are pooled for the broker the app first connected
    # to; forget them (without closing: a worker thread may still hold one) so the
    # next task goes to the broker configured now.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_on_broker(url: str, *, visibility_timeout: int = 3600):
    saved = {key: app.conf[key] for key in KEYS}
    app.conf.update(
        broker_url=url, task_always_eager=False, broker_transport_options={"visibility_timeout": visibility_timeout}
    )
    _drop_pools()
    try:
        yield app
    finally:
        app.conf.update(saved)
        _drop_pools()
