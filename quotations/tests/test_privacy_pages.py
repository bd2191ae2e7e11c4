"""The privacy matrix: every viewer kind × every page and form of the bidding flow.

Each response is searched for the distinctive values (see conftest) that the
viewer may not see: prices in both decimal styles, names, conditions, tokens.
"""

import dataclasses
import datetime
import re
import typing
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from accounts.factories import ClientContactFactory, StaffFactory
from quotations.factories import ClientFactory
from quotations.models import (
    HotelBid,
    HotelInvitation,
    Quotation,
    QuotationLog,
    QuotationStatus,
    RoomEvent,
    RoomMessage,
)
from quotations.privacy import (
    PresentedInvitationForHotel,
    PresentedInvitationSummaryForHotel,
    PresentedQuotationForClient,
    PresentedQuotationSummaryForClient,
    bid_get_for_hotel,
    invitation_get_for_hotel,
    present_bid_comparison,
    present_invitation_for_hotel,
    present_price_preview_for_staff,
    present_pricing_for_staff,
    present_quotation_for_client,
    present_quotation_for_staff,
    quotation_get_visible,
    viewer_for,
)
from quotations.services import invitation_withdraw, quotation_price, quotation_price_preview, quotation_send
from quotations.tests.conftest import HOTELS
from spirittours.errors import NotVisible

CLIENT_SECRETS = ["Cofradía Zeta Confidencial", "zeta@cofradia.example", "Padre Ignacio Zeta"]
MARGIN = ["17.35", "17,35"]
CLIENT_PRICES = ["301.00", "301,00", "6020.00", "6020,00", "6.020,00", "6,020.00"]
CLIENT_PRICES += ["463.00", "463,00", "283.00", "283,00"]
COSTS = ["4777.12", "4777,12", "4.777,12", "4,777.12", "238.86", "238,86", "78.36", "78,36", "92.27", "92,27"]


def _money(text: str) -> list[str]:
    return [text, text.replace(".", ",")]


def hotel_secrets(key: str, r) -> list[str]:
    name, _city, _stars, _currency, rates = HOTELS[key]
    return [
        name,
        *(value for rate in rates.values() for value in _money(rate)),
        f"Condiciones privadas de {name}",
        r.invitations[key].token,
        f"Reservas {name}",
    ]


