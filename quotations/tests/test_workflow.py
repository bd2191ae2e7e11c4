"""The status machine: every illegal move is refused, by the table and by each verb."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory, StaffFactory
from quotations.errors import QuotationError
from quotations.factories import ClientFactory, HotelFactory, quotation_make
from quotations.models import Quotation, QuotationLog, QuotationPricing
from quotations.models import QuotationStatus as S
from quotations.services import (
    quotation_approve,
    quotation_cancel,
    quotation_close_bidding,
    quotation_decline,
    quotation_expire,
    quotation_extend_deadline,
    quotation_invite_hotels,
    quotation_mark_booked,
    quotation_request_changes,
    quotation_revise,
    quotation_send,
)
from quotations.workflow import TRANSITIONS, transition_check

ALL = list(S.values)


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(S.values)
    assert all(set(targets) <= set(S.values) for targets in TRANSITIONS.values())


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


# Each verb with the statuses it may start from. A verb called on a quotation in
# any other status must raise, leave the status as it was and log nothing.
def _invite(q, staff, contact):
    hotel = HotelFactory(city="Sevilla")
    return quotation_invite_hotels(
        quotation=q, hotels=[hotel], by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=5)
    )


def _send(q, staff, contact):
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
    return quotation_send(quotation=q, valid_until=timezone.localdate() + datetime.timedelta(days=10), by=staff)


VERBS = {
    "invite_hotels": (_invite, {S.DRAFT, S.BIDDING}),
    "close_bidding": (lambda q, staff, contact: quotation_close_bidding(quotation=q, by=staff), {S.BIDDING}),
    "extend_deadline": (
        lambda q, staff, contact: quotation_extend_deadline(
            quotation=q, bid_deadline=timezone.now() + datetime.timedelta(days=30), by=staff
        ),
        {S.BIDDING, S.QUOTED, S.CHANGES_REQUESTED},
    ),
    "send": (_send, {S.QUOTED}),
    "revise": (lambda q, staff, contact: quotation_revise(quotation=q, by=staff), {S.CHANGES_REQUESTED, S.EXPIRED}),
    "approve": (lambda q, staff, contact: quotation_approve(quotation=q, by=contact), {S.SENT}),
    "request_changes": (
        lambda q, staff, contact: quotation_request_changes(
            quotation=q, message="Una noche más en Granada", by=contact
        ),
        {S.SENT},
    ),
    "decline": (lambda q, staff, contact: quotation_decline(quotation=q, reason="Presupuesto", by=contact), {S.SENT}),
    "expire": (lambda q, staff, contact: quotation_expire(quotation=q), {S.SENT}),
    "cancel": (
        lambda q, staff, contact: quotation_cancel(quotation=q, reason="El grupo no viaja", by=staff),
        set(S.values) - {S.DECLINED, S.CANCELLED},
    ),
    "mark_booked": (lambda q, staff, contact: quotation_mark_booked(quotation=q, by=staff), {S.APPROVED}),
}


@pytest.fixture
def parties(db):
    staff = StaffFactory()
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


ILLEGAL = [(verb, status) for verb, (_, sources) in VERBS.items() for status in ALL if status not in sources]
LEGAL = [(verb, status) for verb, (_, sources) in VERBS.items() for status in sorted(sources)]


@pytest.mark.parametrize(("verb", "status"), ILLEGAL)
def test_verb_refuses_illegal_source_status_and_writes_nothing(parties, verb, status):
    # given
    staff, contact, client = parties
    quotation = _in_status(status, staff, client)
    logs_before = QuotationLog.objects.count()
    call, _ = VERBS[verb]
    # when
    with pytest.raises(QuotationError) as refused:
        call(quotation, staff, contact)
    # then
    assert refused.value.code == "illegal_transition"
    quotation.refresh_from_db()
    assert quotation.status == status
    assert QuotationLog.objects.count() == logs_before
    assert quotation.invitations.count() == 0


EXPECTED_TARGET = {
    "invite_hotels": lambda source: S.BIDDING,
    "close_bidding": lambda source: S.QUOTED,
    "extend_deadline": lambda source: S.BIDDING,
    "send": lambda source: S.SENT,
    "revise": lambda source: S.QUOTED,
    "approve": lambda source: S.APPROVED,
    "request_changes": lambda source: S.CHANGES_REQUESTED,
    "decline": lambda source: S.DECLINED,
    "expire": lambda source: S.EXPIRED,
    "cancel": lambda source: S.CANCELLED,
    "mark_booked": lambda source: S.BOOKED,
}


@pytest.mark.parametrize(("verb", "status"), LEGAL)
def test_verb_moves_a_legal_source_status_and_logs_it(parties, verb, status):
    # given: a sent quote still valid, except for expiry, which needs a past date
    staff, contact, client = parties
    quotation = _in_status(status, staff, client)
    if verb != "expire":
        Quotation.objects.filter(pk=quotation.pk).update(valid_until=timezone.localdate() + datetime.timedelta(days=5))
        quotation.refresh_from_db()
    call, _ = VERBS[verb]
    # when
    call(quotation, staff, contact)
    # then
    quotation.refresh_from_db()
    assert quotation.status == EXPECTED_TARGET[verb](status)
    moves = QuotationLog.objects.filter(quotation=quotation, data__to=quotation.status)
    if status == quotation.status:
        assert moves.count() == 0  # inviting more hotels while bidding is not a move
    else:
        assert list(moves.values_list("data__from", flat=True)) == [status]
