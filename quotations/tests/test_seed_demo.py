"""`seed_demo`: a believable dataset built through the services, safe to run twice."""

import os
import re
import subprocess
import sys
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.models import Role, User
from quotations import demo
from quotations.demo_data import CLIENTS, DEMO_PASSWORD, HOTELS
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
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _development_site(settings):
    # Django runs tests with DEBUG=False; the demo is for the development default, DEBUG=True.
    settings.DEBUG = True
    # The demo hashes one password; the production hasher would only make this slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):  # the assertions read the English output
        call_command("seed_demo", *args, stdout=out, stderr=StringIO(), no_color=True)
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


@pytest.mark.django_db
def test_seed_demo_prints_the_headline_the_logins_and_the_counts():
    output = _seed()

    by_status = Counter(plan.path[-1] if plan.path else QuotationStatus.DRAFT for plan in TRIPS)
    with translation.override("en"):
        labels = {status: str(status.label) for status in QuotationStatus}
    width = max(len(label) for label in labels.values())
    booked = sum(1 for plan in TRIPS if QuotationStatus.APPROVED in plan.path)  # approved on the way
    assert output.splitlines() == [
        "Demo data ready: 23 quotations created by this run.",
        # payments' step: every approval made a booking; the booked trips have their deposit paid
        f"Bookings: {booked}, the deposits of {by_status[QuotationStatus.BOOKED]} paid by this run.",
        "",
        "Logins",
        "  Role                  Email                              Password        ",
        "  --------------------  ---------------------------------  ----------------",
        "  Director (superuser)  direccion@spirittours.example      spirit-demo-2026",
        "  Sales agent           agente@spirittours.example         spirit-demo-2026",
        "  Client contact        grupos@parroquiatriana.example     spirit-demo-2026",
        "  Hotel user            reservas@hotelalfonsoxiii.example  spirit-demo-2026",
        "",
        "In the database",
        f"  Clients: {len(CLIENTS)}",
        f"  Hotels: {len(HOTELS)}",
        "  Quotations by status:",
        *(f"    {labels[status].ljust(width)}  {by_status[status]}" for status in QuotationStatus),
        f"    {'Total'.ljust(width)}  {len(TRIPS)}",
    ]


@pytest.mark.django_db
def test_seed_demo_refuses_when_debug_is_false_and_writes_nothing(settings):
    settings.DEBUG = False
    before = _snapshot()

    with pytest.raises(CommandError) as refused:
        _seed()

    assert str(refused.value) == (
        "DEBUG is False: refusing to load demo users, a superuser among them, whose password is published. "
        "Nothing was written. Add --allow-production if this is really a demo site."
    )
    assert _snapshot() == before
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_with_allow_production_seeds_and_warns(settings):
    settings.DEBUG = False
    out, err = StringIO(), StringIO()

    with translation.override("en"):
        call_command("seed_demo", "--allow-production", stdout=out, stderr=err, no_color=True)

    assert User.objects.filter(is_superuser=True).count() == 1
    assert Quotation.objects.count() == len(TRIPS)
    assert "23 quotations created by this run" in out.getvalue()
    assert err.getvalue() == "DEBUG is False: change or remove the demo users before real people use this site.\n"


def test_seed_demo_refusal_exits_non_zero_before_touching_the_database(tmp_path):
    database = tmp_path / "never.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="spirittours.settings",
        DEBUG="False",
        SECRET_KEY="seed-demo-refusal-test",
        ALLOWED_HOSTS="tours.example",
        DATABASE_URL=f"sqlite:///{database}",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    error = result.stderr.splitlines()[-1]  # in the site's language; the flag's name is not translated
    assert error.startswith("CommandError: DEBUG")
    assert "--allow-production" in error
    assert result.stdout == ""
    assert not database.exists()
