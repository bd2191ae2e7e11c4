"""Writing the bookings of a batch of quotations: rooms, hotels, schedule, payments, as an approval freezes them.

Every figure is the old system's (the prices, the schedule, what was paid);
what the product derives from them is derived here as bookings.services does
at approval: the client's lines per room type (the travellers seated as the
automatic quotation seats them), each stay with its chosen hotel, the
numbered rooms, each hotel's check-in and check-out, the cancellation tiers
and the rooming-list cut-off of the settings in force.
"""

import datetime
from decimal import Decimal

from django.conf import settings

from bookings.models import Booking, BookingHotel, BookingLog, BookingRoom, Installment
from bookings.shares import ROOM_ORDER
from legacy.inserts import rows_insert
from legacy.rows import BookingRow, QuotationRow
from legacy.rules import booking_paying
from legacy.writing import IMPORTED_ACTION, WriteContext, Written, log_data, records
from payments.models import Payment, PaymentStatus


def _price_lines(row: BookingRow, quotation: QuotationRow) -> dict[str, dict]:
    """The client's lines as the booking keeps them (quotations.services.pricing.room_prices_frozen)."""
    lines = {}
    for room, (rooms, travellers, free, paying) in booking_paying(quotation).items():
        per_person = row.prices.get(room, Decimal(0))
        lines[room] = {
            "rooms": rooms,
            "travellers": travellers,
            "free": free,
            "paying": paying,
            "per_person": str(per_person),
            "total": str(per_person * paying),
        }
    return lines


def _booking_stays(item: Written, context: WriteContext) -> list[dict]:
    """Each stay with its chosen hotel, as bookings.services freezes them at approval."""
    quotation = item.bundle.quotation
    bids = {bid.legacy_id: bid for bid in item.bundle.bids}
    stays = []
    for position, (stay, stay_id, bid_id) in enumerate(
        zip(quotation.stays, item.stays, item.bundle.booking.chosen_bids, strict=True), start=1
    ):
        hotel_id = bids[bid_id].hotel_id
        stays.append(
            {
                "stay_id": stay_id,
                "position": position,
                "city": context.city(stay.city),
                "nights": stay.nights,
                "meal_plan": stay.meal_plan or quotation.meal_plan,
                "hotel_id": context.hotel_ids[hotel_id],
                "hotel_name": context.hotels[hotel_id].name,
                "invitation_id": item.invitations[hotel_id],
                "bid_id": item.bids[bid_id],
            }
        )
    return stays


BOOKING_FIELDS = (
    "reference",
    "quotation_id",
    "client_id",
    "owner_id",
    "status",
    "group_name",
    "arrival",
    "departure",
    "pax",
    "paying",
    "currency",
    "total",
    "paid_amount",
    "price_lines",
    "stays",
    "exchange_rates",
    "cancellation_tiers",
    "rooming_cutoff",
    "cancelled_at",
    "cancel_reason",
    "retained_amount",
)


