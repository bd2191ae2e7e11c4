"""What happened on a quotation, for staff: one list built from the audit log and the room's messages.

Each audit action is shown by one entry of `_TITLES`; an action without an
entry (a kind another app logs) is shown by its name, never by its data, so
nothing in a log row reaches the page unless this module chose it. The
margin is never read from the log: staff below the margin level use the
same timeline.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from quotations.models import Quotation, QuotationLog, QuotationStatus, RoomMessage
from quotations.privacy.access import Viewer, ViewerKind
from quotations.privacy.presented import Label, Presented
from spirittours.errors import NotVisible

TIMELINE_LIMIT = 100


class TimelineKind(StrEnum):
    STATUS = "status"
    REQUEST = "request"  # the client asked for changes or declined
    HOTEL = "hotel"  # an invitation was created, viewed, declined, withdrawn, resent
    BID = "bid"
    MESSAGE = "message"
    OTHER = "other"


@dataclass(frozen=True)
class TimelineEntry(Presented):
    kind: TimelineKind
    action: str  # the audit action, or "message.posted"
    title: Label
    detail: str  # the client's or hotel's own words, a reason, a message body; "" when none
    who: str  # "" when the system did it
    at: datetime.datetime


@dataclass(frozen=True)
class PresentedTimeline(Presented):
    entries: tuple[TimelineEntry, ...]  # newest first
    client_requests: tuple[TimelineEntry, ...]  # newest first: what the client asked for, or why it declined


def _hotel_titles() -> dict[str, tuple[TimelineKind, str]]:
    return {
        "invitation.created": (TimelineKind.HOTEL, _("%(hotel)s was invited")),
        "invitation.viewed": (TimelineKind.HOTEL, _("%(hotel)s opened the invitation")),
        "invitation.declined": (TimelineKind.HOTEL, _("%(hotel)s declined the invitation")),
        "invitation.withdrawn": (TimelineKind.HOTEL, _("%(hotel)s was taken out of the bidding")),
        "invitation.resent": (TimelineKind.HOTEL, _("The invitation was emailed again to %(hotel)s")),
        "invitation.reminded": (TimelineKind.HOTEL, _("%(hotel)s was reminded of the deadline")),
        "bid.submitted": (TimelineKind.BID, _("%(hotel)s bid (revision %(revision)s)")),
        "bid.revised": (TimelineKind.BID, _("%(hotel)s revised its bid (revision %(revision)s)")),
        "bid.withdrawn": (TimelineKind.BID, _("%(hotel)s withdrew its bid (revision %(revision)s)")),
    }


def _quotation_titles() -> dict[str, tuple[TimelineKind, str]]:
    return {
        "quotation.created": (TimelineKind.OTHER, _("Quotation created")),
        "quotation.duplicated": (TimelineKind.OTHER, _("Copied from %(reference)s")),
        "quotation.edited": (TimelineKind.OTHER, _("Details corrected")),
        "quotation.deadline_changed": (TimelineKind.OTHER, _("Bid deadline moved")),
        "quote.computed": (TimelineKind.OTHER, _("Quote priced")),
        "extra.added": (TimelineKind.OTHER, _("Extra added")),
        "extra.removed": (TimelineKind.OTHER, _("Extra removed")),
        "quotation.changes_requested": (TimelineKind.REQUEST, _("The client asked for changes")),
        "quotation.declined": (TimelineKind.REQUEST, _("The client declined the quote")),
        # Written by `manage.py import_legacy` on each quotation and booking it brought in.
        "legacy.imported": (TimelineKind.OTHER, _("Imported from the old system")),
    }


# The words of the client or hotel (or the staff's reason) each action keeps, by data key.
_DETAIL_KEY = {
    "quotation.changes_requested": "message",
    "quotation.declined": "reason",
    "quotation.cancelled": "reason",
    "invitation.declined": "reason",
    "invitation.withdrawn": "reason",
}


def _who(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


def _log_entry(row: QuotationLog, hotels: dict[int, str]) -> TimelineEntry:
    data = row.data if isinstance(row.data, dict) else {}
    detail = str(data.get(_DETAIL_KEY.get(row.action, ""), "") or "")
    hotel_titles = _hotel_titles()
    if row.action in hotel_titles:
        kind, template = hotel_titles[row.action]
        title = template % {"hotel": hotels.get(data.get("invitation"), "?"), "revision": data.get("revision", "")}
    elif row.action in _quotation_titles():
        kind, template = _quotation_titles()[row.action]
        title = template % {"reference": data.get("reference", "")} if "%(" in template else template
    elif "from" in data and "to" in data and data["to"] in QuotationStatus.values:
        kind = TimelineKind.STATUS
        title = _("Status: %(status)s") % {"status": QuotationStatus(data["to"]).label}
    else:
        kind, title = TimelineKind.OTHER, row.action
    return TimelineEntry(
        kind=kind, action=row.action, title=title, detail=detail, who=_who(row.actor), at=row.created_at
    )


def _message_entry(message: RoomMessage) -> TimelineEntry:
    if message.audience == "staff":
        title = _("Message to our team")
    elif message.audience == "client":
        title = _("Message to the client")
    elif message.audience == "hotel":
        title = _("Message to %(hotel)s") % {"hotel": message.hotel.name if message.hotel else "?"}
    else:
        title = _("Message to every invited hotel")
    author = _who(message.author)
    if message.author_kind == "hotel" and message.hotel is not None:
        author = f"{author} ({message.hotel.name})"
    return TimelineEntry(
        kind=TimelineKind.MESSAGE,
        action="message.posted",
        title=title,
        detail=message.body,
        who=author,
        at=message.created_at,
    )


def present_timeline_for_staff(*, viewer: Viewer, quotation: Quotation) -> PresentedTimeline:
    """Status changes, client requests, hotels' moves, bids and messages, newest first."""
    if viewer.kind != ViewerKind.STAFF:
        raise NotVisible
    hotels = dict(quotation.invitations.values_list("pk", "hotel__name"))
    rows = QuotationLog.objects.filter(quotation=quotation).select_related("actor").order_by("-created_at", "-id")
    messages = (
        RoomMessage.objects.filter(quotation=quotation)
        .select_related("author", "hotel")
        .order_by("-created_at", "-id")[:TIMELINE_LIMIT]
    )
    entries = [_log_entry(row, hotels) for row in rows[:TIMELINE_LIMIT]]
    entries += [_message_entry(message) for message in messages]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    requests = tuple(
        _log_entry(row, hotels) for row in rows.filter(action__in=("quotation.changes_requested", "quotation.declined"))
    )
    return PresentedTimeline(entries=tuple(entries[:TIMELINE_LIMIT]), client_requests=requests)
