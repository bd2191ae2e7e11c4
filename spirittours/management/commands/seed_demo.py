from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from spirittours.seeding import SeedLogin, SeedResult, seed_run


class Command(BaseCommand):
    # argparse needs plain strings for the help texts.
    help = (
        "Load the demo dataset (staff, clients, hotels, quotations in every status). Running it again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even though DEBUG is False (the demo users share a published password).",
        )

    def handle(self, *args, allow_production: bool, **options) -> None:
        # The demo includes a superuser whose password is printed below and kept in the code.
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                _(
                    "DEBUG is False: refusing to load demo users, a superuser among them, whose password is "
                    "published. Nothing was written. Add --allow-production if this is really a demo site."
                )
            )
        results = seed_run()
        for result in results:
            self.stdout.write(self.style.SUCCESS(result.headline))
        self._logins_write([login for result in results for login in result.logins])
        self._facts_write(results)
        if not settings.DEBUG:
            self.stderr.write(
                self.style.WARNING(
                    _("DEBUG is False: change or remove the demo users before real people use this site.")
                )
            )

    def _logins_write(self, logins: list[SeedLogin]) -> None:
        if not logins:
            return
        rows = [(_("Role"), _("Email"), _("Password"))]
        rows += [(login.role, login.email, login.password) for login in logins]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Logins")))
        for index, row in enumerate(rows):
            self.stdout.write("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))

    def _facts_write(self, results: list[SeedResult]) -> None:
        facts = [fact for result in results for fact in result.facts]
        if not facts:
            return
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("In the database")))
        for fact in facts:
            self.stdout.write("  " + fact)
