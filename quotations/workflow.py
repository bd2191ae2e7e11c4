"""The quotation status machine: one table of allowed transitions.

Services are the only writers of `Quotation.status`; they all go through
`quotation_transition`, which refuses any move not in this table.
"""

from django.utils.translation import gettext as _

from quotations.errors import QuotationError
from quotations.models import QuotationStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.BIDDING, S.CANCELLED}),
    S.BIDDING: frozenset({S.QUOTED, S.CANCELLED}),
    S.QUOTED: frozenset({S.SENT, S.BIDDING, S.CANCELLED}),
    S.SENT: frozenset({S.APPROVED, S.CHANGES_REQUESTED, S.DECLINED, S.EXPIRED, S.CANCELLED}),
    S.CHANGES_REQUESTED: frozenset({S.QUOTED, S.BIDDING, S.CANCELLED}),
    S.APPROVED: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.CANCELLED}),
    S.EXPIRED: frozenset({S.QUOTED, S.CANCELLED}),
    S.DECLINED: frozenset(),
    S.CANCELLED: frozenset(),
}


def transition_allowed(*, source: str, target: str) -> bool:
    return target in TRANSITIONS[source]


def transition_check(*, source: str, target: str) -> None:
    """Raise QuotationError unless `source -> target` is in the table."""
    if not transition_allowed(source=source, target=target):
        transition_refuse(source=source, target=target)


def transition_refuse(*, source: str, target: str) -> None:
    raise QuotationError(
        _("A quotation in status “%(source)s” cannot become “%(target)s”.")
        % {"source": S(source).label, "target": S(target).label},
        code="illegal_transition",
    )
