"""The rules across rows: references, revisions, a booking's bids and prices, payments, uniqueness."""

import csv
from pathlib import Path

import pytest

from legacy.columns import COLUMNS
from legacy.importer import legacy_import
from legacy.tests.conftest import OWNER
from quotations.factories import ClientFactory, quotation_make
from quotations.models import Quotation

pytestmark = pytest.mark.django_db


def _rows() -> dict[str, list[dict[str, str]]]:
    """A valid export: one client, two hotels in Sevilla (EUR) and one in Cancún (USD), a booked quotation."""
    return {
        "clients": [{"legacy_id": "C-1", "name": "Parroquia", "country": "ES", "email": "p@parroquia.example"}],
        "hotels": [
            {
                "legacy_id": "H-1",
                "name": "Uno",
                "city": "Sevilla",
                "country": "ES",
                "stars": "4",
                "email": "a@h.example",
            },
            {
                "legacy_id": "H-2",
                "name": "Dos",
                "city": "Sevilla",
                "country": "ES",
                "stars": "3",
                "email": "b@h.example",
            },
            {
                "legacy_id": "H-3",
                "name": "Tres",
                "city": "Cancún",
                "country": "MX",
                "stars": "5",
                "email": "c@h.example",
                "currency": "USD",
            },
        ],
        "quotations": [
            {
                "legacy_id": "Q-1",
                "reference": "OLD-1",
                "client_id": "C-1",
                "group_name": "Grupo",
                "arrival": "2027-05-01",
                "departure": "2027-05-06",
                "pax": "10",
                "singles": "2",
                "doubles": "4",
                "status": "booked",
                "stays": "Sevilla:3|Cancún:2",
            }
        ],
        "bids": [
            {
                "legacy_id": "B-1",
                "quotation_id": "Q-1",
                "hotel_id": "H-1",
                "currency": "EUR",
                "valid_until": "2027-01-01",
                "rates": "1:single:80.00:2|1:double:100.00:4",
            },
            {
                "legacy_id": "B-2",
                "quotation_id": "Q-1",
                "hotel_id": "H-3",
                "currency": "USD",
                "valid_until": "2027-01-01",
                "rates": "2:single:90.00:2|2:double:120.00:4",
            },
        ],
        "bookings": [
            {
                "legacy_id": "K-1",
                "quotation_id": "Q-1",
                "reference": "OLDB-1",
                "status": "confirmed",
                "currency": "EUR",
                "total": "5000.00",
                "prices": "single:700.00|double:450.00",
                "chosen_bids": "B-1|B-2",
                "exchange_rates": "USD:0.92",
                "schedule": "deposit:2026-06-01:1500.00|balance:2027-03-01:3500.00",
            }
        ],
        "payments": [
            {
                "legacy_id": "P-1",
                "booking_id": "K-1",
                "installment": "1",
                "amount": "1500.00",
                "currency": "EUR",
                "status": "confirmed",
                "provider": "manual",
                "confirmed_at": "2026-06-01T10:00:00+02:00",
            }
        ],
    }


def _export(directory: Path, rows: dict[str, list[dict[str, str]]]) -> Path:
    directory.mkdir(exist_ok=True)
    for table, table_rows in rows.items():
        with (directory / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS[table])
            writer.writeheader()
            writer.writerows(table_rows)
    return directory


def _import(tmp_path, rows, **options):
    return legacy_import(
        directory=_export(tmp_path / "export", rows), report_path=tmp_path / "report.csv", owner_email=OWNER, **options
    )


def _rejected(result) -> list[tuple[str, str, str]]:
    return [(row.table, row.legacy_id, row.reason) for row in result.rejected]


def test_the_valid_export_imports_whole(owners, tmp_path):
    result = _import(tmp_path, _rows())

    assert _rejected(result) == []
    booking = Quotation.objects.get().booking
    assert booking.exchange_rates == {"USD": "0.92000000"}
    assert [stay["hotel_name"] for stay in booking.stays] == ["Uno", "Tres"]
    assert result.verified


