from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from quotations.demo import DemoSummary, demo_seed
from quotations.models import QuotationStatus


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the demo dataset (staff, clients, hotels, quotations in every status). Running it again changes nothing."
    )

    def handle(self, *args, **options) -> None:
        summary = demo_seed()
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Demo data ready: %(count)d quotation created by this run.",
                    "Demo data ready: %(count)d quotations created by this run.",
                    summary.quotations_created,
                )
                % {"count": summary.quotations_created}
            )
        )
        self._logins_write(summary)
        self._counts_write(summary)

    def _logins_write(self, summary: DemoSummary) -> None:
        rows = [(_("Role"), _("Email"), _("Password"))]
        rows += [(login.role, login.email, login.password) for login in summary.logins]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Logins")))
        for index, row in enumerate(rows):
            self.stdout.write("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))

    def _counts_write(self, summary: DemoSummary) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("In the database")))
        self.stdout.write("  " + _("Clients: %(count)d") % {"count": summary.clients})
        self.stdout.write("  " + _("Hotels: %(count)d") % {"count": summary.hotels})
        self.stdout.write("  " + _("Quotations by status:"))
        width = max(len(str(status.label)) for status in QuotationStatus)
        for status in QuotationStatus:
            count = summary.quotations_by_status[status.value]
            self.stdout.write("    " + str(status.label).ljust(width) + "  " + str(count))
        total = sum(summary.quotations_by_status.values())
        self.stdout.write("    " + _("Total").ljust(width) + "  " + str(total))
