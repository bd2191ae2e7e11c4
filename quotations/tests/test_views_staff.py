"""The staff workspace over HTTP: each action goes through its service, bad input writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from accounts.factories import StaffFactory
from quotations.factories import ClientFactory, HotelFactory
from quotations.models import Quotation, QuotationExtra, QuotationLog, QuotationPricing, QuotationStatus


def _staff(**fields):
    http = HttpClient()
    user = StaffFactory(**fields)
    http.force_login(user)
    return http, user


@pytest.mark.django_db
def test_create_through_the_workspace():
    http, user = _staff()
    client = ClientFactory()
    arrival = timezone.localdate() + datetime.timedelta(days=50)
    data = {
        "client": client.pk,
        "group_name": "Colegio a Granada",
        "arrival": arrival.isoformat(),
        "departure": (arrival + datetime.timedelta(days=4)).isoformat(),
        "pax": "31",
        "singles": "1",
        "doubles": "0",
        "twins": "0",
        "triples": "10",
        "stays": "Madrid:2, Granada:2",
        "meal_plan": "HB",
        "currency": "EUR",
        "margin_percent": "12.50",
    }
    response = http.post(reverse("staff:quotation_create"), data)
    quotation = Quotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:quotation", kwargs={"pk": quotation.pk})
    assert (quotation.owner, quotation.pax, quotation.triples, quotation.margin_percent) == (
        user,
        31,
        10,
        Decimal("12.50"),
    )
    assert list(quotation.stays.values_list("city", "nights")) == [("Madrid", 2), ("Granada", 2)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stays", "Madrid:3"),
        ("stays", "Madrid three nights"),
        ("pax", "0"),
        ("doubles", "-1"),
        ("margin_percent", "101"),
    ],
)
def test_bad_quotation_input_is_a_field_error_and_writes_nothing(field, value):
    http, _user = _staff()
    arrival = timezone.localdate() + datetime.timedelta(days=50)
    data = {
        "client": ClientFactory().pk,
        "group_name": "Grupo",
        "arrival": arrival.isoformat(),
        "departure": (arrival + datetime.timedelta(days=4)).isoformat(),
        "pax": "10",
        "singles": "0",
        "doubles": "5",
        "twins": "0",
        "triples": "0",
        "stays": "Madrid:4",
        "meal_plan": "BB",
        "currency": "EUR",
        "margin_percent": "15",
        field: value,
    }
    response = http.post(reverse("staff:quotation_create"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert (Quotation.objects.count(), QuotationLog.objects.count()) == (0, 0)


def test_close_price_preview_and_send_from_the_quotation_page(bidding_round):
    r = bidding_round
    http = HttpClient()
    http.force_login(r.staff)
    pk = r.quotation.pk
    page = http.get(reverse("staff:quotation", kwargs={"pk": pk}))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="comparison-row"') == 4  # Cenit's expired bid is apart

    http.post(reverse("staff:close_bidding", kwargs={"pk": pk}))
    preview = http.get(reverse("staff:price_preview", kwargs={"pk": pk}), {"margin_percent": "10"})
    assert "291,00" not in preview.content.decode()  # Boreal stays cheapest: no override given
    assert QuotationPricing.objects.count() == 0  # a preview writes nothing

    http.post(reverse("staff:price", kwargs={"pk": pk}), {"margin_percent": "17.35"})
    pricing = QuotationPricing.objects.get()
    assert pricing.price_per_person == Decimal("301")

    far = (timezone.localdate() + datetime.timedelta(days=200)).isoformat()
    http.post(reverse("staff:send", kwargs={"pk": pk}), {"valid_until": far})
    r.quotation.refresh_from_db()
    assert (r.quotation.status, r.quotation.valid_until) == (QuotationStatus.SENT, pricing.bids_valid_until)


def test_send_refused_before_pricing_changes_nothing(bidding_round):
    r = bidding_round
    r.close()
    http = HttpClient()
    http.force_login(r.staff)
    response = http.post(
        reverse("staff:send", kwargs={"pk": r.quotation.pk}),
        {"valid_until": timezone.localdate().isoformat()},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert response.context["send_form"].non_field_errors() == ["Price the quote before sending it."]
    r.quotation.refresh_from_db()
    assert (r.quotation.status, r.quotation.valid_until) == (QuotationStatus.QUOTED, None)


def test_extras_invite_and_deadline_from_the_page(bidding_round):
    r = bidding_round
    http = HttpClient()
    http.force_login(r.staff)
    pk = r.quotation.pk
    http.post(
        reverse("staff:extra_add", kwargs={"pk": pk}),
        {"kind": "transport", "description": "Autocar Sevilla–Granada", "amount_per_person": "31.25"},
    )
    extra = QuotationExtra.objects.get(kind="transport")
    assert extra.amount_per_person == Decimal("31.25")
    http.post(reverse("staff:extra_remove", kwargs={"pk": pk, "extra_id": extra.pk}))
    assert not QuotationExtra.objects.filter(pk=extra.pk).exists()

    new_hotel = HotelFactory(name="Hotel Nuevo Sevilla", city="Sevilla")
    deadline = timezone.localtime() + datetime.timedelta(days=4)
    http.post(
        reverse("staff:invite", kwargs={"pk": pk}),
        {"hotels": [new_hotel.pk], "bid_deadline": deadline.strftime("%Y-%m-%dT%H:%M")},
    )
    assert r.quotation.invitations.filter(hotel=new_hotel).exists()

    later = timezone.localtime() + datetime.timedelta(days=6)
    http.post(
        reverse("staff:extend_deadline", kwargs={"pk": pk}), {"extend-bid_deadline": later.strftime("%Y-%m-%dT%H:%M")}
    )
    r.quotation.refresh_from_db()
    assert r.quotation.bid_deadline == later.replace(second=0, microsecond=0)


def test_staff_list_filters(bidding_round):
    http, _user = _staff()
    listing = http.get(reverse("staff:home"), {"status": "bidding", "q": "Semana Santa"})
    assert bidding_round.quotation.reference in listing.content.decode()
    empty = http.get(reverse("staff:home"), {"status": "sent"})
    assert bidding_round.quotation.reference not in empty.content.decode()


# The form each staff button posts to, and the action of the table that must allow it.
BUTTONS = {
    "invite": "staff:invite",
    "close_bidding": "staff:close_bidding",
    "extend_deadline": "staff:extend_deadline",
    "edit_extras": "staff:extra_add",
    "price": "staff:price",
    "cancel": "staff:cancel",
}


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(QuotationStatus.values))
def test_the_staff_page_offers_exactly_the_buttons_the_table_of_actions_allows(status):
    from quotations.factories import quotation_make
    from quotations.workflow import Action, action_allowed

    # given: a quotation put straight into each status (test-only write)
    http, user = _staff(staff_level=8)
    quotation = quotation_make(owner=user)
    HotelFactory(city=quotation.stays.first().city)  # someone to invite
    Quotation.objects.filter(pk=quotation.pk).update(
        status=status,
        bid_deadline=timezone.now() + datetime.timedelta(days=3),
        valid_until=timezone.localdate() + datetime.timedelta(days=10),
    )
    # when
    page = http.get(reverse("staff:quotation", kwargs={"pk": quotation.pk}))
    # then
    assert page.status_code == 200
    shown = {
        action
        for action, name in BUTTONS.items()
        if reverse(name, kwargs={"pk": quotation.pk}).encode() in page.content
    }
    assert shown == {action for action in BUTTONS if action_allowed(Action(action), status)}
    # sending also needs a current pricing, which none of these quotations has
    assert reverse("staff:send", kwargs={"pk": quotation.pk}).encode() not in page.content


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["Cofradía Norte", "cofradia-norte.example", "ana@cofradia", "Q-"])
def test_staff_search_finds_the_clients_name_and_its_contacts_email_once(term):
    # given a client with two contacts whose emails both match, and another quotation
    from accounts.factories import ClientContactFactory
    from quotations.factories import quotation_make

    http, user = _staff()
    contacts = [
        ClientContactFactory(email="ana@cofradia-norte.example"),
        ClientContactFactory(email="ana.b@cofradia-norte.example"),
    ]
    client = ClientFactory(name="Cofradía Norte", email="info@cofradia-norte.example", contacts=contacts)
    found = quotation_make(client=client, owner=user, group_name="Rocío")
    other = quotation_make(owner=user, group_name="Colegio")
    # when
    listing = http.get(reverse("staff:home"), {"q": term})
    # then: the matching quotation, once; the other only when the term matches it too
    listed = list(listing.context["page"].object_list)
    assert listed.count(found) == 1
    assert (other in listed) == (term == "Q-")


@pytest.mark.django_db
def test_staff_search_by_a_contacts_email_leaves_out_other_clients():
    from accounts.factories import ClientContactFactory
    from quotations.factories import quotation_make

    http, _user = _staff()
    mine = quotation_make(client=ClientFactory(contacts=[ClientContactFactory(email="pilar@parroquia.example")]))
    quotation_make(client=ClientFactory(contacts=[ClientContactFactory(email="juan@colegio.example")]))
    listing = http.get(reverse("staff:home"), {"q": "pilar@parroquia"})
    assert list(listing.context["page"].object_list) == [mine]
