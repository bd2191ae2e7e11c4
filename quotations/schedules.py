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
    Schedule(
        name="Warn hotels 24 h before the bid deadline",
        task="quotations.tasks.quotations_deadline_warnings",
        every_seconds=900,
        description="Emails every invited hotel without a bid once, within 24 hours of the deadline.",
    ),
    Schedule(
        name="Warn clients the day their quote expires",
        task="quotations.tasks.quotations_expiry_warnings",
        every_seconds=3600,
        description="Emails the client's contacts once on the last day a sent quote is valid.",
    ),
]
