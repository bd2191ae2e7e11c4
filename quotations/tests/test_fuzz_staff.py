"""Hostile input on every form of the staff workspace: never a 500; a refusal shows why and writes nothing.

After each request the quotation's page must still open, whatever was accepted.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given

from accounts.factories import HotelUserFactory, StaffFactory
from quotations.factories import HotelFactory, bid_lines_full, quotation_make
from quotations.models import QuotationStatus
from quotations.services import bid_submit, quotation_close_bidding, quotation_invite_hotels, quotation_price
from quotations.tests.fuzzing import FUZZ, Ref, World, form_data, logged_in, resolve, submit_and_judge

pytestmark = pytest.mark.django_db

FUZZED = {
    "staff:quotation_create",
    "staff:invite",
    "staff:close_bidding",
    "staff:extend_deadline",
    "staff:extra_add",
    "staff:extra_remove",
    "staff:price",
    "staff:price_preview",
    "staff:send",
    "staff:cancel",
    "staff:message",
    "staff:duplicate",
    "staff:invitation_resend",
    "staff:invitation_remind",
    "staff:invitation_withdraw",
    "staff:invitation_bid",
}
HOTEL_ACTIONS = {name for name in FUZZED if name.startswith("staff:invitation_")}

NOW = timezone.now()
TODAY = timezone.localdate()
IN_A_WEEK = timezone.localtime(NOW + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
ARRIVAL = TODAY + datetime.timedelta(days=45)


@pytest.fixture
def world(bidding_round):
    """A draft, the bidding round and a priced quote, and a director who may see every figure."""
    r = bidding_round
    boss = StaffFactory(staff_level=10, is_superuser=True)
    draft = quotation_make(owner=r.staff, client=r.client, nights=(("Sevilla", 2),))
    quoted = quotation_make(owner=r.staff, client=r.client, nights=(("Sevilla", 3),))
    member = HotelUserFactory()
    hotel = HotelFactory(city="Sevilla", members=[member])
    (invitation,) = quotation_invite_hotels(
        quotation=quoted, hotels=[hotel], by=r.staff, bid_deadline=NOW + datetime.timedelta(days=3)
    )
    bid_submit(
        invitation=invitation,
        lines=bid_lines_full(quotation=quoted, hotel=hotel, rates={"single": "90", "double": "110"}),
        currency="EUR",
        valid_until=TODAY + datetime.timedelta(days=30),
        by=member,
    )
    quotation_close_bidding(quotation=quoted, by=r.staff)
    quotation_price(quotation=quoted, by=r.staff)
    quoted.refresh_from_db()
    assert quoted.status == QuotationStatus.QUOTED
    refs = {
        "client": r.client.pk,
        "owner": r.staff.pk,
        "aurora": r.hotels["aurora"].pk,
        "delta": r.hotels["delta"].pk,
        "sevilla_stay": quoted.stays.get().pk,
    }
    http = logged_in(boss)
    for quotation in (draft, r.quotation, quoted):
        assert _page(quotation)(http).status_code == 200
    return World(http=http, draft=draft, bidding=r.quotation, quoted=quoted, refs=refs, round=r)


def _page(quotation):
    return lambda http: http.get(reverse("staff:quotation", kwargs={"pk": quotation.pk}))


def _post(world, name, quotation, data, **kwargs):
    url = reverse(name, kwargs={"pk": quotation.pk, **kwargs})
    return submit_and_judge(
        http=world.http, send=lambda http: http.post(url, resolve(data, world.refs)), after=_page(quotation)
    )


CREATE = {
    "client": Ref("client"),
    "group_name": "Coro de Triana",
    "arrival": ARRIVAL.isoformat(),
    "departure": (ARRIVAL + datetime.timedelta(days=4)).isoformat(),
    "pax": "10",
    "singles": "0",
    "doubles": "5",
    "twins": "0",
    "triples": "0",
    "stays": "Sevilla:2, Granada:2",
    "meal_plan": "HB",
    "currency": "EUR",
    "margin_percent": "12.50",
    "notes": "",
}
CREATE_KINDS = {
    "client": "id",
    "arrival": "date",
    "departure": "date",
    "pax": "number",
    "singles": "number",
    "doubles": "number",
    "twins": "number",
    "triples": "number",
    "stays": "itinerary",
    "margin_percent": "decimal",
}


@FUZZ
@given(data=form_data(CREATE, CREATE_KINDS))
@example(data={**CREATE, "stays": "S" * 101 + ":4"})
@example(data={**CREATE, "stays": "Sevilla:32768"})
@example(data={**CREATE, "arrival": "9999-12-27", "departure": "9999-12-31", "stays": "Sevilla:4"})
def test_fuzz_quotation_create(world, data):
    def page(http):
        return http.get(reverse("staff:home"))

    url = reverse("staff:quotation_create")
    submit_and_judge(http=world.http, send=lambda http: http.post(url, resolve(data, world.refs)), after=page)


HOME_FILTER = {"status": "bidding", "owner": Ref("owner"), "deadline_before": TODAY.isoformat(), "q": "Q-", "page": "1"}


@FUZZ
@given(data=form_data(HOME_FILTER, {"owner": "id", "deadline_before": "date", "page": "number"}))
@example(data={**HOME_FILTER, "q": "\x00"})
@example(data={**HOME_FILTER, "deadline_before": "9999-12-31"})
def test_fuzz_quotation_list_filter(world, data):
    url = reverse("staff:home")
    outcome = submit_and_judge(
        http=world.http, send=lambda http: http.get(url, resolve(data, world.refs)), must_show_error=False
    )
    assert outcome == "rejected"  # a list: it never writes


INVITE = {"hotels": Ref("aurora"), "bid_deadline": IN_A_WEEK}


@FUZZ
@given(data=form_data(INVITE, {"hotels": "id", "bid_deadline": "datetime"}))
@example(data={**INVITE, "bid_deadline": "9999-12-30T10:00"})
@example(data={**INVITE, "hotels": Ref("delta")})
@example(data={**INVITE, "hotels": [str(2**63), Ref("aurora")]})
def test_fuzz_invite(world, data):
    _post(world, "staff:invite", world.draft, data)


@FUZZ
@given(data=form_data({"extend-bid_deadline": IN_A_WEEK}, {"extend-bid_deadline": "datetime"}))
@example(data={"extend-bid_deadline": "9999-12-30T10:00"})
def test_fuzz_extend_deadline(world, data):
    _post(world, "staff:extend_deadline", world.bidding, data)


EXTRA = {"kind": "guide", "description": "Guía local", "amount_per_person": "12.50"}


@FUZZ
@given(data=form_data(EXTRA, {"amount_per_person": "decimal"}))
def test_fuzz_extra_add(world, data):
    _post(world, "staff:extra_add", world.bidding, data)


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_extra_remove(world, data):
    extra = world.bidding.extras.first()
    _post(world, "staff:extra_remove", world.bidding, data, extra_id=extra.pk)


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_close_bidding(world, data):
    _post(world, "staff:close_bidding", world.bidding, data)


PRICE = {"margin_percent": "16.25", "override_{sevilla_stay}": ""}
PRICE_KINDS = {"margin_percent": "decimal", "override_{sevilla_stay}": "id"}


@FUZZ
@given(data=form_data(PRICE, PRICE_KINDS))
@example(data={**PRICE, "margin_percent": "100"})
def test_fuzz_price(world, data):
    _post(world, "staff:price", world.quoted, data)


@FUZZ
@given(data=form_data(PRICE, PRICE_KINDS))
def test_fuzz_price_preview(world, data):
    url = reverse("staff:price_preview", kwargs={"pk": world.quoted.pk})
    outcome = submit_and_judge(
        http=world.http,
        send=lambda http: http.get(url, resolve(data, world.refs)),
        after=_page(world.quoted),
        must_show_error=False,  # an htmx fragment: the error is its text, checked by the page tests
    )
    assert outcome == "rejected"  # a 200 fragment; the snapshot proved it wrote nothing


SEND = {"valid_until": (TODAY + datetime.timedelta(days=10)).isoformat()}


@FUZZ
@given(data=form_data(SEND, {"valid_until": "date"}))
@example(data={"valid_until": "9999-12-31"})
def test_fuzz_send(world, data):
    _post(world, "staff:send", world.quoted, data)


@FUZZ
@given(data=form_data({"reason": "El grupo viaja en otra fecha"}))
def test_fuzz_cancel(world, data):
    _post(world, "staff:cancel", world.bidding, data)


MESSAGE = {"audience": "hotel", "hotel": Ref("aurora"), "body": "¿Tienen habitaciones triples?"}


@FUZZ
@given(data=form_data(MESSAGE, {"hotel": "id"}))
def test_fuzz_message(world, data):
    _post(world, "staff:message", world.bidding, data)


@pytest.mark.parametrize("name", sorted(FUZZED - {"staff:quotation_create", "staff:extra_remove"} - HOTEL_ACTIONS))
def test_a_quotation_number_out_of_range_is_not_found_and_writes_nothing(name):
    http = logged_in(StaffFactory(staff_level=10, is_superuser=True))
    method = "get" if name == "staff:price_preview" else "post"
    for pk in (0, 2**31, 2**63, 10**30):
        url = reverse(name, kwargs={"pk": pk})
        response = http.get(url) if method == "get" else http.post(url, {"reason": "x", "body": "x"})
        assert response.status_code == 404, (pk, response.status_code)


def test_an_extra_number_out_of_range_is_not_found(world):
    for extra_id in (0, 2**63, 10**30):
        url = reverse("staff:extra_remove", kwargs={"pk": world.bidding.pk, "extra_id": extra_id})
        outcome = submit_and_judge(http=world.http, send=lambda http, url=url: http.post(url))
        assert outcome == "rejected"


@pytest.mark.parametrize(
    ("name", "state", "data", "extra"),
    [
        ("staff:quotation_create", None, CREATE, False),
        ("staff:invite", "draft", INVITE, False),
        ("staff:extend_deadline", "bidding", {"extend-bid_deadline": IN_A_WEEK}, False),
        ("staff:extra_add", "bidding", EXTRA, False),
        ("staff:extra_remove", "bidding", {}, True),
        ("staff:close_bidding", "bidding", {}, False),
        ("staff:price", "quoted", PRICE, False),
        ("staff:send", "quoted", SEND, False),
        ("staff:cancel", "bidding", {"reason": "El grupo viaja en otra fecha"}, False),
        ("staff:message", "bidding", MESSAGE, False),
    ],
)
def test_the_submissions_the_fuzz_starts_from_are_accepted(world, name, state, data, extra):
    """Each fuzz test spoils a valid submission, so the verbs behind the forms are reached too."""
    kwargs = {} if state is None else {"pk": getattr(world, state).pk}
    if extra:
        kwargs["extra_id"] = world.bidding.extras.first().pk
    url = reverse(name, kwargs=kwargs)
    outcome = submit_and_judge(http=world.http, send=lambda http: http.post(url, resolve(data, world.refs)))
    assert outcome == "accepted"


# --- One invited hotel: Aurora has bid in the open round, Cenit's bid has expired ---------------------


def _post_for_hotel(world, name, key, data):
    r = world.round
    url = reverse(name, kwargs={"pk": r.quotation.pk, "invitation_id": r.invitations[key].pk})
    refs = {**world.refs, "round_sevilla": r.quotation.stays.get(city="Sevilla").pk}
    return submit_and_judge(
        http=world.http, send=lambda http: http.post(url, resolve(data, refs)), after=_page(r.quotation)
    )


HOTEL_BID = {
    "valid_until": (TODAY + datetime.timedelta(days=25)).isoformat(),
    "rate_{round_sevilla}_single": "80.00",
    "rooms_{round_sevilla}_single": "2",
    "rate_{round_sevilla}_double": "95.00",
    "rooms_{round_sevilla}_double": "9",
    "conditions": "Recibida por teléfono",
    "notes": "",
}


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_invitation_resend(world, data):
    _post_for_hotel(world, "staff:invitation_resend", "aurora", data)


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_invitation_remind(world, data):
    _post_for_hotel(world, "staff:invitation_remind", "aurora", data)


@FUZZ
@given(data=form_data({"reason": "Precio fuera de mercado"}))
def test_fuzz_invitation_withdraw(world, data):
    _post_for_hotel(world, "staff:invitation_withdraw", "boreal", data)


@FUZZ
@given(
    data=form_data(
        HOTEL_BID,
        {
            "valid_until": "date",
            "rate_{round_sevilla}_single": "decimal",
            "rate_{round_sevilla}_double": "decimal",
            "rooms_{round_sevilla}_single": "number",
            "rooms_{round_sevilla}_double": "number",
        },
    )
)
def test_fuzz_invitation_bid(world, data):
    _post_for_hotel(world, "staff:invitation_bid", "aurora", data)


@pytest.mark.parametrize(
    ("name", "key", "data", "outcome"),
    [
        ("staff:invitation_resend", "aurora", {}, "accepted"),
        ("staff:invitation_remind", "aurora", {}, "rejected"),  # Aurora has bid already
        ("staff:invitation_withdraw", "boreal", {"reason": "Precio fuera de mercado"}, "accepted"),
        ("staff:invitation_bid", "aurora", HOTEL_BID, "accepted"),
    ],
)
def test_the_hotel_submissions_the_fuzz_starts_from(world, name, key, data, outcome):
    assert _post_for_hotel(world, name, key, data) == outcome


@pytest.mark.parametrize("name", sorted(HOTEL_ACTIONS))
def test_a_hotel_action_out_of_range_or_of_another_quotation_is_not_found(world, name):
    r = world.round
    invitation = r.invitations["aurora"].pk
    for pk, invitation_id in ((r.quotation.pk, 10**30), (10**30, invitation), (world.draft.pk, invitation), (0, 0)):
        url = reverse(name, kwargs={"pk": pk, "invitation_id": invitation_id})
        outcome = submit_and_judge(http=world.http, send=lambda http, url=url: http.post(url, {"reason": "x"}))
        assert outcome == "rejected"


DUPLICATE = {"duplicate-arrival": (ARRIVAL + datetime.timedelta(days=30)).isoformat()}


@FUZZ
@given(data=form_data(DUPLICATE, {"duplicate-arrival": "date"}))
def test_fuzz_duplicate(world, data):
    _post(world, "staff:duplicate", world.bidding, data)


def test_the_duplicate_the_fuzz_starts_from_is_accepted(world):
    url = reverse("staff:duplicate", kwargs={"pk": world.bidding.pk})
    assert submit_and_judge(http=world.http, send=lambda http: http.post(url, DUPLICATE)) == "accepted"
