import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from quotations.errors import QuotationError
from quotations.factories import ClientFactory, HotelFactory, quotation_make, quotation_sent
from quotations.models import (
    HotelInvitation,
    InvitationStatus,
    Quotation,
    QuotationLog,
    QuotationStatus,
    ReferenceCounter,
)
from quotations.services import (
    RoomMix,
    StayInput,
    invitation_mark_viewed,
    quotation_approve,
    quotation_create,
    quotation_invite_hotels,
    reference_next,
)

ARRIVAL = timezone.localdate() + datetime.timedelta(days=45)


def _create(**overrides):
    staff = overrides.pop("by", None) or StaffFactory()
    args = {
        "client": ClientFactory(),
        "owner": staff,
        "group_name": "Camino de Santiago 2027",
        "arrival": ARRIVAL,
        "departure": ARRIVAL + datetime.timedelta(days=5),
        "pax": 30,
        "rooms": RoomMix(singles=2, doubles=14),
        "stays": [StayInput(city="Madrid", nights=2), StayInput(city="Santiago de Compostela", nights=3)],
        "margin_percent": Decimal("18.50"),
        "by": staff,
    }
    args.update(overrides)
    return quotation_create(**args)


@pytest.mark.django_db
def test_create_makes_a_draft_with_reference_stays_and_log():
    quotation = _create()
    year = timezone.localdate().year
    assert quotation.reference == f"Q-{year}-00001"
    assert (quotation.status, quotation.pax, quotation.nights, quotation.bed_capacity) == (
        QuotationStatus.DRAFT,
        30,
        5,
        30,
    )
    assert list(quotation.stays.values_list("position", "city", "nights")) == [
        (1, "Madrid", 2),
        (2, "Santiago de Compostela", 3),
    ]
    assert list(QuotationLog.objects.values_list("action", flat=True)) == ["quotation.created"]
    assert _create().reference == f"Q-{year}-00002"


