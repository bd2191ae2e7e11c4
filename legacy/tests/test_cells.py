"""Reading one cell: the formats docs/LEGACY_IMPORT.md promises, and the problem named for each wrong one."""

import datetime
from decimal import Decimal

import pytest

from legacy.cells import Cells


def _read(method: str, value: str, **options):
    cells = Cells({"column": value})
    return getattr(cells, method)("column", **options), cells.problems


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.50", Decimal("1234.50")),
        ("1234.5", Decimal("1234.50")),
        ("1234", Decimal("1234.00")),
        ("12.500", Decimal("12.50")),  # the same amount: no cent lost
        ("0", Decimal("0.00")),
    ],
)
def test_an_amount_reads_as_a_decimal_with_two_places(value, expected):
    amount, problems = _read("decimal", value, maximum=Decimal(10_000))

    assert (amount, str(amount), problems) == (expected, str(expected), [])


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("12.505", 'column: "12.505" is not an amount with at most 2 decimals, such as 1234.50'),
        ("1.234,50", 'column: "1.234,50" is not an amount with at most 2 decimals, such as 1234.50'),
        ("1,234.50", 'column: "1,234.50" is not an amount with at most 2 decimals, such as 1234.50'),
        ("12 EUR", 'column: "12 EUR" is not an amount with at most 2 decimals, such as 1234.50'),
        ("NaN", 'column: "NaN" is not an amount with at most 2 decimals, such as 1234.50'),
        ("1e3", 'column: "1e3" is not an amount with at most 2 decimals, such as 1234.50'),
        (
            "-5.00",
            'column: "-5.00" is not an amount with at most 2 decimals, such as 1234.50'.replace(
                '"-5.00" is not an amount with at most 2 decimals, such as 1234.50', "-5.00 is not between 0 and 10000"
            ),
        ),
        ("10000.01", "column: 10000.01 is not between 0 and 10000"),
    ],
)
def test_a_wrong_amount_is_named_and_never_rounded(value, problem):
    assert _read("decimal", value, maximum=Decimal(10_000)) == (None, [problem])


def test_an_amount_above_its_minimum_refuses_the_minimum():
    assert _read("decimal", "0.00", maximum=Decimal(10), above_minimum=True) == (
        None,
        ["column: 0.00 is not above 0 and at most 10"],
    )


def test_an_empty_cell_is_its_default_or_a_required_problem():
    assert _read("decimal", "", maximum=Decimal(10), default=Decimal("15.00")) == (Decimal("15.00"), [])
    assert _read("text", "", max_length=5, required=True) == ("", ["column: required"])
    assert _read("integer", "", maximum=5, default=0) == (0, [])


def test_dates_are_iso_and_nothing_else():
    assert _read("date", "2027-04-20") == (datetime.date(2027, 4, 20), [])
    for value in ("20/04/2027", "20270420", "2027-W16-2", "2027-02-30"):
        assert _read("date", value) == (None, [f'column: "{value}" is not a date such as 2026-03-31'])


def test_a_moment_needs_its_utc_offset():
    assert _read("moment", "2026-03-02T10:00:00+01:00") == (
        datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
        [],
    )
    assert _read("moment", "2026-03-02T09:00:00Z")[0] == datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    assert _read("moment", "2026-03-02T10:00:00") == (
        None,
        ['column: "2026-03-02T10:00:00" is not a moment with its UTC offset, such as 2026-03-31T18:00:00+02:00'],
    )


def test_integers_booleans_choices_emails_and_lengths():
    assert _read("integer", "7", maximum=5) == (None, ["column: 7 is not between 0 and 5"])
    assert _read("integer", "4.0", maximum=5) == (None, ['column: "4.0" is not a whole number'])
    assert _read("boolean", "Yes", default=False) == (True, [])
    assert _read("boolean", "0", default=True) == (False, [])
    assert _read("boolean", "maybe", default=True) == (True, ['column: "maybe" is not true or false'])
    assert _read("choice", "eur", choices=("EUR", "USD")) == ("", ['column: "eur" is not one of EUR, USD'])
    assert _read("email", "Ana.Torres@Correo.example") == ("ana.torres@correo.example", [])
    assert _read("text", "abcdef", max_length=5) == ("abcdef", ['column: "abcdef" is longer than 5 characters'])


def test_a_long_wrong_value_is_quoted_cut():
    value = "x" * 100

    assert _read("integer", value, maximum=5)[1] == [f'column: "{"x" * 39}…" is not a whole number']
