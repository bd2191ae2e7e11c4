"""Periodic jobs, declared by each app in its `schedules.py` as `SCHEDULES`.

`manage.py install_schedules` writes them into django-celery-beat's tables,
where staff can pause or retime them in the admin. Every job scans the
database and is idempotent, so a job that runs twice does nothing twice.
"""

from dataclasses import dataclass

from spirittours.discovery import app_declarations


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every_seconds: int
    description: str


def schedules_discover() -> list[Schedule]:
    return app_declarations(module="schedules", name="SCHEDULES")


def schedules_install() -> tuple[int, int]:
    """Create missing periodic tasks; leave existing ones (maybe retimed by staff) alone."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    created = existing = 0
    for schedule in schedules_discover():
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=schedule.every_seconds, period=IntervalSchedule.SECONDS
        )
        _, was_created = PeriodicTask.objects.get_or_create(
            name=schedule.name,
            defaults={"task": schedule.task, "interval": interval, "description": schedule.description},
        )
        created += was_created
        existing += not was_created
    return created, existing
