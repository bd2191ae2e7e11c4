"""What an import will write: every row checked against the others, against the database, and cascaded.

Rules across rows, in the order they are applied:

1. A legacy id on more than one line of a file rejects every one of those
   lines: which one is right cannot be told.
2. A row whose legacy id an earlier run imported is skipped (`done`) when its
   cells are the same, and rejected as changed otherwise: an import never
   updates what it wrote.
3. A reference (`client_id`, `hotel_id`, `quotation_id`, `booking_id`,
   `chosen_bids`) must name a row of the source that is not rejected, or an
   object an earlier run imported; a rejected parent rejects the child,
   naming the parent's file and line.
4. A quotation is imported whole, with its stays, its bids (and the
   invitations they imply), its booking and the booking's payments, or not
   at all: one rejected row among them rejects all of them. Rows cannot be
   added to a quotation or booking an earlier run imported.

Clients and hotels stand alone: a rejected quotation leaves its client and
its hotels to be imported.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import Role, User
from bookings.models import Booking
from legacy.models import LegacyRecord, LegacyTable
from legacy.rows import (
    BidRow,
    BookingRow,
    ClientRow,
    HotelRow,
    PaymentRow,
    QuotationRow,
    RowState,
    SourceRow,
)
from legacy.rules import bid_check, booking_check, bookings_one_per_quotation, invitation_bids_check, payment_check
from payments.models import Payment
from quotations.cities import city_key
from quotations.models import Hotel, Quotation, QuotationStatus

LOOKUP_CHUNK = 5_000
T = LegacyTable


@dataclass(frozen=True)
class HotelFacts:
    city_key: str
    currency: str
    name: str


@dataclass(eq=False)
class Bundle:
    """A quotation with its bids, its booking and the booking's payments: imported whole or not at all."""

    quotation: QuotationRow
    bids: list[BidRow] = field(default_factory=list)
    booking: BookingRow | None = None
    payments: list[PaymentRow] = field(default_factory=list)

    @property
    def rows(self) -> list[SourceRow]:
        booking = [self.booking] if self.booking is not None else []
        return [self.quotation, *self.bids, *booking, *self.payments]


@dataclass
class Plan:
    rows: dict[str, list[SourceRow]]  # every row read, by table, in file order
    imported: dict[str, dict[str, tuple[int, str]]]  # table → legacy id → (object id, fingerprint), earlier runs
    owners: dict[str, int]  # active staff by email
    hotels: dict[str, HotelFacts]  # legacy hotel id → what bids and bookings need of it
    clients_new: list[ClientRow] = field(default_factory=list)
    hotels_new: list[HotelRow] = field(default_factory=list)
    bundles: list[Bundle] = field(default_factory=list)

    @property
    def rejected(self) -> list[SourceRow]:
        return [row for table in T.values for row in self.rows[table] if row.state == RowState.REJECTED]


class Sources:
    """The rows of every table by legacy id, and the answer to "what does this reference name?"."""

    def __init__(self, rows: dict[str, list[SourceRow]], imported: dict[str, dict[str, tuple[int, str]]]):
        self.imported = imported
        self.by_id: dict[str, dict[str, SourceRow]] = {
            table: {row.legacy_id: row for row in reversed(rows[table]) if row.legacy_id} for table in T.values
        }

    def parent(self, child: SourceRow, *, column: str, table: str, legacy_id: str, addable: bool) -> SourceRow | None:
        """The source row `legacy_id` names, None when an earlier run imported it; rejects `child` otherwise.

        `addable`: whether children may point at an imported parent (a client, a hotel) or not (a quotation,
        a booking: imported whole).
        """
        if legacy_id in self.imported[table]:
            if not addable:
                child.reject(
                    _("%(column)s: %(id)s was imported by an earlier run; rows cannot be added to it")
                    % {"column": column, "id": legacy_id}
                )
            return None
        parent = self.by_id[table].get(legacy_id)
        if parent is None:
            child.reject(
                _("%(column)s: %(id)s is neither in %(file)s nor imported by an earlier run")
                % {"column": column, "id": legacy_id, "file": f"{table}.csv"}
            )
        elif parent.state == RowState.REJECTED:
            child.reject(parent_rejected(column=column, parent=parent))
            return None
        return parent


def parent_rejected(*, column: str, parent: SourceRow) -> str:
    return _("%(column)s: %(id)s is rejected (%(where)s)") % {
        "column": column,
        "id": parent.legacy_id,
        "where": parent.where,
    }


