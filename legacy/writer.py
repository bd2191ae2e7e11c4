"""Writing checked rows: clients, hotels, and whole quotations, each call in the caller's transaction.

Every table is written with one statement per batch (`legacy.inserts`: COPY on
PostgreSQL, `bulk_create` elsewhere), from plain tuples. Nothing else runs on
the way: no model `save()`, no signal, no email, no room event, so importing
history never tells a client or a hotel anything. The audit log of each
quotation and booking gets one `legacy.imported` entry naming the source row,
and every source row its `LegacyRecord`.

Legacy quotations carry no pricing run: the old system's prices live on the
booking (`price_lines`), frozen as the old system sold them, with the chosen
hotel of each stay (`stays`), as bookings.services freezes an approved quote.
"""

import datetime

from bookings.models import Booking, Installment
from legacy.inserts import rows_insert
from legacy.plan import Bundle
from legacy.rows import ClientRow, HotelRow, QuotationRow
from legacy.writer_bookings import bookings_write
from legacy.writing import IMPORTED_ACTION, WriteContext, Written, log_data, records, records_write
from payments.models import Payment
from quotations.models import (
    BidStatus,
    Client,
    Hotel,
    HotelBid,
    HotelBidLine,
    HotelInvitation,
    InvitationStatus,
    Quotation,
    QuotationLog,
    QuotationStay,
)
from quotations.models.core import invitation_token_new


def clients_write(rows: list[ClientRow], *, now: datetime.datetime) -> dict[str, int]:
    """Write the clients; returns their ids by legacy id."""
    ids = rows_insert(
        Client,
        ("name", "kind", "country", "language", "email", "phone", "tax_id", "notes"),
        [(r.name, r.kind, r.country, r.language, r.email, r.phone, r.tax_id, r.notes) for r in rows],
        now=now,
    )
    records_write(records(rows, ids, now), now)
    return {row.legacy_id: pk for row, pk in zip(rows, ids, strict=True)}


def hotels_write(rows: list[HotelRow], *, now: datetime.datetime) -> dict[str, int]:
    """Write the hotels; returns their ids by legacy id."""
    ids = rows_insert(
        Hotel,
        ("name", "city", "country", "stars", "email", "phone", "currency", "is_active"),
        [(r.name, r.city, r.country, r.stars, r.email, r.phone, r.currency, r.is_active) for r in rows],
        now=now,
    )
    records_write(records(rows, ids, now), now)
    return {row.legacy_id: pk for row, pk in zip(rows, ids, strict=True)}


def bundle_id_counts(bundles: list[Bundle]) -> dict[type, int]:
    """How many new ids writing `bundles` takes, per model (for an IdReservation)."""
    booked = [bundle.booking for bundle in bundles if bundle.booking is not None]
    return {
        Quotation: len(bundles),
        QuotationStay: sum(len(bundle.quotation.stays) for bundle in bundles),
        HotelInvitation: sum(len({bid.hotel_id for bid in bundle.bids}) for bundle in bundles),
        HotelBid: sum(len(bundle.bids) for bundle in bundles),
        Booking: len(booked),
        Installment: sum(len(booking.schedule) for booking in booked),
        Payment: sum(len(bundle.payments) for bundle in bundles),
    }


def bundles_write(bundles: list[Bundle], *, context: WriteContext) -> None:
    """Write whole quotations: stays, invitations, bids and their rates, bookings and their payments."""
    now = context.now
    items = [Written(bundle, context.owners[bundle.quotation.owner_email]) for bundle in bundles]
    quotation_ids = rows_insert(
        Quotation,
        (
            "reference",
            "client_id",
            "owner_id",
            "group_name",
            "arrival",
            "departure",
            "pax",
            "singles",
            "doubles",
            "twins",
            "triples",
            "meal_plan",
            "currency",
            "margin_percent",
            "free_place_every",
            "bid_deadline",
            "valid_until",
            "status",
            "notes",
        ),
        [_quotation_values(item.bundle.quotation, item.owner, context) for item in items],
        now=now,
        reservation=context.reservation,
    )
    for item, pk in zip(items, quotation_ids, strict=True):
        item.quotation = pk
    _stays_write(items, context)
    _bids_write(items, context)
    payment_records = bookings_write(items, context)
    rows_insert(
        QuotationLog,
        ("quotation_id", "action", "data"),
        [(item.quotation, IMPORTED_ACTION, log_data(item.bundle.quotation)) for item in items],
        now=now,
        ids=False,
    )
    written = records([item.bundle.quotation for item in items], quotation_ids, now)
    bids = [bid for item in items for bid in item.bundle.bids]
    written += records(bids, [item.bids[bid.legacy_id] for item in items for bid in item.bundle.bids], now)
    booked = [item for item in items if item.booking]
    written += records([item.bundle.booking for item in booked], [item.booking for item in booked], now)
    records_write(written + payment_records, now)


