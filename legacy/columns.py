"""The old system's export files: their columns, and the values and limits their cells may hold.

`COLUMNS` lists every file's columns in the documented order (docs/LEGACY_IMPORT.md);
a row's fingerprint is made from these cells only, in this order, so a
re-export with its columns in another order is the same row.

Packed cells hold a list in one cell: items separated by `|`, the parts of
an item by `:` (`Sevilla:3|Granada:2:HB`).
"""

import itertools
import re
from decimal import Decimal

from accounts.models import Language
from bookings.models import BookingStatus, InstallmentKind
from legacy.models import LegacyTable
from payments.models import PaymentStatus
from payments.providers import PROVIDERS
from quotations.models import BidStatus, ClientKind, MealPlan, QuotationStatus, RoomType
from spirittours.geo import Country, Currency

# The allowed values of each enumerated column, in the order the report lists them.
CLIENT_KINDS = tuple(ClientKind.values)
COUNTRIES = tuple(Country.values)
CURRENCIES = tuple(Currency.values)
LANGUAGES = tuple(Language.values)
MEAL_PLANS = tuple(MealPlan.values)
ROOM_TYPES = tuple(RoomType.values)
QUOTATION_STATUSES = tuple(QuotationStatus.values)
BID_STATUSES = tuple(BidStatus.values)
BOOKING_STATUSES = tuple(BookingStatus.values)
INSTALLMENT_KINDS = tuple(InstallmentKind.values)
PAYMENT_STATUSES = tuple(PaymentStatus.values)
PROVIDER_NAMES = tuple(PROVIDERS)
LEGACY_ID_MAX = 64
CENT = Decimal("0.01")
TEXT_MAX = 100_000  # the text fields without a length of their own (notes, conditions)
MONEY_MAX = Decimal("99999999999999.99")  # 16 digits, 2 decimals: the bookings' and payments' amounts
MAX_PAX = 10_000
MAX_ROOMS = 10_000
MAX_REVISION = 1_000
MAX_INSTALLMENTS = 50
RATE_PLACES = 8  # an exchange rate, as quotations.ExchangeRate keeps it
# One rate of a bid: stay position, room type, nightly rate, rooms (spaces around the parts allowed).
RATE_ITEM = re.compile(
    r"\s*(\d+)\s*:\s*(" + "|".join(map(re.escape, ROOM_TYPES)) + r")\s*:\s*(\d+(?:\.\d+)?)\s*:\s*(\d+)\s*"
)
EMPTY_CELLS = itertools.repeat("")  # the cell of a column the file lacks
ITEM_SEPARATOR = "|"
PART_SEPARATOR = ":"

COLUMNS: dict[str, tuple[str, ...]] = {
    LegacyTable.CLIENTS: ("legacy_id", "name", "kind", "country", "language", "email", "phone", "tax_id", "notes"),
    LegacyTable.HOTELS: ("legacy_id", "name", "city", "country", "stars", "email", "phone", "currency", "is_active"),
    LegacyTable.QUOTATIONS: (
        "legacy_id",
        "reference",
        "client_id",
        "owner_email",
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
        "stays",
        "notes",
    ),
    LegacyTable.BIDS: (
        "legacy_id",
        "quotation_id",
        "hotel_id",
        "revision",
        "status",
        "currency",
        "valid_until",
        "rates",
        "conditions",
        "notes",
    ),
    LegacyTable.BOOKINGS: (
        "legacy_id",
        "quotation_id",
        "reference",
        "status",
        "currency",
        "total",
        "prices",
        "chosen_bids",
        "exchange_rates",
        "schedule",
        "cancelled_at",
        "cancel_reason",
        "retained_amount",
    ),
    LegacyTable.PAYMENTS: (
        "legacy_id",
        "booking_id",
        "installment",
        "amount",
        "currency",
        "status",
        "provider",
        "provider_reference",
        "received_on",
        "confirmed_at",
        "receipt_number",
    ),
}

# The columns a file must have; a missing optional column reads as empty cells.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    LegacyTable.CLIENTS: ("legacy_id", "name", "country", "email"),
    LegacyTable.HOTELS: ("legacy_id", "name", "city", "country", "stars", "email"),
    LegacyTable.QUOTATIONS: (
        "legacy_id",
        "reference",
        "client_id",
        "group_name",
        "arrival",
        "departure",
        "pax",
        "status",
        "stays",
    ),
    LegacyTable.BIDS: ("legacy_id", "quotation_id", "hotel_id", "currency", "valid_until", "rates"),
    LegacyTable.BOOKINGS: (
        "legacy_id",
        "quotation_id",
        "reference",
        "status",
        "currency",
        "total",
        "prices",
        "chosen_bids",
        "schedule",
    ),
    LegacyTable.PAYMENTS: ("legacy_id", "booking_id", "installment", "amount", "currency", "status", "provider"),
}