def bookings_write(items: list[Written], context: WriteContext) -> list[tuple]:
    """Write the bookings of `items` with all that hangs on them; returns the payments' `LegacyRecord` values."""
    now = context.now
    booked = [item for item in items if item.bundle.booking is not None]
    if not booked:
        return []
    cutoff = datetime.timedelta(days=settings.BOOKING_ROOMING_CUTOFF_DAYS)
    tiers = [
        {"min_days_before": days, "retained_percent": str(percent)} for days, percent in settings.CANCELLATION_TIERS
    ]
    paid: list[dict[int, Decimal]] = []  # per booking: installment position → confirmed amount
    bookings, rooms, hotels = [], [], []
    for item in booked:
        confirmed: dict[int, Decimal] = {}
        for payment in item.bundle.payments:
            if payment.status == PaymentStatus.CONFIRMED:
                confirmed[payment.installment] = confirmed.get(payment.installment, Decimal(0)) + payment.amount
        paid.append(confirmed)
        row, quotation = item.bundle.booking, item.bundle.quotation
        price_lines = _price_lines(row, quotation)
        stays = _booking_stays(item, context)
        bookings.append(
            (
                row.reference,
                item.quotation,
                context.client_ids[quotation.client_id],
                item.owner,
                row.status,
                quotation.group_name,
                quotation.arrival,
                quotation.departure,
                quotation.pax,
                sum(line["paying"] for line in price_lines.values()),
                row.currency,
                row.total,
                sum(confirmed.values(), Decimal(0)),
                price_lines,
                stays,
                {currency: str(rate) for currency, rate in row.exchange_rates.items()},
                tiers,
                quotation.arrival - cutoff,
                row.cancelled_at,
                row.cancel_reason,
                row.retained_amount,
            )
        )
        rooms.append(_rooms(price_lines))
        hotels.append(_hotels(quotation.arrival, stays))
    booking_ids = rows_insert(Booking, BOOKING_FIELDS, bookings, now=now, reservation=context.reservation)
    for item, pk in zip(booked, booking_ids, strict=True):
        item.booking = pk
    installments = [
        (item.booking, position, cell.kind, cell.due, cell.amount, confirmed.get(position, Decimal(0)))
        for item, confirmed in zip(booked, paid, strict=True)
        for position, cell in enumerate(item.bundle.booking.schedule, start=1)
    ]
    ids = iter(
        rows_insert(
            Installment,
            ("booking_id", "position", "kind", "due_date", "amount", "paid_amount"),
            installments,
            now=now,
            reservation=context.reservation,
        )
    )
    installment_ids = [[next(ids) for _cell in item.bundle.booking.schedule] for item in booked]
    rows_insert(
        BookingRoom,
        ("booking_id", "number", "room_type"),
        [
            (pk, number, room_type)
            for pk, numbered in zip(booking_ids, rooms, strict=True)
            for number, room_type in numbered
        ],
        now=now,
        ids=False,
    )
    rows_insert(
        BookingHotel,
        ("booking_id", "hotel_id", "invitation_id", "check_in", "check_out"),
        [(pk, *visit) for pk, visits in zip(booking_ids, hotels, strict=True) for visit in visits],
        now=now,
        ids=False,
    )
    payments = [
        (payment, item.booking, installment_ids[index][payment.installment - 1])
        for index, item in enumerate(booked)
        for payment in item.bundle.payments
    ]
    payment_ids = rows_insert(
        Payment,
        (
            "booking_id",
            "installment_id",
            "amount",
            "currency",
            "provider",
            "status",
            "provider_reference",
            "received_on",
            "idempotency_key",
            "confirmed_at",
            "receipt_number",
        ),
        [
            (
                booking_id,
                installment_id,
                p.amount,
                p.currency,
                p.provider,
                p.status,
                p.provider_reference,
                p.received_on,
                f"legacy:{p.legacy_id}",
                p.confirmed_at,
                p.receipt_number or None,
            )
            for p, booking_id, installment_id in payments
        ],
        now=now,
        reservation=context.reservation,
    )
    rows_insert(
        BookingLog,
        ("booking_id", "action", "data"),
        [(item.booking, IMPORTED_ACTION, log_data(item.bundle.booking)) for item in booked],
        now=now,
        ids=False,
    )
    return records([payment for payment, _booking, _installment in payments], payment_ids, now)


def _rooms(price_lines: dict[str, dict]) -> list[tuple[int, str]]:
    """(number, room type) of the rooms of the booked mix, numbered as bookings.services numbers them."""
    rooms, number = [], 0
    for room_type in ROOM_ORDER:
        for _index in range(price_lines.get(room_type, {}).get("rooms", 0)):
            number += 1
            rooms.append((number, room_type))
    return rooms


def _hotels(arrival: datetime.date, stays: list[dict]) -> list[tuple[int, int, datetime.date, datetime.date]]:
    """(hotel, invitation, check-in, check-out) of each chosen hotel; its stays are one visit (bookings.services)."""
    visits: dict[int, list] = {}
    day = arrival
    for stay in stays:
        check_out = day + datetime.timedelta(days=stay["nights"])
        visit = visits.setdefault(stay["hotel_id"], [stay["invitation_id"], day, check_out])
        visit[2] = check_out
        day = check_out
    return [(hotel_id, invitation_id, start, end) for hotel_id, (invitation_id, start, end) in visits.items()]
