"""Backups of the database: one file holding a consistent copy, and its restore.

PostgreSQL: `pg_dump --format=custom`. The restore replaces the database with exactly
what the backup holds, all or nothing: `pg_restore --clean --if-exists --no-owner
--no-privileges` writes the SQL, and psql runs it in one transaction after dropping
every table of the schema, so a table made after the backup (a later migration) does
not survive beside the restored ones, and a failure leaves the database as it was.
The connection comes from Django's DATABASES; the password reaches the client tools
in PGPASSWORD, never on the command line, which any user of the machine can read.

SQLite: a copy through sqlite3's online backup API, consistent while web, worker and
beat keep writing (a copy of the file would miss what the write-ahead log holds); the
restore copies the backup back the same way, in one write transaction.

A backup is `<database>-<UTC timestamp>.dump` (PostgreSQL) or `.sqlite3` in the
backup folder, readable by its owner only. It is written under a temporary name and
renamed once complete, so an interrupted backup is never taken for the latest.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Mapping
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from spirittours.errors import DomainError

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
# What a file starts with tells a PostgreSQL archive from a SQLite database.
MAGIC = {"postgresql": b"PGDMP", "sqlite": b"SQLite format 3\x00"}
EXTENSION = {"postgresql": "dump", "sqlite": "sqlite3"}
# libpq's environment variables for the connection options Django may carry.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}
# A restore that waits this long for a lock (a process still using the database) gives up,
# changing nothing, instead of hanging.
RESTORE_LOCK_TIMEOUT = "60s"
# Runs first in the restore's transaction: every table, view and sequence of the schema goes
# (tables first: an identity column's sequence goes with its table), except what an extension
# owns (the backup's own CREATE EXTENSION brings that back).
RESTORE_PRELUDE = """\
DO $restore$
DECLARE
    relation record;
BEGIN
    FOR relation IN
        SELECT c.relkind, format('%I.%I', n.nspname, c.relname) AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema()
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'i'))
        ORDER BY c.relkind = 'S', c.relname
    LOOP
        EXECUTE format(
            'DROP %s IF EXISTS %s CASCADE',
            CASE relation.relkind
                WHEN 'v' THEN 'VIEW'
                WHEN 'm' THEN 'MATERIALIZED VIEW'
                WHEN 'f' THEN 'FOREIGN TABLE'
                WHEN 'S' THEN 'SEQUENCE'
                ELSE 'TABLE'
            END,
            relation.name
        );
    END LOOP;
END
$restore$;
"""


class BackupError(DomainError):
    pass


@dataclass(frozen=True)
class Database:
    """What a backup needs to know of one entry of Django's DATABASES."""

    vendor: str  # "postgresql" or "sqlite"
    name: str  # the database's name; for SQLite, the file's path
    user: str = ""
    password: str = field(default="", repr=False)  # never in a log line or a traceback
    host: str = ""
    port: str = ""
    options: Mapping[str, Any] | None = None

    @classmethod
    def from_settings(cls, settings_dict: Mapping[str, Any]) -> "Database":
        engine = settings_dict["ENGINE"]
        if engine.endswith("sqlite3"):
            return cls(vendor="sqlite", name=str(settings_dict["NAME"]))
        if engine.endswith(("postgresql", "postgis")):
            return cls(
                vendor="postgresql",
                name=str(settings_dict["NAME"]),
                user=settings_dict.get("USER") or "",
                password=settings_dict.get("PASSWORD") or "",
                host=settings_dict.get("HOST") or "",
                port=str(settings_dict.get("PORT") or ""),
                options=settings_dict.get("OPTIONS") or {},
            )
        raise BackupError(_("Backups support PostgreSQL and SQLite, not %(engine)s.") % {"engine": engine})

    @property
    def label(self) -> str:
        """The name backups of this database start with."""
        return Path(self.name).stem if self.vendor == "sqlite" else self.name

    @property
    def extension(self) -> str:
        return EXTENSION[self.vendor]


def backup_directory() -> Path:
    """BACKUP_DIR (setting or environment variable), else var/backups/."""
    configured = getattr(settings, "BACKUP_DIR", None) or os.environ.get("BACKUP_DIR")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "backups"


def backup_list(*, database: Database, directory: Path) -> list[Path]:
    """The backups of this database in the folder, oldest first."""
    pattern = re.compile(rf"{re.escape(database.label)}-(\d{{8}}T\d{{6}}Z)\.{database.extension}")
    if not directory.is_dir():
        return []
    found = [(match[1], path) for path in directory.iterdir() if (match := pattern.fullmatch(path.name))]
    return [path for _stamp, path in sorted(found)]


def backup_latest(*, database: Database, directory: Path) -> Path:
    backups = backup_list(database=database, directory=directory)
    if not backups:
        raise BackupError(
            _("There is no backup of %(database)s in %(directory)s.")
            % {"database": database.label, "directory": directory}
        )
    return backups[-1]


