"""Replace the database with a backup (spirittours/backups.py says how).

    python manage.py restore_database [FILE] [--dir PATH] [--database ALIAS] [--noinput] [--force]

Without FILE, the newest backup of this database in BACKUP_DIR. Stop web, worker and
beat first: on PostgreSQL the command refuses while other sessions use the database.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import Error as DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from spirittours.backups import (
    BackupError,
    Database,
    backup_directory,
    backup_latest,
    backup_restore,
    backup_sessions_other,
)


class Command(BaseCommand):
    help = (
        "Replace the database with a backup: the file given, or the newest in BACKUP_DIR. "
        "Stop web, worker and beat first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="The backup file (default: the newest).")
        parser.add_argument("--dir", dest="directory", help="The backup folder, instead of BACKUP_DIR.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to replace.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even while other sessions are connected to the database.",
        )

    def handle(
        self,
        *args,
        file: str | None,
        directory: str | None,
        database: str,
        interactive: bool,
        force: bool,
        **options,
    ) -> None:
        connection = connections[database]
        try:
            target = Database.from_settings(connection.settings_dict)
            folder = Path(directory) if directory else backup_directory()
            path = Path(file) if file else backup_latest(database=target, directory=folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": path})
        try:
            others = backup_sessions_other(connection=connection)
        except DatabaseError as error:
            raise CommandError(
                _("Cannot connect to %(database)s: %(reason)s") % {"database": target.label, "reason": error}
            ) from error
        finally:
            connection.close()  # our own session must not stand in the restore's way either
        if others and not force:
            raise CommandError(
                ngettext(
                    "%(count)d other session is connected to %(database)s (%(sessions)s). Stop web, worker "
                    "and beat first, or add --force. Nothing was changed.",
                    "%(count)d other sessions are connected to %(database)s (%(sessions)s). Stop web, worker "
                    "and beat first, or add --force. Nothing was changed.",
                    len(others),
                )
                % {"count": len(others), "database": target.label, "sessions": ", ".join(others)}
            )
        if interactive:
            answer = input(
                _(
                    "Every table of %(database)s will be replaced with the content of %(path)s.\n"
                    "Type 'yes' to continue, or 'no' to cancel: "
                )
                % {"database": target.label, "path": path}
            )
            if answer != "yes":
                self.stdout.write(_("Restore cancelled. Nothing was changed."))
                return
        try:
            backup_restore(database=target, path=path)
        except BackupError as error:
            raise CommandError(_("%(reason)s The database was left as it was.") % {"reason": error}) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Database %(database)s restored from %(path)s.") % {"database": target.label, "path": path}
            )
        )