@pytest.mark.parametrize(
    ("table", "index", "cells", "reason"),
    [
        ("bids", 0, {"currency": "USD"}, "currency: USD, but the hotel quotes in EUR"),
        ("bids", 0, {"rates": "3:single:80.00:2"}, "rates: there is no stay 3; the quotation has 2"),
        ("bids", 0, {"rates": "2:single:80.00:2"}, "rates: stay 2 is in Cancún, where the hotel is not"),
        ("bids", 0, {"rates": "1:twin:80.00:2"}, "rates: the group asked for no twin room"),
        (
            "bids",
            0,
            {"rates": "1:double:80.00:5"},
            "rates: 5 double rooms offered for stay 1; the group asked for 4",
        ),
        ("bids", 0, {"hotel_id": "H-9"}, "hotel_id: H-9 is neither in hotels.csv nor imported by an earlier run"),
        ("bookings", 0, {"currency": "USD", "exchange_rates": ""}, "currency: USD, but the quotation is in EUR"),
        (
            "bookings",
            0,
            {"chosen_bids": "B-1"},
            "chosen_bids: 1 bids for the quotation's 2 stays; give one bid per stay, in order",
        ),
        ("bookings", 0, {"chosen_bids": "B-2|B-1"}, "chosen_bids: B-2 has no rate for stay 1"),
        ("bookings", 0, {"chosen_bids": "B-1|B-7"}, "chosen_bids: B-7 is not a bid of quotation Q-1"),
        (
            "bookings",
            0,
            {"exchange_rates": ""},
            "exchange_rates: give the rate of USD to EUR, a chosen bid's currency",
        ),
        ("bookings", 0, {"prices": "double:450.00"}, "prices: give the price per person of the single rooms"),
        (
            "bookings",
            0,
            {"prices": "single:700.00|double:450.00|triple:300.00"},
            "prices: no paying traveller sleeps in a triple room",
        ),
        (
            "bookings",
            0,
            {"total": "5100.00", "schedule": "full:2026-06-01:5100.00"},
            "total: 5100.00, but the prices per person make 5000.00 for the paying travellers",
        ),
        (
            "bookings",
            0,
            {"schedule": "deposit:2026-06-01:1500.00|balance:2027-03-01:3000.00"},
            "schedule: the installments add up to 4500.00 but the total is 5000.00",
        ),
        ("payments", 0, {"installment": "3"}, "installment: the booking's schedule has 2 installments"),
        ("payments", 0, {"currency": "USD"}, "currency: USD, but the booking is in EUR"),
        (
            "payments",
            0,
            {"amount": "5000.01"},
            "amount: the confirmed payments of booking K-1 would add up to 5000.01, more than its total 5000.00",
        ),
        (
            "payments",
            0,
            {"status": "pending"},
            "status: only a confirmed payment has confirmed_at or receipt_number",
        ),
        (
            "payments",
            0,
            {"confirmed_at": "2026-06-01T10:00:00"},
            'confirmed_at: "2026-06-01T10:00:00" is not a moment with its UTC offset, such as '
            "2026-03-31T18:00:00+02:00",
        ),
    ],
)
def test_a_broken_rule_rejects_the_row_and_its_whole_quotation(owners, tmp_path, table, index, cells, reason):
    rows = _rows()
    rows[table][index].update(cells)

    result = _import(tmp_path, rows)

    legacy_id = rows[table][index]["legacy_id"]
    own = next(row for row in _rejected(result) if row[1] == legacy_id)
    assert own == (table, legacy_id, reason)
    assert {row[1] for row in _rejected(result)} == {"Q-1", "B-1", "B-2", "K-1", "P-1"}
    assert not Quotation.objects.exists()


def test_a_bid_rejected_with_its_quotation_says_which_row_failed(owners, tmp_path):
    rows = _rows()
    rows["payments"][0]["installment"] = "3"

    result = _import(tmp_path, rows)

    assert _rejected(result) == [
        ("quotations", "Q-1", "payments.csv line 2 (P-1) of this quotation is rejected; a quotation is imported whole"),
        ("bids", "B-1", "quotation_id: Q-1 is rejected (quotations.csv line 2)"),
        ("bids", "B-2", "quotation_id: Q-1 is rejected (quotations.csv line 2)"),
        ("bookings", "K-1", "quotation_id: Q-1 is rejected (quotations.csv line 2)"),
        ("payments", "P-1", "installment: the booking's schedule has 2 installments"),
    ]


