"""Reading the cells of one source row into typed values, collecting every problem of the row.

Each reader returns the value, or None when the cell is empty and not
required, or when it is wrong; a wrong or missing required cell adds one
problem naming the column, so an operator fixes a row in one go. The
formats are the ones `docs/LEGACY_IMPORT.md` documents:

    text      trimmed, at most the model field's length
    integer   digits, optionally signed: 12, -3
    decimal   digits with an optional point and no thousands separator: 1234.50
    date      ISO 8601: 2026-03-31
    moment    ISO 8601 with its UTC offset: 2026-03-31T18:00:00+02:00 (or Z)
    boolean   true/false, yes/no, 1/0 (any case)
"""

import datetime
import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

DECIMAL_PATTERN = re.compile(r"^-?\d+(\.\d+)?$")
# Only YYYY-MM-DD: fromisoformat would also read 20260331 and week dates such as 2026-W14-2.
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER_PATTERN = re.compile(r"^-?\d+$")
TRUE = frozenset({"true", "yes", "1"})
FALSE = frozenset({"false", "no", "0"})
SHOWN_LENGTH = 40  # a wrong value is quoted in the report up to this many characters


def shown(value: str) -> str:
    """A cell as the report quotes it: cut, so one bad cell never floods the report."""
    return value if len(value) <= SHOWN_LENGTH else value[: SHOWN_LENGTH - 1] + "…"


def decimal_read(value: str, *, places: int) -> Decimal | None:
    """`value` as a Decimal with at most `places` decimals, or None when it is not one."""
    if not DECIMAL_PATTERN.match(value):
        return None
    try:
        number = Decimal(value)
        rounded = number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # more digits than a Decimal holds: no amount of ours
        return None
    # 12.500 is 12.50; 12.505 is not an amount with two decimals, and is never rounded silently.
    return rounded if rounded == number else None


def date_read(value: str) -> datetime.date | None:
    """`value` as a date when it is one in the form YYYY-MM-DD, else None."""
    if not DATE_PATTERN.match(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:  # 2027-02-30
        return None


class Cells:
    """One source row's cells by column name; the readers note each problem in `problems`."""

    __slots__ = ("problems", "values")

    def __init__(self, values: dict[str, str]):
        self.values = values
        self.problems: list[str] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(f"{column}: {message}")

    def raw(self, column: str) -> str:
        return self.values.get(column, "")

    def _present(self, column: str, required: bool) -> str | None:
        value = self.values.get(column, "")
        if value:
            return value
        if required:
            self.problem(column, _("required"))
        return None

    def text(self, column: str, *, max_length: int, required: bool = False) -> str:
        value = self._present(column, required)
        if value is None:
            return ""
        if len(value) > max_length:
            self.problem(
                column,
                _('"%(value)s" is longer than %(max)d characters') % {"value": shown(value), "max": max_length},
            )
        return value

    def integer(
        self, column: str, *, required: bool = False, default: int | None = None, minimum: int = 0, maximum: int
    ) -> int | None:
        value = self._present(column, required)
        if value is None:
            return default
        if not INTEGER_PATTERN.match(value):
            self.problem(column, _('"%(value)s" is not a whole number') % {"value": shown(value)})
            return None
        number = int(value)
        if not minimum <= number <= maximum:
            self.problem(
                column,
                _("%(value)s is not between %(min)d and %(max)d") % {"value": number, "min": minimum, "max": maximum},
            )
            return None
        return number

    def decimal(
        self,
        column: str,
        *,
        required: bool = False,
        default: Decimal | None = None,
        places: int = 2,
        minimum: Decimal = Decimal(0),
        maximum: Decimal,
        above_minimum: bool = False,
    ) -> Decimal | None:
        value = self._present(column, required)
        if value is None:
            return default
        number = decimal_read(value, places=places)
        if number is None:
            self.problem(
                column,
                _('"%(value)s" is not an amount with at most %(places)d decimals, such as 1234.50')
                % {"value": shown(value), "places": places},
            )
            return None
        if number < minimum or (above_minimum and number == minimum) or number > maximum:
            message = (
                _("%(value)s is not above %(min)s and at most %(max)s")
                if above_minimum
                else _("%(value)s is not between %(min)s and %(max)s")
            )
            self.problem(column, message % {"value": value, "min": minimum, "max": maximum})
            return None
        return number

    def date(self, column: str, *, required: bool = False) -> datetime.date | None:
        value = self._present(column, required)
        if value is None:
            return None
        day = date_read(value)
        if day is not None:
            return day
        self.problem(column, _('"%(value)s" is not a date such as 2026-03-31') % {"value": shown(value)})
        return None

    def moment(self, column: str, *, required: bool = False) -> datetime.datetime | None:
        value = self._present(column, required)
        if value is None:
            return None
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.utcoffset() is None:
            self.problem(
                column,
                _('"%(value)s" is not a moment with its UTC offset, such as 2026-03-31T18:00:00+02:00')
                % {"value": shown(value)},
            )
            return None
        return moment

    def choice(self, column: str, *, choices: Collection[str], required: bool = False, default: str = "") -> str:
        value = self._present(column, required)
        if value is None:
            return default
        if value not in choices:
            self.problem(
                column,
                _('"%(value)s" is not one of %(choices)s') % {"value": shown(value), "choices": ", ".join(choices)},
            )
            return default
        return value

    def email(self, column: str, *, required: bool = False) -> str:
        value = self.text(column, max_length=254, required=required)
        if value:
            try:
                validate_email(value)
            except ValidationError:
                self.problem(column, _('"%(value)s" is not an email address') % {"value": shown(value)})
                return ""
        return value.lower()

    def boolean(self, column: str, *, default: bool) -> bool:
        value = self._present(column, False)
        if value is None:
            return default
        if value.lower() in TRUE:
            return True
        if value.lower() in FALSE:
            return False
        self.problem(column, _('"%(value)s" is not true or false') % {"value": shown(value)})
        return default
