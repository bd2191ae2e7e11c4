"""Write a backup of the database (spirittours/backups.py says how, and what it holds).

python manage.py backup_database [--keep N] [--dir PATH] [--database ALIAS]
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from spirittours.backups import BackupError, Database, backup_create, backup_directory, backup_prune


class Command(BaseCommand):
    help = "Write a backup of the database into BACKUP_DIR (var/backups/ by default), named with the UTC time."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="Then remove all but the newest N backups of this database.",
        )
        parser.add_argument("--dir", dest="directory", help="The backup folder, instead of BACKUP_DIR.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to back up.")

    def handle(self, *args, keep: int | None, directory: str | None, database: str, **options) -> None:
        if keep is not None and keep < 1:
            raise CommandError(_("--keep must be at least 1."))
        folder = Path(directory) if directory else backup_directory()
        try:
            target = Database.from_settings(connections[database].settings_dict)
            path = backup_create(database=target, directory=folder)
            removed = backup_prune(database=target, directory=folder, keep=keep) if keep else []
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Backup of %(database)s written: %(path)s (%(size)s).")
                % {"database": target.label, "path": path, "size": filesizeformat(path.stat().st_size)}
            )
        )
        if removed:
            self.stdout.write(
                ngettext(
                    "Removed %(count)d older backup, keeping the newest %(keep)d:",
                    "Removed %(count)d older backups, keeping the newest %(keep)d:",
                    len(removed),
                )
                % {"count": len(removed), "keep": keep}
            )
            for old in removed:
                self.stdout.write("  " + old.name)
