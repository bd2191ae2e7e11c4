"""Staff actions for one invited hotel: email the link again, remind, take out, enter its bid."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from notifications.models import EmailMessage
from quotations.errors import QuotationError
from quotations.models import BidStatus, HotelBid, InvitationStatus, QuotationLog, RoomEvent
from quotations.services import invitation_decline, invitation_remind, invitation_resend, quotation_invite_hotels
from quotations.workflow import Action, hotel_staff_actions


def _http(user) -> HttpClient:
    http = HttpClient(headers={"accept-language": "en"})
    http.force_login(user)
    return http


def _url(name, r, key) -> str:
    return reverse(name, kwargs={"pk": r.quotation.pk, "invitation_id": r.invitations[key].pk})


def _fresh_invitation(r, key="fresh"):
    """A hotel invited and silent: no bid yet."""
    from quotations.factories import HotelFactory

    hotel = HotelFactory(name="Hotel Silencio Sevilla", city="Sevilla", email="reservas@silencio.example")
    (invitation,) = quotation_invite_hotels(quotation=r.quotation, hotels=[hotel], by=r.staff)
    r.invitations[key] = invitation
    return invitation


# --- Email the link again ---------------------------------------------------------------------


def test_each_resend_is_a_new_email_with_its_own_dedupe_key_and_an_audit_entry(bidding_round):
    # given
    r = bidding_round
    invitation = r.invitations["aurora"]
    http = _http(r.staff)
    # when staff email the link twice
    first = http.post(_url("staff:invitation_resend", r, "aurora"))
    second = http.post(_url("staff:invitation_resend", r, "aurora"))
    # then two more invitation emails, each with its own key, to the hotel
    assert first.status_code == second.status_code == 302
    emails = EmailMessage.objects.filter(template="hotel_invitation", to_email=invitation.hotel.email)
    assert sorted(emails.values_list("dedupe_key", flat=True)) == [
        f"hotel_invitation:invitation:{invitation.pk}",
        f"hotel_invitation:invitation:{invitation.pk}:resend:1",
        f"hotel_invitation:invitation:{invitation.pk}:resend:2",
    ]
    resent = QuotationLog.objects.filter(quotation=r.quotation, action="invitation.resent").order_by("id")
    assert [(e.actor, e.data) for e in resent] == [
        (r.staff, {"invitation": invitation.pk, "resend": 1}),
        (r.staff, {"invitation": invitation.pk, "resend": 2}),
    ]
    assert invitation.token in emails.get(dedupe_key__endswith=":resend:2").body_text


def test_a_hotel_that_declined_is_not_emailed_again(bidding_round):
    r = bidding_round
    invitation_decline(invitation=r.invitations["delta"], reason="Completo", by=r.users["delta"])
    before = (EmailMessage.objects.count(), QuotationLog.objects.count())
    with pytest.raises(QuotationError) as refused:
        invitation_resend(invitation=r.invitations["delta"], by=r.staff)
    assert refused.value.code == "closed_to_hotel"
    assert (EmailMessage.objects.count(), QuotationLog.objects.count()) == before


def test_only_staff_resend(bidding_round):
    r = bidding_round
    before = EmailMessage.objects.count()
    with pytest.raises(QuotationError):
        invitation_resend(invitation=r.invitations["aurora"], by=r.users["aurora"])
    assert EmailMessage.objects.count() == before


def test_resend_after_bidding_closed_is_refused_on_the_page_and_sends_nothing(bidding_round):
    r = bidding_round
    r.close()
    before = EmailMessage.objects.count()
    response = _http(r.staff).post(_url("staff:invitation_resend", r, "aurora"), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Invitations can only be sent again while bidding is open."
    ]
    assert EmailMessage.objects.count() == before


# --- Remind of the deadline -------------------------------------------------------------------


def test_a_reminder_goes_once_a_day_to_a_hotel_that_has_not_bid(bidding_round):
    # given a silent hotel
    r = bidding_round
    invitation = _fresh_invitation(r)
    http = _http(r.staff)
    # when staff remind it twice today
    first = http.post(_url("staff:invitation_remind", r, "fresh"), follow=True)
    second = http.post(_url("staff:invitation_remind", r, "fresh"), follow=True)
    # then one deadline warning, keyed by today, and the second is refused with the reason
    today = timezone.localdate().isoformat()
    reminders = EmailMessage.objects.filter(template="deadline_warning")
    assert list(reminders.values_list("dedupe_key", "to_email")) == [
        (f"deadline_warning:invitation:{invitation.pk}:reminder:{today}", "reservas@silencio.example")
    ]
    assert [str(m) for m in first.context["messages"]] == ["Hotel Silencio Sevilla was reminded of the bid deadline."]
    assert [str(m) for m in second.context["messages"]] == ["Hotel Silencio Sevilla was already reminded today."]
    assert QuotationLog.objects.filter(action="invitation.reminded").count() == 1


def test_a_reminder_to_a_hotel_that_has_bid_is_refused(bidding_round):
    r = bidding_round
    with pytest.raises(QuotationError) as refused:
        invitation_remind(invitation=r.invitations["aurora"], by=r.staff)
    assert refused.value.code == "has_bid"
    assert not EmailMessage.objects.filter(template="deadline_warning").exists()


def test_the_beat_jobs_warning_and_a_reminder_do_not_stand_in_each_others_way(bidding_round):
    from quotations.services.emails import email_bid_deadline_warning

    r = bidding_round
    invitation = _fresh_invitation(r)
    email_bid_deadline_warning(invitation=invitation)
    invitation_remind(invitation=invitation, by=r.staff)
    assert EmailMessage.objects.filter(template="deadline_warning").count() == 2


# --- Take out of the bidding ------------------------------------------------------------------


def test_take_a_hotel_out_with_a_reason(bidding_round):
    r = bidding_round
    response = _http(r.staff).post(
        _url("staff:invitation_withdraw", r, "boreal"), {"reason": "Precio fuera de mercado"}
    )
    assert response.status_code == 302
    invitation = r.invitations["boreal"]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    entry = QuotationLog.objects.get(action="invitation.withdrawn")
    assert entry.data == {"invitation": invitation.pk, "reason": "Precio fuera de mercado", "bids_withdrawn": 1}
    assert not HotelBid.objects.filter(invitation=invitation, status=BidStatus.ACTIVE).exists()


def test_taking_out_without_a_reason_is_refused_and_changes_nothing(bidding_round):
    r = bidding_round
    before = (QuotationLog.objects.count(), RoomEvent.objects.count())
    response = _http(r.staff).post(_url("staff:invitation_withdraw", r, "boreal"), {"reason": "  "}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Hotel Boreal Macarena: This field is required."]
    r.invitations["boreal"].refresh_from_db()
    assert r.invitations["boreal"].status == InvitationStatus.BID
    assert (QuotationLog.objects.count(), RoomEvent.objects.count()) == before


def test_an_invitation_of_another_quotation_is_not_found(bidding_round):
    from quotations.factories import quotation_make

    r = bidding_round
    other = quotation_make(owner=r.staff)
    url = reverse("staff:invitation_withdraw", kwargs={"pk": other.pk, "invitation_id": r.invitations["aurora"].pk})
    assert _http(r.staff).post(url, {"reason": "x"}).status_code == 404
    r.invitations["aurora"].refresh_from_db()
    assert r.invitations["aurora"].status == InvitationStatus.BID


# --- The buttons follow the rules ---------------------------------------------------------------


def test_the_page_offers_each_hotel_exactly_the_actions_the_rules_allow(bidding_round):
    # given hotels in every state: bid, declined, taken out, silent
    r = bidding_round
    _fresh_invitation(r)
    invitation_decline(invitation=r.invitations["delta"], reason="Completo", by=r.users["delta"])
    _http(r.staff).post(_url("staff:invitation_withdraw", r, "estrella"), {"reason": "Duplicado"})
    # when
    html = _http(r.staff).get(reverse("staff:quotation", kwargs={"pk": r.quotation.pk})).content.decode()
    # then
    shown = {
        key: {
            name
            for name in ("staff:invitation_resend", "staff:invitation_remind", "staff:invitation_withdraw")
            if _url(name, r, key) in html
        }
        | ({"staff:invitation_bid"} if _url("staff:invitation_bid", r, key) in html else set())
        for key in ("aurora", "delta", "estrella", "fresh")
    }
    assert shown == {
        "aurora": {"staff:invitation_resend", "staff:invitation_withdraw", "staff:invitation_bid"},
        "delta": {"staff:invitation_withdraw"},
        "estrella": set(),
        "fresh": {
            "staff:invitation_resend",
            "staff:invitation_remind",
            "staff:invitation_withdraw",
            "staff:invitation_bid",
        },
    }


def test_after_the_deadline_a_hotel_is_neither_reminded_nor_bid_for(bidding_round):
    r = bidding_round
    invitation = _fresh_invitation(r)
    later = timezone.now() + datetime.timedelta(days=30)
    assert hotel_staff_actions(quotation=r.quotation, invitation=invitation, now=later) == {
        Action.RESEND_INVITATION,
        Action.WITHDRAW_HOTEL,
    }


# --- A bid received by phone ------------------------------------------------------------------


def _bid_data(r, key, single, double) -> dict:
    stay = r.quotation.stays.get(city=r.invitations[key].hotel.city)
    return {
        "valid_until": (timezone.localdate() + datetime.timedelta(days=25)).isoformat(),
        f"rate_{stay.pk}_single": single,
        f"rooms_{stay.pk}_single": "2",
        f"rate_{stay.pk}_double": double,
        f"rooms_{stay.pk}_double": "9",
        "conditions": "Recibida por teléfono",
    }


def test_staff_enter_a_bid_for_a_silent_hotel_and_the_hotel_sees_it_entered_by_our_team(bidding_round):
    # given a hotel that phoned its rates in
    r = bidding_round
    invitation = _fresh_invitation(r)
    http = _http(r.staff)
    url = _url("staff:invitation_bid", r, "fresh")
    # when staff open the hotel's form and save it
    form_page = http.get(url)
    assert form_page.status_code == 200
    assert form_page.context["bid_form"].currency == invitation.hotel.currency
    saved = http.post(url, _bid_data(r, "fresh", "88.10", "99.20"))
    # then a bid of that hotel, submitted by the staff user, logged as theirs
    assert saved.status_code == 302
    bid = HotelBid.objects.get(invitation=invitation)
    assert (bid.revision, bid.status, bid.submitted_by, bid.conditions) == (
        1,
        BidStatus.ACTIVE,
        r.staff,
        "Recibida por teléfono",
    )
    assert QuotationLog.objects.get(action="bid.submitted", data__invitation=invitation.pk).actor == r.staff
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.BID
    # and the hotel sees it in its portal as entered by our team, and may revise it
    from accounts.factories import HotelUserFactory

    member = HotelUserFactory(language="en")
    invitation.hotel.members.add(member)
    portal = _http(member).get(reverse("portal:invitation", kwargs={"token": invitation.token}))
    html = portal.content.decode()
    assert 'data-testid="entered-by-team"' in html and "entered by our team" in html
    revised = _http(member).post(
        reverse("portal:bid", kwargs={"token": invitation.token}), _bid_data(r, "fresh", "87.00", "98.00")
    )
    assert revised.status_code == 302
    latest = HotelBid.objects.get(invitation=invitation, status=BidStatus.ACTIVE)
    assert (latest.revision, latest.submitted_by) == (2, member)


def test_staff_revise_a_hotels_bid_as_a_new_revision(bidding_round):
    r = bidding_round
    response = _http(r.staff).post(_url("staff:invitation_bid", r, "aurora"), _bid_data(r, "aurora", "80.00", "95.00"))
    assert response.status_code == 302
    bids = HotelBid.objects.filter(invitation=r.invitations["aurora"]).order_by("revision")
    assert [(b.revision, b.status, b.submitted_by) for b in bids] == [
        (1, BidStatus.SUPERSEDED, r.users["aurora"]),
        (2, BidStatus.ACTIVE, r.staff),
    ]


def test_a_bad_bid_entered_by_staff_shows_the_errors_and_writes_nothing(bidding_round):
    r = bidding_round
    _fresh_invitation(r)
    before = (HotelBid.objects.count(), QuotationLog.objects.count(), RoomEvent.objects.count())
    response = _http(r.staff).post(_url("staff:invitation_bid", r, "fresh"), _bid_data(r, "fresh", "-3", ""))
    assert response.status_code == 400
    assert response.context["bid_form"].errors
    assert (HotelBid.objects.count(), QuotationLog.objects.count(), RoomEvent.objects.count()) == before


def test_the_staff_bid_form_is_the_hotels_own_and_shows_nothing_of_other_hotels(bidding_round):
    r = bidding_round
    html = _http(r.staff).get(_url("staff:invitation_bid", r, "delta")).content.decode()
    assert "Granada" in html
    for other in ("Aurora", "Boreal", "Estrella", "81.37", "85.13", "Cofradía"):
        assert other not in html


def test_no_bid_can_be_entered_once_bidding_is_closed(bidding_round):
    r = bidding_round
    r.close()
    before = HotelBid.objects.count()
    response = _http(r.staff).post(_url("staff:invitation_bid", r, "aurora"), _bid_data(r, "aurora", "80", "95"))
    assert response.status_code == 302
    assert HotelBid.objects.count() == before


def test_hotels_and_clients_cannot_reach_the_staff_hotel_actions(bidding_round):
    r = bidding_round
    before = (EmailMessage.objects.count(), QuotationLog.objects.count())
    for user in (r.users["aurora"], r.contact):
        for name in ("staff:invitation_resend", "staff:invitation_remind", "staff:invitation_withdraw"):
            response = _http(user).post(_url(name, r, "aurora"), {"reason": "x"})
            assert response.status_code in (302, 403, 404)
            assert not response.get("Location", "").startswith("/staff/quotations/")
    assert (EmailMessage.objects.count(), QuotationLog.objects.count()) == before


# --- The room ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["resend", "remind"])
def test_a_resend_or_reminder_reaches_the_staff_room_only(bidding_round, action):
    # given a silent hotel with a member, another hotel and the client
    from accounts.factories import HotelUserFactory
    from quotations.privacy import viewer_for
    from quotations.privacy.room import present_event

    r = bidding_round
    invitation = _fresh_invitation(r)
    member = HotelUserFactory()
    invitation.hotel.members.add(member)
    # when
    service = invitation_resend if action == "resend" else invitation_remind
    service(invitation=invitation, by=r.staff)
    # then one room event, whose frame staff get and no hotel or client does
    event = RoomEvent.objects.filter(quotation=r.quotation).order_by("-seq").first()
    assert event.kind == {"resend": "invitation.resent", "remind": "invitation.reminded"}[action]
    message = event.as_message()
    staff_frame = present_event(viewer=viewer_for(r.staff), event=message)
    assert staff_frame["data"] == {
        "invitation": invitation.pk,
        "hotel": invitation.hotel_id,
        "hotel_name": "Hotel Silencio Sevilla",
    }
    for user in (member, r.users["aurora"], r.contact):
        assert present_event(viewer=viewer_for(user), event=message) is None
