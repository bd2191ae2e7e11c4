#!/usr/bin/env python
"""The legacy import at scale: N quotations with their bids, bookings and payments, beside PostgreSQL's COPY.

    flock /tmp/bench.lock .venv/bin/python bench/import_legacy.py --quotations 100000

1. generate   the old system's six CSV files (bench/legacy_generate.py) into --data
              (a temporary directory unless given), every row valid
2. import     `legacy_import` (what `manage.py import_legacy DIR --owner EMAIL` runs),
              timed as a whole and by phase (read, check, write, verify), into a
              database emptied first (Django's flush) and holding one staff owner
3. rerun      the same import again (--rerun): every row is found already imported,
              nothing is written
   (--workers N: database connections writing at once, 2 by default; --bulk-create:
   Django's bulk_create instead of COPY, the path other databases take)
4. COPY       the same six files loaded by PostgreSQL's `COPY ... FROM STDIN (FORMAT csv)`
              into plain staging tables of text columns, in one transaction: the limit,
              reading and storing the same bytes with no checks, no ids and no second table
5. COPY again the 3.1 million database rows the import wrote, dumped, emptied and loaded
              back by one COPY per table into the same tables, in one transaction: the
              floor of writing those rows with their indexes and foreign keys

The import must verify (every figure of its closing check matches) and reject nothing,
or the script fails. Needs PostgreSQL at --database-url (default the local
`spirittours_bench_legacy`, created and migrated if missing; its data is deleted at
each run). Production settings (DEBUG off): with DEBUG on, Django would keep and format
every query. Prints the figures and writes them as JSON to bench/results/import_legacy.json.
With --profile PATH, the import runs under cProfile and its statistics go to PATH.
"""

import argparse
import cProfile
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.legacy_generate import COLUMNS, generate  # noqa: E402

OWNER = "legacy.owner@spirittours.example"
TARGET_SECONDS = 60


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quotations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2, help="database connections writing the quotations at once")
    parser.add_argument(
        "--data", type=Path, default=None, help="where the CSV files go (default: a temporary directory)"
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/spirittours_bench_legacy")
    parser.add_argument("--rerun", action="store_true", help="import the same files a second time and time it")
    parser.add_argument(
        "--bulk-create", action="store_true", help="write with Django's bulk_create instead of COPY (the portable path)"
    )
    parser.add_argument("--profile", type=Path, default=None, help="write the import's cProfile statistics here")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    return parser.parse_args()


def setup(args) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "spirittours.settings",
            "DATABASE_URL": args.database_url,
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "memory://localhost/",
        }
    )
    import psycopg

    base, _, name = args.database_url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    from accounts.models import Role, User

    User.objects.create_user(email=OWNER, full_name="Legacy Owner", role=Role.STAFF, staff_level=5)
    print(f"database {name} migrated and emptied in {time.monotonic() - started:.1f} s", flush=True)


# The tables the import writes to, parents before children.
TABLES = [
    "quotations_client",
    "quotations_hotel",
    "quotations_quotation",
    "quotations_quotationstay",
    "quotations_hotelinvitation",
    "quotations_hotelbid",
    "quotations_hotelbidline",
    "quotations_quotationlog",
    "bookings_booking",
    "bookings_installment",
    "bookings_bookingroom",
    "bookings_bookinghotel",
    "bookings_bookinglog",
    "payments_payment",
    "legacy_legacyrecord",
]


