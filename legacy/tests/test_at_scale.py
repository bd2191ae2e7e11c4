"""The bench's generated export, both ways of writing rows, and the parallel writers: the same database each time."""

import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, transaction

from legacy import importer, inserts
from legacy.importer import legacy_import
from legacy.tests.conftest import OWNER
from legacy.tests.test_import_sample import SAMPLE_REJECTED
from quotations.models import Quotation

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "legacy_generate.py"


def _generator():
    spec = importlib.util.spec_from_file_location("legacy_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _database() -> dict:
    """What the import wrote, without ids or moments: the same rows whichever way they were written."""
    from bookings.models import Booking, BookingHotel, BookingRoom, Installment
    from payments.models import Payment
    from quotations.models import HotelBid, HotelBidLine, HotelInvitation, Quotation, QuotationStay

    return {
        "quotations": sorted(Quotation.objects.values_list("reference", "client__name", "status", "pax")),
        "stays": sorted(QuotationStay.objects.values_list("quotation__reference", "position", "city", "nights")),
        "invitations": sorted(HotelInvitation.objects.values_list("quotation__reference", "hotel__name", "status")),
        "bids": sorted(HotelBid.objects.values_list("invitation__hotel__name", "revision", "status", "currency")),
        "lines": sorted(HotelBidLine.objects.values_list("bid__invitation__hotel__name", "room_type", "nightly_rate")),
        "bookings": sorted(Booking.objects.values_list("reference", "total", "paid_amount", "price_lines")),
        "installments": sorted(Installment.objects.values_list("booking__reference", "position", "amount")),
        "rooms": BookingRoom.objects.count(),
        "hotels": sorted(BookingHotel.objects.values_list("booking__reference", "hotel__name", "check_in")),
        "payments": sorted(Payment.objects.values_list("idempotency_key", "amount", "status", "receipt_number")),
    }


@pytest.mark.django_db
def test_the_generated_export_is_valid_through_and_through(owners, tmp_path):
    # given the bench's generator writing 60 quotations
    counts = _generator().generate(tmp_path / "export", quotations=60, seed=7)

    # when they are imported
    result = legacy_import(directory=tmp_path / "export", report_path=tmp_path / "report.csv", owner_email=OWNER)

    # then every row goes in and verifies
    assert [(row.table, row.line, row.reason) for row in result.rejected] == []
    assert {outcome.table: outcome.imported for outcome in result.outcomes} == counts
    assert result.verified


@pytest.mark.postgres
@pytest.mark.django_db
def test_copy_and_bulk_create_write_the_same_rows(owners, sample, tmp_path, monkeypatch):
    # given the sample written by COPY, then rolled back
    with transaction.atomic():
        copied = legacy_import(directory=sample, report_path=tmp_path / "copy.csv", owner_email=OWNER)
        by_copy = _database()
        transaction.set_rollback(True)
    assert copied.verified
    assert not Quotation.objects.exists()

    # when the same export is written by bulk_create
    monkeypatch.setattr(inserts, "COPY_ON_POSTGRESQL", False)
    built = legacy_import(directory=sample, report_path=tmp_path / "bulk.csv", owner_email=OWNER)

    # then the database holds the same rows, and the same rows are rejected
    assert _database() == by_copy
    assert by_copy["bookings"][0][:3] == ("OLDB-2026-0001", Decimal("9220.00"), Decimal("2766.00"))
    assert [(f"{row.table}.csv", row.line, row.legacy_id, row.reason) for row in built.rejected] == SAMPLE_REJECTED
    assert built.verified


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_on_two_connections_write_every_quotation(tmp_path, monkeypatch):
    # given 40 generated quotations, and a transactional test: the writers' connections see committed rows only
    from accounts.factories import StaffFactory

    StaffFactory(email=OWNER)
    counts = _generator().generate(tmp_path / "export", quotations=40, seed=11)
    used = []
    real = importer.batches_run

    def spied(batches, *, run, workers: int):
        used.append(workers)
        return real(batches, run=run, workers=workers)

    monkeypatch.setattr(importer, "batches_run", spied)

    # when they are imported in batches of 20 source rows by two writers
    result = legacy_import(
        directory=tmp_path / "export", report_path=tmp_path / "report.csv", owner_email=OWNER, batch_size=20, workers=2
    )

    # then every row is in, verified, and the writers' connections are closed
    assert used == [2]
    assert result.rejected == []
    assert {outcome.table: outcome.imported for outcome in result.outcomes} == counts
    assert result.verified
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone() == (0,)
