"""The rules of the quotation's life: one table of actions, one rule for hotels.

`ACTIONS` says, for every verb, who performs it, in which statuses it is
allowed and which status it leads to. Everything else is derived from it: the
table of allowed transitions, each service's allowed source statuses, the
buttons on the staff page and the admin's actions. Services are the only
writers of `Quotation.status` and check every move against this module.

`hotel_may_act` is the one answer to "may this hotel still act on this
invitation?" (bid, revise, withdraw its bid, decline), used by the services,
the privacy module, the pages and the admin alike.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quotations.errors import QuotationError
from quotations.models import HotelInvitation, InvitationStatus, Quotation
from quotations.models import QuotationStatus as S


class Actor(StrEnum):
    STAFF = "staff"
    CLIENT = "client"
    SYSTEM = "system"


class Action(StrEnum):
    INVITE = "invite"
    CLOSE_BIDDING = "close_bidding"
    EXTEND_DEADLINE = "extend_deadline"
    WITHDRAW_HOTEL = "withdraw_hotel"
    RESEND_INVITATION = "resend_invitation"
    REMIND_HOTEL = "remind_hotel"
    EDIT_TERMS = "edit_terms"
    EDIT_DETAILS = "edit_details"
    EDIT_EXTRAS = "edit_extras"
    PRICE = "price"
    REVISE = "revise"
    SEND = "send"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    DECLINE = "decline"
    EXPIRE = "expire"
    CANCEL = "cancel"
    MARK_BOOKED = "mark_booked"


@dataclass(frozen=True)
class ActionRule:
    """One verb: who may perform it, from which statuses, and where it leads.

    `target` is the status the verb moves the quotation to; a verb allowed in
    its own target status (inviting more hotels while bidding, pricing a quote
    again) leaves the status as it is there. `target=None` never moves it.
    """

    action: Action
    actors: frozenset[Actor]
    sources: frozenset[str]
    target: str | None
    label: Promise
    refusal: Promise | None = None  # what a refused call says; a move's refusal by default

    def target_from(self, source: str) -> str | None:
        """The status this verb leads to from `source`, or None when it stays."""
        return None if self.target in (None, source) else self.target


def _rule(action, actors, sources, target, label, refusal=None) -> ActionRule:
    return ActionRule(
        action=action,
        actors=frozenset(actors),
        sources=frozenset(sources),
        target=target,
        label=label,
        refusal=refusal,
    )


STAFF, CLIENT, SYSTEM = Actor.STAFF, Actor.CLIENT, Actor.SYSTEM
OPEN = (S.DRAFT, S.BIDDING, S.QUOTED, S.SENT, S.CHANGES_REQUESTED, S.APPROVED, S.BOOKED, S.EXPIRED)

ACTIONS: dict[Action, ActionRule] = {
    rule.action: rule
    for rule in (
        _rule(
            Action.INVITE,
            {STAFF},
            {S.DRAFT, S.BIDDING},
            S.BIDDING,
            gettext_lazy("Invite hotels"),
            gettext_lazy("Hotels can only be invited while the quotation is a draft or open for bids."),
        ),
        _rule(Action.CLOSE_BIDDING, {STAFF, SYSTEM}, {S.BIDDING}, S.QUOTED, gettext_lazy("Close bidding")),
        _rule(
            Action.EXTEND_DEADLINE,
            {STAFF},
            {S.BIDDING, S.QUOTED, S.CHANGES_REQUESTED},
            S.BIDDING,
            gettext_lazy("Extend the bid deadline"),
        ),
        _rule(
            Action.WITHDRAW_HOTEL,
            {STAFF},
            {S.DRAFT, S.BIDDING},
            None,
            gettext_lazy("Take out of the bidding"),
            gettext_lazy("Hotels can only be taken out while bidding is open."),
        ),
        # Emailing a hotel its link again, or reminding it of the deadline, while it may still bid.
        _rule(
            Action.RESEND_INVITATION,
            {STAFF},
            {S.BIDDING},
            None,
            gettext_lazy("Email the invitation again"),
            gettext_lazy("Invitations can only be sent again while bidding is open."),
        ),
        _rule(
            Action.REMIND_HOTEL,
            {STAFF},
            {S.BIDDING},
            None,
            gettext_lazy("Remind of the deadline"),
            gettext_lazy("Hotels can only be reminded while bidding is open."),
        ),
        # Before the client has seen the quote, its client and margin may still be corrected;
        # the group's name, owner and notes while it is open.
        _rule(
            Action.EDIT_TERMS, {STAFF}, {S.DRAFT, S.BIDDING, S.QUOTED}, None, gettext_lazy("Change client or margin")
        ),
        _rule(Action.EDIT_DETAILS, {STAFF}, OPEN, None, gettext_lazy("Edit")),
        # Extras may change until the client has the quote in hand.
        _rule(
            Action.EDIT_EXTRAS,
            {STAFF},
            {S.DRAFT, S.BIDDING, S.QUOTED, S.CHANGES_REQUESTED, S.EXPIRED},
            None,
            gettext_lazy("Extras"),
            gettext_lazy("Extras cannot change once the quote is with the client."),
        ),
        _rule(
            Action.PRICE,
            {STAFF},
            {S.QUOTED, S.CHANGES_REQUESTED, S.EXPIRED},
            S.QUOTED,
            gettext_lazy("Price the quote"),
            gettext_lazy("A quote can be priced once bidding is closed and before it is sent."),
        ),
        _rule(Action.REVISE, {STAFF}, {S.CHANGES_REQUESTED, S.EXPIRED}, S.QUOTED, gettext_lazy("Revise the quote")),
        _rule(Action.SEND, {STAFF}, {S.QUOTED}, S.SENT, gettext_lazy("Send to client")),
        _rule(Action.APPROVE, {CLIENT, STAFF}, {S.SENT}, S.APPROVED, gettext_lazy("Approve")),
        _rule(Action.REQUEST_CHANGES, {CLIENT, STAFF}, {S.SENT}, S.CHANGES_REQUESTED, gettext_lazy("Ask for changes")),
        _rule(Action.DECLINE, {CLIENT, STAFF}, {S.SENT}, S.DECLINED, gettext_lazy("Decline")),
        _rule(Action.EXPIRE, {SYSTEM, STAFF}, {S.SENT}, S.EXPIRED, gettext_lazy("Expire")),
        _rule(Action.CANCEL, {STAFF}, OPEN, S.CANCELLED, gettext_lazy("Cancel")),
        # Booked when the booking is confirmed (its deposit paid): the system's move, never staff's by hand.
        _rule(Action.MARK_BOOKED, {SYSTEM}, {S.APPROVED}, S.BOOKED, gettext_lazy("Mark as booked")),
    )
}


def _transitions() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {status: set() for status in S.values}
    for rule in ACTIONS.values():
        for source in rule.sources:
            target = rule.target_from(source)
            if target is not None:
                table[source].add(target)
    return {source: frozenset(targets) for source, targets in table.items()}


# Derived, never written by hand: every move some action makes.
TRANSITIONS: dict[str, frozenset[str]] = _transitions()


def action_allowed(action: Action, status: str) -> bool:
    return status in ACTIONS[action].sources


def actions_allowed(status: str) -> frozenset[Action]:
    return frozenset(action for action, rule in ACTIONS.items() if status in rule.sources)


def action_check(action: Action, status: str) -> str | None:
    """Raise QuotationError unless `action` is allowed in `status`; return the status it leads to."""
    rule = ACTIONS[action]
    if status not in rule.sources and rule.refusal is not None:
        raise QuotationError(rule.refusal, code="illegal_transition")
    if status not in rule.sources and rule.target is not None:
        transition_refuse(source=status, target=rule.target)
    if status not in rule.sources:
        raise QuotationError(
            _("A quotation in status “%(status)s” does not allow this: %(action)s.")
            % {"status": S(status).label, "action": rule.label},
            code="illegal_transition",
        )
    target = rule.target_from(status)
    if target is not None:
        transition_check(source=status, target=target)
    return target


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


# --- Hotels ------------------------------------------------------------------------

# A hotel staff took out of the bidding loses sight of the group altogether.
HIDDEN_FROM_HOTEL = frozenset({InvitationStatus.WITHDRAWN})
# Neither a hotel that declined nor one taken out may bid, revise, withdraw or decline.
CLOSED_TO_HOTEL = frozenset({InvitationStatus.DECLINED, InvitationStatus.WITHDRAWN})


def hotel_refusal(
    *, quotation: Quotation, invitation: HotelInvitation, now: datetime.datetime
) -> QuotationError | None:
    """Why this hotel may no longer act on this invitation, or None when it may.

    Pass the locked rows when deciding a write: the caller's copies may be stale.
    """
    if invitation.status == InvitationStatus.WITHDRAWN:
        return QuotationError(_("This hotel was taken out of the bidding."), code="withdrawn")
    if invitation.status == InvitationStatus.DECLINED:
        return QuotationError(_("This invitation was declined; no bid can be made on it."), code="declined")
    if quotation.status != S.BIDDING:
        return QuotationError(_("Bidding is closed for this quotation."), code="closed")
    if quotation.bid_deadline is None or now >= quotation.bid_deadline:
        return QuotationError(_("The bid deadline has passed."), code="closed")
    return None


def hotel_may_act(*, quotation: Quotation, invitation: HotelInvitation, now: datetime.datetime) -> bool:
    """May the hotel still bid, revise, withdraw its bid or decline on this invitation?"""
    return hotel_refusal(quotation=quotation, invitation=invitation, now=now) is None


def hotel_act_check(*, quotation: Quotation, invitation: HotelInvitation, now: datetime.datetime) -> None:
    refusal = hotel_refusal(quotation=quotation, invitation=invitation, now=now)
    if refusal is not None:
        raise refusal


def hotel_may_see(*, invitation: HotelInvitation) -> bool:
    """May the hotel still see the invitation (its page, its room, its messages)?"""
    return invitation.status not in HIDDEN_FROM_HOTEL


def hotel_staff_actions(
    *, quotation: Quotation, invitation: HotelInvitation, now: datetime.datetime
) -> frozenset[Action]:
    """What staff may do on the staff page for one invited hotel.

    The quotation's status decides through the table of actions; the hotel's own
    state through the hotel rule: a hotel that declined or was taken out is not
    emailed again, and only a hotel that may still bid and has not is reminded.
    Staff enter a bid for a hotel exactly when the hotel itself could: `hotel_may_act`.
    """
    actions = set()
    if invitation.status not in CLOSED_TO_HOTEL and action_allowed(Action.RESEND_INVITATION, quotation.status):
        actions.add(Action.RESEND_INVITATION)
    may_act = hotel_may_act(quotation=quotation, invitation=invitation, now=now)
    if may_act and invitation.status != InvitationStatus.BID and action_allowed(Action.REMIND_HOTEL, quotation.status):
        actions.add(Action.REMIND_HOTEL)
    if invitation.status != InvitationStatus.WITHDRAWN and action_allowed(Action.WITHDRAW_HOTEL, quotation.status):
        actions.add(Action.WITHDRAW_HOTEL)
    return frozenset(actions)
