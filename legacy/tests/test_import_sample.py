"""Importing docs/legacy-sample: exactly what is created, and exactly what is rejected and why."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Booking, BookingHotel, BookingLog, BookingRoom, Installment
from legacy.models import LegacyRecord
from legacy.tests.conftest import OWNER, snapshot
from notifications.models import EmailMessage
from payments.models import Payment
from quotations.models import (
    Client,
    Hotel,
    HotelBid,
    HotelBidLine,
    HotelInvitation,
    Quotation,
    QuotationLog,
    QuotationPricing,
    QuotationStay,
    RoomEvent,
)

pytestmark = pytest.mark.django_db

COUNTRIES = "AR, BO, BR, CA, CL, CO, CR, DE, DO, EC, ES, FR, GB, GT, IT, MX, PA, PE, PR, PT, PY, SV, US, UY"
SAMPLE_REJECTED = [
    ("clients.csv", 6, "C-4", f'country: "XX" is not one of {COUNTRIES}'),
    ("clients.csv", 7, "C-5", 'name: required; email: "not-an-email" is not an email address'),
    ("clients.csv", 8, "C-6", "legacy_id: C-6 is on more than one line of this file (lines 8, 9)"),
    ("clients.csv", 9, "C-6", "legacy_id: C-6 is on more than one line of this file (lines 8, 9)"),
    ("hotels.csv", 6, "H-5", "stars: 6 is not between 1 and 5"),
    ("quotations.csv", 5, "Q-4", "client_id: C-4 is rejected (clients.csv line 6)"),
    (
        "quotations.csv",
        6,
        "Q-5",
        "bids.csv line 9 (B-8) of this quotation is rejected; a quotation is imported whole",
    ),
    (
        "quotations.csv",
        7,
        "Q-6",
        "margin_percent: 150 is not between 0 and 100; departure: must be after the arrival",
    ),
    ("quotations.csv", 8, "Q-7", "client_id: C-9 is neither in clients.csv nor imported by an earlier run"),
    ("bids.csv", 7, "B-6", "quotation_id: Q-4 is rejected (quotations.csv line 5)"),
    ("bids.csv", 8, "B-7", "quotation_id: Q-5 is rejected (quotations.csv line 6)"),
    ("bids.csv", 9, "B-8", "rates: the group asked for no triple room"),
    ("bookings.csv", 3, "K-2", "quotation_id: Q-5 is rejected (quotations.csv line 6)"),
    ("payments.csv", 4, "P-3", "booking_id: K-2 is rejected (bookings.csv line 3)"),
    (
        "payments.csv",
        5,
        "P-4",
        'amount: "1.234,50" is not an amount with at most 2 decimals, such as 1234.50',
    ),
]
SAMPLE_CREATED = {
    "quotations.Client": 3,
    "quotations.Hotel": 4,
    "quotations.Quotation": 3,
    "quotations.QuotationStay": 4,
    "quotations.HotelInvitation": 4,
    "quotations.HotelBid": 5,
    "quotations.HotelBidLine": 9,
    "quotations.QuotationLog": 3,
    "bookings.Booking": 1,
    "bookings.Installment": 2,
    "bookings.BookingRoom": 11,
    "bookings.BookingHotel": 2,
    "bookings.BookingLog": 1,
    "payments.Payment": 2,
    "legacy.LegacyRecord": 18,
}
MADRID = ZoneInfo("Europe/Madrid")


def _created(before: dict, after: dict) -> dict[str, int]:
    return {label: after[label] - before[label] for label in after if after[label] != before[label]}


def test_the_sample_creates_exactly_its_valid_rows_and_nothing_else(owners, sample, run_import):
    # given an empty database but for the two staff owners
    before = snapshot()["counts"]

    # when the sample is imported
    result = run_import(sample, "--owner", OWNER)

    # then exactly the valid rows and what they imply were created, and nothing was sent
    assert _created(before, snapshot()["counts"]) == SAMPLE_CREATED
    assert EmailMessage.objects.count() == RoomEvent.objects.count() == QuotationPricing.objects.count() == 0
    assert result.rejected == SAMPLE_REJECTED
    assert "15 rows rejected, each with its reason in" in result.out


def test_the_sample_rows_become_the_objects_their_cells_describe(owners, sample, run_import):
    ventas, lucia = owners
    run_import(sample, "--owner", OWNER)

    clients = {c.email: (c.name, c.kind, c.country, c.language) for c in Client.objects.all()}
    assert clients == {
        "grupos@sanmiguel.example": ("Parroquia San Miguel", "company", "ES", "es"),
        "viajes@losandes.example": ("Colegio Los Andes", "company", "CL", "es"),
        "ana.torres@correo.example": ("Ana Torres", "person", "MX", "en"),
    }
    assert Client.objects.get(name="Colegio Los Andes").notes == "Viaje de fin de curso.\nContacto: Sra. Pérez"
    assert sorted(Hotel.objects.values_list("name", "city", "stars", "currency", "is_active")) == [
        ("Hotel Alcázar", "Sevilla", 4, "EUR", True),
        ("Hotel Alhambra Palace", "Granada", 5, "EUR", True),
        ("Hotel Triana", "Sevilla", 3, "EUR", True),
        ("Hotel Zócalo Central", "Ciudad de México", 4, "USD", True),
    ]
    quotations = {q.reference: q for q in Quotation.objects.select_related("client", "owner")}
    assert sorted(quotations) == ["OLD-2026-0001", "OLD-2026-0002", "OLD-2026-0003"]
    q1 = quotations["OLD-2026-0001"]
    assert (q1.owner, q1.client.name, q1.group_name, q1.status) == (
        lucia,
        "Parroquia San Miguel",
        "Semana Santa en Andalucía",
        "booked",
    )
    assert (q1.arrival, q1.departure, q1.pax, q1.room_mix) == (
        datetime.date(2027, 4, 20),
        datetime.date(2027, 4, 25),
        20,
        {"single": 2, "double": 9, "twin": 0, "triple": 0},
    )
    assert (q1.meal_plan, q1.currency, q1.margin_percent, q1.valid_until) == (
        "HB",
        "EUR",
        Decimal("17.50"),
        datetime.date(2026, 3, 15),
    )
    assert q1.bid_deadline == datetime.datetime(2026, 2, 1, 18, tzinfo=MADRID)
    assert quotations["OLD-2026-0002"].owner == quotations["OLD-2026-0003"].owner == ventas
    assert sorted(
        QuotationStay.objects.values_list("quotation__reference", "position", "city", "nights", "meal_plan")
    ) == [
        ("OLD-2026-0001", 1, "Sevilla", 3, ""),
        ("OLD-2026-0001", 2, "Granada", 2, ""),
        ("OLD-2026-0002", 1, "Ciudad de México", 4, ""),
        ("OLD-2026-0003", 1, "Sevilla", 2, "RO"),
    ]
    assert sorted(
        HotelInvitation.objects.values_list("quotation__reference", "hotel__name", "status", "invited_by")
    ) == [
        ("OLD-2026-0001", "Hotel Alcázar", "bid", lucia.pk),
        ("OLD-2026-0001", "Hotel Alhambra Palace", "bid", lucia.pk),
        ("OLD-2026-0001", "Hotel Triana", "bid", lucia.pk),
        ("OLD-2026-0002", "Hotel Zócalo Central", "bid", ventas.pk),
    ]
    bids = HotelBid.objects.values_list("invitation__hotel__name", "revision", "status", "currency", "submitted_by")
    assert sorted(bids) == [
        ("Hotel Alcázar", 1, "active", "EUR", lucia.pk),
        ("Hotel Alhambra Palace", 1, "active", "EUR", lucia.pk),
        ("Hotel Triana", 1, "superseded", "EUR", lucia.pk),
        ("Hotel Triana", 2, "active", "EUR", lucia.pk),
        ("Hotel Zócalo Central", 1, "active", "USD", ventas.pk),
    ]
    lines = HotelBidLine.objects.filter(bid__invitation__hotel__name="Hotel Triana", bid__revision=2)
    assert sorted(lines.values_list("stay__city", "room_type", "nightly_rate", "rooms_available")) == [
        ("Sevilla", "double", Decimal("102.50"), 9),
        ("Sevilla", "single", Decimal("88.00"), 2),
    ]
    assert QuotationLog.objects.filter(action="legacy.imported", quotation=q1).get().data == {
        "legacy_id": "Q-1",
        "file": "quotations.csv",
        "line": 2,
    }


def test_the_sample_booking_is_frozen_as_an_approval_freezes_one(owners, sample, run_import, settings):
    run_import(sample, "--owner", OWNER)

    booking = Booking.objects.select_related("quotation").get()
    quotation = booking.quotation
    triana = HotelBid.objects.get(invitation__hotel__name="Hotel Triana", revision=2)
    alhambra = HotelBid.objects.get(invitation__hotel__name="Hotel Alhambra Palace")
    stays = list(quotation.stays.order_by("position"))
    assert (booking.reference, booking.status, booking.client, booking.owner) == (
        "OLDB-2026-0001",
        "confirmed",
        quotation.client,
        quotation.owner,
    )
    assert (booking.total, booking.paid_amount, booking.currency, booking.pax, booking.paying) == (
        Decimal("9220.00"),
        Decimal("2766.00"),
        "EUR",
        20,
        20,
    )
    assert booking.price_lines == {
        "single": {"rooms": 2, "travellers": 2, "free": 0, "paying": 2, "per_person": "560.00", "total": "1120.00"},
        "double": {"rooms": 9, "travellers": 18, "free": 0, "paying": 18, "per_person": "450.00", "total": "8100.00"},
    }
    assert booking.stays == [
        {
            "stay_id": stays[0].pk,
            "position": 1,
            "city": "Sevilla",
            "nights": 3,
            "meal_plan": "HB",
            "hotel_id": triana.invitation.hotel_id,
            "hotel_name": "Hotel Triana",
            "invitation_id": triana.invitation_id,
            "bid_id": triana.pk,
        },
        {
            "stay_id": stays[1].pk,
            "position": 2,
            "city": "Granada",
            "nights": 2,
            "meal_plan": "HB",
            "hotel_id": alhambra.invitation.hotel_id,
            "hotel_name": "Hotel Alhambra Palace",
            "invitation_id": alhambra.invitation_id,
            "bid_id": alhambra.pk,
        },
    ]
    assert booking.exchange_rates == {}
    assert booking.cancellation_tiers == [
        {"min_days_before": days, "retained_percent": percent} for days, percent in settings.CANCELLATION_TIERS
    ]
    assert booking.rooming_cutoff == datetime.date(2027, 4, 20) - datetime.timedelta(
        days=settings.BOOKING_ROOMING_CUTOFF_DAYS
    )
    assert list(
        Installment.objects.order_by("position").values_list("position", "kind", "due_date", "amount", "paid_amount")
    ) == [
        (1, "deposit", datetime.date(2026, 3, 1), Decimal("2766.00"), Decimal("2766.00")),
        (2, "balance", datetime.date(2027, 2, 19), Decimal("6454.00"), Decimal("0.00")),
    ]
    assert list(BookingRoom.objects.order_by("number").values_list("number", "room_type")) == [
        (1, "single"),
        (2, "single"),
        *[(number, "double") for number in range(3, 12)],
    ]
    assert sorted(BookingHotel.objects.values_list("hotel__name", "invitation", "check_in", "check_out")) == [
        ("Hotel Alhambra Palace", alhambra.invitation_id, datetime.date(2027, 4, 23), datetime.date(2027, 4, 25)),
        ("Hotel Triana", triana.invitation_id, datetime.date(2027, 4, 20), datetime.date(2027, 4, 23)),
    ]
    payments = Payment.objects.order_by("idempotency_key").values_list(
        "idempotency_key",
        "installment__position",
        "amount",
        "currency",
        "status",
        "provider",
        "provider_reference",
        "received_on",
        "confirmed_at",
        "receipt_number",
    )
    assert list(payments) == [
        (
            "legacy:P-1",
            1,
            Decimal("2766.00"),
            "EUR",
            "confirmed",
            "manual",
            "TRF-0001",
            datetime.date(2026, 3, 1),
            datetime.datetime(2026, 3, 2, 10, tzinfo=MADRID),
            "OLDR-0001",
        ),
        ("legacy:P-2", 2, Decimal("1000.00"), "EUR", "pending", "stripe", "cs_test_legacy_0002", None, None, None),
    ]
    assert BookingLog.objects.get(booking=booking).data == {"legacy_id": "K-1", "file": "bookings.csv", "line": 2}


def test_every_imported_row_names_the_object_it_became(owners, sample, run_import):
    run_import(sample, "--owner", OWNER)

    records = {(r.table, r.legacy_id): r.object_id for r in LegacyRecord.objects.all()}
    assert sorted(records) == sorted(
        [("clients", f"C-{n}") for n in (1, 2, 3)]
        + [("hotels", f"H-{n}") for n in (1, 2, 3, 4)]
        + [("quotations", f"Q-{n}") for n in (1, 2, 3)]
        + [("bids", f"B-{n}") for n in (1, 2, 3, 4, 5)]
        + [("bookings", "K-1"), ("payments", "P-1"), ("payments", "P-2")]
    )
    assert Client.objects.get(pk=records[("clients", "C-2")]).name == "Colegio Los Andes"
    assert Quotation.objects.get(pk=records[("quotations", "Q-2")]).reference == "OLD-2026-0002"
    assert HotelBid.objects.get(pk=records[("bids", "B-2")]).status == "superseded"
    assert Booking.objects.get(pk=records[("bookings", "K-1")]).reference == "OLDB-2026-0001"
    assert Payment.objects.get(pk=records[("payments", "P-2")]).idempotency_key == "legacy:P-2"


def test_staff_read_on_the_timeline_that_a_quotation_came_from_the_old_system(owners, sample, run_import):
    from django.test import Client as HttpClient

    run_import(sample)
    quotation = Quotation.objects.order_by("pk").first()
    owners[0].language = "en"
    owners[0].save(update_fields=["language"])
    staff = HttpClient()
    staff.force_login(owners[0])

    html = staff.get(f"/staff/quotations/{quotation.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    timeline = html[html.index('data-testid="timeline"') :]
    assert "Imported from the old system" in timeline
    assert "legacy.imported" not in html
