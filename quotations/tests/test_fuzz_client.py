"""Hostile input on the client pages: never a 500; a refusal shows why and writes nothing."""

import pytest
from django.urls import reverse
from hypothesis import given

from accounts.factories import ClientContactFactory
from quotations.factories import ClientFactory, quotation_sent
from quotations.tests.fuzzing import FUZZ, World, form_data, logged_in, submit_and_judge

pytestmark = pytest.mark.django_db

FUZZED = {"client:approve", "client:request_changes", "client:decline", "client:message"}


@pytest.fixture
def world():
    """A quote sent to the client, and its contact on the client pages."""
    contact = ClientContactFactory()
    quotation = quotation_sent(client=ClientFactory(contacts=[contact]))
    world = World(http=logged_in(contact), quotation=quotation)
    assert _page(world)(world.http).status_code == 200
    return world


def _page(world):
    return lambda http: http.get(reverse("client:quotation", kwargs={"pk": world.quotation.pk}))


def _post(world, name, data):
    url = reverse(name, kwargs={"pk": world.quotation.pk})
    return submit_and_judge(http=world.http, send=lambda http: http.post(url, data), after=_page(world))


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_approve(world, data):
    _post(world, "client:approve", data)


@FUZZ
@given(data=form_data({"message": "¿Podemos añadir una noche en Granada?"}))
def test_fuzz_request_changes(world, data):
    _post(world, "client:request_changes", data)


@FUZZ
@given(data=form_data({"reason": "Hemos elegido otra agencia."}))
def test_fuzz_decline(world, data):
    _post(world, "client:decline", data)


@FUZZ
@given(data=form_data({"body": "¿Está incluido el seguro?"}))
def test_fuzz_message(world, data):
    _post(world, "client:message", data)


@pytest.mark.parametrize("name", sorted(FUZZED))
def test_a_quotation_number_out_of_range_is_not_found(world, name):
    for pk in (0, 2**31, 2**63, 10**30):
        url = reverse(name, kwargs={"pk": pk})
        outcome = submit_and_judge(http=world.http, send=lambda http, url=url: http.post(url, {"body": "x"}))
        assert outcome == "rejected"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("client:approve", {}),
        ("client:request_changes", {"message": "¿Podemos añadir una noche en Granada?"}),
        ("client:decline", {"reason": "Hemos elegido otra agencia."}),
        ("client:message", {"body": "¿Está incluido el seguro?"}),
    ],
)
def test_the_submissions_the_fuzz_starts_from_are_accepted(world, name, data):
    url = reverse(name, kwargs={"pk": world.quotation.pk})
    assert submit_and_judge(http=world.http, send=lambda http: http.post(url, data)) == "accepted"
