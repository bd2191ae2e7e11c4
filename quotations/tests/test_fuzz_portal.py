"""Hostile input on the supplier portal: never a 500; a refusal shows why and writes nothing."""

import datetime
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from quotations.models import HotelBid, HotelInvitation, InvitationStatus
from quotations.tests.fuzzing import FUZZ, HUGE, ODD_TEXT, World, form_data, logged_in, resolve, submit_and_judge

pytestmark = pytest.mark.django_db

FUZZED = {"portal:bid", "portal:bid_withdraw", "portal:decline", "portal:message"}

IN_A_MONTH = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


@pytest.fixture
def world(bidding_round):
    """Aurora's user before Aurora has a bid (a first bid), Boreal's with its active bid (a revision)."""
    r = bidding_round
    HotelBid.objects.filter(invitation=r.invitations["aurora"]).delete()
    HotelInvitation.objects.filter(pk=r.invitations["aurora"].pk).update(status=InvitationStatus.INVITED)
    aurora, boreal = logged_in(r.users["aurora"]), logged_in(r.users["boreal"])
    refs = {"sevilla": r.quotation.stays.get(city="Sevilla").pk, "boreal_bid": r.bids["boreal"].pk}
    world = World(round=r, aurora=aurora, boreal=boreal, refs=refs)
    for http, key in ((aurora, "aurora"), (boreal, "boreal")):
        assert _page(world, key)(http).status_code == 200
    return world


def _token(world, key):
    return world.round.invitations[key].token


def _page(world, key):
    return lambda http: http.get(reverse("portal:invitation", kwargs={"token": _token(world, key)}))


def _post(world, key, name, data, **kwargs):
    url = reverse(name, kwargs={"token": _token(world, key), **kwargs})
    return submit_and_judge(
        http=getattr(world, key), send=lambda http: http.post(url, resolve(data, world.refs)), after=_page(world, key)
    )


def _bid(currency="EUR"):
    return {
        "currency": currency,
        "valid_until": IN_A_MONTH,
        "conditions": "Cancelación gratuita hasta 30 días antes.",
        "notes": "",
        "rate_{sevilla}_single": "81.37",
        "rooms_{sevilla}_single": "2",
        "rate_{sevilla}_double": "96.53",
        "rooms_{sevilla}_double": "9",
    }


BID_KINDS = {
    "valid_until": "date",
    "rate_{sevilla}_single": "decimal",
    "rate_{sevilla}_double": "decimal",
    "rooms_{sevilla}_single": "number",
    "rooms_{sevilla}_double": "number",
}


@FUZZ
@given(data=form_data(_bid(), BID_KINDS))
@example(data={**_bid(), "valid_until": "9999-12-31"})
@example(data={**_bid(), "rate_{sevilla}_double": "1e309"})
def test_fuzz_first_bid(world, data):
    _post(world, "aurora", "portal:bid", data)


@FUZZ
@given(data=form_data(_bid("USD"), BID_KINDS))
def test_fuzz_bid_revision(world, data):
    _post(world, "boreal", "portal:bid", data)


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_bid_withdraw(world, data):
    _post(world, "boreal", "portal:bid_withdraw", data, bid_id=world.refs["boreal_bid"])


@FUZZ
@given(data=form_data({"reason": "Estamos completos esas fechas."}))
def test_fuzz_decline(world, data):
    _post(world, "aurora", "portal:decline", data)


@FUZZ
@given(data=form_data({"body": "¿Hay parking para el autocar?"}))
def test_fuzz_message(world, data):
    _post(world, "aurora", "portal:message", data)


TOKENS = st.one_of(
    st.text(min_size=1, max_size=80).filter(lambda token: "/" not in token),
    st.sampled_from([*ODD_TEXT[1:], HUGE[0][:5000], "%00", "..", "a" * 64, "a" * 65]),
)


@FUZZ
@given(token=TOKENS, name=st.sampled_from([*sorted(FUZZED - {"portal:bid_withdraw"}), "portal:invitation"]))
@example(token="\x00", name="portal:bid")
def test_fuzz_portal_token(world, token, name):
    """Someone else's or a made-up link: not found, and nothing written."""
    # Built by hand: a link is whatever someone types, not only what the URL patterns accept.
    url = reverse(name, kwargs={"token": "TOKEN"}).replace("TOKEN", quote(token, safe=""))
    if name == "portal:invitation":
        outcome = submit_and_judge(http=world.aurora, send=lambda http: http.get(url), must_show_error=False)
    else:
        outcome = submit_and_judge(http=world.aurora, send=lambda http: http.post(url, {"reason": "x", "body": "x"}))
    assert outcome == "rejected"


@pytest.mark.parametrize("bid_id", [0, 2**31, 2**63, 10**30])
def test_a_bid_number_out_of_range_is_not_found(world, bid_id):
    url = reverse("portal:bid_withdraw", kwargs={"token": _token(world, "boreal"), "bid_id": bid_id})
    outcome = submit_and_judge(http=world.boreal, send=lambda http: http.post(url))
    assert outcome == "rejected"


@pytest.mark.parametrize(
    ("key", "name", "data"),
    [
        ("aurora", "portal:bid", _bid()),
        ("boreal", "portal:bid", _bid("USD")),
        ("boreal", "portal:bid_withdraw", {}),
        ("aurora", "portal:decline", {"reason": "Estamos completos esas fechas."}),
        ("aurora", "portal:message", {"body": "¿Hay parking para el autocar?"}),
    ],
)
def test_the_submissions_the_fuzz_starts_from_are_accepted(world, key, name, data):
    kwargs = {"token": _token(world, key)}
    if name == "portal:bid_withdraw":
        kwargs["bid_id"] = world.refs["boreal_bid"]
    url = reverse(name, kwargs=kwargs)
    outcome = submit_and_judge(http=getattr(world, key), send=lambda http: http.post(url, resolve(data, world.refs)))
    assert outcome == "accepted"
