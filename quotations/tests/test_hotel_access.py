"""Every hotel verb, for a hotel taken out of the bidding, one that declined and one never invited.

The one rule (quotations.workflow.hotel_may_act / hotel_may_see) answers for the
services, the privacy module and the pages alike: a refused verb writes nothing.
"""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from accounts.factories import HotelUserFactory
from quotations.errors import QuotationError
from quotations.factories import HotelFactory, bid_lines_full
from quotations.models import HotelBid, HotelInvitation, InvitationStatus, QuotationLog, RoomEvent, RoomMessage
from quotations.services import (
    bid_revise,
    bid_submit,
    bid_withdraw,
    invitation_decline,
    invitation_mark_viewed,
    invitation_withdraw,
    message_post,
)

IN_A_MONTH = timezone.localdate() + datetime.timedelta(days=30)
KINDS = ["withdrawn", "declined", "never_invited"]


@pytest.fixture
def hotels(bidding_round):
    """Aurora taken out by staff, Boreal declined, Faro in Sevilla never invited."""
    r = bidding_round
    invitation_withdraw(invitation=r.invitations["aurora"], reason="Sin respuesta a tiempo", by=r.staff)
    invitation_decline(invitation=r.invitations["boreal"], reason="Sin habitaciones", by=r.users["boreal"])
    outsider = HotelUserFactory()
    HotelFactory(name="Hotel Faro", city="Sevilla", members=[outsider])
    # The never-invited hotel tries Aurora's invitation: its link and its bid.
    cases = {
        "withdrawn": (r.users["aurora"], r.invitations["aurora"], r.bids["aurora"]),
        "declined": (r.users["boreal"], r.invitations["boreal"], r.bids["boreal"]),
        "never_invited": (outsider, r.invitations["aurora"], r.bids["aurora"]),
    }
    return r, cases


def _footprint(r) -> tuple:
    return (
        list(HotelBid.objects.order_by("pk").values_list("pk", "status")),
        list(HotelInvitation.objects.order_by("pk").values_list("pk", "status", "viewed_at")),
        QuotationLog.objects.count(),
        RoomEvent.objects.count(),
        RoomMessage.objects.count(),
    )


def _lines(r, invitation):
    return bid_lines_full(
        quotation=r.quotation,
        hotel=invitation.hotel,
        rates={"single": "70", "double": "80", "twin": "1", "triple": "1"},
    )


SERVICE_VERBS = {
    "bid": lambda r, user, invitation, bid: bid_submit(
        invitation=invitation,
        lines=_lines(r, invitation),
        currency=invitation.hotel.currency,
        valid_until=IN_A_MONTH,
        by=user,
    ),
    "revise": lambda r, user, invitation, bid: bid_revise(
        invitation=invitation,
        lines=_lines(r, invitation),
        currency=invitation.hotel.currency,
        valid_until=IN_A_MONTH,
        by=user,
    ),
    "withdraw_bid": lambda r, user, invitation, bid: bid_withdraw(bid=bid, by=user),
    "decline": lambda r, user, invitation, bid: invitation_decline(invitation=invitation, reason="Otra vez", by=user),
    "message": lambda r, user, invitation, bid: message_post(
        quotation=r.quotation, author=user, body="¿Podemos ofertar aún?", audience="staff"
    ),
}
# What each service answers: the refusal's code, or None where the verb is still allowed.
SERVICE_OUTCOME = {
    "withdrawn": {"bid": "withdrawn", "revise": "withdrawn", "withdraw_bid": "withdrawn", "decline": "withdrawn"},
    "declined": {"bid": "declined", "revise": "declined", "withdraw_bid": "declined", "decline": "declined"},
    "never_invited": {"bid": "forbidden", "revise": "forbidden", "withdraw_bid": "forbidden", "decline": "forbidden"},
}
SERVICE_OUTCOME["withdrawn"]["message"] = "forbidden"
SERVICE_OUTCOME["never_invited"]["message"] = "forbidden"
SERVICE_OUTCOME["declined"]["message"] = None  # a hotel that declined may still write to us


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("verb", list(SERVICE_VERBS))
def test_service_verbs_refuse_a_hotel_that_may_no_longer_act_and_write_nothing(hotels, kind, verb):
    # given
    r, cases = hotels
    user, invitation, bid = cases[kind]
    before = _footprint(r)
    expected = SERVICE_OUTCOME[kind][verb]
    # when / then
    if expected is None:
        SERVICE_VERBS[verb](r, user, invitation, bid)
        assert RoomMessage.objects.count() == before[4] + 1
        return
    with pytest.raises(QuotationError) as refused:
        SERVICE_VERBS[verb](r, user, invitation, bid)
    assert refused.value.code == expected
    assert _footprint(r) == before


