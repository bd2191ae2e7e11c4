"""Another project's Celery app, for tests: Celery's default queue and key names.

It shares our Redis database and knows a task by the name of ours, as an
unrelated project might: a task it took from us would run here and show up,
instead of being dropped as unknown. Each task it runs is appended, as one
JSON line, to the file named by FOREIGN_LOG.

    celery -A notifications.tests.foreign_celery worker --pool solo
"""

import json
import os

from celery import Celery

app = Celery("foreign", broker=os.environ.get("FOREIGN_BROKER_URL", "memory://"), set_as_current=False)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
)


def _record(task: str, payload) -> None:
    with open(os.environ["FOREIGN_LOG"], "a") as log:
        log.write(json.dumps({"task": task, "payload": payload}) + "\n")


@app.task(name="notifications.tasks.email_send")
def email_send(**kwargs) -> None:
    _record("notifications.tasks.email_send", kwargs)


@app.task(name="foreign.echo")
def echo(n: int) -> None:
    _record("foreign.echo", n)