def _quotation_values(row: QuotationRow, owner: int, context: WriteContext) -> tuple:
    return (
        row.reference,
        context.client_ids[row.client_id],
        owner,
        row.group_name,
        row.arrival,
        row.departure,
        row.pax,
        row.rooms["single"],
        row.rooms["double"],
        row.rooms["twin"],
        row.rooms["triple"],
        row.meal_plan,
        row.currency,
        row.margin_percent,
        row.free_place_every,
        row.bid_deadline,
        row.valid_until,
        row.status,
        row.notes,
    )


def _stays_write(items: list[Written], context: WriteContext) -> None:
    stays = [
        (item.quotation, position, context.city(stay.city), stay.nights, stay.meal_plan)
        for item in items
        for position, stay in enumerate(item.bundle.quotation.stays, start=1)
    ]
    ids = iter(
        rows_insert(
            QuotationStay,
            ("quotation_id", "position", "city", "nights", "meal_plan"),
            stays,
            now=context.now,
            reservation=context.reservation,
        )
    )
    for item in items:
        item.stays = [next(ids) for _stay in item.bundle.quotation.stays]


def _bids_write(items: list[Written], context: WriteContext) -> None:
    now = context.now
    invitations, keys = [], []
    for item in items:
        active = {bid.hotel_id for bid in item.bundle.bids if bid.status == BidStatus.ACTIVE}
        for bid in item.bundle.bids:
            if bid.hotel_id not in item.invitations:
                item.invitations[bid.hotel_id] = 0
                keys.append((item, bid.hotel_id))
                invitations.append(
                    (
                        item.quotation,
                        context.hotel_ids[bid.hotel_id],
                        InvitationStatus.BID if bid.hotel_id in active else InvitationStatus.INVITED,
                        invitation_token_new(),
                        item.owner,
                    )
                )
    ids = rows_insert(
        HotelInvitation,
        ("quotation_id", "hotel_id", "status", "token", "invited_by_id"),
        invitations,
        now=now,
        reservation=context.reservation,
    )
    for (item, hotel_id), pk in zip(keys, ids, strict=True):
        item.invitations[hotel_id] = pk
    bids = [
        (
            item.invitations[bid.hotel_id],
            bid.revision,
            bid.status,
            bid.currency,
            bid.valid_until,
            bid.conditions,
            bid.notes,
            item.owner,
        )
        for item in items
        for bid in item.bundle.bids
    ]
    ids = iter(
        rows_insert(
            HotelBid,
            (
                "invitation_id",
                "revision",
                "status",
                "currency",
                "valid_until",
                "conditions",
                "notes",
                "submitted_by_id",
            ),
            bids,
            now=now,
            reservation=context.reservation,
        )
    )
    for item in items:
        for bid in item.bundle.bids:
            item.bids[bid.legacy_id] = next(ids)
    rows_insert(
        HotelBidLine,
        ("bid_id", "stay_id", "room_type", "nightly_rate", "rooms_available"),
        [
            (
                item.bids[bid.legacy_id],
                item.stays[rate.position - 1],
                rate.room_type,
                rate.nightly_rate,
                rate.rooms_available,
            )
            for item in items
            for bid in item.bundle.bids
            for rate in bid.rates
        ],
        now=now,
        ids=False,
    )
