"""The quotation flow's emails: queued with the change, private to their recipient, never twice."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.factories import ClientContactFactory
from notifications.models import EmailMessage
from quotations.errors import QuotationError
from quotations.models import HotelBid, HotelInvitation, InvitationStatus, Quotation
from quotations.services import (
    quotation_approve,
    quotation_decline,
    quotation_expire,
    quotation_invite_hotels,
    quotation_price,
    quotation_request_changes,
    quotation_revise,
    quotation_send,
)
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


# --- The quote to the client, and what the client answers ----------------------------

NET_FIGURES = ("81.37", "81,37", "85.17", "85,17", "70.41", "70,41", "17.35", "17,35", "4777")


def _priced_and_sent(r, days=5):
    quotation_price(quotation=r.quotation, by=r.staff)
    return quotation_send(
        quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=days), by=r.staff
    )


def _assert_private_to_client(email):
    for part in (email.subject, email.body_text, email.body_html, str(email.context)):
        for secret in (*NET_FIGURES, "Aurora", "Boreal", "Cenit", "Delta", "Estrella", "Condiciones privadas"):
            assert secret not in part


def test_sending_the_quote_emails_each_contact_in_their_language_with_client_prices(bidding_round):
    # Given two active contacts (one reads English) and one who left the client
    r = bidding_round
    english = ClientContactFactory(full_name="Mary Organiser", language="en")
    gone = ClientContactFactory(is_active=False)
    r.client.contacts.add(english, gone)
    r.close()

    # When staff price and send the quote
    _priced_and_sent(r)

    # Then each active contact gets it once, in their language, with client prices and their link
    sent = {m.to_email: m for m in EmailMessage.objects.filter(template="quotation_sent")}
    assert set(sent) == {r.contact.email, english.email}
    assert (sent[r.contact.email].language, sent[english.email].language) == ("es", "en")
    mary = sent[english.email]
    assert mary.dedupe_key == f"quotation_sent:quotation:{r.quotation.pk}:sending:1:user:{english.pk}"
    assert mary.subject == f"Your quote {r.quotation.reference}: Semana Santa en Andalucía"
    assert mary.context["revised"] is False
    assert (mary.context["price_per_person"], mary.context["price_total"]) == ("301.00", "6020.00")
    assert "€301.00" in mary.body_text and "€6,020.00" in mary.body_text
    assert f'href="http://127.0.0.1:8000/client/quotations/{r.quotation.pk}/"' in mary.body_html
    ignacio = sent[r.contact.email]
    assert ": 301,00\xa0€" in ignacio.body_text and "Hola, Padre Ignacio Zeta:" in ignacio.body_text
    for email in sent.values():
        _assert_private_to_client(email)
    # and nobody else: not the owner, not a hotel
    assert not EmailMessage.objects.filter(template="quotation_sent").exclude(to_email__in=set(sent)).exists()


def test_a_quote_sent_again_after_changes_is_the_revised_quote(bidding_round):
    # Given a sent quote the client wants changed
    r = bidding_round
    r.contact.language = "en"
    r.contact.save(update_fields=["language"])
    r.close()
    _priced_and_sent(r)
    quotation_request_changes(quotation=r.quotation, message="One more night in Granada, please.", by=r.contact)

    # When staff revise it, price it again and send it
    quotation_revise(quotation=r.quotation, by=r.staff)
    _priced_and_sent(r, days=7)

    # Then the contact has two quote emails, the second one the revised quote
    first, second = EmailMessage.objects.filter(template="quotation_sent").order_by("pk")
    assert (first.context["revised"], second.context["revised"]) == (False, True)
    assert second.dedupe_key == f"quotation_sent:quotation:{r.quotation.pk}:sending:2:user:{r.contact.pk}"
    assert second.subject == f"Your revised quote {r.quotation.reference}: Semana Santa en Andalucía"
    assert "We have revised quote" in second.body_text and "We have revised quote" not in first.body_text
    _assert_private_to_client(second)


def test_a_quote_sent_again_after_expiry_with_the_same_pricing_is_emailed_again(bidding_round):
    r = bidding_round
    r.close()
    _priced_and_sent(r)
    pricing = r.quotation.pricings.get(is_current=True)
    Quotation.objects.filter(pk=r.quotation.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    quotation_expire(quotation=r.quotation)
    quotation_revise(quotation=r.quotation, by=r.staff)

    quotation_send(quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=3), by=r.staff)

    assert r.quotation.pricings.get(is_current=True) == pricing
    keys = list(
        EmailMessage.objects.filter(template="quotation_sent").order_by("pk").values_list("dedupe_key", flat=True)
    )
    assert keys == [
        f"quotation_sent:quotation:{r.quotation.pk}:sending:1:user:{r.contact.pk}",
        f"quotation_sent:quotation:{r.quotation.pk}:sending:2:user:{r.contact.pk}",
    ]


def test_the_owner_reads_the_clients_changes_and_decline_in_their_language(bidding_round):
    # Given an owner who reads English and a sent quote
    r = bidding_round
    r.staff.language = "en"
    r.staff.save(update_fields=["language"])
    r.close()
    _priced_and_sent(r)

    # When the client asks for changes, gets a revised quote and declines it
    quotation_request_changes(quotation=r.quotation, message="  Can we stay <closer> to the cathedral?  ", by=r.contact)
    quotation_revise(quotation=r.quotation, by=r.staff)
    _priced_and_sent(r)
    quotation_decline(quotation=r.quotation, reason="The parish postponed the trip.", by=r.contact)

    # Then the owner got one email each, with the client's own words
    changes = EmailMessage.objects.get(template="client_changes_requested")
    assert (changes.to_email, changes.language) == (r.staff.email, "en")
    assert changes.dedupe_key == f"client_changes_requested:quotation:{r.quotation.pk}:request:1"
    assert changes.context["message"] == "Can we stay <closer> to the cathedral?"
    assert changes.context["requested_by"] == "Padre Ignacio Zeta"
    assert "Can we stay <closer> to the cathedral?" in changes.body_text
    assert "Can we stay &lt;closer&gt; to the cathedral?" in changes.body_html
    assert "Cofradía Zeta Confidencial" in changes.body_text
    assert f'href="http://127.0.0.1:8000/staff/quotations/{r.quotation.pk}/"' in changes.body_html
    declined = EmailMessage.objects.get(template="client_declined")
    assert (declined.to_email, declined.language) == (r.staff.email, "en")
    assert declined.dedupe_key == f"client_declined:quotation:{r.quotation.pk}"
    assert declined.context["reason"] == "The parish postponed the trip."
    assert "The parish postponed the trip." in declined.body_text
    # and the client was not copied on either
    assert not EmailMessage.objects.filter(
        template__in=["client_changes_requested", "client_declined"], to_email=r.contact.email
    ).exists()


def test_a_second_request_for_changes_is_a_second_email(bidding_round):
    r = bidding_round
    r.close()
    _priced_and_sent(r)
    quotation_request_changes(quotation=r.quotation, message="Half board, please.", by=r.contact)
    quotation_revise(quotation=r.quotation, by=r.staff)
    _priced_and_sent(r)

    quotation_request_changes(quotation=r.quotation, message="And a guide in Granada.", by=r.contact)

    emails = EmailMessage.objects.filter(template="client_changes_requested").order_by("pk")
    assert [(m.dedupe_key.rsplit(":", 1)[1], m.context["message"]) for m in emails] == [
        ("1", "Half board, please."),
        ("2", "And a guide in Granada."),
    ]


def test_refused_verbs_queue_no_email(bidding_round):
    r = bidding_round
    stranger = ClientContactFactory()
    r.close()
    before = set(EmailMessage.objects.values_list("pk", flat=True))

    # sending before pricing, and answering a quote that was never sent
    with pytest.raises(QuotationError):
        quotation_send(quotation=r.quotation, valid_until=timezone.localdate(), by=r.staff)
    with pytest.raises(QuotationError):
        quotation_request_changes(quotation=r.quotation, message="More rooms", by=r.contact)
    with pytest.raises(QuotationError):
        quotation_decline(quotation=r.quotation, reason="Too late", by=r.contact)
    _priced_and_sent(r)
    after_sending = set(EmailMessage.objects.values_list("pk", flat=True))
    # an empty request, another client's contact, and sending twice
    with pytest.raises(QuotationError):
        quotation_request_changes(quotation=r.quotation, message="   ", by=r.contact)
    with pytest.raises(QuotationError):
        quotation_decline(quotation=r.quotation, reason="Not ours", by=stranger)
    with pytest.raises(QuotationError):
        quotation_send(quotation=r.quotation, valid_until=timezone.localdate(), by=r.staff)

    assert set(EmailMessage.objects.values_list("pk", flat=True)) == after_sending
    new = EmailMessage.objects.exclude(pk__in=before)
    assert list(new.values_list("template", flat=True)) == ["quotation_sent"]
