from spirittours.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="Re-send emails stuck in the outbox",
        task="notifications.tasks.email_sweep_stuck",
        every_seconds=300,
        description="Emails queued for more than 5 minutes are handed to the worker again.",
    ),
]
