"""The rejected rows, as a CSV an operator can sort and filter: file, line, legacy id, reason.

Written after every run, a dry run included, even when nothing was rejected
(the header alone then says so). Rows come in import order: by file, then line.
"""

import csv
import datetime
from pathlib import Path

from django.utils import timezone

from legacy.rows import SourceRow

REPORT_COLUMNS = ("file", "line", "legacy_id", "reason")


def report_path_default(*, directory: Path, now: datetime.datetime | None = None) -> Path:
    moment = timezone.localtime(now or timezone.now())
    return directory / f"import-report-{moment:%Y%m%d-%H%M%S}.csv"


def report_write(*, path: Path, rejected: list[SourceRow]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        for row in rejected:
            writer.writerow((f"{row.table}.csv", row.line, row.legacy_id, row.reason))
    return path
