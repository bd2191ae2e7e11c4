import datetime
import threading
from email.utils import parseaddr

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from notifications.models import EmailMessage, EmailStatus
from notifications.tasks import STUCK_AFTER, email_sweep_stuck
from quotations.errors import QuotationError
from quotations.factories import ClientFactory, HotelFactory, bid_lines_full, quotation_make, quotation_sent
from quotations.models import Quotation, QuotationLog, QuotationStatus
from quotations.services import (
    bid_revise,
    bid_submit,
    invitation_decline,
    invitation_mark_viewed,
    quotation_extend_deadline,
    quotation_invite_hotels,
)
from quotations.tasks import (
    quotations_bidding_incomplete_warnings,
    quotations_close_due_bidding,
    quotations_expire_due,
    quotations_expiry_warnings,
    quotations_hotel_activity_digests,
)
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
    # six quotation jobs, the email sweeper, booking progress, and four of payments: reminders, events
    # retried, payments reconciled, refunds followed
    assert total == 12
    assert schedules_install() == (total, 0)
    task = PeriodicTask.objects.get(task="quotations.tasks.quotations_close_due_bidding")
    task.enabled = False
    task.save()
    assert schedules_install() == (0, total)
    assert PeriodicTask.objects.filter(task__startswith="quotations.tasks.").count() == 6
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


# --- Hotel activity digests and incomplete bidding -----------------------------------


def _bidding(*, nights=(("Sevilla", 3),), hotels=("Sevilla", "Sevilla")):
    """A quotation open for bids with one invited hotel (and its member) per entry of `hotels`."""
    owner = StaffFactory(full_name="Lucía Comercial", language="en")
    quotation = quotation_make(
        owner=owner, client=ClientFactory(name="Cofradía Zeta Confidencial"), nights=nights, pax=20
    )
    members = [HotelUserFactory() for _ in hotels]
    made = [
        HotelFactory(name=f"Hotel Número {n} de {city}", city=city, members=[member])
        for n, (city, member) in enumerate(zip(hotels, members, strict=True), start=1)
    ]
    invitations = quotation_invite_hotels(
        quotation=quotation, hotels=made, by=owner, bid_deadline=timezone.now() + datetime.timedelta(days=2)
    )
    return quotation, list(zip(invitations, members, strict=True))


def _bid(invitation, member, *, rate="90", revise=False):
    rates = {"single": rate, "double": rate, "twin": rate, "triple": rate}
    verb = bid_revise if revise else bid_submit
    return verb(
        invitation=invitation,
        lines=bid_lines_full(quotation=invitation.quotation, hotel=invitation.hotel, rates=rates),
        currency="EUR",
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        by=member,
    )


def _minutes_ago(queryset, minutes):
    queryset.update(created_at=timezone.now() - datetime.timedelta(minutes=minutes))


def _digests():
    return list(EmailMessage.objects.filter(template="hotel_activity").order_by("pk"))


@pytest.mark.django_db
def test_two_bids_minutes_apart_make_one_digest_to_the_owner():
    # Given two hotels that bid two minutes apart
    quotation, ((first, first_member), (second, second_member)) = _bidding()
    _bid(first, first_member)
    _minutes_ago(QuotationLog.objects.filter(action="bid.submitted"), 2)
    _bid(second, second_member)

    # When the job runs, and again
    assert quotations_hotel_activity_digests() == 1
    assert quotations_hotel_activity_digests() == 0

    # Then the owner has one digest naming both hotels, in their language, without a price
    (digest,) = _digests()
    assert (digest.to_email, digest.language) == (quotation.owner.email, "en")
    assert digest.dedupe_key == f"hotel_activity:quotation:{quotation.pk}:after:0"
    assert [(h["hotel_name"], [e["kind"] for e in h["events"]]) for h in digest.context["hotels"]] == [
        (first.hotel.name, ["submitted"]),
        (second.hotel.name, ["submitted"]),
    ]
    assert "2 hotels acted on quotation" in digest.body_text
    assert f"{first.hotel.name} (Sevilla)" in digest.body_text
    assert "submitted a bid (revision 1)" in digest.body_text
    for part in (digest.subject, digest.body_text, digest.body_html):
        assert "90.00" not in part and "90,00" not in part and "EUR" not in part and "€" not in part
    # and no hotel got it
    assert not EmailMessage.objects.filter(template="hotel_activity", to_email__contains="hotel").exists()


@pytest.mark.django_db
def test_activity_within_15_minutes_of_a_digest_waits_for_the_next_one():
    # Given a first digest, then a revision and a decline five minutes later
    quotation, ((first, first_member), (second, second_member)) = _bidding()
    _bid(first, first_member)
    assert quotations_hotel_activity_digests() == 1
    _minutes_ago(EmailMessage.objects.filter(template="hotel_activity"), 5)
    _bid(first, first_member, rate="85", revise=True)
    invitation_decline(invitation=second, reason="Sin disponibilidad", by=second_member)

    # When the job runs before the 15 minutes are up: nothing
    assert quotations_hotel_activity_digests() == 0
    assert len(_digests()) == 1

    # When it runs 20 minutes after the first digest: one more, with only what is new
    _minutes_ago(EmailMessage.objects.filter(template="hotel_activity"), 20)
    assert quotations_hotel_activity_digests() == 1
    assert quotations_hotel_activity_digests() == 0
    earlier, later = _digests()
    assert later.dedupe_key == (f"hotel_activity:quotation:{quotation.pk}:after:{earlier.context['activity_through']}")
    assert [
        (h["hotel_name"], [(e["kind"], e["revision"], e["reason"]) for e in h["events"]])
        for h in later.context["hotels"]
    ] == [
        (first.hotel.name, [("revised", 2, "")]),
        (second.hotel.name, [("declined", None, "Sin disponibilidad")]),
    ]
    assert "revised its bid (revision 2)" in later.body_text
    assert "declined the invitation: Sin disponibilidad" in later.body_text