INVALID = {
    "departure before arrival": ({"departure": ARRIVAL}, "departure"),
    "arrival in the past": (
        {"arrival": timezone.localdate() - datetime.timedelta(days=1), "departure": ARRIVAL},
        "arrival",
    ),
    "no passengers": ({"pax": 0}, "pax"),
    "rooms too small": ({"rooms": RoomMix(doubles=10)}, "rooms"),
    "no rooms": ({"rooms": RoomMix(), "pax": 1}, "rooms"),
    "nights do not add up": ({"stays": [StayInput(city="Madrid", nights=4)]}, "stays"),
    "no stays": ({"stays": []}, "stays"),
    "margin over 100": ({"margin_percent": Decimal("100.01")}, "margin_percent"),
    "unknown currency": ({"currency": "BTC"}, "currency"),
    "blank group name": ({"group_name": "  "}, "group_name"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", INVALID)
def test_invalid_quotation_is_refused_and_writes_nothing(case):
    overrides, field = INVALID[case]
    with pytest.raises(QuotationError) as refused:
        _create(**overrides)
    assert refused.value.field == field
    assert (Quotation.objects.count(), QuotationLog.objects.count(), ReferenceCounter.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_only_staff_create_quotations():
    contact = ClientContactFactory()
    with pytest.raises(QuotationError) as refused:
        _create(by=contact, owner=StaffFactory())
    assert refused.value.code == "forbidden"
    assert Quotation.objects.count() == 0


@pytest.mark.django_db
def test_invite_hotels_checks_city_and_is_idempotent():
    staff = StaffFactory()
    quotation = quotation_make(owner=staff, nights=(("Sevilla", 2), ("Granada", 1)))
    sevilla, granada, madrid = (HotelFactory(city=c) for c in ("Sevilla", "granada", "Madrid"))
    deadline = timezone.now() + datetime.timedelta(days=4)
    with pytest.raises(QuotationError) as refused:
        quotation_invite_hotels(quotation=quotation, hotels=[sevilla, madrid], by=staff, bid_deadline=deadline)
    assert refused.value.field == "hotels"
    assert (quotation.invitations.count(), Quotation.objects.get().status) == (0, QuotationStatus.DRAFT)

    created = quotation_invite_hotels(quotation=quotation, hotels=[sevilla, granada], by=staff, bid_deadline=deadline)
    again = quotation_invite_hotels(quotation=quotation, hotels=[sevilla], by=staff)
    assert (len(created), again, quotation.invitations.count()) == (2, [], 2)
    assert (quotation.status, quotation.bid_deadline) == (QuotationStatus.BIDDING, deadline)
    assert len({inv.token for inv in created}) == 2


@pytest.mark.django_db
def test_invite_needs_future_deadline():
    staff = StaffFactory()
    quotation = quotation_make(owner=staff)
    with pytest.raises(QuotationError) as refused:
        quotation_invite_hotels(
            quotation=quotation,
            hotels=[HotelFactory()],
            by=staff,
            bid_deadline=timezone.now() - datetime.timedelta(hours=1),
        )
    assert refused.value.field == "bid_deadline"
    assert (quotation.invitations.count(), quotation.status) == (0, QuotationStatus.DRAFT)


@pytest.mark.django_db
def test_approve_is_refused_for_other_clients_and_expired_quotes():
    staff, contact, stranger = StaffFactory(), ClientContactFactory(), ClientContactFactory()
    quotation = quotation_sent(owner=staff, client=ClientFactory(contacts=[contact]))

    with pytest.raises(QuotationError) as foreign:
        quotation_approve(quotation=quotation, by=stranger)
    with pytest.raises(QuotationError) as hotel:
        quotation_approve(quotation=quotation, by=HotelUserFactory())
    Quotation.objects.filter(pk=quotation.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(QuotationError) as expired:
        quotation_approve(quotation=quotation, by=contact)

    assert (foreign.value.code, hotel.value.code, expired.value.code) == ("forbidden", "forbidden", "expired")
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.SENT
    assert not QuotationLog.objects.filter(action="quotation.approved").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_distinct_consecutive_references():
    # given: eight threads, each with its own PostgreSQL connection
    year = timezone.localdate().year
    references, errors = [], []
    barrier = threading.Barrier(8)

    def allocate():
        try:
            barrier.wait()
            references.append(reference_next(prefix="Q", year=year))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    assert sorted(references) == [f"Q-{year}-{n:05d}" for n in range(1, 9)]
    assert ReferenceCounter.objects.get(prefix="Q", year=year).last_value == 8


@pytest.mark.django_db
def test_open_round_deadline_cannot_be_brought_forward_by_inviting_more():
    staff = StaffFactory()
    quotation = quotation_make(owner=staff)
    deadline = timezone.now() + datetime.timedelta(days=5)
    quotation_invite_hotels(quotation=quotation, hotels=[HotelFactory()], by=staff, bid_deadline=deadline)
    with pytest.raises(QuotationError) as refused:
        quotation_invite_hotels(
            quotation=quotation, hotels=[HotelFactory()], by=staff, bid_deadline=deadline - datetime.timedelta(days=1)
        )
    assert refused.value.field == "bid_deadline"
    quotation.refresh_from_db()
    assert (quotation.bid_deadline, quotation.invitations.count()) == (deadline, 1)


@pytest.mark.django_db
def test_first_view_never_downgrades_a_bid_made_meanwhile():
    staff, hotel_user = StaffFactory(), HotelUserFactory()
    quotation = quotation_make(owner=staff)
    (invitation,) = quotation_invite_hotels(
        quotation=quotation,
        hotels=[HotelFactory(members=[hotel_user])],
        by=staff,
        bid_deadline=timezone.now() + datetime.timedelta(days=5),
    )
    stale_copy = HotelInvitation.objects.get(pk=invitation.pk)
    HotelInvitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.BID)  # staff keyed a bid in
    invitation_mark_viewed(invitation=stale_copy, by=hotel_user)
    assert stale_copy.status == InvitationStatus.BID
    assert stale_copy.viewed_at is not None
    assert QuotationLog.objects.filter(action="invitation.viewed").count() == 1
    invitation_mark_viewed(invitation=stale_copy, by=hotel_user)
    assert QuotationLog.objects.filter(action="invitation.viewed").count() == 1
