"""Work handed to Celery after a commit, by task name (the tasks import the services, not the reverse)."""

import logging
import threading

from celery import current_app

logger = logging.getLogger(__name__)
_loading = threading.Lock()


def task_enqueue(name: str, **kwargs) -> None:
    """Queue task `name`; if the broker is down, the beat job that scans for the work takes it up."""
    try:
        if name not in current_app.tasks:
            # A web process loads the apps' task modules on first use (a worker does at start); the
            # lock makes the requests that arrive meanwhile wait for the whole of it.
            with _loading:
                if name not in current_app.tasks:
                    current_app.loader.import_default_modules()
        current_app.tasks[name].delay(**kwargs)
    except Exception:
        logger.warning("%s %s not enqueued; its beat job will take it up", name, kwargs, exc_info=True)