def test_revisions_of_one_hotel_are_numbered_once_and_one_is_active(owners, tmp_path):
    rows = _rows()
    rows["bids"].append({**rows["bids"][0], "legacy_id": "B-3", "revision": "2"})
    rows["bids"].append({**rows["bids"][0], "legacy_id": "B-4", "revision": "2", "status": "superseded"})

    result = _import(tmp_path, rows)

    reasons = {row[1]: row[2] for row in _rejected(result)}
    assert reasons["B-1"] == "status: this hotel has more than one active bid on this quotation (lines 2, 4)"
    assert reasons["B-3"] == "revision: this hotel's revision 2 of this quotation is on lines 4, 5"
    assert reasons["B-4"] == "revision: this hotel's revision 2 of this quotation is on lines 4, 5"


def test_a_quotation_holds_one_booking_and_a_booked_one_needs_it(owners, tmp_path):
    rows = _rows()
    rows["bookings"].append({**rows["bookings"][0], "legacy_id": "K-2", "reference": "OLDB-2"})
    rows["quotations"].append({**rows["quotations"][0], "legacy_id": "Q-2", "reference": "OLD-2"})

    result = _import(tmp_path, rows)

    reasons = {row[1]: row[2] for row in _rejected(result)}
    assert reasons["K-1"] == reasons["K-2"] == "quotation_id: Q-1 has more than one booking (lines 2, 3)"
    assert reasons["Q-2"] == "status: a booked quotation needs its booking in bookings.csv"


def test_only_an_approved_booked_or_cancelled_quotation_has_a_booking(owners, tmp_path):
    rows = _rows()
    rows["quotations"][0]["status"] = "sent"

    result = _import(tmp_path, rows)

    reasons = {row[1]: row[2] for row in _rejected(result)}
    assert reasons["K-1"] == "quotation_id: Q-1 is sent; only an approved, booked or cancelled quotation has a booking"


def test_references_already_in_the_database_or_twice_in_a_file_are_refused(owners, tmp_path):
    # given a quotation of the product already holding reference OLD-1
    made = quotation_make(client=ClientFactory())
    Quotation.objects.filter(pk=made.pk).update(reference="OLD-1")
    rows = _rows()
    rows["quotations"].append({**rows["quotations"][0], "legacy_id": "Q-2", "reference": "OLD-2", "status": "draft"})
    rows["quotations"].append({**rows["quotations"][0], "legacy_id": "Q-3", "reference": "OLD-2", "status": "draft"})

    result = _import(tmp_path, rows)

    reasons = {row[1]: row[2] for row in _rejected(result)}
    assert reasons["Q-1"] == "reference: OLD-1 is already the reference of another quotation"
    assert reasons["Q-2"] == reasons["Q-3"] == "reference: OLD-2 is on more than one line of this file (lines 3, 4)"


def test_an_owner_must_be_active_staff(owners, tmp_path):
    rows = _rows()
    rows["quotations"][0]["owner_email"] = "nobody@spirittours.example"

    result = _import(tmp_path, rows)

    assert dict((row[1], row[2]) for row in _rejected(result))["Q-1"] == (
        "owner_email: no active staff member has the email nobody@spirittours.example"
    )


def test_without_owner_or_owner_email_a_quotation_is_refused(owners, tmp_path):
    result = legacy_import(directory=_export(tmp_path / "export", _rows()), report_path=tmp_path / "report.csv")

    assert dict((row[1], row[2]) for row in _rejected(result))["Q-1"] == (
        "owner_email: required when the import is run without --owner"
    )


def test_a_client_or_hotel_imported_earlier_can_be_named_by_a_new_quotation(owners, tmp_path):
    # given the clients and hotels imported by a first run, alone
    rows = _rows()
    first = {"clients": rows["clients"], "hotels": rows["hotels"]}
    legacy_import(directory=_export(tmp_path / "first", first), report_path=tmp_path / "first.csv", owner_email=OWNER)

    # when the quotations come in a second export without them
    second = {table: rows[table] for table in ("quotations", "bids", "bookings", "payments")}
    result = legacy_import(
        directory=_export(tmp_path / "second", second), report_path=tmp_path / "second.csv", owner_email=OWNER
    )

    # then they find the client and hotels of the first run
    assert _rejected(result) == []
    quotation = Quotation.objects.get()
    assert quotation.client.name == "Parroquia"
    assert sorted(quotation.invitations.values_list("hotel__name", flat=True)) == ["Tres", "Uno"]
