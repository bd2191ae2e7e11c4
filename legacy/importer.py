"""The legacy import: read every export, check it whole, write it in batches, verify it, report the rejections.

    legacy_import(directory=Path("export/"), owner_email="ventas@spirittours.example")

1. read     each file's rows, each checked on its own (`legacy.rows`)
2. plan     every row checked against the others and the database, and the
            rejections cascaded (`legacy.plan`); nothing is written before
            the whole source has been checked
3. write    clients, hotels, then whole quotations, in batches of about
            `batch_size` source rows, one transaction each (a quotation is
            never split between batches); a batch the database refuses is
            written again quotation by quotation, and what it still refuses
            is rejected with the database's message (`legacy.writer`)
4. verify   the source's valid rows against the database (`legacy.verification`)
5. report   the rejected rows to a CSV file (`legacy.report`)

A dry run does 1, 2, 4 and 5: it writes nothing to the database.
"""

import csv
import gc
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypeVar

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from legacy.errors import LegacyError
from legacy.inserts import IdReservation
from legacy.models import LegacyTable
from legacy.parallel import batches_run, workers_usable
from legacy.plan import Bundle, Plan, parent_rejected, plan_build
from legacy.progress import Progress
from legacy.report import report_path_default, report_write
from legacy.rows import Horizons, RowState, SourceRow
from legacy.source import SourceFile, source_files, source_rows, source_unreadable
from legacy.verification import TableCheck, verification_run
from legacy.writer import WriteContext, bundle_id_counts, bundles_write, clients_write, hotels_write
from quotations.cities import city_key, hotel_city_list

BATCH_SIZE = 1_000
T = LegacyTable
Item = TypeVar("Item")


@dataclass(frozen=True)
class TableOutcome:
    table: str
    read: int
    imported: int  # written by this run; in a dry run, what would be
    already: int  # imported by an earlier run from the same cells
    rejected: int


@dataclass
class ImportResult:
    dry_run: bool
    outcomes: list[TableOutcome]
    checks: list[TableCheck]
    report_path: Path
    rejected: list[SourceRow]
    files: list[SourceFile]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def written(self) -> int:
        return 0 if self.dry_run else sum(outcome.imported for outcome in self.outcomes)

    @property
    def verified(self) -> bool:
        return all(check.matches for check in self.checks)


def _line_count(path: Path) -> int:
    """Lines after the header: the progress bar's total (a cell over several lines makes it an estimate)."""
    with path.open("rb") as handle:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)


def _read(files: list[SourceFile], stream: TextIO | None) -> dict[str, list[SourceRow]]:
    progress = Progress(
        stream=stream, label=_("Reading"), total=sum(_line_count(file.path) for file in files if file.present)
    )
    rows: dict[str, list[SourceRow]] = {}
    horizons = Horizons.current()
    for file in files:
        rows[file.table] = []
        try:
            for row in source_rows(file, horizons=horizons):
                rows[file.table].append(row)
                if len(rows[file.table]) % 1_000 == 0:
                    progress.advance(1_000)
        except (UnicodeDecodeError, csv.Error) as error:
            raise LegacyError(source_unreadable(file.path, error)) from None
        progress.advance(len(rows[file.table]) % 1_000)
    progress.finish()
    return rows


def _batches(items: list[Item], *, size: int, weight: Callable[[Item], int]) -> Iterator[list[Item]]:
    batch, rows = [], 0
    for item in items:
        batch.append(item)
        rows += weight(item)
        if rows >= size:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch


def _refused(error: DatabaseError) -> str:
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return _("the database refused it: %(error)s") % {"error": first_line}


def _write_guarded(
    items: list[Item], *, write: Callable[[list[Item]], dict | None], rows_of: Callable[[Item], Iterable[SourceRow]]
) -> list:
    """Write `items` in one transaction; if the database refuses, one by one, rejecting what it still refuses."""
    try:
        with transaction.atomic():
            return [write(items)]
    except DatabaseError:
        pass
    results = []
    for item in items:
        try:
            with transaction.atomic():
                results.append(write([item]))
        except DatabaseError as error:
            for row in rows_of(item):
                row.reject(_refused(error))
    return results


def _bundle_parents_written(bundle: Bundle, context: WriteContext, plan: Plan) -> bool:
    """A client or hotel the database refused takes its quotations with it."""
    quotation = bundle.quotation
    missing = [] if quotation.client_id in context.client_ids else [("client_id", T.CLIENTS, quotation.client_id)]
    missing += [("hotel_id", T.HOTELS, bid.hotel_id) for bid in bundle.bids if bid.hotel_id not in context.hotel_ids]
    if not missing:
        return True
    column, table, legacy_id = missing[0]
    parent = next(row for row in plan.rows[table] if row.legacy_id == legacy_id)
    quotation.reject(parent_rejected(column=column, parent=parent))
    for row in bundle.rows[1:]:
        row.reject(
            parent_rejected(column="booking_id" if row.table == T.PAYMENTS else "quotation_id", parent=quotation)
        )
    return False


