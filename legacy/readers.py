"""Reading one source row into its dataclass, with the rules that need nothing but the row itself.

Each `*_row` function reads one row's cells and applies the rules of the row
(a departure after the arrival, a schedule that adds up to the total); every
problem of the row is noted, and `row_read` hands the row back rejected,
naming them all. The rules across rows are `legacy.plan`'s.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import Language
from bookings.models import BookingStatus
from legacy.cells import INTEGER_PATTERN, Cells, date_read, decimal_read, shown
from legacy.columns import (
    BID_STATUSES,
    BOOKING_STATUSES,
    CENT,
    CLIENT_KINDS,
    COUNTRIES,
    CURRENCIES,
    INSTALLMENT_KINDS,
    ITEM_SEPARATOR,
    LANGUAGES,
    LEGACY_ID_MAX,
    MAX_INSTALLMENTS,
    MAX_PAX,
    MAX_REVISION,
    MAX_ROOMS,
    MEAL_PLANS,
    MONEY_MAX,
    PART_SEPARATOR,
    PAYMENT_STATUSES,
    PROVIDER_NAMES,
    QUOTATION_STATUSES,
    RATE_ITEM,
    RATE_PLACES,
    ROOM_TYPES,
    TEXT_MAX,
)
from legacy.models import LegacyTable
from legacy.rows import (
    BidRow,
    BookingRow,
    ClientRow,
    Horizons,
    HotelRow,
    InstallmentCell,
    PaymentRow,
    QuotationRow,
    RateCell,
    SourceRow,
    StayCell,
    fingerprint,
)
from payments.models import PaymentStatus
from quotations.limits import MAX_STAY_NIGHTS, MAX_STAYS
from quotations.models import BidStatus, ClientKind, MealPlan, QuotationStatus, RoomType
from quotations.rooms import ROOM_OCCUPANCY
from quotations.services import MAX_NIGHTLY_RATE
from spirittours.geo import Currency


def _items(cell: str) -> list[list[str]]:
    return [[part.strip() for part in item.split(PART_SEPARATOR)] for item in cell.split(ITEM_SEPARATOR)]


def _legacy_id(cells: Cells, column: str = "legacy_id", *, required: bool = True) -> str:
    return cells.text(column, max_length=LEGACY_ID_MAX, required=required)


def client_row(row: ClientRow, cells: Cells, horizons: Horizons) -> None:
    row.name = cells.text("name", max_length=200, required=True)
    row.kind = cells.choice("kind", choices=CLIENT_KINDS, default=ClientKind.COMPANY)
    row.country = cells.choice("country", choices=COUNTRIES, required=True)
    row.language = cells.choice("language", choices=LANGUAGES, default=Language.SPANISH)
    row.email = cells.email("email", required=True)
    row.phone = cells.text("phone", max_length=32)
    row.tax_id = cells.text("tax_id", max_length=32)
    row.notes = cells.text("notes", max_length=TEXT_MAX)


def hotel_row(row: HotelRow, cells: Cells, horizons: Horizons) -> None:
    row.name = cells.text("name", max_length=200, required=True)
    row.city = " ".join(cells.text("city", max_length=100, required=True).split())
    row.country = cells.choice("country", choices=COUNTRIES, required=True)
    row.stars = cells.integer("stars", required=True, minimum=1, maximum=5) or 0
    row.email = cells.email("email", required=True)
    row.phone = cells.text("phone", max_length=32)
    row.currency = cells.choice("currency", choices=CURRENCIES, default=Currency.EUR)
    row.is_active = cells.boolean("is_active", default=True)


def _stays(cells: Cells, meal_plan: str) -> list[StayCell]:
    cell = cells.raw("stays")
    if not cell:
        cells.problem("stays", _("required"))
        return []
    stays = []
    for parts in _items(cell):
        city = " ".join(parts[0].split()) if parts else ""
        nights = parts[1] if len(parts) > 1 else ""
        plan = parts[2] if len(parts) > 2 else ""
        if (
            len(parts) not in (2, 3)
            or not city
            or len(city) > 100
            or not INTEGER_PATTERN.match(nights)
            or not 1 <= int(nights) <= MAX_STAY_NIGHTS
            or plan not in ("", *MEAL_PLANS)
        ):
            cells.problem(
                "stays",
                _(
                    '"%(item)s" is not city:nights or city:nights:meal plan, with 1 to %(max)d nights '
                    "and a meal plan of %(plans)s"
                )
                % {
                    "item": shown(PART_SEPARATOR.join(parts)),
                    "max": MAX_STAY_NIGHTS,
                    "plans": ", ".join(MEAL_PLANS),
                },
            )
            return []
        stays.append(StayCell(city=city, nights=int(nights), meal_plan="" if plan == meal_plan else plan))
    if len(stays) > MAX_STAYS:
        cells.problem("stays", _("an itinerary can have at most %(max)d stays") % {"max": MAX_STAYS})
        return []
    return stays


def quotation_row(row: QuotationRow, cells: Cells, horizons: Horizons) -> None:
    row.reference = cells.text("reference", max_length=20, required=True)
    row.client_id = _legacy_id(cells, "client_id")
    row.owner_email = cells.email("owner_email")
    row.group_name = cells.text("group_name", max_length=200, required=True)
    row.arrival = cells.date("arrival", required=True)
    row.departure = cells.date("departure", required=True)
    row.pax = cells.integer("pax", required=True, minimum=1, maximum=MAX_PAX) or 0
    row.rooms = {
        room: cells.integer(column, default=0, maximum=MAX_ROOMS) or 0
        for room, column in (
            (RoomType.SINGLE, "singles"),
            (RoomType.DOUBLE, "doubles"),
            (RoomType.TWIN, "twins"),
            (RoomType.TRIPLE, "triples"),
        )
    }
    row.meal_plan = cells.choice("meal_plan", choices=MEAL_PLANS, default=MealPlan.BED_AND_BREAKFAST)
    row.currency = cells.choice("currency", choices=CURRENCIES, default=Currency.EUR)
    row.margin_percent = cells.decimal("margin_percent", default=Decimal("15.00"), maximum=Decimal(100)) or Decimal(0)
    row.free_place_every = cells.integer("free_place_every", default=0, maximum=100) or 0
    row.bid_deadline = cells.moment("bid_deadline")
    row.valid_until = cells.date("valid_until")
    row.status = cells.choice("status", choices=QUOTATION_STATUSES, required=True)
    row.stays = _stays(cells, row.meal_plan)
    row.notes = cells.text("notes", max_length=TEXT_MAX)
    _quotation_rules(row, cells, horizons)


def _quotation_rules(row: QuotationRow, cells: Cells, horizons: Horizons) -> None:
    if row.arrival and row.departure:
        if row.departure <= row.arrival:
            cells.problem("departure", _("must be after the arrival"))
        elif row.stays and sum(stay.nights for stay in row.stays) != (row.departure - row.arrival).days:
            cells.problem(
                "stays",
                _("the stays add up to %(stays)d nights but the trip has %(nights)d")
                % {"stays": sum(stay.nights for stay in row.stays), "nights": (row.departure - row.arrival).days},
            )
        if row.departure > horizons.travel:
            cells.problem("departure", _("lies more than three years ahead"))
    beds = sum(ROOM_OCCUPANCY[room] * count for room, count in row.rooms.items())
    if not any(row.rooms.values()):
        cells.problem("singles", _("the group needs at least one room (singles, doubles, twins or triples)"))
    elif row.pax and beds < row.pax:
        cells.problem(
            "pax", _("the rooms sleep %(beds)d people but the group has %(pax)d") % {"beds": beds, "pax": row.pax}
        )
    if row.bid_deadline and row.bid_deadline > horizons.deadline:
        cells.problem("bid_deadline", _("lies more than two years ahead"))
    if row.status == QuotationStatus.BIDDING and row.bid_deadline is None and not cells.raw("bid_deadline"):
        cells.problem("bid_deadline", _("required for a quotation in bidding"))
    if row.valid_until and row.valid_until > horizons.validity:
        cells.problem("valid_until", _("lies more than two years ahead"))


def _rates(cells: Cells) -> list[RateCell]:
    cell = cells.raw("rates")
    if not cell:
        cells.problem("rates", _("required"))
        return []
    rates, seen = [], set()
    for item in cell.split(ITEM_SEPARATOR):
        match = RATE_ITEM.fullmatch(item)
        rate = Decimal(match[3]) if match else None
        if rate is not None and rate.as_tuple().exponent < -2 and rate != rate.quantize(CENT):
            rate = None
        if (
            rate is None
            or not Decimal(0) < rate <= MAX_NIGHTLY_RATE
            or int(match[1]) < 1
            or not 1 <= int(match[4]) <= MAX_ROOMS
        ):
            cells.problem(
                "rates",
                _(
                    '"%(item)s" is not stay:room type:nightly rate:rooms, with a room type of %(types)s, '
                    "a rate above 0 and at most %(max)s with 2 decimals, and at least one room"
                )
                % {"item": shown(item.strip()), "types": ", ".join(ROOM_TYPES), "max": MAX_NIGHTLY_RATE},
            )
            return []
        key = (int(match[1]), match[2])
        if key in seen:
            cells.problem(
                "rates",
                _("room type %(type)s of stay %(stay)d is priced twice") % {"type": key[1], "stay": key[0]},
            )
            return []
        seen.add(key)
        rates.append(RateCell(position=key[0], room_type=key[1], nightly_rate=rate, rooms_available=int(match[4])))
    return rates


def bid_row(row: BidRow, cells: Cells, horizons: Horizons) -> None:
    row.quotation_id = _legacy_id(cells, "quotation_id")
    row.hotel_id = _legacy_id(cells, "hotel_id")
    row.revision = cells.integer("revision", default=1, minimum=1, maximum=MAX_REVISION) or 1
    row.status = cells.choice("status", choices=BID_STATUSES, default=BidStatus.ACTIVE)
    row.currency = cells.choice("currency", choices=CURRENCIES, required=True)
    row.valid_until = cells.date("valid_until", required=True)
    row.rates = _rates(cells)
    row.conditions = cells.text("conditions", max_length=TEXT_MAX)
    row.notes = cells.text("notes", max_length=TEXT_MAX)
    if row.valid_until and row.valid_until > horizons.validity:
        cells.problem("valid_until", _("lies more than two years ahead"))


def _prices(cells: Cells) -> dict[str, Decimal]:
    cell = cells.raw("prices")
    if not cell:
        cells.problem("prices", _("required"))
        return {}
    prices = {}
    for parts in _items(cell):
        amount = decimal_read(parts[1], places=2) if len(parts) == 2 else None
        if len(parts) != 2 or parts[0] not in ROOM_TYPES or amount is None or not 0 <= amount <= MONEY_MAX:
            cells.problem(
                "prices",
                _('"%(item)s" is not room type:price per person, with a room type of %(types)s and 2 decimals')
                % {"item": shown(PART_SEPARATOR.join(parts)), "types": ", ".join(ROOM_TYPES)},
            )
            return {}
        if parts[0] in prices:
            cells.problem("prices", _("room type %(type)s is priced twice") % {"type": parts[0]})
            return {}
        prices[parts[0]] = amount
    return prices


def _exchange_rates(cells: Cells, currency: str) -> dict[str, Decimal]:
    cell = cells.raw("exchange_rates")
    if not cell:
        return {}
    rates = {}
    for parts in _items(cell):
        rate = decimal_read(parts[1], places=RATE_PLACES) if len(parts) == 2 else None
        if len(parts) != 2 or parts[0] not in CURRENCIES or parts[0] == currency or not rate or rate <= 0:
            cells.problem(
                "exchange_rates",
                _(
                    '"%(item)s" is not currency:rate, with a currency other than the booking\'s and a rate '
                    "above 0 with at most %(places)d decimals"
                )
                % {"item": shown(PART_SEPARATOR.join(parts)), "places": RATE_PLACES},
            )
            return {}
        rates[parts[0]] = rate
    return rates


def _schedule(cells: Cells) -> list[InstallmentCell]:
    cell = cells.raw("schedule")
    if not cell:
        cells.problem("schedule", _("required"))
        return []
    schedule = []
    for parts in _items(cell):
        due = date_read(parts[1]) if len(parts) == 3 else None
        amount = decimal_read(parts[2], places=2) if len(parts) == 3 else None
        if (
            len(parts) != 3
            or parts[0] not in INSTALLMENT_KINDS
            or due is None
            or amount is None
            or not 0 <= amount <= MONEY_MAX
        ):
            cells.problem(
                "schedule",
                _('"%(item)s" is not kind:due date:amount, with a kind of %(kinds)s and an amount with 2 decimals')
                % {"item": shown(PART_SEPARATOR.join(parts)), "kinds": ", ".join(INSTALLMENT_KINDS)},
            )
            return []
        schedule.append(InstallmentCell(kind=parts[0], due=due, amount=amount))
    if len(schedule) > MAX_INSTALLMENTS:
        cells.problem("schedule", _("a schedule can have at most %(max)d installments") % {"max": MAX_INSTALLMENTS})
        return []
    return schedule


def booking_row(row: BookingRow, cells: Cells, horizons: Horizons) -> None:
    row.quotation_id = _legacy_id(cells, "quotation_id")
    row.reference = cells.text("reference", max_length=20, required=True)
    row.status = cells.choice("status", choices=BOOKING_STATUSES, required=True)
    row.currency = cells.choice("currency", choices=CURRENCIES, required=True)
    row.total = cells.decimal("total", required=True, maximum=MONEY_MAX) or Decimal(0)
    row.prices = _prices(cells)
    row.chosen_bids = [item.strip() for item in cells.raw("chosen_bids").split(ITEM_SEPARATOR) if item.strip()]
    if not row.chosen_bids:
        cells.problem("chosen_bids", _("required"))
    row.exchange_rates = _exchange_rates(cells, row.currency)
    row.schedule = _schedule(cells)
    row.cancelled_at = cells.moment("cancelled_at")
    row.cancel_reason = cells.text("cancel_reason", max_length=TEXT_MAX)
    row.retained_amount = cells.decimal("retained_amount", maximum=MONEY_MAX)
    if row.schedule and cells.raw("total") and sum(item.amount for item in row.schedule) != row.total:
        cells.problem(
            "schedule",
            _("the installments add up to %(sum)s but the total is %(total)s")
            % {"sum": sum(item.amount for item in row.schedule), "total": row.total},
        )
    cancelled = row.status == BookingStatus.CANCELLED
    if cancelled and not cells.raw("cancelled_at"):
        cells.problem("cancelled_at", _("required for a cancelled booking"))
    if not cancelled and (cells.raw("cancelled_at") or cells.raw("retained_amount")):
        cells.problem("status", _("only a cancelled booking has cancelled_at or retained_amount"))
    if row.retained_amount is not None and row.retained_amount > row.total:
        cells.problem("retained_amount", _("is more than the total"))
    if row.cancelled_at and row.cancelled_at > horizons.now:
        cells.problem("cancelled_at", _("lies in the future"))


def payment_row(row: PaymentRow, cells: Cells, horizons: Horizons) -> None:
    row.booking_id = _legacy_id(cells, "booking_id")
    row.installment = cells.integer("installment", required=True, minimum=1, maximum=MAX_INSTALLMENTS) or 0
    row.amount = cells.decimal("amount", required=True, maximum=MONEY_MAX, above_minimum=True) or Decimal(0)
    row.currency = cells.choice("currency", choices=CURRENCIES, required=True)
    row.status = cells.choice("status", choices=PAYMENT_STATUSES, required=True)
    row.provider = cells.choice("provider", choices=PROVIDER_NAMES, required=True)
    row.provider_reference = cells.text("provider_reference", max_length=120)
    row.received_on = cells.date("received_on")
    row.confirmed_at = cells.moment("confirmed_at")
    row.receipt_number = cells.text("receipt_number", max_length=20)
    confirmed = row.status == PaymentStatus.CONFIRMED
    if confirmed and not cells.raw("confirmed_at"):
        cells.problem("confirmed_at", _("required for a confirmed payment"))
    if not confirmed and (cells.raw("confirmed_at") or cells.raw("receipt_number")):
        cells.problem("status", _("only a confirmed payment has confirmed_at or receipt_number"))
    if row.received_on and row.received_on > horizons.today:
        cells.problem("received_on", _("lies in the future"))
    if row.confirmed_at and row.confirmed_at > horizons.now:
        cells.problem("confirmed_at", _("lies in the future"))


ROW_TYPES = {
    LegacyTable.CLIENTS: (ClientRow, client_row),
    LegacyTable.HOTELS: (HotelRow, hotel_row),
    LegacyTable.QUOTATIONS: (QuotationRow, quotation_row),
    LegacyTable.BIDS: (BidRow, bid_row),
    LegacyTable.BOOKINGS: (BookingRow, booking_row),
    LegacyTable.PAYMENTS: (PaymentRow, payment_row),
}


def row_read(table: str, line: int, values: dict[str, str], horizons: Horizons) -> SourceRow:
    """One source row read and checked on its own; a row with problems comes back rejected, naming them all."""
    row_type, reader = ROW_TYPES[table]
    cells = Cells(values)
    row = row_type(table=table, line=line, legacy_id=_legacy_id(cells), fingerprint=fingerprint(table, values))
    reader(row, cells, horizons)
    if cells.problems:
        row.reject("; ".join(cells.problems))
    return row
