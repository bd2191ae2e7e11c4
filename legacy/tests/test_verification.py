"""The closing verification: per table, the source's valid rows against the database, count and money."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError

from bookings.models import Booking
from legacy.importer import legacy_import
from legacy.tests.conftest import OWNER
from payments.models import Payment

pytestmark = pytest.mark.django_db

D = Decimal


def _figures(result) -> dict:
    return {
        check.table: (
            check.source_rows,
            check.database_rows,
            [(amount.figure, amount.currency, amount.source, amount.database) for amount in check.amounts],
        )
        for check in result.checks
    }


SAMPLE_FIGURES = {
    "clients": (3, 3, []),
    "hotels": (4, 4, []),
    "quotations": (3, 3, []),
    "bids": (5, 5, [("rates", "EUR", D("766.50"), D("766.50")), ("rates", "USD", D("120.00"), D("120.00"))]),
    "bookings": (1, 1, [("total", "EUR", D("9220.00"), D("9220.00")), ("paid", "EUR", D("2766.00"), D("2766.00"))]),
    "payments": (2, 2, [("amount", "EUR", D("3766.00"), D("3766.00"))]),
}


def test_after_an_import_every_figure_of_the_source_is_in_the_database(owners, sample, tmp_path):
    result = legacy_import(directory=sample, report_path=tmp_path / "report.csv", owner_email=OWNER)

    assert _figures(result) == SAMPLE_FIGURES
    assert result.verified


def test_a_dry_run_shows_the_source_against_an_empty_database(owners, sample, tmp_path):
    result = legacy_import(directory=sample, report_path=tmp_path / "report.csv", owner_email=OWNER, dry_run=True)

    assert _figures(result) == {
        "clients": (3, 0, []),
        "hotels": (4, 0, []),
        "quotations": (3, 0, []),
        "bids": (5, 0, [("rates", "EUR", D("766.50"), D("0.00")), ("rates", "USD", D("120.00"), D("0.00"))]),
        "bookings": (1, 0, [("total", "EUR", D("9220.00"), D("0.00")), ("paid", "EUR", D("2766.00"), D("0.00"))]),
        "payments": (2, 0, [("amount", "EUR", D("3766.00"), D("0.00"))]),
    }
    assert not result.verified


def test_a_second_run_verifies_what_the_first_one_wrote(owners, sample, tmp_path):
    legacy_import(directory=sample, report_path=tmp_path / "first.csv", owner_email=OWNER)

    second = legacy_import(directory=sample, report_path=tmp_path / "second.csv", owner_email=OWNER)

    assert _figures(second) == SAMPLE_FIGURES


def test_a_database_that_no_longer_holds_the_source_fails_the_command(owners, sample, run_import):
    # given the sample imported, then a booking's total and a payment changed in the database
    run_import(sample, "--owner", OWNER)
    Booking.objects.update(total=D("9000.00"))
    Payment.objects.filter(idempotency_key="legacy:P-2").delete()

    # when the import runs again
    with pytest.raises(CommandError, match="The database does not hold what the source says"):
        run_import(sample, "--owner", OWNER)

    # then the verification names the differing figures
    result = legacy_import(directory=sample, report_path=Path(sample) / "again.csv", owner_email=OWNER)
    figures = _figures(result)
    assert figures["bookings"] == (
        1,
        1,
        [("total", "EUR", D("9220.00"), D("9000.00")), ("paid", "EUR", D("2766.00"), D("2766.00"))],
    )
    assert figures["payments"] == (2, 1, [("amount", "EUR", D("3766.00"), D("2766.00"))])


def test_the_command_prints_the_verification(owners, sample, run_import):
    result = run_import(sample, "--owner", OWNER)

    lines = [line.split() for line in result.out.split("Verification")[1].splitlines()]
    assert ["bids", "rows", "5", "5", "ok"] in lines
    assert ["nightly", "rates", "USD", "120.00", "120.00", "ok"] in lines
    assert ["paid", "EUR", "2766.00", "2766.00", "ok"] in lines
    assert "Every figure matches." in result.out
