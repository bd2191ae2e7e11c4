"""Backups (spirittours/backups.py, `backup_database`, `restore_database`): what is restored is
exactly what was backed up, on PostgreSQL and on SQLite.

The PostgreSQL round trips run on a database of their own, copied from the test database
after the test wrote its data there, and dropped at the end; the shared databases are only
read.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation
from psycopg import sql

from spirittours import backups
from spirittours.backups import BackupError, Database, backup_create, backup_latest, backup_prune, backup_restore
from spirittours.seeding import seed_run
from spirittours.testing import current_database_url

ROOT = Path(__file__).resolve().parents[2]
STAMPED = re.compile(r"\d{8}T\d{6}Z")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # the assertions read the English messages
        yield


# --- PostgreSQL ----------------------------------------------------------------------


def _snapshot(url: str) -> dict[str, object]:
    """Every table's rows (as JSON, sorted), every sequence's position, every index and constraint."""
    with psycopg.connect(url) as db:
        tables = [row[0] for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        rows = {
            table: sorted(
                row[0]
                for row in db.execute(
                    sql.SQL("SELECT row_to_json(t)::text FROM {} AS t").format(sql.Identifier("public", table))
                )
            )
            for table in sorted(tables)
        }
        sequences = db.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        indexes = db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        constraints = db.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        ).fetchall()
    return {"rows": rows, "sequences": sequences, "indexes": indexes, "constraints": constraints}


@pytest.fixture
def private_database(tmp_path):
    """A database of this test's own: a copy of the test database, with what the test wrote into it."""
    template = connection.settings_dict["NAME"]
    server = current_database_url().rsplit("/", 1)[0]
    name = f"spirittours_backup_test_{uuid.uuid4().hex[:12]}"

    def create() -> str:
        connection.close()  # a template may have no other session while it is copied
        try:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
                )
        except psycopg.errors.ObjectInUse:
            # Another session on the test database (left by an earlier test): copy it the slow way.
            copy = tmp_path / "fixture.dump"
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            for command in (
                [shutil.which("pg_dump"), "--format=custom", f"--file={copy}", f"--dbname={server}/{template}"],
                [shutil.which("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={server}/{name}", str(copy)],
            ):
                subprocess.run(command, check=True)  # noqa: S603 (PostgreSQL's client tools, fixed arguments)
        return f"{server}/{name}"

    yield create
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _manage(*arguments: str, database_url: str, backup_dir: Path) -> subprocess.CompletedProcess:
    """A management command in a process of its own, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BACKUP_DIR"}}
    env.update(
        DJANGO_SETTINGS_MODULE="spirittours.settings",
        DEBUG="true",
        DATABASE_URL=database_url,
        BACKUP_DIR=str(backup_dir),
        SPIRITTOURS_VAR_DIR=str(backup_dir.parent / "var"),
    )
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_brings_back_every_row_after_the_tables_were_dropped(private_database, tmp_path):
    # given: the demo data (users, clients, hotels, quotations, bids, bookings, payments...) in a private database
    seed_run()
    users = get_user_model().objects.count()
    url = private_database()
    before = _snapshot(url)
    assert len(before["rows"]["accounts_user"]) == users > 0
    assert sum(1 for rows in before["rows"].values() if rows) >= 20
    backup_dir = tmp_path / "backups"

    # when: a backup is taken, every table is dropped, and the backup is restored
    taken = _manage("backup_database", "--keep", "3", database_url=url, backup_dir=backup_dir)
    assert taken.returncode == 0, taken.stderr
    [dump] = backup_dir.iterdir()
    name = url.rsplit("/", 1)[1]
    assert re.fullmatch(rf"{name}-\d{{8}}T\d{{6}}Z\.dump", dump.name)
    assert dump.stat().st_mode & 0o777 == 0o600
    assert f" {dump} (" in taken.stdout
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")
    assert _snapshot(url)["rows"] == {}
    restored = _manage("restore_database", "--noinput", database_url=url, backup_dir=backup_dir)

    # then: every table holds exactly the rows it held, with its sequences, indexes and constraints
    assert restored.returncode == 0, restored.stderr
    assert f" {dump}." in restored.stdout
    assert _snapshot(url) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_over_a_changed_database_leaves_exactly_the_backup(private_database, tmp_path):
    # given: a backup of a database with users and periodic jobs
    get_user_model().objects.create_user(email="ana@spirittours.example", password="x" * 12, full_name="Ana Núñez")
    call_command("install_schedules", verbosity=0)
    url = private_database()
    database = Database.from_settings({**connection.settings_dict, "NAME": url.rsplit("/", 1)[1]})
    before = _snapshot(url)
    path = backup_create(database=database, directory=tmp_path)

    # when: rows change, rows go, and a later migration adds a table, then the backup is restored
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("UPDATE accounts_user SET full_name = 'changed'")
        db.execute("DELETE FROM django_celery_beat_periodictask")
        db.execute("CREATE TABLE quotations_later (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)")
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('quotations', '9999_later', now())")
    backup_restore(database=database, path=path)

    # then: the database is the backup again, without the later table
    after = _snapshot(url)
    assert "quotations_later" not in after["rows"]
    assert after == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_that_fails_halfway_changes_nothing(private_database, tmp_path):
    # given: a database and a backup of it cut short (a disk that filled up, a copy interrupted)
    get_user_model().objects.create_user(email="ana@spirittours.example", password="x" * 12)
    url = private_database()
    database = Database.from_settings({**connection.settings_dict, "NAME": url.rsplit("/", 1)[1]})
    path = backup_create(database=database, directory=tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("UPDATE accounts_user SET full_name = 'after the backup'")
    before = _snapshot(url)

    # when
    with pytest.raises(BackupError) as failed:
        backup_restore(database=database, path=path)

    # then: pg_restore's error is reported, and the database is as it was before the attempt
    assert str(failed.value).startswith("pg_restore failed: ")
    assert _snapshot(url) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_while_another_session_uses_the_database(tmp_path):
    # given: another process connected to the database
    bogus = tmp_path / "spirittours-20261208T030000Z.dump"
    bogus.write_bytes(b"PGDMP not really")
    with psycopg.connect(current_database_url(), application_name="still-running") as other:
        other.execute("SELECT 1")

        # when: a restore is asked for
        with pytest.raises(CommandError) as refused:
            call_command("restore_database", str(bogus), "--noinput", verbosity=0)

    # then: it refuses before touching anything, naming who is connected
    database = connection.settings_dict["NAME"]
    assert re.fullmatch(
        rf"\d+ other sessions? (is|are) connected to {database} \((.+, )?still-running @ 127\.0\.0\.1(, .+)?\)\. "
        r"Stop web, worker and beat first, or add --force\. Nothing was changed\.",
        str(refused.value),
    )


def test_the_password_reaches_pg_dump_in_its_environment_never_on_its_command_line(monkeypatch, tmp_path):
    # given: a database with a password and TLS, and pg_dump replaced at the subprocess boundary
    calls = []

    def run(command, *, env, **kwargs):
        calls.append((command, env))
        return subprocess.CompletedProcess(command, 0, b"", b"")

    monkeypatch.setattr(backups.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(backups.subprocess, "run", run)
    database = Database.from_settings(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "spirittours",
            "USER": "spirit",
            "PASSWORD": "s3cret-Pa55",
            "HOST": "db.internal",
            "PORT": 5433,
            "OPTIONS": {"sslmode": "require", "pool": {"min_size": 10}},
        }
    )

    # when
    path = backup_create(database=database, directory=tmp_path, now=datetime(2026, 12, 8, 3, 0, 5, tzinfo=UTC))

    # then
    [(command, env)] = calls
    assert command == [
        "/usr/bin/pg_dump",
        "--format=custom",
        f"--file={tmp_path / '.spirittours-20261208T030005Z.dump.partial'}",
        "--no-password",
        "--host=db.internal",
        "--port=5433",
        "--username=spirit",
        "--dbname=spirittours",
    ]
    assert env["PGPASSWORD"] == "s3cret-Pa55"
    assert env["PGSSLMODE"] == "require"
    assert path == tmp_path / "spirittours-20261208T030005Z.dump"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_failed_pg_dump_leaves_no_file_behind(monkeypatch, tmp_path):
    monkeypatch.setattr(backups.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(
        backups.subprocess,
        "run",
        lambda command, **kwargs: subprocess.CompletedProcess(
            command, 1, b"", b'pg_dump: error: connection to server failed: FATAL:  database "x" does not exist\n'
        ),
    )
    database = Database(vendor="postgresql", name="x")

    with pytest.raises(BackupError) as failed:
        backup_create(database=database, directory=tmp_path)

    assert str(failed.value) == (
        'pg_dump failed: pg_dump: error: connection to server failed: FATAL:  database "x" does not exist'
    )
    assert list(tmp_path.iterdir()) == []


# --- Retention and choice of the latest ---------------------------------------------------


def test_keep_removes_only_the_oldest_backups_of_that_database(tmp_path):
    # given: five backups of spirittours and files that are not
    stamps = ["20261201T030000Z", "20261202T030000Z", "20261203T030000Z", "20261204T030000Z", "20261205T030000Z"]
    for stamp in reversed(stamps):
        (tmp_path / f"spirittours-{stamp}.dump").write_bytes(b"PGDMP")
    others = ["staging-20261101T030000Z.dump", ".spirittours-20261206T030000Z.dump.partial", "README.txt"]
    for name in others:
        (tmp_path / name).write_text("x")
    database = Database(vendor="postgresql", name="spirittours")

    # when
    removed = backup_prune(database=database, directory=tmp_path, keep=2)

    # then
    assert [path.name for path in removed] == [f"spirittours-{stamp}.dump" for stamp in stamps[:3]]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [*others, "spirittours-20261204T030000Z.dump", "spirittours-20261205T030000Z.dump"]
    )
    assert backup_latest(database=database, directory=tmp_path).name == "spirittours-20261205T030000Z.dump"


def test_without_a_backup_the_latest_is_an_error_naming_the_folder(tmp_path):
    with pytest.raises(BackupError) as missing:
        backup_latest(
            database=Database(vendor="sqlite", name=str(tmp_path / "spirittours.sqlite3")), directory=tmp_path
        )

    assert str(missing.value) == f"There is no backup of spirittours in {tmp_path}."


def test_keep_must_leave_at_least_one_backup(tmp_path):
    with pytest.raises(BackupError):
        backup_prune(database=Database(vendor="postgresql", name="spirittours"), directory=tmp_path, keep=0)


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_snapshot(path: Path) -> dict[str, object]:
    with closing(sqlite3.connect(path)) as db:
        schema = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        tables = [name for kind, name, _sql in schema if kind == "table"]
        rows = {table: db.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall() for table in tables}  # noqa: S608
    return {"schema": schema, "rows": rows}


def test_a_sqlite_backup_is_consistent_while_the_database_is_in_use_and_restores_exactly(tmp_path):
    # given: a database in write-ahead-log mode whose latest rows are still only in the log,
    # its writer connection still open, as web, worker and beat keep theirs
    live = tmp_path / "spirittours.sqlite3"
    writer = sqlite3.connect(live)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.executescript(
        """
        CREATE TABLE client (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT);
        CREATE TABLE booking (id INTEGER PRIMARY KEY, client_id INTEGER REFERENCES client (id),
                              total NUMERIC, receipt BLOB);
        CREATE INDEX booking_client ON booking (client_id);
        """
    )
    writer.executemany(
        "INSERT INTO client (name, country) VALUES (?, ?)",
        [("Parroquia San José", "ES"), ("Colegio Núñez", None), ("Viajes Cóndor", "CO")],
    )
    writer.executemany(
        "INSERT INTO booking (client_id, total, receipt) VALUES (?, ?, ?)",
        [(1, "13680.00", b"%PDF-1.7\x00\xff"), (3, "2450.5", None)],
    )
    writer.commit()
    assert (tmp_path / "spirittours.sqlite3-wal").stat().st_size > 0
    before = _sqlite_snapshot(live)
    database = Database(vendor="sqlite", name=str(live))

    # when: a backup is taken, the data changes, and the backup is restored
    path = backup_create(database=database, directory=tmp_path / "backups")
    writer.execute("DELETE FROM booking WHERE client_id = 3")
    writer.execute("UPDATE client SET name = 'changed'")
    writer.execute("CREATE TABLE later (id INTEGER PRIMARY KEY)")
    writer.commit()
    backup_restore(database=database, path=path)

    # then: the backup held the rows in the log, and the restore brought back exactly them
    assert STAMPED.search(path.name) and path.name.startswith("spirittours-") and path.suffix == ".sqlite3"
    assert path.stat().st_mode & 0o777 == 0o600
    assert before["rows"]["booking"][0] == (1, 1, 13680, b"%PDF-1.7\x00\xff")
    assert _sqlite_snapshot(path) == before
    assert _sqlite_snapshot(live) == before
    assert writer.execute("SELECT count(*) FROM client WHERE name = 'changed'").fetchone() == (0,)
    writer.close()


def test_a_postgresql_backup_is_not_restored_into_sqlite(tmp_path):
    # given: a SQLite database and a PostgreSQL archive
    live = tmp_path / "spirittours.sqlite3"
    with closing(sqlite3.connect(live)) as db:
        db.execute("CREATE TABLE client (id INTEGER PRIMARY KEY)")
    before = _sqlite_snapshot(live)
    archive = tmp_path / "spirittours-20261208T030000Z.dump"
    archive.write_bytes(b"PGDMP\x01\x0e\x00")

    # when
    with pytest.raises(BackupError) as refused:
        backup_restore(database=Database(vendor="sqlite", name=str(live)), path=archive)

    # then
    assert str(refused.value) == f"{archive} is not a backup of a SQLite database."
    assert _sqlite_snapshot(live) == before
