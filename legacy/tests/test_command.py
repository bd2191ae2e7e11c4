"""`manage.py import_legacy`: what an operator sees, and the exports it refuses before writing anything."""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from legacy.tests.conftest import OWNER, snapshot
from quotations.models import Client

pytestmark = pytest.mark.django_db


def test_the_output_shows_progress_on_stderr_and_the_summary_on_stdout(owners, sample, run_import):
    result = run_import(sample, "--owner", OWNER)

    assert result.out.startswith("Legacy import\n")
    assert "18 source rows imported in" in result.out
    progress = result.err.splitlines()
    assert progress[-1].startswith("Writing    [##############################] 18/18 rows 100 %")
    assert any(line.startswith("Reading    [##############################] 33/33 rows 100 %") for line in progress)


def test_the_report_goes_to_the_export_directory_by_default(owners, sample):
    out = StringIO()
    call_command("import_legacy", str(sample), "--owner", OWNER, stdout=out, stderr=StringIO(), no_color=True)

    (report,) = sample.glob("import-report-*.csv")
    assert f"15 rows rejected, each with its reason in {report}" in out.getvalue()
    with report.open(newline="", encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == 1 + 15


def test_columns_the_documentation_does_not_list_are_ignored_and_named(owners, sample, run_import):
    path = sample / "hotels.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",rating"] + [line + ",9" for line in lines[1:]]) + "\n", encoding="utf-8")

    result = run_import(sample, "--owner", OWNER)

    assert "  hotels.csv: columns ignored: rating" in result.out
    assert Client.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: (d / "quotations.csv").write_text("legacy_id,reference,client_id\nQ-1,OLD-1,C-1\n"),
            r"quotations\.csv lacks the columns group_name, arrival, departure, pax, status, stays\.",
        ),
        (
            lambda d: (d / "clients.csv").write_bytes(
                "legacy_id,name,country,email\nC-1,Peña,ES,a@b.example\n".encode("latin-1")
            ),
            r"clients\.csv cannot be read as UTF-8 CSV",
        ),
    ],
)
def test_an_export_that_cannot_be_read_writes_nothing(owners, sample, run_import, change, message):
    change(sample)
    before = snapshot()

    with pytest.raises(CommandError, match=message) as refused:
        run_import(sample, "--owner", OWNER)

    assert str(refused.value).endswith("Nothing was written.")
    assert snapshot() == before


def test_a_directory_without_the_files_or_an_unknown_owner_is_refused(owners, tmp_path, sample, run_import):
    with pytest.raises(CommandError, match=r"holds none of the files clients\.csv, hotels\.csv"):
        run_import(tmp_path)
    with pytest.raises(CommandError, match="is not a directory"):
        run_import(tmp_path / "nowhere")
    with pytest.raises(CommandError, match=r"--owner: no active staff member has the email someone@example\.com"):
        run_import(sample, "--owner", "someone@example.com")


def test_reordered_columns_are_the_same_rows(owners, sample, run_import):
    # given the sample imported
    run_import(sample, "--owner", OWNER)
    before = snapshot()

    # when clients.csv comes back with its columns in another order
    path = sample / "clients.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([list(reversed(row)) for row in rows])
    second = run_import(sample, "--owner", OWNER)

    # then its rows are the ones already imported
    assert snapshot() == before
    assert [row for row in second.rejected if row[0] == "clients.csv" and "already imported" in row[3]] == []