@pytest.mark.parametrize("kind", KINDS)
def test_viewing_is_recorded_only_for_a_hotel_that_may_still_see_the_invitation(hotels, kind):
    r, cases = hotels
    user, invitation, _bid = cases[kind]
    HotelInvitation.objects.filter(pk=invitation.pk).update(viewed_at=None)
    invitation.refresh_from_db()
    before = _footprint(r)

    invitation_mark_viewed(invitation=invitation, by=user)

    invitation.refresh_from_db()
    assert (invitation.viewed_at is not None) == (kind == "declined")
    if kind != "declined":
        assert _footprint(r) == before


def _portal(user):
    http = HttpClient()
    http.force_login(user)
    http.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return http


PAGE_VERBS = {
    "view": lambda http, inv, bid: http.get(reverse("portal:invitation", kwargs={"token": inv.token})),
    "bid": lambda http, inv, bid: http.post(
        reverse("portal:bid", kwargs={"token": inv.token}), {"currency": inv.hotel.currency, "valid_until": IN_A_MONTH}
    ),
    "withdraw_bid": lambda http, inv, bid: http.post(
        reverse("portal:bid_withdraw", kwargs={"token": inv.token, "bid_id": bid.pk})
    ),
    "decline": lambda http, inv, bid: http.post(
        reverse("portal:decline", kwargs={"token": inv.token}), {"reason": "No"}
    ),
    "message": lambda http, inv, bid: http.post(
        reverse("portal:message", kwargs={"token": inv.token}), {"body": "¿Podemos ofertar aún?"}
    ),
}
# The status each page answers: hidden invitations are 404, like a guessed token.
PAGE_OUTCOME = {
    "withdrawn": dict.fromkeys(PAGE_VERBS, 404),
    "never_invited": dict.fromkeys(PAGE_VERBS, 404),
    "declined": {"view": 200, "bid": 400, "withdraw_bid": 302, "decline": 400, "message": 302},
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("verb", list(PAGE_VERBS))
def test_portal_pages_refuse_a_hotel_that_may_no_longer_act(hotels, kind, verb):
    # given
    r, cases = hotels
    user, invitation, bid = cases[kind]
    http = _portal(user)
    before = _footprint(r)
    # when
    response = PAGE_VERBS[verb](http, invitation, bid)
    # then
    assert response.status_code == PAGE_OUTCOME[kind][verb]
    if (kind, verb) == ("declined", "message"):
        assert RoomMessage.objects.count() == before[4] + 1
    elif (kind, verb) == ("declined", "view"):
        # read-only: the first view is recorded, but no bid form is offered
        assert b'name="currency"' not in response.content
        assert _footprint(r)[0] == before[0]
    else:
        assert _footprint(r) == before


def test_a_withdrawn_invitation_stays_withdrawn_after_every_attempt(hotels):
    r, cases = hotels
    user, invitation, bid = cases["withdrawn"]
    for verb in SERVICE_VERBS:
        with pytest.raises(QuotationError):
            SERVICE_VERBS[verb](r, user, invitation, bid)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    assert not HotelBid.objects.filter(invitation=invitation, status="active").exists()
