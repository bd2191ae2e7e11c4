from spirittours.schedules import Schedule

SCHEDULES = [
    Schedule(
        name="Remind clients of payments due",
        task="payments.tasks.payments_send_reminders",
        every_seconds=3600,
        description="Emails the booking's contacts 7, 3 and 0 days before each installment is due and 2 days "
        "after, once each; never while a payment of it is pending.",
    ),
    Schedule(
        name="Process payment notifications again",
        task="payments.tasks.provider_events_retry",
        every_seconds=120,
        description="Processes the gateways' notifications whose processing failed or never ran (a worker "
        "stopped mid-way), two minutes after they arrived; each is applied once.",
    ),
    Schedule(
        name="Reconcile open online payments",
        task="payments.tasks.payments_reconcile",
        every_seconds=600,
        description="Asks MercadoPago, PayU and Stripe about payments still pending 30 minutes after the "
        "checkout started, and gives up checkouts that expired unpaid.",
    ),
    Schedule(
        name="Follow refunds at the gateways",
        task="payments.tasks.refunds_follow_up",
        every_seconds=300,
        description="Sends refunds recorded but not yet sent to their gateway, and asks about refunds a "
        "gateway answered as pending (PayU) until they are done or refused.",
    ),
]