def _client_for(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def _assert_absent(response, forbidden: list[str], who: str) -> None:
    html = response.content.decode()
    leaks = [value for value in forbidden if value in html]
    assert leaks == [], f"{who} sees {leaks}"


def _sent(r):
    r.close()
    quotation_price(quotation=r.quotation, by=r.staff)
    quotation_send(quotation=r.quotation, valid_until=timezone.localdate() + datetime.timedelta(days=10), by=r.staff)


def _portal_pages(r, key: str) -> list:
    http = _client_for(r.users[key])
    token = r.invitations[key].token
    stay = r.quotation.stays.get(city=HOTELS[key][1])
    bad_bid = {"currency": "EUR", "valid_until": "2000-01-01", f"rate_{stay.pk}_single": "-5"}
    return [
        http.get(reverse("portal:home")),
        http.get(reverse("portal:invitation", kwargs={"token": token})),
        http.post(reverse("portal:bid", kwargs={"token": token}), bad_bid),
        http.post(reverse("portal:decline", kwargs={"token": token}), {"reason": ""}),
    ]


@pytest.mark.parametrize("sent", [False, True], ids=["bidding", "sent"])
@pytest.mark.parametrize("key", list(HOTELS))
def test_hotel_sees_only_its_own(bidding_round, key, sent):
    r = bidding_round
    if sent:
        _sent(r)
    others = [value for other in HOTELS if other != key for value in hotel_secrets(other, r)]
    forbidden = others + CLIENT_SECRETS + MARGIN + CLIENT_PRICES + COSTS
    for response in _portal_pages(r, key):
        assert response.status_code in {200, 400}
        _assert_absent(response, forbidden, f"hotel {key}")
    own = _client_for(r.users[key]).get(reverse("portal:invitation", kwargs={"token": r.invitations[key].token}))
    assert HOTELS[key][0] in own.content.decode()
    assert (
        _money(HOTELS[key][4]["double"])[1] in own.content.decode() or HOTELS[key][4]["double"] in own.content.decode()
    )


def test_client_sees_client_prices_and_only_chosen_hotels(bidding_round):
    r = bidding_round
    _sent(r)
    http = _client_for(r.contact)
    pk = r.quotation.pk
    pages = [
        http.get(reverse("client:home")),
        http.get(reverse("client:quotation", kwargs={"pk": pk})),
        http.post(reverse("client:request_changes", kwargs={"pk": pk}), {"message": ""}),
    ]
    unchosen = [v for key in ("aurora", "cenit", "delta") for v in hotel_secrets(key, r)]
    net_rates = [v for key in HOTELS for rate in HOTELS[key][4].values() for v in _money(rate)]
    conditions = [f"Condiciones privadas de {HOTELS[key][0]}" for key in HOTELS]
    for response in pages:
        assert response.status_code in {200, 400}
        _assert_absent(response, unchosen + net_rates + conditions + MARGIN + COSTS, "client")
    quote = pages[1].content.decode()
    for expected in ("301,00", "6.020,00", "463,00", "283,00", HOTELS["boreal"][0], HOTELS["estrella"][0]):
        assert expected in quote


def test_client_sees_nothing_before_the_quote_is_sent(bidding_round):
    r = bidding_round
    http = _client_for(r.contact)
    listing = http.get(reverse("client:home"))
    assert r.quotation.group_name not in listing.content.decode()
    assert http.get(reverse("client:quotation", kwargs={"pk": r.quotation.pk})).status_code == 404


@pytest.mark.parametrize("sent", [False, True], ids=["bidding", "sent"])
def test_staff_below_threshold_sees_no_margin(bidding_round, settings, sent):
    settings.MARGIN_VISIBLE_FROM_LEVEL = 5
    r = bidding_round
    if sent:
        _sent(r)
    else:
        r.close()
        quotation_price(quotation=r.quotation, by=r.staff)
    junior = _client_for(StaffFactory(staff_level=3))
    pages = [
        junior.get(reverse("staff:home")),
        junior.get(reverse("staff:quotation", kwargs={"pk": r.quotation.pk})),
        junior.get(reverse("staff:price_preview", kwargs={"pk": r.quotation.pk})),
    ]
    for response in pages:
        assert response.status_code == 200
        _assert_absent(response, MARGIN, "junior staff")
    senior = _client_for(r.staff).get(reverse("staff:quotation", kwargs={"pk": r.quotation.pk}))
    assert "17,35" in senior.content.decode()


def test_anonymous_gets_only_the_login_page(bidding_round):
    r = bidding_round
    http = HttpClient()
    urls = [
        reverse("portal:home"),
        reverse("portal:invitation", kwargs={"token": r.invitations["aurora"].token}),
        reverse("client:home"),
        reverse("client:quotation", kwargs={"pk": r.quotation.pk}),
        reverse("staff:home"),
        reverse("staff:quotation", kwargs={"pk": r.quotation.pk}),
    ]
    for url in urls:
        response = http.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- Guessing ids and tokens answers 404 and changes nothing -------------------------


def test_hotel_cannot_reach_another_hotels_invitation_or_bid(bidding_round):
    r = bidding_round
    boreal = _client_for(r.users["boreal"])
    aurora_token = r.invitations["aurora"].token
    aurora_bid = r.bids["aurora"]
    stay = r.quotation.stays.get(city="Sevilla")
    bid_post = {"currency": "EUR", "valid_until": "2099-01-01", f"rate_{stay.pk}_single": "1.00"}
    bids_before = list(HotelBid.objects.order_by("pk").values_list("pk", "status"))
    responses = [
        boreal.get(reverse("portal:invitation", kwargs={"token": aurora_token})),
        boreal.post(reverse("portal:bid", kwargs={"token": aurora_token}), bid_post),
        boreal.post(reverse("portal:decline", kwargs={"token": aurora_token}), {"reason": "x"}),
        boreal.post(reverse("portal:bid_withdraw", kwargs={"token": aurora_token, "bid_id": aurora_bid.pk})),
        # Own token, someone else's bid id:
        boreal.post(
            reverse("portal:bid_withdraw", kwargs={"token": r.invitations["boreal"].token, "bid_id": aurora_bid.pk})
        ),
        boreal.get(reverse("staff:quotation", kwargs={"pk": r.quotation.pk})),
        boreal.get(reverse("client:quotation", kwargs={"pk": r.quotation.pk})),
    ]
    assert [response.status_code for response in responses] == [404] * len(responses)
    assert list(HotelBid.objects.order_by("pk").values_list("pk", "status")) == bids_before
    r.invitations["aurora"].refresh_from_db()
    assert r.invitations["aurora"].viewed_at is None


def test_other_client_cannot_reach_or_approve_the_quote(bidding_round):
    r = bidding_round
    _sent(r)
    stranger = _client_for(ClientContactFactory())
    ClientFactory(contacts=[])  # another client exists; the stranger belongs to none of them
    pk = r.quotation.pk
    responses = [
        stranger.get(reverse("client:quotation", kwargs={"pk": pk})),
        stranger.post(reverse("client:approve", kwargs={"pk": pk})),
        stranger.post(reverse("client:decline", kwargs={"pk": pk}), {"reason": "x"}),
        stranger.post(reverse("client:request_changes", kwargs={"pk": pk}), {"message": "x"}),
        stranger.get(reverse("portal:home")),
        stranger.get(reverse("staff:home")),
    ]
    assert [response.status_code for response in responses] == [404] * len(responses)
    r.quotation.refresh_from_db()
    assert r.quotation.status == QuotationStatus.SENT
    assert r.quotation.log.filter(action__in=["quotation.approved", "quotation.declined"]).count() == 0


def test_client_approves_own_quote(bidding_round):
    r = bidding_round
    _sent(r)
    response = _client_for(r.contact).post(reverse("client:approve", kwargs={"pk": r.quotation.pk}))
    assert response.status_code == 302
    r.quotation.refresh_from_db()
    assert r.quotation.status == QuotationStatus.APPROVED
    assert r.quotation.pricings.get(is_current=True).price_per_person == Decimal("301")


# --- The presented views are typed: what a viewer may not see has no field at all ---------


def _types_in(hint):
    yield hint
    for arg in typing.get_args(hint):  # tuple[PresentedBid, ...], PresentedBid | None
        yield from _types_in(arg)


def _field_names(cls, seen=None) -> set[str]:
    """Every field name reachable from a presented dataclass, through nested views."""
    seen = set() if seen is None else seen
    if not dataclasses.is_dataclass(cls) or cls in seen:
        return set()
    seen.add(cls)
    names = set()
    for name, hint in typing.get_type_hints(cls).items():
        names.add(name)
        for inner in _types_in(hint):
            names |= _field_names(inner, seen)
    return names


def test_hotel_view_has_no_field_for_the_client_the_margin_or_a_rank():
    names = _field_names(PresentedInvitationForHotel) | _field_names(PresentedInvitationSummaryForHotel)
    assert {"token", "stays", "active_bid", "nightly_rate"} <= names
    assert [n for n in names if any(word in n for word in ("client", "margin", "price", "cost", "rank", "best"))] == []


def test_client_view_has_no_field_for_net_rates_costs_or_the_margin():
    names = _field_names(PresentedQuotationForClient) | _field_names(PresentedQuotationSummaryForClient)
    assert {"prices", "per_person", "hotels", "itinerary"} <= names
    assert [n for n in names if any(word in n for word in ("margin", "cost", "net", "rate", "bid", "conditions"))] == []


def test_margin_is_none_below_the_margin_level_never_missing(bidding_round, settings):
    # Given a priced quote, and staff on either side of the margin level
    settings.MARGIN_VISIBLE_FROM_LEVEL = 5
    r = bidding_round
    r.close()
    quotation_price(quotation=r.quotation, by=r.staff)
    junior, senior = viewer_for(StaffFactory(staff_level=3)), viewer_for(r.staff)
    today = timezone.localdate()

    # When each is shown the quotation and a preview
    seen = {
        viewer.staff_level: (
            present_quotation_for_staff(viewer=viewer, quotation=r.quotation, on=today),
            present_price_preview_for_staff(viewer=viewer, result=quotation_price_preview(quotation=r.quotation)),
        )
        for viewer in (junior, senior)
    }

    # Then the junior's margins are None, the senior's the quotation's margin; the rest is the same
    margins = {
        level: (page.margin_percent, page.pricing.margin_percent, preview.margin_percent)
        for level, (page, preview) in seen.items()
    }
    assert margins == {3: (None, None, None), 8: (Decimal("17.35"),) * 3}
    assert seen[3][0].pricing.price_per_person == seen[8][0].pricing.price_per_person == Decimal("301")
    assert seen[3][1].stays == seen[8][1].stays


# --- NotVisible: the privacy module's one answer, a 404 on every page ------------------------


def _lookups(r, *, viewer_of, sent: bool):
    """Each lookup or presenter handed something its viewer may not see (while bidding, Cenit is taken out)."""
    boreal, contact = viewer_of(r.users["boreal"]), viewer_of(r.contact)
    stranger = viewer_of(ClientContactFactory())
    staff = viewer_of(r.staff)
    now, today = timezone.now(), timezone.localdate()
    aurora = r.invitations["aurora"]
    calls = {
        "quotation_get_visible: not its client": lambda: quotation_get_visible(viewer=stranger, pk=r.quotation.pk),
        "quotation_get_visible: no such id": lambda: quotation_get_visible(viewer=staff, pk=10**9),
        "invitation_get_for_hotel: another hotel's token": lambda: invitation_get_for_hotel(
            viewer=boreal, token=aurora.token
        ),
        "invitation_get_for_hotel: staff": lambda: invitation_get_for_hotel(viewer=staff, token=aurora.token),
        "bid_get_for_hotel: another invitation's bid": lambda: bid_get_for_hotel(
            invitation=r.invitations["boreal"], pk=r.bids["aurora"].pk
        ),
        "present_invitation_for_hotel: another hotel's": lambda: present_invitation_for_hotel(
            viewer=boreal, invitation=aurora, now=now
        ),
        "present_quotation_for_client: not its client": lambda: present_quotation_for_client(
            viewer=stranger, quotation=r.quotation
        ),
        "present_quotation_for_staff: a hotel": lambda: present_quotation_for_staff(
            viewer=boreal, quotation=r.quotation, on=today
        ),
        "present_quotation_for_staff: a client": lambda: present_quotation_for_staff(
            viewer=contact, quotation=r.quotation, on=today
        ),
        "present_pricing_for_staff: a client": lambda: present_pricing_for_staff(viewer=contact, pricing=None),
        "present_bid_comparison: a hotel": lambda: present_bid_comparison(
            viewer=boreal, quotation=r.quotation, on=today
        ),
    }
    if not sent:
        invitation_withdraw(invitation=r.invitations["cenit"], reason="Fuera de plazo", by=r.staff)
        calls["present_invitation_for_hotel: taken out of the bidding"] = lambda: present_invitation_for_hotel(
            viewer=viewer_of(r.users["cenit"]), invitation=r.invitations["cenit"], now=now
        )
        calls["invitation_get_for_hotel: taken out of the bidding"] = lambda: invitation_get_for_hotel(
            viewer=viewer_of(r.users["cenit"]), token=r.invitations["cenit"].token
        )
        calls["present_quotation_for_client: not sent yet"] = lambda: present_quotation_for_client(
            viewer=contact, quotation=r.quotation
        )
        calls["quotation_get_visible: not sent yet"] = lambda: quotation_get_visible(viewer=contact, pk=r.quotation.pk)
    return calls


@pytest.mark.parametrize("sent", [False, True], ids=["bidding", "sent"])
def test_every_lookup_and_presenter_refuses_with_not_visible(bidding_round, sent):
    r = bidding_round
    if sent:
        _sent(r)
    refused = {}
    for name, call in _lookups(r, viewer_of=viewer_for, sent=sent).items():
        with pytest.raises(NotVisible) as error:
            call()
        refused[name] = error.value.code
    assert set(refused.values()) == {"not_visible"}
    assert len(refused) == (11 if sent else 15)


def _footprint() -> tuple:
    return (
        list(HotelBid.objects.order_by("pk").values_list("pk", "status")),
        list(HotelInvitation.objects.order_by("pk").values_list("pk", "status", "viewed_at")),
        list(Quotation.objects.order_by("pk").values_list("pk", "status")),
        QuotationLog.objects.count(),
        RoomEvent.objects.count(),
        RoomMessage.objects.count(),
    )


def _answer(http, method: str, url: str, data: dict) -> tuple[int, str]:
    response = http.get(url) if method == "get" else http.post(url, data)
    # the CSRF token of the page's forms is masked afresh on every page
    return response.status_code, re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode().replace(url, "URL"))


