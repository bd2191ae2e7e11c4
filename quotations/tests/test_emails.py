"""The quotation flow's emails: queued with the change, private to their recipient, never twice."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import EmailMessage
from quotations.models import HotelBid, HotelInvitation, InvitationStatus, Quotation
from quotations.services import quotation_approve, quotation_invite_hotels, quotation_price, quotation_send
from quotations.tasks import quotations_deadline_warnings, quotations_expiry_warnings
from quotations.tests.conftest import HOTELS


def test_creation_and_invitations_queue_their_emails(bidding_round):
    r = bidding_round
    created = EmailMessage.objects.get(template="quotation_created")
    assert (created.to_email, created.dedupe_key) == (r.staff.email, f"quotation_created:quotation:{r.quotation.pk}")
    invitations = EmailMessage.objects.filter(template="hotel_invitation")
    assert sorted(invitations.values_list("to_email", flat=True)) == sorted(h.email for h in r.hotels.values())
    aurora = invitations.get(to_email=r.hotels["aurora"].email)
    assert f"/portal/i/{r.invitations['aurora'].token}/" in aurora.body_html
    for secret in ("Cofradía Zeta Confidencial", "17,35", "17.35", "Hotel Boreal Macarena", "EUR"):
        assert secret not in aurora.body_text and secret not in aurora.body_html and secret not in aurora.subject
    # inviting again queues nothing new
    quotation_invite_hotels(quotation=r.quotation, hotels=[r.hotels["aurora"]], by=r.staff)
    assert EmailMessage.objects.filter(template="hotel_invitation").count() == len(HOTELS)


def test_approval_tells_staff_and_client_in_their_language(bidding_round):
    r = bidding_round
    r.contact.language = "en"
    r.contact.save(update_fields=["language"])
    r.close()
    quotation_price(quotation=r.quotation, by=r.staff)
    quotation_send(quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=5), by=r.staff)
    quotation_approve(quotation=r.quotation, by=r.contact)
    approved = {m.to_email: m for m in EmailMessage.objects.filter(template="quotation_approved")}
    assert set(approved) == {r.staff.email, r.contact.email}
    client_email = approved[r.contact.email]
    assert client_email.language == "en"
    assert "€301.00" in client_email.body_text and "€6,020.00" in client_email.body_text
    for net in ("85.17", "70.41", "4777", "17.35"):
        assert net not in client_email.body_text and net not in client_email.body_html
    assert f"/client/quotations/{r.quotation.pk}/" in client_email.body_html
    assert f"/staff/quotations/{r.quotation.pk}/" in approved[r.staff.email].body_html


def _deadline_in(r, hours):
    Quotation.objects.filter(pk=r.quotation.pk).update(bid_deadline=timezone.now() + datetime.timedelta(hours=hours))


def test_bid_deadline_warning_goes_once_to_hotels_without_a_bid(bidding_round):
    r = bidding_round
    HotelBid.objects.filter(invitation=r.invitations["delta"]).delete()  # Delta has not bid
    HotelInvitation.objects.filter(pk=r.invitations["delta"].pk).update(status=InvitationStatus.VIEWED)
    _deadline_in(r, 30)
    assert quotations_deadline_warnings() == 0  # not yet within 24 h
    _deadline_in(r, 12)
    assert quotations_deadline_warnings() == 1
    assert quotations_deadline_warnings() == 1  # found again, queued nothing new
    warnings = EmailMessage.objects.filter(template="deadline_warning")
    assert list(warnings.values_list("to_email", flat=True)) == [r.hotels["delta"].email]


def test_quote_expiry_warning_goes_once_on_the_last_day(bidding_round):
    r = bidding_round
    r.close()
    quotation_price(quotation=r.quotation, by=r.staff)
    quotation_send(quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=1), by=r.staff)
    assert quotations_expiry_warnings() == 0
    Quotation.objects.filter(pk=r.quotation.pk).update(valid_until=timezone.localdate())
    quotations_expiry_warnings()
    quotations_expiry_warnings()
    warning = EmailMessage.objects.get(template="deadline_warning")
    assert (warning.to_email, warning.context["kind"]) == (r.contact.email, "quote")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beat_jobs_at_once_queue_no_duplicate(bidding_round):
    r = bidding_round
    HotelBid.objects.filter(invitation__quotation=r.quotation).delete()
    HotelInvitation.objects.filter(quotation=r.quotation).update(status=InvitationStatus.INVITED)
    _deadline_in(r, 6)
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            quotations_deadline_warnings()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    warnings = EmailMessage.objects.filter(template="deadline_warning")
    assert warnings.count() == len(HOTELS)
    assert len(set(warnings.values_list("dedupe_key", flat=True))) == len(HOTELS)