def _write(plan: Plan, *, batch_size: int, stream: TextIO | None, workers: int) -> None:
    now = timezone.now()
    total = len(plan.clients_new) + len(plan.hotels_new) + sum(len(bundle.rows) for bundle in plan.bundles)
    progress = Progress(stream=stream, label=_("Writing"), total=total)
    context = WriteContext(
        now=now,
        client_ids={legacy_id: pk for legacy_id, (pk, _print) in plan.imported[T.CLIENTS].items()},
        hotel_ids={legacy_id: pk for legacy_id, (pk, _print) in plan.imported[T.HOTELS].items()},
        hotels=plan.hotels,
        owners=plan.owners,
        cities={},
    )
    for rows, write, ids in (
        (plan.clients_new, clients_write, context.client_ids),
        (plan.hotels_new, hotels_write, context.hotel_ids),
    ):
        for batch in _batches(rows, size=batch_size, weight=lambda row: 1):
            for written in _write_guarded(
                batch, write=lambda items, w=write: w(items, now=now), rows_of=lambda row: [row]
            ):
                ids.update(written)
            progress.advance(len(batch))
    context.cities = {city_key(city): city for city in hotel_city_list()}
    bundles = [bundle for bundle in plan.bundles if _bundle_parents_written(bundle, context, plan)]
    progress.advance(sum(len(bundle.rows) for bundle in plan.bundles) - sum(len(bundle.rows) for bundle in bundles))
    context.reservation = IdReservation(bundle_id_counts(bundles))
    lock = threading.Lock()

    def run(batch: list[Bundle]) -> None:
        _write_guarded(
            batch, write=lambda items: bundles_write(items, context=context), rows_of=lambda bundle: bundle.rows
        )
        with lock:
            progress.advance(sum(len(bundle.rows) for bundle in batch))

    batches_run(_batches(bundles, size=batch_size, weight=lambda bundle: len(bundle.rows)), run=run, workers=workers)
    progress.finish()


def _outcomes(plan: Plan) -> list[TableOutcome]:
    outcomes = []
    for table in T.values:
        states = [row.state for row in plan.rows[table]]
        outcomes.append(
            TableOutcome(
                table=table,
                read=len(states),
                imported=states.count(RowState.NEW),
                already=states.count(RowState.DONE),
                rejected=states.count(RowState.REJECTED),
            )
        )
    return outcomes


@contextmanager
def _cyclic_collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the import, back as it was after.

    An import holds millions of small objects (rows, cells, tuples), none of them in a
    reference cycle, so reference counting frees them all; the collector would only walk
    them again and again as they pile up: a third of the reading and checking time in
    the measurements behind docs/PERFORMANCE.md ("Legacy import").
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def legacy_import(
    *,
    directory: Path,
    report_path: Path | None = None,
    dry_run: bool = False,
    owner_email: str = "",
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
    progress: TextIO | None = None,
) -> ImportResult:
    """Import the export in `directory`; raises LegacyError, having written nothing, when it cannot be read.

    `owner_email`: the staff member who owns the quotations whose `owner_email` cell is empty.
    `workers`: database connections writing the quotations at once (legacy.parallel; default 2 on PostgreSQL).
    `progress`: where the progress bars go (the command's stderr); None for none.
    """
    owner_email = owner_email.strip().lower()
    if owner_email and not User.objects.filter(email=owner_email, role=Role.STAFF, is_active=True).exists():
        raise LegacyError(_("--owner: no active staff member has the email %(email)s.") % {"email": owner_email})
    if batch_size < 1:
        raise LegacyError(_("The batch size must be at least 1."))
    with _cyclic_collector_paused():
        return _import(
            directory=directory,
            report_path=report_path,
            dry_run=dry_run,
            owner_email=owner_email,
            batch_size=batch_size,
            workers=workers,
            progress=progress,
        )


def _import(
    *,
    directory: Path,
    report_path: Path | None,
    dry_run: bool,
    owner_email: str,
    batch_size: int,
    workers: int | None,
    progress: TextIO | None,
) -> ImportResult:
    seconds, started = {}, time.monotonic()
    files = source_files(directory=directory)
    rows = _read(files, progress)
    seconds["read"] = time.monotonic() - started
    plan = plan_build(rows=rows, default_owner=owner_email)
    seconds["check"] = time.monotonic() - started - seconds["read"]
    if not dry_run:
        _write(plan, batch_size=batch_size, stream=progress, workers=workers_usable(workers))
    seconds["write"] = time.monotonic() - started - seconds["read"] - seconds["check"]
    checks = verification_run(plan=plan)
    seconds["verify"] = time.monotonic() - started - sum(seconds.values())
    rejected = plan.rejected
    path = report_write(path=report_path or report_path_default(directory=directory), rejected=rejected)
    seconds["total"] = time.monotonic() - started
    return ImportResult(
        dry_run=dry_run,
        outcomes=_outcomes(plan),
        checks=checks,
        report_path=path,
        rejected=rejected,
        files=files,
        seconds=seconds,
    )