def test_someone_elses_and_a_missing_object_answer_the_same_404_and_change_nothing(bidding_round):
    # Given a sent quote, a contact of another client, and a hotel asking for another hotel's link
    r = bidding_round
    _sent(r)
    stranger, boreal = _client_for(ClientContactFactory()), _client_for(r.users["boreal"])
    aurora, made_up = {"token": r.invitations["aurora"].token}, {"token": "x" * len(r.invitations["aurora"].token)}
    theirs, missing = {"pk": r.quotation.pk}, {"pk": 10**9}
    asks = [
        (stranger, "get", "client:quotation", theirs, missing, {}),
        (stranger, "post", "client:approve", theirs, missing, {}),
        (stranger, "post", "client:message", theirs, missing, {"body": "Hola"}),
        (boreal, "get", "portal:invitation", aurora, made_up, {}),
        (boreal, "post", "portal:decline", aurora, made_up, {"reason": "x"}),
        (boreal, "post", "portal:message", aurora, made_up, {"body": "Hola"}),
    ]
    before = _footprint()

    # When each asks for someone else's object, and for one that does not exist
    answers = [
        (
            _answer(http, method, reverse(name, kwargs=foreign), data),
            _answer(http, method, reverse(name, kwargs=absent), data),
        )
        for http, method, name, foreign, absent, data in asks
    ]

    # Then both get the same 404, and nothing was written
    assert [foreign[0] for foreign, _absent in answers] == [404] * len(asks)
    assert [foreign == absent for foreign, absent in answers] == [True] * len(asks)
    assert _footprint() == before