@pytest.mark.django_db
def test_a_bid_20_minutes_after_the_first_digest_makes_a_second_one():
    _quotation, ((first, first_member), (second, second_member)) = _bidding()
    _bid(first, first_member)
    assert quotations_hotel_activity_digests() == 1
    _minutes_ago(EmailMessage.objects.filter(template="hotel_activity"), 20)

    _bid(second, second_member)

    assert quotations_hotel_activity_digests() == 1
    assert [[h["hotel_name"] for h in d.context["hotels"]] for d in _digests()] == [
        [first.hotel.name],
        [second.hotel.name],
    ]


@pytest.mark.django_db
def test_no_hotel_activity_no_digest():
    # Given staff activity only (the invitations) and a hotel merely looking
    _quotation, ((first, first_member), _second) = _bidding()
    invitation_mark_viewed(invitation=first, by=first_member)

    assert quotations_hotel_activity_digests() == 0
    assert _digests() == []


@pytest.mark.django_db
def test_a_refused_hotel_verb_makes_no_digest():
    # Given a deadline that has passed
    quotation, ((first, first_member), (second, second_member)) = _bidding()
    Quotation.objects.filter(pk=quotation.pk).update(bid_deadline=timezone.now() - datetime.timedelta(minutes=1))
    first.refresh_from_db()
    second.refresh_from_db()

    # When a hotel still tries to bid, and another to decline
    with pytest.raises(QuotationError):
        _bid(first, first_member)
    with pytest.raises(QuotationError):
        invitation_decline(invitation=second, reason="Tarde", by=second_member)

    # Then there is nothing to report
    assert quotations_hotel_activity_digests() == 0
    assert _digests() == []


@pytest.mark.django_db
def test_bidding_incomplete_tells_the_owner_once_per_deadline():
    # Given Sevilla and Granada, and a complete bid for Sevilla only
    quotation, ((sevilla, sevilla_member), _granada) = _bidding(
        nights=(("Sevilla", 3), ("Granada", 2)), hotels=("Sevilla", "Granada")
    )
    _bid(sevilla, sevilla_member)
    assert quotations_bidding_incomplete_warnings() == 0  # the deadline has not passed yet

    # When the deadline passes, and the job runs twice
    Quotation.objects.filter(pk=quotation.pk).update(bid_deadline=timezone.now() - datetime.timedelta(minutes=10))
    assert quotations_bidding_incomplete_warnings() == 1
    assert quotations_bidding_incomplete_warnings() == 1  # found again, queued nothing new
    quotations_close_due_bidding()
    quotations_bidding_incomplete_warnings()

    # Then the owner has one email naming Granada
    (email,) = EmailMessage.objects.filter(template="bidding_incomplete")
    quotation.refresh_from_db()
    assert (email.to_email, email.language, email.context["cities"]) == (quotation.owner.email, "en", ["Granada"])
    assert email.dedupe_key == (
        f"bidding_incomplete:quotation:{quotation.pk}:deadline:{int(quotation.bid_deadline.timestamp())}"
    )
    assert "  - Granada" in email.body_text and "  - Sevilla" not in email.body_text

    # When staff extend the deadline and it passes again without a bid for Granada: a second email
    quotation_extend_deadline(
        quotation=quotation, bid_deadline=timezone.now() + datetime.timedelta(days=1), by=quotation.owner
    )
    Quotation.objects.filter(pk=quotation.pk).update(bid_deadline=timezone.now() - datetime.timedelta(minutes=1))
    quotations_bidding_incomplete_warnings()
    assert EmailMessage.objects.filter(template="bidding_incomplete").count() == 2


@pytest.mark.django_db
def test_bidding_complete_at_the_deadline_emails_nobody():
    quotation, pairs = _bidding()
    for invitation, member in pairs:
        _bid(invitation, member)
    Quotation.objects.filter(pk=quotation.pk).update(bid_deadline=timezone.now() - datetime.timedelta(minutes=1))

    assert quotations_bidding_incomplete_warnings() == 0
    assert not EmailMessage.objects.filter(template="bidding_incomplete").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_digest_and_incomplete_jobs_twice_at_once_queue_each_email_once():
    quotation, ((sevilla, sevilla_member), (granada, granada_member)) = _bidding(
        nights=(("Sevilla", 3), ("Granada", 2)), hotels=("Sevilla", "Granada")
    )
    _bid(sevilla, sevilla_member)
    invitation_decline(invitation=granada, reason="Completo", by=granada_member)
    Quotation.objects.filter(pk=quotation.pk).update(bid_deadline=timezone.now() - datetime.timedelta(minutes=1))

    assert _twice_at_once(quotations_hotel_activity_digests) == []
    assert _twice_at_once(quotations_bidding_incomplete_warnings) == []
    assert _twice_at_once(quotations_hotel_activity_digests) == []

    (digest,) = _digests()
    assert [h["hotel_name"] for h in digest.context["hotels"]] == [sevilla.hotel.name, granada.hotel.name]
    (incomplete,) = EmailMessage.objects.filter(template="bidding_incomplete")
    assert incomplete.context["cities"] == ["Granada"]
