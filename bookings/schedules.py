from spirittours.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="Move bookings to travelling and completed",
        task="bookings.tasks.bookings_progress",
        every_seconds=3600,
        description="Confirmed and paid bookings are travelling from their arrival day and completed after "
        "their departure day.",
    ),
]
