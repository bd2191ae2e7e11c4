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
    Schedule(
        name="Tell owners about hotel activity",
        task="quotations.tasks.quotations_hotel_activity_digests",
        every_seconds=180,
        description="Emails each quotation's owner one digest of hotel bids, revisions and declines, "
        "at most every 15 minutes.",
    ),
    Schedule(
        name="Tell owners when bidding ends incomplete",
        task="quotations.tasks.quotations_bidding_incomplete_warnings",
        every_seconds=300,
        description="Emails the owner once per bid deadline when cities still lack a complete, valid bid.",
    ),
]
