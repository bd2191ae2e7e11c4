"""The status machine: every illegal move is refused, by the table and by each verb."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory, StaffFactory
from quotations.errors import QuotationError
from quotations.factories import ClientFactory, HotelFactory, quotation_make
from quotations.models import HotelInvitation, Quotation, QuotationExtra, QuotationLog, QuotationPricing
from quotations.models import QuotationStatus as S
from quotations.services import (
    invitation_remind,
    invitation_resend,
    invitation_withdraw,
    quotation_approve,
    quotation_cancel,
    quotation_close_bidding,
    quotation_decline,
    quotation_expire,
    quotation_extend_deadline,
    quotation_extra_add,
    quotation_invite_hotels,
    quotation_mark_booked,
    quotation_price,
    quotation_request_changes,
    quotation_revise,
    quotation_send,
    quotation_update,
)
from quotations.workflow import ACTIONS, TRANSITIONS, Action, action_allowed, actions_allowed, transition_check

ALL = list(S.values)


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(S.values)
    assert all(set(targets) <= set(S.values) for targets in TRANSITIONS.values())


def test_derived_transitions_are_the_documented_status_machine():
    # The diagram in the README, written out by hand: the table of actions must produce exactly it.
    assert {
        S.DRAFT: {S.BIDDING, S.CANCELLED},
        S.BIDDING: {S.QUOTED, S.CANCELLED},
        S.QUOTED: {S.SENT, S.BIDDING, S.CANCELLED},
        S.SENT: {S.APPROVED, S.CHANGES_REQUESTED, S.DECLINED, S.EXPIRED, S.CANCELLED},
        S.CHANGES_REQUESTED: {S.QUOTED, S.BIDDING, S.CANCELLED},
        S.APPROVED: {S.BOOKED, S.CANCELLED},
        S.BOOKED: {S.CANCELLED},
        S.EXPIRED: {S.QUOTED, S.CANCELLED},
        S.DECLINED: set(),
        S.CANCELLED: set(),
    } == TRANSITIONS


def test_terminal_statuses_allow_nothing():
    assert actions_allowed(S.DECLINED) == frozenset()
    assert actions_allowed(S.CANCELLED) == frozenset()


def test_terminal_statuses_go_nowhere():
    assert TRANSITIONS[S.DECLINED] == frozenset()
    assert TRANSITIONS[S.CANCELLED] == frozenset()


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_table_refuses_every_move_it_does_not_list(source, target):
    if target in TRANSITIONS[source]:
        transition_check(source=source, target=target)
    else:
        with pytest.raises(QuotationError) as refused:
            transition_check(source=source, target=target)
        assert refused.value.code == "illegal_transition"


# Every action of the table, with the service that performs it. Walking the table: in a
# status the action does not allow, the service must raise, leave the status as it was and
# log nothing; in a status it allows, it must do it and move exactly as the table says.
def _invite(q, staff, contact):
    hotel = HotelFactory(city="Sevilla")
    return quotation_invite_hotels(
        quotation=q, hotels=[hotel], by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=5)
    )


def _frozen_pricing(q) -> None:
    # A frozen pricing as quotation_price would leave it; pricing itself is tested elsewhere.
    QuotationPricing.objects.create(
        quotation=q,
        currency="EUR",
        margin_percent=q.margin_percent,
        hotel_cost_total=Decimal("6000.00"),
        extras_per_person=Decimal("0.00"),
        cost_per_person=Decimal("300.00"),
        price_per_person=Decimal("345.00"),
        price_total=Decimal("6900.00"),
        bids_valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )


def _send(q, staff, contact):
    _frozen_pricing(q)
    return quotation_send(quotation=q, valid_until=timezone.localdate() + datetime.timedelta(days=10), by=staff)


def _approve(q, staff, contact):
    # An approval creates the booking from the quote's price (bookings' hook), as a sent quote has one.
    _frozen_pricing(q)
    return quotation_approve(quotation=q, by=contact)


def _withdraw_hotel(q, staff, contact):
    # Test-only write: an invitation in any status of the quotation, to reach every cell.
    invitation = HotelInvitation.objects.create(quotation=q, hotel=HotelFactory(city="Sevilla"), invited_by=staff)
    return invitation_withdraw(invitation=invitation, reason="Sin respuesta", by=staff)


def _resend_invitation(q, staff, contact):
    invitation = HotelInvitation.objects.create(quotation=q, hotel=HotelFactory(city="Sevilla"), invited_by=staff)
    return invitation_resend(invitation=invitation, by=staff)


def _remind_hotel(q, staff, contact):
    invitation = HotelInvitation.objects.create(quotation=q, hotel=HotelFactory(city="Sevilla"), invited_by=staff)
    return invitation_remind(invitation=invitation, by=staff)


def _price(q, staff, contact):
    # No bids: where pricing is allowed the service gets as far as finding no offer.
    try:
        quotation_price(quotation=q, by=staff)
    except QuotationError as refused:
        if refused.code != "no_offer":
            raise


VERBS = {
    Action.INVITE: _invite,
    Action.CLOSE_BIDDING: lambda q, staff, contact: quotation_close_bidding(quotation=q, by=staff),
    Action.EXTEND_DEADLINE: lambda q, staff, contact: quotation_extend_deadline(
        quotation=q, bid_deadline=timezone.now() + datetime.timedelta(days=30), by=staff
    ),
    Action.WITHDRAW_HOTEL: _withdraw_hotel,
    Action.RESEND_INVITATION: _resend_invitation,
    Action.REMIND_HOTEL: _remind_hotel,
    Action.EDIT_TERMS: lambda q, staff, contact: quotation_update(
        quotation=q, margin_percent=Decimal("21.50"), by=staff
    ),
    Action.EDIT_DETAILS: lambda q, staff, contact: quotation_update(
        quotation=q, notes="Dos sillas de ruedas", by=staff
    ),
    Action.EDIT_EXTRAS: lambda q, staff, contact: quotation_extra_add(
        quotation=q, kind="guide", description="Guía local", amount_per_person=Decimal("9.00"), by=staff
    ),
    Action.PRICE: _price,
    Action.SEND: _send,
    Action.REVISE: lambda q, staff, contact: quotation_revise(quotation=q, by=staff),
    Action.APPROVE: _approve,
    Action.REQUEST_CHANGES: lambda q, staff, contact: quotation_request_changes(
        quotation=q, message="Una noche más en Granada", by=contact
    ),
    Action.DECLINE: lambda q, staff, contact: quotation_decline(quotation=q, reason="Presupuesto", by=contact),
    Action.EXPIRE: lambda q, staff, contact: quotation_expire(quotation=q),
    Action.CANCEL: lambda q, staff, contact: quotation_cancel(quotation=q, reason="El grupo no viaja", by=staff),
    Action.MARK_BOOKED: lambda q, staff, contact: quotation_mark_booked(quotation=q),
}


def test_every_action_of_the_table_has_a_service_here():
    assert set(VERBS) == set(ACTIONS) == set(Action)


@pytest.fixture
def parties(db):
    staff = StaffFactory(staff_level=8)
    contact = ClientContactFactory()
    client = ClientFactory(contacts=[contact])
    return staff, contact, client


def _in_status(status, staff, client) -> Quotation:
    quotation = quotation_make(client=client, owner=staff)
    # Only this test puts a quotation straight into a status, to reach every cell.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    valid_until = yesterday if status in {S.SENT, S.EXPIRED} else timezone.localdate() + datetime.timedelta(days=10)
    Quotation.objects.filter(pk=quotation.pk).update(
        status=status, bid_deadline=timezone.now() + datetime.timedelta(days=3), valid_until=valid_until
    )
    quotation.refresh_from_db()
    return quotation


ILLEGAL = [(action, status) for action in Action for status in ALL if not action_allowed(action, status)]
LEGAL = [(action, status) for action in Action for status in ALL if action_allowed(action, status)]


def _footprint(quotation: Quotation) -> tuple:
    quotation.refresh_from_db()
    return (
        quotation.status,
        quotation.margin_percent,
        quotation.notes,
        quotation.invitations.exclude(status="invited").count(),
        QuotationExtra.objects.filter(quotation=quotation).count(),
        QuotationLog.objects.filter(quotation=quotation).count(),
    )


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
def test_action_refused_in_a_status_the_table_does_not_allow_and_writes_nothing(parties, action, status):
    # given
    staff, contact, client = parties
    quotation = _in_status(status, staff, client)
    before = _footprint(quotation)
    # when
    with pytest.raises(QuotationError) as refused:
        VERBS[action](quotation, staff, contact)
    # then
    assert refused.value.code == "illegal_transition"
    assert _footprint(quotation) == before


# Where each action leads, written out by hand (None: the status stays as it is).
EXPECTED_TARGET = {
    Action.INVITE: S.BIDDING,
    Action.CLOSE_BIDDING: S.QUOTED,
    Action.EXTEND_DEADLINE: S.BIDDING,
    Action.WITHDRAW_HOTEL: None,
    Action.RESEND_INVITATION: None,
    Action.REMIND_HOTEL: None,
    Action.EDIT_TERMS: None,
    Action.EDIT_DETAILS: None,
    Action.EDIT_EXTRAS: None,
    Action.PRICE: None,  # without bids the price is refused: no move
    Action.SEND: S.SENT,
    Action.REVISE: S.QUOTED,
    Action.APPROVE: S.APPROVED,
    Action.REQUEST_CHANGES: S.CHANGES_REQUESTED,
    Action.DECLINE: S.DECLINED,
    Action.EXPIRE: S.EXPIRED,
    Action.CANCEL: S.CANCELLED,
    Action.MARK_BOOKED: S.BOOKED,
}


@pytest.mark.parametrize(("action", "status"), LEGAL)
def test_action_allowed_by_the_table_is_done_and_moves_as_the_table_says(parties, action, status):
    # given: a sent quote still valid, except for expiry, which needs a past date
    staff, contact, client = parties
    quotation = _in_status(status, staff, client)
    if action != Action.EXPIRE:
        Quotation.objects.filter(pk=quotation.pk).update(valid_until=timezone.localdate() + datetime.timedelta(days=5))
        quotation.refresh_from_db()
    # when
    VERBS[action](quotation, staff, contact)
    # then
    quotation.refresh_from_db()
    assert quotation.status == (EXPECTED_TARGET[action] or status)
    moves = QuotationLog.objects.filter(quotation=quotation, data__to=quotation.status)
    if status == quotation.status:
        assert moves.count() == 0  # inviting more hotels while bidding is not a move
    else:
        assert list(moves.values_list("data__from", flat=True)) == [status]
