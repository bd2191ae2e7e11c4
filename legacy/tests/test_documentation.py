"""docs/LEGACY_IMPORT.md documents every column of every file, in the order the import reads them."""

import re
from pathlib import Path

from legacy.columns import COLUMNS, REQUIRED_COLUMNS

DOC = Path(__file__).resolve().parents[2] / "docs" / "LEGACY_IMPORT.md"


def _documented() -> dict[str, list[tuple[str, str]]]:
    """{file: [(column, required cell)]} from each file's table."""
    sections = re.split(r"^### (\w+)\.csv.*$", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    tables = {}
    for name, body in zip(sections[1::2], sections[2::2], strict=True):
        rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|", body, flags=re.MULTILINE)
        tables[name] = [(column, required.strip()) for column, required in rows]
    return tables


def test_every_file_and_column_is_documented_in_order():
    documented = _documented()

    assert list(documented) == list(COLUMNS)
    for table, columns in COLUMNS.items():
        assert [column for column, _required in documented[table]] == list(columns), table


def test_the_columns_a_file_must_have_are_documented_as_required():
    for table, rows in _documented().items():
        for column, required in rows:
            if column in REQUIRED_COLUMNS[table]:
                assert required == "yes", (table, column)
