"""`--dry-run` checks everything and reports it, and writes nothing to the database."""

import pytest

from legacy.tests.conftest import OWNER, outcomes, snapshot
from legacy.tests.test_import_sample import SAMPLE_REJECTED

pytestmark = pytest.mark.django_db


def test_a_dry_run_writes_nothing_and_reports_what_an_import_would_do(owners, sample, run_import):
    before = snapshot()

    result = run_import(sample, "--owner", OWNER, "--dry-run")

    assert snapshot() == before
    assert result.rejected == SAMPLE_REJECTED
    assert "Legacy import (dry run: nothing written)" in result.out
    assert "would be imported" in result.out.splitlines()[1]
    assert outcomes(result.out) == {
        "clients.csv": (7, 3, 0, 4),
        "hotels.csv": (5, 4, 0, 1),
        "quotations.csv": (7, 3, 0, 4),
        "bids.csv": (8, 5, 0, 3),
        "bookings.csv": (2, 1, 0, 1),
        "payments.csv": (4, 2, 0, 2),
    }
    assert "Dry run: the database side is what was there before; nothing was written." in result.out


def test_a_dry_run_after_an_import_finds_everything_there(owners, sample, run_import):
    run_import(sample, "--owner", OWNER)
    before = snapshot()

    result = run_import(sample, "--owner", OWNER, "--dry-run")

    assert snapshot() == before
    assert "Every valid row was already imported by an earlier run: nothing was written." in result.out
    assert result.rejected == SAMPLE_REJECTED
