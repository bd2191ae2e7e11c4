import datetime

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.factories import StaffFactory
from quotations.factories import quotation_make
from quotations.models import Quotation, QuotationLog, QuotationStatus
from quotations.tasks import quotations_close_due_bidding, quotations_expire_due
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
