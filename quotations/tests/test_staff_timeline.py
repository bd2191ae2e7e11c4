"""The staff's activity timeline and what the client asked, on the quotation page."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.factories import ClientContactFactory, StaffFactory
from quotations.factories import ClientFactory, quotation_sent
from quotations.privacy import present_timeline_for_staff, viewer_for
from quotations.privacy.room import present_event
from quotations.services import (
    invitation_decline,
    message_post,
    quotation_decline,
    quotation_request_changes,
    quotation_revise,
)
from spirittours.errors import NotVisible


def _sent(**fields):
    contact = ClientContactFactory(full_name="Marta Cliente")
    owner = StaffFactory(full_name="Lucía Comercial")
    quotation = quotation_sent(client=ClientFactory(contacts=[contact]), owner=owner, **fields)
    return quotation, contact, owner


def _staff_page(user, quotation) -> str:
    http = HttpClient()
    http.force_login(user)
    response = http.get(reverse("staff:quotation", kwargs={"pk": quotation.pk}), headers={"accept-language": "en"})
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_the_clients_request_for_changes_is_on_the_staff_page():
    # given a sent quote
    quotation, contact, owner = _sent()
    # when the client asks for changes
    quotation_request_changes(quotation=quotation, message="Can we have half board in Sevilla?", by=contact)
    # then staff read its words, who asked and that it is a request
    response = _staff_page(owner, quotation)
    requests = response.context["timeline"].client_requests
    assert [(entry.action, entry.detail, entry.who) for entry in requests] == [
        ("quotation.changes_requested", "Can we have half board in Sevilla?", "Marta Cliente")
    ]
    html = response.content.decode()
    assert html.count('data-testid="client-request"') == 1
    assert "Can we have half board in Sevilla?" in html
    assert "The client asked for changes" in html


@pytest.mark.django_db
def test_the_reason_of_a_decline_is_on_the_staff_page():
    quotation, contact, owner = _sent()
    quotation_decline(quotation=quotation, reason="We found a cheaper offer.", by=contact)
    response = _staff_page(owner, quotation)
    (entry,) = response.context["timeline"].client_requests
    assert (entry.action, entry.detail, entry.kind) == ("quotation.declined", "We found a cheaper offer.", "request")
    assert "We found a cheaper offer." in response.content.decode()


@pytest.mark.django_db
def test_no_client_request_no_panel():
    quotation, _contact, owner = _sent()
    response = _staff_page(owner, quotation)
    assert response.context["timeline"].client_requests == ()
    assert 'data-testid="client-request"' not in response.content.decode()


@pytest.mark.django_db
def test_timeline_lists_status_changes_bids_declines_and_messages_newest_first():
    # given a quote through a whole round, a question from the client and a revision
    quotation, contact, owner = _sent()
    invitation = quotation.invitations.get()
    message_post(quotation=quotation, author=contact, body="¿Incluye el autocar?", audience="staff")
    quotation_request_changes(quotation=quotation, message="Otra fecha, por favor.", by=contact)
    quotation_revise(quotation=quotation, by=owner)
    # when
    timeline = present_timeline_for_staff(viewer=viewer_for(owner), quotation=quotation)
    # then: newest first, each with its author
    actions = [entry.action for entry in timeline.entries]
    assert actions == [
        "quotation.revised",
        "quotation.changes_requested",
        "message.posted",
        "quotation.sent",
        "quote.computed",
        "quotation.bidding_closed",
        "bid.submitted",
        "invitation.created",
        "quotation.deadline_changed",
        "quotation.bidding_opened",
        "quotation.created",
    ]
    by_action = {entry.action: entry for entry in timeline.entries}
    assert by_action["message.posted"].detail == "¿Incluye el autocar?"
    assert by_action["message.posted"].who == "Marta Cliente"
    assert by_action["quotation.changes_requested"].who == "Marta Cliente"
    assert by_action["quotation.revised"].who == "Lucía Comercial"
    assert by_action["bid.submitted"].title == f"{invitation.hotel.name} bid (revision 1)"
    assert by_action["bid.submitted"].who == invitation.bids.get().submitted_by.get_full_name()
    assert [entry.at for entry in timeline.entries] == sorted((entry.at for entry in timeline.entries), reverse=True)


@pytest.mark.django_db
def test_a_hotels_decline_and_its_reason_are_on_the_timeline(bidding_round):
    r = bidding_round
    invitation_decline(invitation=r.invitations["delta"], reason="Completo esa semana", by=r.users["delta"])
    timeline = present_timeline_for_staff(viewer=viewer_for(r.staff), quotation=r.quotation)
    newest = timeline.entries[0]
    assert (newest.action, newest.kind, newest.detail, newest.title) == (
        "invitation.declined",
        "hotel",
        "Completo esa semana",
        "Hotel Delta Albaicín declined the invitation",
    )
    assert newest.who == r.users["delta"].get_full_name()


@pytest.mark.django_db
def test_the_timeline_never_shows_the_margin_or_raw_log_data(bidding_round):
    # given staff below the margin level and a pricing run with a margin in its log row
    r = bidding_round
    r.close()
    from quotations.services import quotation_price

    quotation_price(quotation=r.quotation, by=r.staff)
    junior = StaffFactory(staff_level=1)
    # when
    html = _staff_page(junior, r.quotation).content.decode()
    timeline = html[html.index('data-testid="timeline"') :]
    # then
    assert "17.35" not in timeline and "17,35" not in timeline
    assert "Quote priced" in timeline


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["client", "hotel"])
def test_only_staff_get_a_timeline(who):
    quotation, contact, _owner = _sent()
    user = contact if who == "client" else quotation.invitations.get().hotel.members.get()
    with pytest.raises(NotVisible):
        present_timeline_for_staff(viewer=viewer_for(user), quotation=quotation)


@pytest.mark.django_db
def test_the_clients_words_reach_staff_frames_only(settings):
    settings.LANGUAGE_CODE = "en"
    # given the room event of a request for changes
    quotation, contact, owner = _sent()
    quotation_request_changes(quotation=quotation, message="Texto privado del cliente", by=contact)
    event = quotation.room_events.order_by("-seq").first().as_message()
    member = quotation.invitations.get().hotel.members.get()
    # when each viewer's frame is built
    frames = {
        name: present_event(viewer=viewer_for(user), event=event)
        for name, user in {"staff": owner, "client": contact, "hotel": member}.items()
    }
    # then staff learn of the move (their page refreshes its regions), the client gets
    # only its status, and the hotel (bidding is not involved) nothing
    assert frames["staff"]["data"] == {"from": "sent", "to": "changes_requested"}
    assert frames["client"]["data"] == {"status": "changes_requested", "status_label": "Changes requested"}
    assert frames["hotel"] is None
    assert all("Texto privado" not in str(frame) for frame in frames.values())
