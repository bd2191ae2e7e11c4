"""`seed_demo`: a believable dataset built through the services, safe to run twice."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import translation

from accounts.models import Role, User
from quotations import demo
from quotations.demo_data import DEMO_PASSWORD
from quotations.demo_trips import TRIPS
from quotations.models import (
    BidStatus,
    Client,
    Hotel,
    HotelBid,
    InvitationStatus,
    Quotation,
    QuotationLog,
    QuotationStatus,
    ReferenceCounter,
)

EMAIL = re.compile(r"\S+@\S+\.example")


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # The demo hashes one password; the production hasher would only make this slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed() -> str:
    out = StringIO()
    with translation.override("en"):  # the assertions read the English output
        call_command("seed_demo", stdout=out, no_color=True)
    return out.getvalue()


def _snapshot() -> dict:
    """Every row count, and every trace a write would leave on the demo's rows."""
    return {
        "counts": {model._meta.label: model.objects.count() for model in apps.get_models()},
        "quotations": set(Quotation.objects.values_list("reference", "status", "updated_at")),
        "log": QuotationLog.objects.count(),
        "updated": {
            model._meta.label: set(model.objects.values_list("pk", "updated_at"))
            for model in apps.get_models()
            if any(field.name == "updated_at" for field in model._meta.fields)
        },
        "users": set(User.objects.values_list("email", "password", "role", "staff_level", "is_staff", "is_superuser")),
        "references": set(ReferenceCounter.objects.values_list("prefix", "year", "last_value")),
    }


def _printed_logins(output: str) -> list[str]:
    return [EMAIL.search(line).group() for line in output.splitlines() if DEMO_PASSWORD in line]


@pytest.mark.django_db
def test_seed_demo_builds_clients_hotels_and_quotations_in_every_status():
    _seed()

    assert set(Client.objects.values_list("country", flat=True)) >= {"ES", "CO", "MX", "AR", "US"}
    assert Hotel.objects.count() >= 8
    assert Hotel.objects.values("city").distinct().count() >= 3
    assert Quotation.objects.count() >= 20
    assert set(Quotation.objects.values_list("status", flat=True)) == set(QuotationStatus.values)
    expected = Counter(plan.path[-1] if plan.path else QuotationStatus.DRAFT for plan in TRIPS)
    assert Counter(Quotation.objects.values_list("status", flat=True)) == expected


@pytest.mark.django_db
def test_seed_demo_people_have_the_roles_and_languages_of_their_side():
    _seed()

    for client in Client.objects.prefetch_related("contacts"):
        contacts = list(client.contacts.all())
        assert contacts, client.name
        assert {(c.role, c.language) for c in contacts} == {(Role.CLIENT, client.language)}
    assert Client.objects.get(country="US").language == "en"
    assert set(Client.objects.exclude(country="US").values_list("language", flat=True)) == {"es"}
    for hotel in Hotel.objects.prefetch_related("members"):
        assert [m.role for m in hotel.members.all()] == [Role.HOTEL], hotel.name
    staff = User.objects.filter(role=Role.STAFF)
    assert set(staff.values_list("staff_level", "is_staff", "is_superuser")) == {
        (10, True, True),
        (7, True, False),
        (3, True, False),
    }
    assert not User.objects.exclude(role=Role.STAFF).filter(is_staff=True).exists()


@pytest.mark.django_db
def test_seed_demo_plays_revisions_a_withdrawal_and_a_declined_invitation():
    _seed()

    assert HotelBid.objects.filter(status=BidStatus.SUPERSEDED).count() == 3
    assert HotelBid.objects.filter(status=BidStatus.WITHDRAWN).count() == 1
    assert QuotationLog.objects.filter(action="invitation.declined").count() == 2
    declined = HotelBid.objects.filter(invitation__status=InvitationStatus.DECLINED)
    assert not declined.exists()
    for bid in HotelBid.objects.select_related("invitation__hotel", "submitted_by"):
        assert bid.submitted_by.role == Role.HOTEL
        assert bid.invitation.hotel.members.filter(pk=bid.submitted_by.pk).exists()
        assert bid.currency == bid.invitation.hotel.currency


@pytest.mark.django_db
def test_seed_demo_run_twice_changes_nothing():
    first = _seed()
    before = _snapshot()

    second = _seed()

    assert _snapshot() == before
    assert "23 quotations created by this run" in first
    assert "0 quotations created by this run" in second


@pytest.mark.django_db
def test_seed_demo_restores_a_changed_demo_password_and_nothing_else():
    _seed()
    director = User.objects.get(email="direccion@spirittours.example")
    director.set_password("something-else-entirely")
    director.save(update_fields=["password"])
    quotations = set(Quotation.objects.values_list("reference", "status", "updated_at"))

    _seed()

    director.refresh_from_db()
    assert director.check_password(DEMO_PASSWORD)
    assert set(Quotation.objects.values_list("reference", "status", "updated_at")) == quotations


@pytest.mark.django_db
def test_seed_demo_printed_logins_authenticate():
    output = _seed()

    emails = _printed_logins(output)

    assert emails == [
        "direccion@spirittours.example",
        "agente@spirittours.example",
        "grupos@parroquiatriana.example",
        "reservas@hotelalfonsoxiii.example",
    ]
    roles = [authenticate(username=email, password=DEMO_PASSWORD).role for email in emails]
    assert roles == [Role.STAFF, Role.STAFF, Role.CLIENT, Role.HOTEL]
    assert authenticate(username=emails[0], password=DEMO_PASSWORD).is_superuser


@pytest.mark.django_db
def test_seed_demo_failing_halfway_leaves_nothing_behind(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("booking service down")

    monkeypatch.setattr(demo, "quotation_mark_booked", broken)

    with pytest.raises(RuntimeError):
        _seed()

    assert User.objects.count() == 0
    assert Quotation.objects.count() == 0
    assert QuotationLog.objects.count() == 0
