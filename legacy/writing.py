"""What the writers share: the ids known so far, one quotation's new ids, and the records of the source rows."""

import datetime
from dataclasses import dataclass

from legacy.inserts import IdReservation, rows_insert
from legacy.models import LegacyRecord
from legacy.plan import Bundle, HotelFacts
from legacy.rows import SourceRow
from legacy.rules import city_key_cached

# The audit action of every imported quotation and booking (its data: the legacy id and the source line).
IMPORTED_ACTION = "legacy.imported"


@dataclass
class WriteContext:
    """What every batch needs: the ids of clients and hotels, the staff by email, the cities' spellings."""

    now: datetime.datetime
    client_ids: dict[str, int]
    hotel_ids: dict[str, int]
    hotels: dict[str, HotelFacts]
    owners: dict[str, int]
    cities: dict[str, str]  # city key → the hotels' spelling
    reservation: IdReservation | None = None  # the ids of the quotations' rows, drawn ahead

    def city(self, name: str) -> str:
        return self.cities.get(city_key_cached(name), name)


def records(rows: list[SourceRow], object_ids: list[int], now: datetime.datetime) -> list[tuple]:
    """The `LegacyRecord` values of source rows and the ids they became, for `records_write`."""
    return [(row.table, row.legacy_id, pk, row.fingerprint, now) for row, pk in zip(rows, object_ids, strict=True)]


def records_write(values: list[tuple], now: datetime.datetime) -> None:
    """Write the records of a batch's rows, whatever their table, in one statement."""
    rows_insert(
        LegacyRecord, ("table", "legacy_id", "object_id", "fingerprint", "imported_at"), values, now=now, ids=False
    )


class Written:
    """One quotation's new ids, table by table, as they are known."""

    __slots__ = ("bids", "booking", "bundle", "invitations", "owner", "quotation", "stays")

    def __init__(self, bundle: Bundle, owner: int):
        self.bundle = bundle
        self.owner = owner
        self.quotation = 0
        self.stays: list[int] = []
        self.invitations: dict[str, int] = {}  # by legacy hotel id
        self.bids: dict[str, int] = {}  # by legacy bid id
        self.booking = 0


def log_data(row: SourceRow) -> dict:
    """The audit entry's data: where the row came from, in no language (the log outlives the import's)."""
    return {"legacy_id": row.legacy_id, "file": f"{row.table}.csv", "line": row.line}
