"""The bid form over HTTP: field errors for bad input, and nothing written."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quotations.models import HotelBid, HotelBidLine, HotelInvitation, InvitationStatus, Quotation, QuotationLog
from quotations.services import invitation_decline

IN_A_MONTH = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


@pytest.fixture
def portal(bidding_round):
    """Aurora's user on the portal, before Aurora has any bid of its own."""
    r = bidding_round
    HotelBid.objects.filter(invitation=r.invitations["aurora"]).delete()
    HotelInvitation.objects.filter(pk=r.invitations["aurora"].pk).update(status=InvitationStatus.INVITED)
    http = HttpClient()
    http.force_login(r.users["aurora"])
    stay = r.quotation.stays.get(city="Sevilla")
    return r, http, stay


def _post(http, r, stay, **fields):
    data = {
        "currency": "EUR",
        "valid_until": IN_A_MONTH,
        f"rate_{stay.pk}_single": "81.37",
        f"rooms_{stay.pk}_single": "2",
        f"rate_{stay.pk}_double": "96.53",
        f"rooms_{stay.pk}_double": "9",
        **fields,
    }
    return http.post(reverse("portal:bid", kwargs={"token": r.invitations["aurora"].token}), data)


def test_valid_bid_is_saved_and_redirects(portal):
    r, http, stay = portal
    response = _post(http, r, stay)
    assert response.status_code == 302
    bid = HotelBid.objects.get(invitation=r.invitations["aurora"])
    assert sorted(bid.lines.values_list("room_type", "nightly_rate", "rooms_available")) == [
        ("double", Decimal("96.53"), 9),
        ("single", Decimal("81.37"), 2),
    ]


BAD = {
    "negative rate": ("rate_{stay}_single", "-81.37"),
    "three decimals": ("rate_{stay}_double", "96.535"),
    "huge rate": ("rate_{stay}_double", "1000000"),
    "not a number": ("rate_{stay}_double", "ninety"),
    "rooms above request": ("rooms_{stay}_double", "10"),
    "valid until in the past": ("valid_until", "2020-01-01"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_bid_input_is_a_field_error_and_writes_nothing(portal, case):
    r, http, stay = portal
    field, value = BAD[case]
    name = field.format(stay=stay.pk)
    logs = QuotationLog.objects.count()
    response = _post(http, r, stay, **{name: value})
    assert response.status_code == 400
    assert name in response.context["bid_form"].errors
    assert HotelBid.objects.filter(invitation=r.invitations["aurora"]).count() == 0
    assert (
        HotelBidLine.objects.filter(bid__invitation=r.invitations["aurora"]).count(),
        QuotationLog.objects.count(),
    ) == (
        0,
        logs,
    )


def test_bid_after_deadline_is_refused_and_page_is_read_only(portal):
    r, http, stay = portal
    Quotation.objects.filter(pk=r.quotation.pk).update(bid_deadline=timezone.now() - datetime.timedelta(minutes=1))
    response = _post(http, r, stay)
    assert response.status_code == 400
    assert response.context["bid_form"].non_field_errors() == [
        "El plazo de ofertas ha vencido."
    ]  # Spanish: the default language
    assert HotelBid.objects.filter(invitation=r.invitations["aurora"]).count() == 0
    page = http.get(reverse("portal:invitation", kwargs={"token": r.invitations["aurora"].token}))
    assert 'data-testid="readonly-banner"' in page.content.decode()
    assert 'data-testid="bid-form"' not in page.content.decode()


def test_bid_on_declined_invitation_is_refused(portal):
    r, http, stay = portal
    invitation_decline(invitation=r.invitations["aurora"], reason="Cerrado por obras", by=r.users["aurora"])
    response = _post(http, r, stay)
    assert response.status_code == 400
    (error,) = response.context["bid_form"].non_field_errors()
    assert error.startswith("Esta invitación fue rechazada")
    assert HotelBid.objects.filter(invitation=r.invitations["aurora"]).count() == 0


def test_opening_the_invitation_marks_it_viewed_once(portal):
    r, http, _stay = portal
    url = reverse("portal:invitation", kwargs={"token": r.invitations["aurora"].token})
    http.get(url)
    http.get(url)
    r.invitations["aurora"].refresh_from_db()
    assert r.invitations["aurora"].status == InvitationStatus.VIEWED
    assert (
        QuotationLog.objects.filter(action="invitation.viewed", data__invitation=r.invitations["aurora"].pk).count()
        == 1
    )


def test_revision_and_withdrawal_through_the_portal(portal):
    r, http, stay = portal
    _post(http, r, stay)
    _post(http, r, stay, **{f"rate_{stay.pk}_double": "90.00"})
    active = HotelBid.objects.get(invitation=r.invitations["aurora"], status="active")
    assert (active.revision, str(active.lines.get(room_type="double").nightly_rate)) == (2, "90.00")
    token = r.invitations["aurora"].token
    http.post(reverse("portal:bid_withdraw", kwargs={"token": token, "bid_id": active.pk}))
    assert list(
        HotelBid.objects.filter(invitation=r.invitations["aurora"])
        .order_by("revision")
        .values_list("status", flat=True)
    ) == ["superseded", "withdrawn"]


def test_a_double_click_on_submit_bid_makes_one_revision(portal):
    # given: Aurora has no bid yet
    r, http, stay = portal
    events_before = r.quotation.room_events.count()

    # when: the same form is sent four times in a row
    responses = [_post(http, r, stay) for _ in range(4)]

    # then: every click lands on the saved bid; one revision, one log entry, one room event
    assert [response.status_code for response in responses] == [302, 302, 302, 302]
    bids = HotelBid.objects.filter(invitation=r.invitations["aurora"])
    assert list(bids.values_list("revision", "status")) == [(1, "active")]
    assert (
        QuotationLog.objects.filter(quotation=r.quotation, action__startswith="bid.", data__bid=bids.get().pk).count()
        == 1
    )
    assert r.quotation.room_events.count() == events_before + 1


def _page_queries(http, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_the_invitation_page_reads_every_revision_in_the_same_queries(portal):
    # given: Aurora's page with one bid, then with three revisions of it
    r, http, stay = portal
    url = reverse("portal:invitation", kwargs={"token": r.invitations["aurora"].token})
    _post(http, r, stay)
    http.get(url)  # the first visit marks the invitation viewed
    one = _page_queries(http, url)
    _post(http, r, stay, **{f"rate_{stay.pk}_double": "95.00"})
    _post(http, r, stay, **{f"rate_{stay.pk}_double": "94.00"})

    # when: the page is opened again
    three = _page_queries(http, url)

    # then: as many queries, one of them for every revision's lines, and every revision's rates on the page
    assert HotelBid.objects.filter(invitation=r.invitations["aurora"]).count() == 3
    assert len(three) == len(one)
    assert [sql.split(" FROM ")[1].split()[0] for sql in three if '"quotations_hotelbidline"."id"' in sql] == [
        '"quotations_hotelbidline"'
    ]
    body = http.get(url).content.decode()
    assert all(rate in body for rate in ("96,53", "95,00", "94,00"))
