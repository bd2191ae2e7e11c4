"""Nothing partial is written: a rejected row's quotation goes whole, and a batch the database refuses is retried."""

import pytest
from django.db import IntegrityError

from bookings.models import Booking, Installment
from legacy import writer
from legacy.importer import legacy_import
from legacy.models import LegacyRecord
from legacy.tests.conftest import OWNER
from payments.models import Payment
from quotations.models import HotelBid, HotelInvitation, Quotation, QuotationStay

pytestmark = pytest.mark.django_db


def test_a_quotation_with_a_rejected_bid_leaves_no_trace(owners, sample, run_import):
    # Q-5's bid B-8 prices a triple room the group never asked for
    run_import(sample, "--owner", OWNER)

    assert not Quotation.objects.filter(reference="OLD-2026-0005").exists()
    assert not QuotationStay.objects.filter(quotation__group_name="Retiro parroquial").exists()
    assert not Booking.objects.filter(reference="OLDB-2026-0002").exists()
    assert not Payment.objects.filter(idempotency_key="legacy:P-3").exists()
    assert not LegacyRecord.objects.filter(legacy_id__in=["Q-5", "B-7", "B-8", "K-2", "P-3"]).exists()
    # and its valid bid B-7, for a hotel imported all the same, made no invitation
    assert not HotelInvitation.objects.filter(quotation__reference="OLD-2026-0005").exists()


def test_a_batch_the_database_refuses_is_written_quotation_by_quotation(owners, sample, tmp_path, monkeypatch):
    # given the database refusing Q-2 (as if another process had just taken its reference)
    real = writer._quotation_values

    def refusing(row, owner, context):
        if row.legacy_id == "Q-2":
            raise IntegrityError('duplicate key value violates unique constraint "quotations_quotation_reference_key"')
        return real(row, owner, context)

    monkeypatch.setattr(writer, "_quotation_values", refusing)

    # when the sample is imported, all its quotations in one batch
    result = legacy_import(directory=sample, report_path=tmp_path / "report.csv", owner_email=OWNER)

    # then the other quotations are written whole, Q-2 and its bid not at all, and both are reported
    assert sorted(Quotation.objects.values_list("reference", flat=True)) == ["OLD-2026-0001", "OLD-2026-0003"]
    assert HotelBid.objects.count() == 4
    assert Installment.objects.count() == 2
    assert not LegacyRecord.objects.filter(legacy_id__in=["Q-2", "B-5"]).exists()
    refused = (
        'the database refused it: duplicate key value violates unique constraint "quotations_quotation_reference_key"'
    )
    assert [(row.table, row.legacy_id, row.reason) for row in result.rejected if row.legacy_id in ("Q-2", "B-5")] == [
        ("quotations", "Q-2", refused),
        ("bids", "B-5", refused),
    ]
    assert result.verified
