from spirittours.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="Close bidding at the deadline",
        task="quotations.tasks.quotations_close_due_bidding",
        every_seconds=60,
        description="Moves quotations whose bid deadline has passed from bidding to quoted.",
    ),
    Schedule(
        name="Expire quotes past their valid-until date",
        task="quotations.tasks.quotations_expire_due",
        every_seconds=900,
        description="Marks sent quotes expired once their valid-until date has passed.",
    ),
]