def database_rows() -> dict[str, int]:
    """Rows per table the import writes to, counted by PostgreSQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{table}', count(*) FROM {table}" for table in TABLES))
        return dict(cursor.fetchall())


def copy_same_tables(scratch: Path) -> dict:
    """The database rows the import wrote, written again by COPY into the same tables: the floor of the write.

    Each table is dumped (COPY TO, binary), all of them emptied, and the dumps loaded back by one
    COPY per table in one transaction: the same rows, indexes and foreign keys (checked at the
    commit, as in the import), none of the import's reading, checking, ids or batches.
    """
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        for table in TABLES:
            with (
                (scratch / f"{table}.bin").open("wb") as handle,
                cursor.cursor.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy,
            ):
                for block in copy:
                    handle.write(block)
        with transaction.atomic():
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
            started = time.monotonic()
            for table in TABLES:
                with (
                    (scratch / f"{table}.bin").open("rb") as handle,
                    cursor.cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy,
                ):
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
        seconds = time.monotonic() - started  # the commit, and its foreign-key checks, included
    rows = sum(database_rows().values())
    return {"seconds": round(seconds, 2), "rows": rows, "rows_per_second": round(rows / seconds)}


def run_import(args, directory: Path) -> dict:
    from legacy import inserts
    from legacy.importer import legacy_import

    inserts.COPY_ON_POSTGRESQL = not args.bulk_create
    load_before = os.getloadavg()[0]
    profiler = cProfile.Profile() if args.profile else None
    started = time.monotonic()
    if profiler:
        profiler.enable()
    result = legacy_import(
        directory=directory,
        report_path=directory / "import-report.csv",
        owner_email=OWNER,
        batch_size=args.batch_size,
        workers=args.workers,
        progress=sys.stderr,
    )
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(args.profile))
    seconds = time.monotonic() - started
    source_rows = sum(outcome.read for outcome in result.outcomes)
    figures = {
        "seconds": round(seconds, 2),
        "phases": {name: round(value, 2) for name, value in result.seconds.items()},
        "source_rows": source_rows,
        "source_rows_per_second": round(source_rows / seconds),
        "imported": sum(outcome.imported for outcome in result.outcomes) if not result.dry_run else 0,
        "already_imported": sum(outcome.already for outcome in result.outcomes),
        "rejected": len(result.rejected),
        "verified": result.verified,
        # The machine's 1-minute load average before and after: 2 cores, shared with other work.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    if result.rejected:
        first = result.rejected[0]
        figures["first_rejection"] = f"{first.table}.csv line {first.line}: {first.reason}"
    return figures


def copy_baseline(directory: Path) -> dict:
    """COPY the same files into staging tables of text columns, in one transaction (dropped afterwards)."""
    from django.db import connection, transaction

    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns in COLUMNS.items():
            staging = f"legacy_staging_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {staging}")
            cursor.execute(f"CREATE TABLE {staging} ({', '.join(f'{column} text' for column in columns)})")
        started = time.monotonic()
        for table in COLUMNS:
            with (
                (directory / f"{table}.csv").open("rb") as handle,
                cursor.cursor.copy(f"COPY legacy_staging_{table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            cursor.execute(f"SELECT count(*) FROM legacy_staging_{table}")
            rows += cursor.fetchone()[0]
        seconds = time.monotonic() - started
        for table in COLUMNS:
            cursor.execute(f"DROP TABLE legacy_staging_{table}")
    return {"seconds": round(seconds, 2), "rows": rows, "rows_per_second": round(rows / seconds)}


def main() -> None:
    args = parse_args()
    setup(args)
    with tempfile.TemporaryDirectory(prefix="legacy-export-") as temporary:
        directory = args.data or Path(temporary)
        started = time.monotonic()
        counts = generate(directory, quotations=args.quotations, seed=args.seed)
        print(f"generated {sum(counts.values()):,} rows in {time.monotonic() - started:.1f} s: {counts}", flush=True)
        size = sum((directory / f"{table}.csv").stat().st_size for table in COLUMNS)
        imported = run_import(args, directory)
        print(f"import: {json.dumps(imported)}", flush=True)
        written = database_rows()
        rerun = run_import(args, directory) if args.rerun else None
        if rerun:
            print(f"rerun: {json.dumps(rerun)}", flush=True)
        baseline = copy_baseline(directory)
        print(f"COPY of the CSV files into staging tables: {json.dumps(baseline)}", flush=True)
        with tempfile.TemporaryDirectory(prefix="legacy-dump-") as scratch:
            floor = copy_same_tables(Path(scratch))
        print(f"COPY of the written rows into the same tables: {json.dumps(floor)}", flush=True)
    summary = {
        "config": {
            "quotations": args.quotations,
            "seed": args.seed,
            "batch_size": args.batch_size,
            "workers": args.workers,
            "writes_with": "bulk_create" if args.bulk_create else "COPY",
            "source_files_bytes": size,
            "cpus": os.cpu_count(),
        },
        "source_rows": counts,
        "import": imported,
        "database_rows_written": written,
        "database_rows_written_total": sum(written.values()),
        "rerun": rerun,
        "copy": baseline,
        "import_to_copy_ratio": round(imported["seconds"] / baseline["seconds"], 1),
        "copy_same_tables": floor,
        "import_to_copy_same_tables_ratio": round(imported["seconds"] / floor["seconds"], 2),
        "target_seconds": TARGET_SECONDS,
        "target_met": imported["seconds"] < TARGET_SECONDS,
    }
    print()
    print(f"import   {imported['seconds']:>8.1f} s  {imported['source_rows_per_second']:>9,} source rows/s")
    print(
        f"COPY     {baseline['seconds']:>8.1f} s  {baseline['rows_per_second']:>9,} source rows/s into staging tables"
    )
    print(f"COPY     {floor['seconds']:>8.1f} s  {floor['rows_per_second']:>9,} database rows/s into the same tables")
    print(f"ratio    {summary['import_to_copy_ratio']:>8.1f} × the staging COPY's time")
    print(f"ratio    {summary['import_to_copy_same_tables_ratio']:>8.2f} × the same-tables COPY's time")
    print(f"written  {summary['database_rows_written_total']:>10,} database rows")
    if rerun:
        print(f"rerun    {rerun['seconds']:>8.1f} s  (nothing written)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "import_legacy.json").write_text(json.dumps(summary, indent=2))
    if imported["rejected"] or not imported["verified"]:
        sys.exit("the import rejected rows or did not verify: see the figures above")


if __name__ == "__main__":
    main()
