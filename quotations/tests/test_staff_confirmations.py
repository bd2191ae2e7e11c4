"""Irreversible buttons ask first, on a page of their own; "view as client" shows the client's page."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from notifications.models import EmailMessage
from quotations.factories import quotation_sent
from quotations.models import HotelBid, InvitationStatus, QuotationLog, QuotationStatus, RoomEvent
from quotations.services import quotation_price


def _http(user) -> HttpClient:
    http = HttpClient(headers={"accept-language": "en"})
    http.force_login(user)
    return http


def _writes(quotation) -> tuple[int, int, int]:
    return (
        QuotationLog.objects.filter(quotation=quotation).count(),
        RoomEvent.objects.filter(quotation=quotation).count(),
        EmailMessage.objects.count(),
    )


def test_close_bidding_asks_first_and_writes_nothing_until_confirmed(bidding_round):
    # given
    r = bidding_round
    http = _http(r.staff)
    url = reverse("staff:close_bidding", kwargs={"pk": r.quotation.pk})
    before = _writes(r.quotation)
    # when the staff page's button is followed
    page = http.get(url)
    # then: a confirmation page saying what happens, with Confirm and Cancel, and nothing written
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="confirmation"' in html
    assert "Hotels can no longer bid, revise or withdraw their bids" in html
    assert "5 hotels have bid." in html and "0 invited hotels have not bid" in html
    assert f'action="{url}"' in html and 'name="confirm" value="yes"' in html
    assert f'href="{reverse("staff:quotation", kwargs={"pk": r.quotation.pk})}"' in html
    r.quotation.refresh_from_db()
    assert r.quotation.status == QuotationStatus.BIDDING
    assert _writes(r.quotation) == before
    # when confirmed
    done = http.post(url, {"confirm": "yes"})
    # then
    assert done.status_code == 302
    r.quotation.refresh_from_db()
    assert r.quotation.status == QuotationStatus.QUOTED


def test_the_staff_page_leads_to_the_confirmation_pages_not_to_the_actions(bidding_round):
    r = bidding_round
    html = _http(r.staff).get(reverse("staff:quotation", kwargs={"pk": r.quotation.pk})).content.decode()
    close = reverse("staff:close_bidding", kwargs={"pk": r.quotation.pk})
    assert f'<form method="get" action="{close}"' in html


def test_the_close_confirmation_of_a_closed_round_goes_back(bidding_round):
    r = bidding_round
    r.close()
    page = _http(r.staff).get(reverse("staff:close_bidding", kwargs={"pk": r.quotation.pk}))
    assert page.status_code == 302
    assert page["Location"] == reverse("staff:quotation", kwargs={"pk": r.quotation.pk})


def _priced(r):
    r.close()
    return quotation_price(quotation=r.quotation, by=r.staff)


def test_send_asks_first_with_the_price_and_the_validity_it_will_have(bidding_round):
    # given a priced quote
    r = bidding_round
    pricing = _priced(r)
    http = _http(r.staff)
    url = reverse("staff:send", kwargs={"pk": r.quotation.pk})
    far = timezone.localdate() + datetime.timedelta(days=200)
    before = _writes(r.quotation)
    # when
    page = http.get(url, {"valid_until": far.isoformat()})
    # then: what will happen, the capped validity, the date carried to the Confirm button
    assert page.status_code == 200
    html = page.content.decode()
    assert "Send " in html and "Cofradía Zeta Confidencial" in html
    assert "1 contact of the client sees the quote" in html
    total, average = f"€{pricing.price_total:,.2f}", f"€{pricing.price_per_person:,.2f}"
    assert f"Total for the group: {total}; on average {average} per paying traveller." in html
    assert f'name="valid_until" value="{far.isoformat()}"' in html
    assert reverse("staff:client_preview", kwargs={"pk": r.quotation.pk}) in html
    r.quotation.refresh_from_db()
    assert (r.quotation.status, r.quotation.valid_until) == (QuotationStatus.QUOTED, None)
    assert _writes(r.quotation) == before
    # when confirmed
    done = http.post(url, {"valid_until": far.isoformat(), "confirm": "yes"})
    assert done.status_code == 302
    r.quotation.refresh_from_db()
    assert (r.quotation.status, r.quotation.valid_until) == (QuotationStatus.SENT, pricing.bids_valid_until)


@pytest.mark.parametrize("valid_until", ["", "not a date", "2000-01-01"])
def test_a_bad_date_on_the_way_to_sending_is_a_field_error(bidding_round, valid_until):
    r = bidding_round
    _priced(r)
    before = _writes(r.quotation)
    page = _http(r.staff).get(reverse("staff:send", kwargs={"pk": r.quotation.pk}), {"valid_until": valid_until})
    assert page.status_code == 400
    assert "valid_until" in page.context["send_form"].errors
    assert _writes(r.quotation) == before


def test_sending_an_unpriced_quote_is_refused_before_the_confirmation(bidding_round):
    r = bidding_round
    r.close()
    page = _http(r.staff).get(
        reverse("staff:send", kwargs={"pk": r.quotation.pk}), {"valid_until": timezone.localdate().isoformat()}
    )
    assert page.status_code == 400
    assert page.context["send_form"].non_field_errors() == ["Price the quote before sending it."]


def test_view_as_client_shows_the_clients_page_without_its_actions_or_secrets(bidding_round):
    # given a priced quote, not sent
    r = bidding_round
    pricing = _priced(r)
    http = _http(r.staff)
    before = _writes(r.quotation)
    # when
    page = http.get(reverse("staff:client_preview", kwargs={"pk": r.quotation.pk}))
    # then: the client's template, with the client's prices, a preview banner, no client action, no room
    assert page.status_code == 200
    assert "quotations/client/quotation.html" in [t.name for t in page.templates]
    html = page.content.decode()
    assert 'data-testid="preview-banner"' in html
    presented = page.context["quotation"]
    assert (presented.status, presented.prices.per_person, presented.valid_until) == (
        "sent",
        pricing.price_per_person,
        min(timezone.localdate() + datetime.timedelta(days=14), pricing.bids_valid_until),
    )
    for action in ("client:approve", "client:request_changes", "client:decline", "client:message"):
        assert reverse(action, kwargs={"pk": r.quotation.pk}) not in html
    assert "data-room-url" not in html
    for secret in ("17.35", "17,35", "Condiciones privadas", "81.37", "81,37"):
        assert secret not in html
    assert _writes(r.quotation) == before


def test_view_as_client_of_an_unpriced_quote_goes_back_with_the_reason(bidding_round):
    r = bidding_round
    page = _http(r.staff).get(reverse("staff:client_preview", kwargs={"pk": r.quotation.pk}))
    assert page.status_code == 302
    assert page["Location"] == reverse("staff:quotation", kwargs={"pk": r.quotation.pk})


def test_view_as_client_is_for_staff_only(bidding_round):
    r = bidding_round
    _priced(r)
    for user in (r.contact, r.users["aurora"]):
        page = _http(user).get(reverse("staff:client_preview", kwargs={"pk": r.quotation.pk}))
        assert page.status_code in (302, 403, 404)
        assert "Cofradía" not in page.content.decode()


# --- The hotel's decline -------------------------------------------------------------------


def test_the_hotel_confirms_its_decline_and_gives_the_reason_there(bidding_round):
    # given Aurora with an active bid
    r = bidding_round
    invitation = r.invitations["aurora"]
    http = _http(r.users["aurora"])
    url = reverse("portal:decline", kwargs={"token": invitation.token})
    before = _writes(r.quotation)
    # when it follows the decline button
    page = http.get(url)
    # then: what declining means, the reason field, Decline and Cancel; nothing written
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your current bid is withdrawn with it." in html
    assert 'name="reason"' in html and 'name="confirm" value="yes"' in html
    assert f'href="{reverse("portal:invitation", kwargs={"token": invitation.token})}"' in html
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.BID
    assert _writes(r.quotation) == before
    # when it confirms without a reason: the same page with the error, nothing written
    empty = http.post(url, {"reason": "", "confirm": "yes"})
    assert empty.status_code == 400
    assert "reason" in empty.context["confirmation"].form.errors
    assert _writes(r.quotation) == before
    # when it confirms with a reason
    done = http.post(url, {"reason": "Completo por un congreso", "confirm": "yes"})
    assert done.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decline_reason) == (InvitationStatus.DECLINED, "Completo por un congreso")
    assert not HotelBid.objects.filter(invitation=invitation, status="active").exists()


def test_a_declined_or_closed_invitation_has_no_decline_confirmation(bidding_round):
    r = bidding_round
    r.close()
    invitation = r.invitations["delta"]
    page = _http(r.users["delta"]).get(reverse("portal:decline", kwargs={"token": invitation.token}))
    assert page.status_code == 302
    assert page["Location"] == reverse("portal:invitation", kwargs={"token": invitation.token})


@pytest.mark.django_db
def test_another_hotel_cannot_open_the_decline_confirmation():
    quotation = quotation_sent()
    invitation = quotation.invitations.get()
    from accounts.factories import HotelUserFactory

    stranger = HotelUserFactory()
    page = _http(stranger).get(reverse("portal:decline", kwargs={"token": invitation.token}))
    assert page.status_code == 404
