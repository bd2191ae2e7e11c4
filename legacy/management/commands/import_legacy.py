"""Import the old system's CSV exports: `python manage.py import_legacy DIR [--dry-run] [--owner EMAIL]`.

The files, their columns and what each becomes: docs/LEGACY_IMPORT.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from legacy.errors import LegacyError
from legacy.importer import BATCH_SIZE, ImportResult, legacy_import


class Command(BaseCommand):
    # argparse needs plain strings for the help texts.
    help = (
        "Import the old system's CSV exports (clients, hotels, quotations, bids, bookings, payments) from a "
        "directory. Rows already imported are skipped: running it again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help=("The directory holding clients.csv, hotels.csv…"))
        parser.add_argument("--dry-run", action="store_true", help=("Check everything and report; write nothing."))
        parser.add_argument(
            "--owner",
            default="",
            help=("Email of the staff member who owns the quotations without an owner_email."),
        )
        parser.add_argument(
            "--report",
            type=Path,
            default=None,
            help=("Where to write the rejected rows (default: DIR/import-report-<time>.csv)."),
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=("Source rows per transaction."))
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=("Database connections writing at once (default: 2 on PostgreSQL, else 1)."),
        )

    def handle(
        self,
        *args,
        directory: Path,
        dry_run: bool,
        owner: str,
        report: Path | None,
        batch_size: int,
        workers: int | None,
        **options,
    ):
        try:
            result = legacy_import(
                directory=directory,
                report_path=report,
                dry_run=dry_run,
                owner_email=owner,
                batch_size=batch_size,
                workers=workers,
                progress=self.stderr._out,
            )
        except LegacyError as error:
            raise CommandError(_("%(error)s Nothing was written.") % {"error": error}) from None
        self._outcomes_write(result)
        self._checks_write(result)
        self._report_write(result)
        if not result.dry_run and not result.verified:
            raise CommandError(_("The database does not hold what the source says: see the verification above."))

    def _table_write(self, rows: list[tuple[str, ...]], aligns: str) -> None:
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for index, row in enumerate(rows):
            cells = [
                cell.ljust(width) if align == "<" else cell.rjust(width)
                for cell, width, align in zip(row, widths, aligns, strict=True)
            ]
            self.stdout.write("  " + "  ".join(cells).rstrip())
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))

    def _outcomes_write(self, result: ImportResult) -> None:
        heading = _("Legacy import (dry run: nothing written)") if result.dry_run else _("Legacy import")
        self.stdout.write(self.style.MIGRATE_HEADING(heading))
        for file in result.files:
            if not file.present:
                self.stdout.write(_("  %(file)s: no such file, nothing to import") % {"file": file.path.name})
            elif file.ignored_columns:
                self.stdout.write(
                    self.style.WARNING(
                        _("  %(file)s: columns ignored: %(columns)s")
                        % {"file": file.path.name, "columns": ", ".join(file.ignored_columns)}
                    )
                )
        imported = _("would be imported") if result.dry_run else _("imported")
        rows = [(_("file"), _("rows"), imported, _("already imported"), _("rejected"))]
        for outcome in result.outcomes:
            if outcome.read:
                rows.append(
                    (
                        f"{outcome.table}.csv",
                        f"{outcome.read:,}",
                        f"{outcome.imported:,}",
                        f"{outcome.already:,}",
                        f"{outcome.rejected:,}",
                    )
                )
        self._table_write(rows, "<>>>>")
        new = sum(outcome.imported for outcome in result.outcomes)
        if not new and any(outcome.already for outcome in result.outcomes):
            self.stdout.write(
                self.style.SUCCESS(_("Every valid row was already imported by an earlier run: nothing was written."))
            )
        elif not result.dry_run:
            self.stdout.write(
                _("%(count)s source rows imported in %(seconds).1f s.")
                % {"count": f"{result.written:,}", "seconds": result.seconds["total"]}
            )

    def _checks_write(self, result: ImportResult) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Verification: the source's valid rows against the database")))
        rows = [(_("table"), _("figure"), _("currency"), _("source"), _("database"), "")]
        for check in result.checks:
            same = check.source_rows == check.database_rows
            rows.append((check.table, _("rows"), "", f"{check.source_rows:,}", f"{check.database_rows:,}", _mark(same)))
            for amount in check.amounts:
                rows.append(
                    ("", amount.label, amount.currency, str(amount.source), str(amount.database), _mark(amount.matches))
                )
        self._table_write(rows, "<<<>><")
        if result.dry_run:
            self.stdout.write(_("Dry run: the database side is what was there before; nothing was written."))
        elif result.verified:
            self.stdout.write(self.style.SUCCESS(_("Every figure matches.")))
        else:
            self.stdout.write(self.style.ERROR(_("Some figures differ (marked DIFFERENT).")))

    def _report_write(self, result: ImportResult) -> None:
        self.stdout.write("")
        if result.rejected:
            self.stdout.write(
                self.style.WARNING(
                    _("%(count)s rows rejected, each with its reason in %(path)s")
                    % {"count": f"{len(result.rejected):,}", "path": result.report_path}
                )
            )
        else:
            self.stdout.write(_("No row rejected. Report: %(path)s") % {"path": result.report_path})


def _mark(same: bool) -> str:
    return _("ok") if same else _("DIFFERENT")
