"""A second run of the same files changes nothing; a changed or added row is reported, never applied."""

import pytest

from legacy.tests.conftest import OWNER, csv_append, csv_rewrite, outcomes, snapshot
from legacy.tests.test_import_sample import SAMPLE_REJECTED
from quotations.models import Client, HotelBid, Quotation

pytestmark = pytest.mark.django_db


def test_a_second_run_of_the_same_files_creates_and_changes_nothing(owners, sample, run_import):
    # given the sample imported once
    run_import(sample, "--owner", OWNER)
    before = snapshot()

    # when the same files are imported again
    second = run_import(sample, "--owner", OWNER)

    # then no row was created, no row's updated_at moved, and the output says everything was there
    assert snapshot() == before
    assert "Every valid row was already imported by an earlier run: nothing was written." in second.out
    assert outcomes(second.out) == {
        "clients.csv": (7, 0, 3, 4),
        "hotels.csv": (5, 0, 4, 1),
        "quotations.csv": (7, 0, 3, 4),
        "bids.csv": (8, 0, 5, 3),
        "bookings.csv": (2, 0, 1, 1),
        "payments.csv": (4, 0, 2, 2),
    }
    # and the same rows are rejected for the same reasons
    assert second.rejected == SAMPLE_REJECTED


def test_a_row_changed_since_its_import_is_reported_and_not_applied(owners, sample, run_import):
    run_import(sample, "--owner", OWNER)
    before = snapshot()
    csv_rewrite(sample / "clients.csv", legacy_id="C-1", name="Parroquia San Miguel Arcángel")
    csv_rewrite(sample / "bids.csv", legacy_id="B-1", rates="1:single:99.00:2|1:double:110.00:9")

    second = run_import(sample, "--owner", OWNER)

    assert snapshot() == before
    assert Client.objects.filter(name="Parroquia San Miguel").count() == 1
    changed = "already imported by an earlier run from different cells; the changes were not applied"
    assert [row for row in second.rejected if row not in SAMPLE_REJECTED] == [
        ("clients.csv", 2, "C-1", changed),
        ("bids.csv", 2, "B-1", changed),
    ]


def test_rows_added_to_an_imported_quotation_are_rejected(owners, sample, run_import):
    run_import(sample, "--owner", OWNER)
    before = snapshot()
    csv_append(
        sample / "bids.csv",
        legacy_id="B-9",
        quotation_id="Q-1",
        hotel_id="H-1",
        revision="2",
        status="superseded",
        currency="EUR",
        valid_until="2027-03-01",
        rates="1:double:100.00:9",
    )
    csv_append(
        sample / "payments.csv",
        legacy_id="P-9",
        booking_id="K-1",
        installment="2",
        amount="500.00",
        currency="EUR",
        status="pending",
        provider="stripe",
    )

    second = run_import(sample, "--owner", OWNER)

    assert snapshot() == before
    assert [row for row in second.rejected if row not in SAMPLE_REJECTED] == [
        ("bids.csv", 10, "B-9", "quotation_id: Q-1 was imported by an earlier run; rows cannot be added to it"),
        ("payments.csv", 6, "P-9", "booking_id: K-1 was imported by an earlier run; rows cannot be added to it"),
    ]


def test_a_fixed_quotation_goes_in_whole_on_the_next_run(owners, sample, run_import):
    # given the sample imported, Q-5 rejected with its bids, booking and payment for its bid B-8
    run_import(sample, "--owner", OWNER)
    assert not Quotation.objects.filter(reference="OLD-2026-0005").exists()

    # when B-8 is fixed in the export and the import runs again
    csv_rewrite(sample / "bids.csv", legacy_id="B-8", rates="1:double:90.00:5")
    second = run_import(sample, "--owner", OWNER)

    # then the whole of Q-5 is imported, and only it
    quotation = Quotation.objects.get(reference="OLD-2026-0005")
    assert sorted(
        HotelBid.objects.filter(invitation__quotation=quotation).values_list("invitation__hotel__name", flat=True)
    ) == [
        "Hotel Alcázar",
        "Hotel Triana",
    ]
    assert quotation.booking.reference == "OLDB-2026-0002"
    assert list(quotation.booking.payments.values_list("idempotency_key", "amount")) == [("legacy:P-3", 4000)]
    assert quotation.booking.paid_amount == quotation.booking.total == 4000
    assert outcomes(second.out)["quotations.csv"] == (7, 1, 3, 3)
    assert {row[2] for row in second.rejected} == {"C-4", "C-5", "C-6", "H-5", "Q-4", "Q-6", "Q-7", "B-6", "P-4"}