def imported_index(*, tables: Iterable[str]) -> dict[str, dict[str, tuple[int, str]]]:
    index: dict[str, dict[str, tuple[int, str]]] = {table: {} for table in T.values}
    rows = LegacyRecord.objects.filter(table__in=list(tables)).values_list(
        "table", "legacy_id", "object_id", "fingerprint"
    )
    for table, legacy_id, object_id, fingerprint in rows.iterator(chunk_size=LOOKUP_CHUNK):
        index[table][legacy_id] = (object_id, fingerprint)
    return index


def _identities(rows: list[SourceRow], imported: dict[str, tuple[int, str]]) -> None:
    """Rules 1 and 2: duplicated ids, and rows an earlier run imported."""
    lines: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.legacy_id:
            lines[row.legacy_id].append(row.line)
    for row in rows:
        if row.legacy_id and len(lines[row.legacy_id]) > 1:
            row.reject(
                _("legacy_id: %(id)s is on more than one line of this file (lines %(lines)s)")
                % {"id": row.legacy_id, "lines": ", ".join(str(line) for line in lines[row.legacy_id])}
            )
        if row.state == RowState.NEW and row.legacy_id in imported:
            if imported[row.legacy_id][1] == row.fingerprint:
                row.state = RowState.DONE
            else:
                row.reject(_("already imported by an earlier run from different cells; the changes were not applied"))


def values_taken(model, column: str) -> set[str]:
    """Every value `model.column` holds: read whole, as one query (a tour operator's quotations, bookings and
    receipts number in the hundreds of thousands at most), not as lists of parameters in the hundreds of queries."""
    return set(
        model.objects.exclude(**{f"{column}__isnull": True})
        .values_list(column, flat=True)
        .iterator(chunk_size=LOOKUP_CHUNK)
    )


def unique_values_check(rows: list[SourceRow], *, column: str, model, taken_message: str) -> None:
    """`column` of each new row names no other row of the file and no object of `model` already there."""
    by_value: dict[str, list[SourceRow]] = defaultdict(list)
    for row in rows:
        value = getattr(row, column)
        if row.state == RowState.NEW and value:
            by_value[value].append(row)
    taken = values_taken(model, column) if by_value else set()
    for value, holders in by_value.items():
        for row in holders:
            if len(holders) > 1:
                row.reject(
                    _("%(column)s: %(value)s is on more than one line of this file (lines %(lines)s)")
                    % {"column": column, "value": value, "lines": ", ".join(str(other.line) for other in holders)}
                )
            elif value in taken:
                row.reject(taken_message % {"value": value})


def _hotel_facts(plan_rows: dict[str, list[SourceRow]], imported: dict[str, tuple[int, str]]) -> dict[str, HotelFacts]:
    facts = {
        row.legacy_id: HotelFacts(city_key=city_key(row.city), currency=row.currency, name=row.name)
        for row in plan_rows[T.HOTELS]
        if row.state == RowState.NEW
    }
    by_pk = {object_id: legacy_id for legacy_id, (object_id, _fingerprint) in imported.items()}
    named = {row.hotel_id for row in plan_rows[T.BIDS]} & set(imported)
    wanted = [imported[legacy_id][0] for legacy_id in named]
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        for pk, city, currency, name in Hotel.objects.filter(pk__in=wanted[start : start + LOOKUP_CHUNK]).values_list(
            "pk", "city", "currency", "name"
        ):
            facts[by_pk[pk]] = HotelFacts(city_key=city_key(city), currency=currency, name=name)
    return facts


