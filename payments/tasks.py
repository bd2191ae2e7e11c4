"""Beat jobs of the payments: each scans the database for what is due; a second run finds nothing left."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from payments.reminders import email_payment_reminder, installments_due_reminder


@shared_task(acks_late=True)
def payments_send_reminders() -> int:
    due = installments_due_reminder(now=timezone.now())
    for installment, milestone in due:
        with transaction.atomic():
            email_payment_reminder(installment=installment, milestone=milestone)
    return len(due)
