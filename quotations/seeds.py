"""The quotations demo: staff, clients, hotels and quotations in every status (see quotations/demo.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from quotations.demo import demo_seed
from quotations.models import QuotationStatus
from spirittours.seeding import SeedLogin, SeedResult, SeedStep

SEED_STEPS = [SeedStep(name="quotations", order=30, run="quotations.seeds.quotations_seed")]


def quotations_seed() -> SeedResult:
    summary = demo_seed()
    headline = ngettext(
        "Demo data ready: %(count)d quotation created by this run.",
        "Demo data ready: %(count)d quotations created by this run.",
        summary.quotations_created,
    ) % {"count": summary.quotations_created}
    facts = [
        _("Clients: %(count)d") % {"count": summary.clients},
        _("Hotels: %(count)d") % {"count": summary.hotels},
        _("Quotations by status:"),
    ]
    width = max(len(str(status.label)) for status in QuotationStatus)
    facts += [
        "  " + str(status.label).ljust(width) + "  " + str(summary.quotations_by_status[status.value])
        for status in QuotationStatus
    ]
    facts.append("  " + _("Total").ljust(width) + "  " + str(sum(summary.quotations_by_status.values())))
    logins = [SeedLogin(role=login.role, email=login.email, password=login.password) for login in summary.logins]
    return SeedResult(headline=headline, logins=logins, facts=facts)
