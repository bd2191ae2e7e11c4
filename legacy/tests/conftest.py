"""The sample export, its two staff owners, and running the command the way an operator does."""

import csv
import shutil
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import translation

from accounts.factories import StaffFactory

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "legacy-sample"
OWNER = "ventas@spirittours.example"
SAMPLE_OWNER = "lucia.ventas@spirittours.example"  # named by Q-1's owner_email


@dataclass
class Run:
    out: str
    err: str
    report: Path

    @property
    def rejected(self) -> list[tuple[str, int, str, str]]:
        with self.report.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["file", "line", "legacy_id", "reason"]
        return [(file, int(line), legacy_id, reason) for file, line, legacy_id, reason in rows[1:]]


@pytest.fixture(autouse=True)
def _english():
    """The report's reasons and the output in English, as the assertions read them."""
    with translation.override("en"):
        yield


@pytest.fixture
def owners(db):
    return StaffFactory(email=OWNER), StaffFactory(email=SAMPLE_OWNER)


@pytest.fixture
def sample(tmp_path) -> Path:
    """A copy of docs/legacy-sample, so a test may change a file and the default report lands in tmp."""
    directory = tmp_path / "export"
    shutil.copytree(SAMPLE, directory)
    return directory


@pytest.fixture
def run_import(tmp_path):
    counter = iter(range(1, 100))

    def run(directory: Path, *args: str) -> Run:
        report = tmp_path / f"report-{next(counter)}.csv"
        out, err = StringIO(), StringIO()
        with translation.override("en"):  # the assertions read the English output
            call_command(
                "import_legacy", str(directory), "--report", str(report), *args, stdout=out, stderr=err, no_color=True
            )
        return Run(out=out.getvalue(), err=err.getvalue(), report=report)

    return run


def snapshot() -> dict:
    """Every row count, and every row's `updated_at` where the model has one: what a write would change."""
    models = apps.get_models()
    return {
        "counts": {model._meta.label: model.objects.count() for model in models},
        "updated": {
            model._meta.label: set(model.objects.values_list("pk", "updated_at"))
            for model in models
            if any(field.name == "updated_at" for field in model._meta.fields)
        },
    }


def csv_rewrite(path: Path, *, legacy_id: str, **cells: str) -> None:
    """Change cells of the row `legacy_id` in an export file, keeping the rest as it is."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        columns = list(rows[0])
    for row in rows:
        if row["legacy_id"] == legacy_id:
            row.update(cells)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def csv_append(path: Path, **cells: str) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        columns = next(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.DictWriter(handle, fieldnames=columns).writerow(cells)


def outcomes(out: str) -> dict[str, tuple[int, ...]]:
    """The command's first table: {file: (rows, imported, already imported, rejected)}."""
    table = {}
    for line in out.splitlines():
        cells = line.split()
        if len(cells) == 5 and cells[0].endswith(".csv"):
            table[cells[0]] = tuple(int(cell.replace(",", "")) for cell in cells[1:])
    return table
