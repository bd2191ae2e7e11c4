from spirittours.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="Remind clients of payments due",
        task="payments.tasks.payments_send_reminders",
        every_seconds=3600,
        description="Emails the booking's contacts 7, 3 and 0 days before each installment is due and 2 days "
        "after, once each; never while a payment of it is pending.",
    ),
]
