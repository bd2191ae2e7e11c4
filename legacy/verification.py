"""The closing check: per table, the source's valid rows against what the database holds for their legacy ids.

The source side counts the rows imported by this run and the rows an earlier
run imported from the same cells, and adds up their money per currency; the
database side finds the objects those legacy ids were imported as and adds up
the same money from them. After an import every figure matches; after a dry
run the database side shows what is already there.

    bids       nightly rates, summed over every rate of every bid, per currency
    bookings   totals, and what is paid (confirmed payments), per currency
    payments   amounts (every status), per currency
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Subquery, Sum
from django.utils.translation import gettext as _

from bookings.models import Booking
from legacy.models import LegacyRecord, LegacyTable
from legacy.parallel import batches_run, workers_usable
from legacy.plan import Plan
from legacy.rows import RowState, SourceRow
from payments.models import Payment, PaymentStatus
from quotations.models import Client, Hotel, HotelBid, Quotation

CHUNK = 10_000
CENT = Decimal("0.01")  # every amount compared has two decimals (SQLite's sums lose the trailing zeros)
T = LegacyTable
MODELS = {
    T.CLIENTS: Client,
    T.HOTELS: Hotel,
    T.QUOTATIONS: Quotation,
    T.BIDS: HotelBid,
    T.BOOKINGS: Booking,
    T.PAYMENTS: Payment,
}


@dataclass(frozen=True)
class AmountCheck:
    figure: str  # "rates", "total", "paid" or "amount"
    currency: str
    source: Decimal
    database: Decimal

    @property
    def matches(self) -> bool:
        return self.source == self.database

    @property
    def label(self) -> str:
        return amount_label(self.figure)


@dataclass
class TableCheck:
    table: str
    source_rows: int
    database_rows: int
    amounts: list[AmountCheck] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return self.source_rows == self.database_rows and all(amount.matches for amount in self.amounts)


def _sums() -> defaultdict[str, Decimal]:
    return defaultdict(Decimal)


def _imported_objects(table: str) -> dict[int, tuple]:
    """{object id: (currency, amount...)} of every object imported from `table`, by any run.

    Read whole and filtered in Python: one query per table, however many legacy ids the source has.
    """
    imported = Subquery(LegacyRecord.objects.filter(table=table).values("object_id"))
    if table == T.BIDS:
        rows = (
            HotelBid.objects.filter(pk__in=imported)
            .annotate(rates=Sum("lines__nightly_rate"))
            .values_list("pk", "currency", "rates")
        )
    elif table == T.BOOKINGS:
        rows = Booking.objects.filter(pk__in=imported).values_list("pk", "currency", "total", "paid_amount")
    elif table == T.PAYMENTS:
        rows = Payment.objects.filter(pk__in=imported).values_list("pk", "currency", "amount")
    else:
        rows = MODELS[table].objects.filter(pk__in=imported).values_list("pk")
    return {row[0]: row[1:] for row in rows.order_by().iterator(chunk_size=CHUNK)}


def _database_figures(table: str, legacy_ids: list[str]) -> tuple[int, dict[str, dict[str, Decimal]]]:
    """(objects found, {figure: {currency: sum}}) for the objects `legacy_ids` were imported as."""
    mapping = dict(
        LegacyRecord.objects.filter(table=table).values_list("legacy_id", "object_id").iterator(chunk_size=CHUNK)
    )
    objects = _imported_objects(table)
    found = [objects[mapping[legacy_id]] for legacy_id in legacy_ids if mapping.get(legacy_id) in objects]
    sums: dict[str, defaultdict[str, Decimal]] = defaultdict(_sums)
    for values in found:
        if table == T.BIDS:
            sums["rates"][values[0]] += values[1] or Decimal(0)
        elif table == T.BOOKINGS:
            sums["total"][values[0]] += values[1]
            sums["paid"][values[0]] += values[2]
        elif table == T.PAYMENTS:
            sums["amount"][values[0]] += values[1]
    return len(found), sums


def _source_figures(table: str, rows: list[SourceRow], plan: Plan) -> dict[str, dict[str, Decimal]]:
    sums: dict[str, defaultdict[str, Decimal]] = defaultdict(_sums)
    if table == T.BIDS:
        for bid in rows:
            for rate in bid.rates:
                sums["rates"][bid.currency] += rate.nightly_rate
    elif table == T.BOOKINGS:
        paid = _sums()
        for payment in plan.rows[T.PAYMENTS]:
            if payment.state in (RowState.NEW, RowState.DONE) and payment.status == PaymentStatus.CONFIRMED:
                paid[payment.booking_id] += payment.amount
        for booking in rows:
            sums["total"][booking.currency] += booking.total
            sums["paid"][booking.currency] += paid[booking.legacy_id]
    elif table == T.PAYMENTS:
        for payment in rows:
            sums["amount"][payment.currency] += payment.amount
    return sums


def amount_label(key: str) -> str:
    labels = {"rates": _("nightly rates"), "total": _("totals"), "paid": _("paid"), "amount": _("amounts")}
    return labels[key]


def verification_run(*, plan: Plan) -> list[TableCheck]:
    """One check per table with rows in the source."""
    tables = [table for table in T.values if plan.rows[table]]
    valid = {table: [row for row in plan.rows[table] if row.state in (RowState.NEW, RowState.DONE)] for table in tables}
    figures: dict[str, tuple[int, dict[str, dict[str, Decimal]]]] = {}

    def run(table: str) -> None:
        figures[table] = _database_figures(table, [row.legacy_id for row in valid[table]])

    # The tables' reads are independent: on PostgreSQL two connections read them at once.
    batches_run(tables, run=run, workers=workers_usable(None))
    checks = []
    for table in tables:
        found, database = figures[table]
        source = _source_figures(table, valid[table], plan)
        check = TableCheck(table=table, source_rows=len(valid[table]), database_rows=found)
        for key in ("rates", "total", "paid", "amount"):
            for currency in sorted(set(source.get(key, {})) | set(database.get(key, {}))):
                check.amounts.append(
                    AmountCheck(
                        figure=key,
                        currency=currency,
                        source=source.get(key, {}).get(currency, Decimal(0)).quantize(CENT),
                        database=database.get(key, {}).get(currency, Decimal(0)).quantize(CENT),
                    )
                )
        checks.append(check)
    return checks
