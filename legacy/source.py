"""Reading the export files: one CSV per table, UTF-8 (with or without a byte order mark), a header row.

A missing file is an empty table (an export of clients and hotels alone is
fine); a file without one of its required columns stops the import before
anything is read, since every row of it would be refused. Columns the
documentation does not list are ignored and named in the warnings.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from legacy.columns import COLUMNS, REQUIRED_COLUMNS
from legacy.errors import LegacyError
from legacy.models import LegacyTable
from legacy.readers import row_read
from legacy.rows import Horizons, SourceRow


@dataclass
class SourceFile:
    table: str
    path: Path
    present: bool
    ignored_columns: list[str] = field(default_factory=list)


def source_files(*, directory: Path) -> list[SourceFile]:
    """Every table's file, checked for its header; raises LegacyError naming each file's missing columns."""
    if not directory.is_dir():
        raise LegacyError(_("%(directory)s is not a directory.") % {"directory": directory})
    files, problems = [], []
    for table in LegacyTable.values:
        path = directory / f"{table}.csv"
        if not path.is_file():
            files.append(SourceFile(table=table, path=path, present=False))
            continue
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                header = [name.strip() for name in next(csv.reader(handle), [])]
        except (UnicodeDecodeError, csv.Error) as error:
            problems.append(source_unreadable(path, error))
            continue
        missing = [name for name in REQUIRED_COLUMNS[table] if name not in header]
        if missing:
            problems.append(
                _("%(file)s lacks the columns %(columns)s.") % {"file": path.name, "columns": ", ".join(missing)}
            )
        files.append(
            SourceFile(
                table=table,
                path=path,
                present=True,
                ignored_columns=[name for name in header if name and name not in COLUMNS[table]],
            )
        )
    if not any(file.present for file in files):
        problems.append(
            _("%(directory)s holds none of the files %(files)s.")
            % {"directory": directory, "files": ", ".join(f"{table}.csv" for table in LegacyTable.values)}
        )
    if problems:
        raise LegacyError(" ".join(problems))
    return files


def source_unreadable(path: Path, error: Exception) -> str:
    return _("%(file)s cannot be read as UTF-8 CSV: %(error)s") % {"file": path.name, "error": error}


def source_rows(file: SourceFile, *, horizons: Horizons) -> Iterator[SourceRow]:
    """The file's rows, read and checked one by one, each with the line it starts on (the header is line 1)."""
    if not file.present:
        return
    with file.path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        # An ignored column is named None, and its cells dropped from each row.
        names = [name if name in COLUMNS[file.table] else None for name in (cell.strip() for cell in next(reader, []))]
        ignored = None in names
        line = reader.line_num + 1
        for cells in reader:
            if "".join(cells).strip():
                values = dict(zip(names, map(str.strip, cells), strict=False))  # a short row lacks its last cells
                if ignored:
                    values.pop(None, None)
                yield row_read(file.table, line, values, horizons)
            line = reader.line_num + 1
