"""The rows of the old system's exports, as read from their cells, and the state each is in.

A row is read and checked on its own by `legacy.readers`, checked against the
others by `legacy.plan`, and written by `legacy.writer`; its `state` and
`reason` say what became of it.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _

from legacy.columns import COLUMNS, EMPTY_CELLS
from quotations.limits import bid_deadline_latest, travel_date_latest, valid_until_latest


@dataclass(frozen=True)
class Horizons:
    """Now, today and the latest dates a row may name (quotations.limits): taken once per import, not per row."""

    now: datetime.datetime
    today: datetime.date
    travel: datetime.date
    validity: datetime.date
    deadline: datetime.datetime

    @classmethod
    def current(cls) -> "Horizons":
        now = timezone.now()
        today = timezone.localdate(now)
        return cls(
            now=now,
            today=today,
            travel=travel_date_latest(today=today),
            validity=valid_until_latest(today=today),
            deadline=bid_deadline_latest(now=now),
        )


class RowState(StrEnum):
    NEW = "new"  # valid so far, not imported yet
    DONE = "done"  # imported by an earlier run from the same cells
    REJECTED = "rejected"


@dataclass(slots=True, eq=False)
class SourceRow:
    table: str
    line: int
    legacy_id: str
    fingerprint: str
    state: RowState = RowState.NEW
    reason: str = ""

    def reject(self, reason: str) -> None:
        """The first reason stays: it is the row's own fault, or the first parent that failed."""
        if self.state != RowState.REJECTED:
            self.state, self.reason = RowState.REJECTED, reason

    @property
    def where(self) -> str:
        return _("%(file)s line %(line)d") % {"file": f"{self.table}.csv", "line": self.line}


@dataclass(slots=True, eq=False)
class ClientRow(SourceRow):
    name: str = ""
    kind: str = ""
    country: str = ""
    language: str = ""
    email: str = ""
    phone: str = ""
    tax_id: str = ""
    notes: str = ""


@dataclass(slots=True, eq=False)
class HotelRow(SourceRow):
    name: str = ""
    city: str = ""
    country: str = ""
    stars: int = 0
    email: str = ""
    phone: str = ""
    currency: str = ""
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class StayCell:
    city: str
    nights: int
    meal_plan: str  # "" when the quotation's


@dataclass(slots=True, eq=False)
class QuotationRow(SourceRow):
    reference: str = ""
    client_id: str = ""
    owner_email: str = ""
    group_name: str = ""
    arrival: datetime.date | None = None
    departure: datetime.date | None = None
    pax: int = 0
    rooms: dict[str, int] = field(default_factory=dict)
    meal_plan: str = ""
    currency: str = ""
    margin_percent: Decimal = Decimal(0)
    free_place_every: int = 0
    bid_deadline: datetime.datetime | None = None
    valid_until: datetime.date | None = None
    status: str = ""
    stays: list[StayCell] = field(default_factory=list)
    notes: str = ""


@dataclass(frozen=True, slots=True)
class RateCell:
    position: int  # the stay's position in the quotation's `stays`, from 1
    room_type: str
    nightly_rate: Decimal
    rooms_available: int


@dataclass(slots=True, eq=False)
class BidRow(SourceRow):
    quotation_id: str = ""
    hotel_id: str = ""
    revision: int = 1
    status: str = ""
    currency: str = ""
    valid_until: datetime.date | None = None
    rates: list[RateCell] = field(default_factory=list)
    conditions: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class InstallmentCell:
    kind: str
    due: datetime.date
    amount: Decimal


@dataclass(slots=True, eq=False)
class BookingRow(SourceRow):
    quotation_id: str = ""
    reference: str = ""
    status: str = ""
    currency: str = ""
    total: Decimal = Decimal(0)
    prices: dict[str, Decimal] = field(default_factory=dict)
    chosen_bids: list[str] = field(default_factory=list)
    exchange_rates: dict[str, Decimal] = field(default_factory=dict)
    schedule: list[InstallmentCell] = field(default_factory=list)
    cancelled_at: datetime.datetime | None = None
    cancel_reason: str = ""
    retained_amount: Decimal | None = None


@dataclass(slots=True, eq=False)
class PaymentRow(SourceRow):
    booking_id: str = ""
    installment: int = 0
    amount: Decimal = Decimal(0)
    currency: str = ""
    status: str = ""
    provider: str = ""
    provider_reference: str = ""
    received_on: datetime.date | None = None
    confirmed_at: datetime.datetime | None = None
    receipt_number: str = ""


def fingerprint(table: str, values: dict[str, str]) -> str:
    """The same 32 hex digits for the same cells of the documented columns, whatever their order in the file."""
    joined = "\x1f".join(map(values.get, COLUMNS[table], EMPTY_CELLS))
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()