def plan_build(*, rows: dict[str, list[SourceRow]], default_owner: str = "") -> Plan:
    """Check every row against the others and the database; nothing is written."""
    # Every table: a file's rows name the rows of the others, imported by this run or an earlier one.
    imported = imported_index(tables=T.values)
    for table in T.values:
        _identities(rows[table], imported[table])
    owners = dict(User.objects.filter(role=Role.STAFF, is_active=True).values_list("email", "pk").order_by())
    plan = Plan(rows=rows, imported=imported, owners=owners, hotels=_hotel_facts(rows, imported[T.HOTELS]))
    sources = Sources(rows, imported)
    _quotations_check(plan, sources, default_owner=default_owner.strip().lower())
    for bid in rows[T.BIDS]:
        if bid.state == RowState.NEW:
            bid_check(bid, sources=sources, hotels=plan.hotels)
    invitation_bids_check(rows[T.BIDS])
    bookings_one_per_quotation(rows[T.BOOKINGS])
    for booking in rows[T.BOOKINGS]:
        if booking.state == RowState.NEW:
            booking_check(booking, sources=sources, hotels=plan.hotels)
    unique_values_check(
        rows[T.BOOKINGS],
        column="reference",
        model=Booking,
        taken_message=_("reference: %(value)s is already the reference of another booking"),
    )
    confirmed: dict[str, Decimal] = {}
    for payment in rows[T.PAYMENTS]:
        if payment.state == RowState.NEW:
            payment_check(payment, sources=sources, confirmed=confirmed)
    unique_values_check(
        rows[T.PAYMENTS],
        column="receipt_number",
        model=Payment,
        taken_message=_("receipt_number: %(value)s is already the receipt number of another payment"),
    )
    _booked_without_booking(rows)
    _bundles_close(plan, sources)
    plan.clients_new = [row for row in rows[T.CLIENTS] if row.state == RowState.NEW]
    plan.hotels_new = [row for row in rows[T.HOTELS] if row.state == RowState.NEW]
    return plan


def _quotations_check(plan: Plan, sources: Sources, *, default_owner: str) -> None:
    quotations = plan.rows[T.QUOTATIONS]
    for quotation in quotations:
        if quotation.state != RowState.NEW:
            continue
        sources.parent(quotation, column="client_id", table=T.CLIENTS, legacy_id=quotation.client_id, addable=True)
        owner = quotation.owner_email or default_owner
        if not owner:
            quotation.reject(_("owner_email: required when the import is run without --owner"))
        elif owner not in plan.owners:
            quotation.reject(_("owner_email: no active staff member has the email %(email)s") % {"email": owner})
        else:
            quotation.owner_email = owner
    unique_values_check(
        quotations,
        column="reference",
        model=Quotation,
        taken_message=_("reference: %(value)s is already the reference of another quotation"),
    )


def _booked_without_booking(rows: dict[str, list[SourceRow]]) -> None:
    booked = {row.quotation_id for row in rows[T.BOOKINGS]}
    for quotation in rows[T.QUOTATIONS]:
        booked_alone = quotation.status == QuotationStatus.BOOKED and quotation.legacy_id not in booked
        if quotation.state == RowState.NEW and booked_alone:
            quotation.reject(_("status: a booked quotation needs its booking in bookings.csv"))


def _bundles_close(plan: Plan, sources: Sources) -> None:
    """Rule 4: gather each quotation's rows; one rejected row rejects them all."""
    bundles: dict[str, Bundle] = {}
    for quotation in plan.rows[T.QUOTATIONS]:
        if quotation.state != RowState.DONE and sources.by_id[T.QUOTATIONS].get(quotation.legacy_id) is quotation:
            bundles[quotation.legacy_id] = Bundle(quotation=quotation)
    for bid in plan.rows[T.BIDS]:
        if bid.quotation_id in bundles and bid.state != RowState.DONE:
            bundles[bid.quotation_id].bids.append(bid)
    booking_bundle: dict[str, Bundle] = {}
    for booking in plan.rows[T.BOOKINGS]:
        bundle = bundles.get(booking.quotation_id)
        if bundle is not None and booking.state != RowState.DONE and bundle.booking is None:
            bundle.booking = booking
            booking_bundle[booking.legacy_id] = bundle
    for payment in plan.rows[T.PAYMENTS]:
        bundle = booking_bundle.get(payment.booking_id)
        if bundle is not None and payment.state != RowState.DONE:
            bundle.payments.append(payment)
    for bundle in bundles.values():
        failed = next((row for row in bundle.rows if row.state == RowState.REJECTED), None)
        if failed is None:
            plan.bundles.append(bundle)
            continue
        quotation = bundle.quotation
        quotation.reject(
            _("%(where)s (%(id)s) of this quotation is rejected; a quotation is imported whole")
            % {"where": failed.where, "id": failed.legacy_id}
        )
        for row in [*bundle.bids, *([bundle.booking] if bundle.booking else [])]:
            row.reject(parent_rejected(column="quotation_id", parent=quotation))
        for payment in bundle.payments:
            payment.reject(parent_rejected(column="booking_id", parent=bundle.booking))