def backup_create(*, database: Database, directory: Path, now: datetime | None = None) -> Path:
    """Write a backup of the database into the folder and return its path."""
    stamp = (now or datetime.now(tz=UTC)).astimezone(UTC).strftime(STAMP_FORMAT)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{database.label}-{stamp}.{database.extension}"
    if path.exists():
        raise BackupError(_("%(path)s already exists: try again in a second.") % {"path": path})
    partial = directory / f".{path.name}.partial"
    # Created empty, readable by its owner only; the tools write into it and keep the mode.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        if database.vendor == "postgresql":
            _pg_dump(database=database, target=partial)
        else:
            _sqlite_copy(source=Path(database.name), target=partial)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def backup_prune(*, database: Database, directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` backups of this database; return the ones removed."""
    if keep < 1:
        raise BackupError(_("Keep at least one backup."))
    removed = backup_list(database=database, directory=directory)[:-keep]
    for path in removed:
        path.unlink()
    return removed


def backup_restore(*, database: Database, path: Path) -> None:
    """Replace the database's content with the backup's, all or nothing."""
    with path.open("rb") as backup:
        head = backup.read(len(MAGIC["sqlite"]))
    if not head.startswith(MAGIC[database.vendor]):
        raise BackupError(
            _("%(path)s is not a backup of a %(vendor)s database.")
            % {"path": path, "vendor": "PostgreSQL" if database.vendor == "postgresql" else "SQLite"}
        )
    if database.vendor == "postgresql":
        _pg_restore(database=database, source=path)
    else:
        _sqlite_restore(source=path, target=Path(database.name))


def backup_sessions_other(*, connection) -> list[str]:
    """Who else is connected to this PostgreSQL database (a restore under them fails or hangs)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(nullif(application_name, ''), usename) || coalesce(' @ ' || host(client_addr), '') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


# --- PostgreSQL -------------------------------------------------------------------


def _pg_connection(database: Database) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for libpq's tools; the password only in the environment."""
    arguments = ["--no-password"]  # never wait for a prompt nobody answers
    for flag, value in (("--host", database.host), ("--port", database.port), ("--username", database.user)):
        if value:
            arguments.append(f"{flag}={value}")
    environment = dict(os.environ)
    if database.password:
        environment["PGPASSWORD"] = database.password
    for option, variable in LIBPQ_OPTIONS.items():
        value = (database.options or {}).get(option)
        if value:
            environment[variable] = str(value)
    return arguments, environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _("%(tool)s was not found: install the PostgreSQL client tools of the server's version.") % {"tool": name}
        )
    return path


def _failure(tool: str, output: bytes | str) -> BackupError:
    text = output.decode(errors="replace") if isinstance(output, bytes) else output
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "error" in line or "FATAL" in line]
    return BackupError(
        _("%(tool)s failed: %(reason)s") % {"tool": tool, "reason": (errors or lines or ["no output"])[0]}
    )


def _pg_dump(*, database: Database, target: Path) -> None:
    arguments, environment = _pg_connection(database)
    result = subprocess.run(  # noqa: S603 (fixed arguments; the password travels in the environment)
        [_tool("pg_dump"), "--format=custom", f"--file={target}", *arguments, f"--dbname={database.name}"],
        env=environment,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise _failure("pg_dump", result.stderr)


def _pg_restore(*, database: Database, source: Path) -> None:
    """pg_restore writes the SQL, psql runs it in one transaction, committed only if both succeed."""
    arguments, environment = _pg_connection(database)
    options = f"-c lock_timeout={RESTORE_LOCK_TIMEOUT} -c client_min_messages=warning"
    environment["PGOPTIONS"] = f"{environment.get('PGOPTIONS', '')} {options}".strip()
    restore_command = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--file=-",
        str(source),
    ]
    psql_command = [
        _tool("psql"),
        "--no-psqlrc",
        "--quiet",
        "--set=ON_ERROR_STOP=1",
        *arguments,
        f"--dbname={database.name}",
    ]
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        psql = subprocess.Popen(  # noqa: S603 (fixed arguments; the password travels in the environment)
            psql_command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors, env=environment
        )
        restore = subprocess.Popen(  # noqa: S603 (fixed arguments)
            restore_command, stdout=subprocess.PIPE, stderr=restore_errors, env=environment
        )
        assert psql.stdin is not None and restore.stdout is not None
        complete = False
        try:
            psql.stdin.write(b"BEGIN;\n" + RESTORE_PRELUDE.encode())
            shutil.copyfileobj(restore.stdout, psql.stdin, 1 << 20)
            complete = restore.wait() == 0
            if complete:
                # Only a complete script is committed; psql ending without COMMIT rolls it all back.
                psql.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error: its transaction is rolled back
        finally:
            restore.stdout.close()
            if restore.poll() is None:
                restore.kill()
            restore.wait()
            with suppress(BrokenPipeError):
                psql.stdin.close()
            psql.wait()
        # psql's error first: when it stops, pg_restore is cut off and fails for that reason only.
        if psql.returncode != 0:
            psql_errors.seek(0)
            raise _failure("psql", psql_errors.read())
        if restore.returncode != 0 or not complete:
            restore_errors.seek(0)
            raise _failure("pg_restore", restore_errors.read())


# --- SQLite -------------------------------------------------------------------------


def _sqlite_copy(*, source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(_("The SQLite database %(path)s does not exist.") % {"path": source})
    try:
        with closing(_sqlite(source)) as origin, closing(_sqlite(target)) as copy:
            origin.backup(copy)  # in one step: a snapshot under one read lock
    except sqlite3.Error as error:
        raise BackupError(_("The SQLite backup failed: %(reason)s") % {"reason": error}) from error


def _sqlite_restore(*, source: Path, target: Path) -> None:
    try:
        with closing(_sqlite(source)) as origin:
            if origin.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(_("%(path)s is damaged: its integrity check failed.") % {"path": source})
            target.parent.mkdir(parents=True, exist_ok=True)
            with closing(_sqlite(target)) as live:
                origin.backup(live)  # one write transaction on the live database
    except sqlite3.Error as error:
        raise BackupError(_("The SQLite restore failed: %(reason)s") % {"reason": error}) from error


def _sqlite(path: Path) -> sqlite3.Connection:
    """A connection that waits for locks as long as the application's do."""
    return sqlite3.connect(path, timeout=20)
