import datetime
import threading
from email.utils import parseaddr

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.factories import ClientContactFactory, StaffFactory
from notifications.models import EmailMessage, EmailStatus
from notifications.tasks import STUCK_AFTER, email_sweep_stuck
from quotations.factories import ClientFactory, quotation_make, quotation_sent
from quotations.models import Quotation, QuotationLog, QuotationStatus
from quotations.tasks import quotations_close_due_bidding, quotations_expire_due, quotations_expiry_warnings
from spirittours.schedules import schedules_discover, schedules_install


def _quotation(status, **fields):
    quotation = quotation_make(owner=StaffFactory())
    Quotation.objects.filter(pk=quotation.pk).update(status=status, **fields)
    return quotation


@pytest.mark.django_db
def test_close_due_bidding_closes_only_past_deadlines_once():
    now = timezone.now()
    due = _quotation(QuotationStatus.BIDDING, bid_deadline=now - datetime.timedelta(minutes=1))
    open_ = _quotation(QuotationStatus.BIDDING, bid_deadline=now + datetime.timedelta(hours=1))
    assert quotations_close_due_bidding() == 1
    assert quotations_close_due_bidding() == 0
    due.refresh_from_db()
    open_.refresh_from_db()
    assert (due.status, open_.status) == (QuotationStatus.QUOTED, QuotationStatus.BIDDING)
    assert QuotationLog.objects.filter(action="quotation.bidding_closed").count() == 1
    assert QuotationLog.objects.get(action="quotation.bidding_closed").actor is None


@pytest.mark.django_db
def test_expire_due_expires_only_sent_quotes_past_validity_once():
    today = timezone.localdate()
    due = _quotation(QuotationStatus.SENT, valid_until=today - datetime.timedelta(days=1))
    valid_today = _quotation(QuotationStatus.SENT, valid_until=today)
    approved = _quotation(QuotationStatus.APPROVED, valid_until=today - datetime.timedelta(days=3))
    assert quotations_expire_due() == 1
    assert quotations_expire_due() == 0
    statuses = [Quotation.objects.get(pk=q.pk).status for q in (due, valid_today, approved)]
    assert statuses == [QuotationStatus.EXPIRED, QuotationStatus.SENT, QuotationStatus.APPROVED]


@pytest.mark.django_db
def test_install_schedules_is_idempotent_and_keeps_staff_changes():
    total = len(schedules_discover())
    assert total == 5
    assert schedules_install() == (total, 0)
    task = PeriodicTask.objects.get(task="quotations.tasks.quotations_close_due_bidding")
    task.enabled = False
    task.save()
    assert schedules_install() == (0, total)
    assert PeriodicTask.objects.filter(task__startswith="quotations.tasks.").count() == 4
    assert PeriodicTask.objects.get(pk=task.pk).enabled is False


def _twice_at_once(job) -> list:
    """Run a beat job in two threads that start together, as two beat processes would."""
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            job()
        except Exception as error:  # reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_close_and_expire_jobs_at_once_move_each_quotation_once():
    now, today = timezone.now(), timezone.localdate()
    due_bidding = _quotation(QuotationStatus.BIDDING, bid_deadline=now - datetime.timedelta(minutes=1))
    due_sent = _quotation(QuotationStatus.SENT, valid_until=today - datetime.timedelta(days=1))
    assert _twice_at_once(quotations_close_due_bidding) == []
    assert _twice_at_once(quotations_expire_due) == []
    assert Quotation.objects.get(pk=due_bidding.pk).status == QuotationStatus.QUOTED
    assert Quotation.objects.get(pk=due_sent.pk).status == QuotationStatus.EXPIRED
    assert QuotationLog.objects.filter(action="quotation.bidding_closed").count() == 1
    assert QuotationLog.objects.filter(action="quotation.expired").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_expiry_warning_and_sweeper_at_once_send_each_email_once():
    contact = ClientContactFactory()
    quotation = quotation_sent(client=ClientFactory(contacts=[contact]))
    Quotation.objects.filter(pk=quotation.pk).update(valid_until=timezone.localdate())
    assert _twice_at_once(quotations_expiry_warnings) == []
    warnings = EmailMessage.objects.filter(template="deadline_warning")
    assert list(warnings.values_list("to_email", flat=True)) == [contact.email]

    # Every email left queued 5 minutes ago, as if the broker had lost the tasks; the
    # sweeper, twice at once, sends each exactly once (Celery runs eagerly here).
    EmailMessage.objects.update(status=EmailStatus.QUEUED, updated_at=timezone.now() - STUCK_AFTER)
    stuck = EmailMessage.objects.count()
    mail.outbox.clear()
    assert _twice_at_once(email_sweep_stuck) == []
    assert EmailMessage.objects.filter(status=EmailStatus.SENT).count() == stuck
    assert sorted(parseaddr(m.to[0])[1] for m in mail.outbox) == sorted(
        EmailMessage.objects.values_list("to_email", flat=True)
    )
