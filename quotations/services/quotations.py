"""Writes on a quotation: creation and every move of its status machine."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from quotations.cities import city_canonical, hotel_city_list
from quotations.errors import QuotationError
from quotations.events import DeadlineChanged, StatusChanged
from quotations.hooks import quotation_approved, quotation_cancelled
from quotations.limits import bid_deadline_check, stays_check, travel_date_check, valid_until_check
from quotations.models import (
    Client,
    MealPlan,
    Quotation,
    QuotationExtra,
    QuotationStatus,
    QuotationStay,
)
from quotations.services.access import staff_require
from quotations.services.audit import quotation_log
from quotations.services.emails import (
    email_client_changes_requested,
    email_client_declined,
    email_quotation_approved,
    email_quotation_created,
    email_quotation_sent,
)
from quotations.services.references import reference_next
from quotations.services.room import room_event_record
from quotations.workflow import Action, action_check, transition_check
from spirittours.geo import Currency

S = QuotationStatus


@dataclass(frozen=True)
class StayInput:
    city: str
    nights: int
    # A MealPlan value; empty: the quotation's.
    meal_plan: str = ""


@dataclass(frozen=True)
class RoomMix:
    singles: int = 0
    doubles: int = 0
    twins: int = 0
    triples: int = 0

    @property
    def rooms(self) -> int:
        return self.singles + self.doubles + self.twins + self.triples

    @property
    def beds(self) -> int:
        return self.singles + 2 * self.doubles + 2 * self.twins + 3 * self.triples


def quotation_create(
    *,
    client: Client,
    owner: User,
    group_name: str,
    arrival: datetime.date,
    departure: datetime.date,
    pax: int,
    rooms: RoomMix,
    stays: list[StayInput],
    meal_plan: str = MealPlan.BED_AND_BREAKFAST,
    currency: str = Currency.EUR,
    margin_percent: Decimal = Decimal("15.00"),
    notes: str = "",
    by: User,
    free_place_every: int = 0,
) -> Quotation:
    """Create a draft quotation with its itinerary.

    `free_place_every`: one free place per that many paying travellers (0: none).

    The stays must cover every night between arrival and departure, and the
    room mix must sleep every passenger. A stay's city is stored in the
    spelling of the hotels of that city (`quotations.cities`); a stay's meal
    plan, when it differs from the quotation's, is stored on the stay.
    """
    staff_require(by)
    staff_require(owner)
    if not group_name.strip():
        raise QuotationError(_("Give the group a name."), field="group_name")
    if departure <= arrival:
        raise QuotationError(_("Departure must be after arrival."), field="departure")
    if arrival < timezone.localdate():
        raise QuotationError(_("Arrival cannot be in the past."), field="arrival")
    travel_date_check(day=arrival, field="arrival")
    travel_date_check(day=departure, field="departure")
    if pax < 1:
        raise QuotationError(_("A group needs at least one passenger."), field="pax")
    if min(rooms.singles, rooms.doubles, rooms.twins, rooms.triples) < 0 or rooms.rooms == 0:
        raise QuotationError(_("Ask for at least one room."), field="rooms")
    if rooms.beds < pax:
        raise QuotationError(
            _("The rooms sleep %(beds)d people but the group has %(pax)d.") % {"beds": rooms.beds, "pax": pax},
            field="rooms",
        )
    if meal_plan not in MealPlan.values:
        raise QuotationError(_("Choose a meal plan from the list."), field="meal_plan")
    if currency not in Currency.values:
        raise QuotationError(_("Choose a currency from the list."), field="currency")
    if not Decimal(0) <= margin_percent <= Decimal(100):
        raise QuotationError(_("The margin must be between 0 and 100 %."), field="margin_percent")
    _free_place_every_check(free_place_every)
    stays_check(stays=stays)
    if any(stay.meal_plan not in ("", *MealPlan.values) for stay in stays):
        raise QuotationError(_("Choose each stay's meal plan from the list."), field="stays")
    nights = (departure - arrival).days
    if sum(stay.nights for stay in stays) != nights:
        raise QuotationError(
            _("The stays add up to %(stays)d nights but the trip has %(nights)d.")
            % {"stays": sum(stay.nights for stay in stays), "nights": nights},
            field="stays",
        )

    with transaction.atomic():
        quotation = Quotation.objects.create(
            reference=reference_next(prefix="Q", year=timezone.localdate().year),
            client=client,
            owner=owner,
            group_name=group_name.strip(),
            arrival=arrival,
            departure=departure,
            pax=pax,
            singles=rooms.singles,
            doubles=rooms.doubles,
            twins=rooms.twins,
            triples=rooms.triples,
            meal_plan=meal_plan,
            currency=currency,
            margin_percent=margin_percent,
            free_place_every=free_place_every,
            notes=notes,
        )
        known = hotel_city_list()
        QuotationStay.objects.bulk_create(
            QuotationStay(
                quotation=quotation,
                position=index,
                city=city_canonical(city=stay.city, known=known),
                nights=stay.nights,
                # The quotation's own plan is kept as "the quotation's", not as a copy.
                meal_plan="" if stay.meal_plan == meal_plan else stay.meal_plan,
            )
            for index, stay in enumerate(stays, start=1)
        )
        quotation_log(
            quotation=quotation,
            action="quotation.created",
            actor=by,
            data={"reference": quotation.reference, "pax": pax, "nights": nights},
        )
        email_quotation_created(quotation=quotation)
    return quotation


def quotation_update(
    *,
    quotation: Quotation,
    by: User,
    group_name: str | None = None,
    owner: User | None = None,
    notes: str | None = None,
    client: Client | None = None,
    margin_percent: Decimal | None = None,
    free_place_every: int | None = None,
) -> Quotation:
    """Correct a quotation's details; `None` leaves a field as it is.

    The client, the margin and the free places may change only until the quote
    is sent. A new margin or a new number of free places retires the current
    pricing: the quote must be priced again before it can be sent, so the
    client never receives a price on the old terms.
    """
    staff_require(by)
    if owner is not None:
        staff_require(owner)
    if group_name is not None and not group_name.strip():
        raise QuotationError(_("Give the group a name."), field="group_name")
    if margin_percent is not None and (
        not margin_percent.is_finite()
        or not Decimal(0) <= margin_percent <= Decimal(100)
        or margin_percent.as_tuple().exponent < -2
    ):
        raise QuotationError(
            _("The margin must be between 0 and 100 %, with at most 2 decimals."), field="margin_percent"
        )
    if free_place_every is not None:
        _free_place_every_check(free_place_every)
    with transaction.atomic():
        locked = quotation_lock(quotation=quotation)
        changes = {
            "group_name": None if group_name is None else group_name.strip(),
            "owner": owner,
            "notes": notes,
            "client": client,
            "margin_percent": margin_percent,
            "free_place_every": free_place_every,
        }
        changed = [name for name, value in changes.items() if value is not None and getattr(locked, name) != value]
        if not changed:
            return quotation
        action_check(Action.EDIT_DETAILS, locked.status)
        if {"client", "margin_percent", "free_place_every"} & set(changed):
            action_check(Action.EDIT_TERMS, locked.status)
        for name in changed:
            setattr(locked, name, changes[name])
        locked.save(update_fields=[*changed, "updated_at"])
        retired = 0
        if {"margin_percent", "free_place_every"} & set(changed):
            retired = locked.pricings.filter(is_current=True).update(is_current=False)
        # Names only: the values may include the margin, which the log must not show to every viewer.
        data = {"fields": sorted(changed)}
        if retired:
            data["pricing_retired"] = True
        quotation_log(quotation=locked, action="quotation.edited", actor=by, data=data)
    quotation.refresh_from_db()
    return quotation


def _free_place_every_check(free_place_every: int) -> None:
    if isinstance(free_place_every, bool) or not isinstance(free_place_every, int) or not 0 <= free_place_every <= 100:
        raise QuotationError(
            _("Free places: one per 1 to 100 paying travellers, or 0 for none."), field="free_place_every"
        )


def quotation_lock(*, quotation: Quotation) -> Quotation:
    """Re-read the quotation with a row lock; call inside a transaction."""
    return Quotation.objects.select_for_update().get(pk=quotation.pk)


def quotation_transition(
    *, quotation: Quotation, target: str, by: User | None, action: str, data: dict | None = None
) -> Quotation:
    """Move a locked quotation to `target`, or raise QuotationError; logs the move."""
    source = quotation.status
    transition_check(source=source, target=target)
    quotation.status = target
    quotation.save(update_fields=["status", "updated_at"])
    quotation_log(
        quotation=quotation,
        action=action,
        actor=by,
        data={"from": source, "to": target, **(data or {})},
    )
    room_event_record(quotation=quotation, event=StatusChanged(from_=source, to=target))
    return quotation


def _move(
    *,
    quotation: Quotation,
    action: Action,
    by: User | None,
    log_action: str,
    data: dict | None = None,
    check=None,
) -> Quotation:
    """Lock, check the verb against the table of actions, run `check`, move."""
    with transaction.atomic():
        locked = quotation_lock(quotation=quotation)
        target = action_check(action, locked.status)
        if check is not None:
            check(locked)
        quotation_transition(quotation=locked, target=target, by=by, action=log_action, data=data)
    quotation.refresh_from_db()
    return quotation


def quotation_close_bidding(*, quotation: Quotation, by: User | None) -> Quotation:
    """End the bidding window now (staff) or at the deadline (beat job, `by` None)."""
    if by is not None:
        staff_require(by)
    return _move(
        quotation=quotation,
        action=Action.CLOSE_BIDDING,
        by=by,
        log_action="quotation.bidding_closed",
    )


def quotation_extend_deadline(*, quotation: Quotation, bid_deadline: datetime.datetime, by: User) -> Quotation:
    """Move the bid deadline later; a closed bidding round is opened again."""
    staff_require(by)
    if bid_deadline <= timezone.now():
        raise QuotationError(_("The new deadline must be in the future."), field="bid_deadline")
    bid_deadline_check(bid_deadline=bid_deadline)
    with transaction.atomic():
        locked = quotation_lock(quotation=quotation)
        previous = locked.bid_deadline
        if action_check(Action.EXTEND_DEADLINE, locked.status) is not None:
            # New bids may come in: the old pricing no longer reflects them.
            locked.pricings.filter(is_current=True).update(is_current=False)
            quotation_transition(
                quotation=locked, target=QuotationStatus.BIDDING, by=by, action="quotation.bidding_reopened"
            )
        elif previous is not None and bid_deadline <= previous:
            raise QuotationError(_("The new deadline must be later than the current one."), field="bid_deadline")
        locked.bid_deadline = bid_deadline
        locked.save(update_fields=["bid_deadline", "updated_at"])
        quotation_log(
            quotation=locked,
            action="quotation.deadline_changed",
            actor=by,
            data={"from": previous.isoformat() if previous else None, "to": bid_deadline.isoformat()},
        )
        room_event_record(quotation=locked, event=DeadlineChanged(bid_deadline=bid_deadline.isoformat()))
    quotation.refresh_from_db()
    return quotation


def quotation_revise(*, quotation: Quotation, by: User) -> Quotation:
    """Staff take a quote back to work after the client asked for changes or it expired."""
    staff_require(by)
    return _move(
        quotation=quotation,
        action=Action.REVISE,
        by=by,
        log_action="quotation.revised",
    )


def quotation_send(*, quotation: Quotation, valid_until: datetime.date, by: User) -> Quotation:
    """Send the priced quote to the client.

    The quote is valid until the staff's date or the earliest validity of the
    chosen bids, whichever comes first: we never promise a price a hotel no
    longer holds.
    """
    staff_require(by)
    if valid_until < timezone.localdate():
        raise QuotationError(_("The valid-until date cannot be in the past."), field="valid_until")
    valid_until_check(day=valid_until)

    def priced_and_valid(locked: Quotation) -> None:
        pricing = locked.pricings.filter(is_current=True).first()
        if pricing is None:
            raise QuotationError(_("Price the quote before sending it."), code="not_priced")
        if pricing.bids_valid_until < timezone.localdate():
            raise QuotationError(
                _("A chosen hotel bid is no longer valid; price the quote again."), code="bids_expired"
            )
        locked.valid_until = min(valid_until, pricing.bids_valid_until)
        locked.save(update_fields=["valid_until", "updated_at"])

    with transaction.atomic():
        _move(
            quotation=quotation,
            action=Action.SEND,
            by=by,
            log_action="quotation.sent",
            data={"requested_valid_until": valid_until.isoformat()},
            check=priced_and_valid,
        )
        email_quotation_sent(quotation=quotation)
    return quotation


def _require_client_side(quotation: Quotation, user: User) -> None:
    """Client verbs are for the client's own contacts (or staff acting for them)."""
    if user.role == Role.STAFF and user.is_active:
        return
    if user.role != Role.CLIENT or not quotation.client.contacts.filter(pk=user.pk, is_active=True).exists():
        raise QuotationError(_("You cannot act on this quotation."), code="forbidden")


def _refuse_if_expired(locked: Quotation) -> None:
    if locked.valid_until is not None and locked.valid_until < timezone.localdate():
        raise QuotationError(
            _("This quote expired on %(date)s; ask us for a new one.") % {"date": locked.valid_until.isoformat()},
            code="expired",
        )


def quotation_approve(*, quotation: Quotation, by: User) -> Quotation:
    """The client accepts the quote; refused once it has expired. Staff and client are told."""
    _require_client_side(quotation, by)
    with transaction.atomic():
        _move(
            quotation=quotation,
            action=Action.APPROVE,
            by=by,
            log_action="quotation.approved",
            check=_refuse_if_expired,
        )
        email_quotation_approved(quotation=quotation)
        quotation_approved.send(sender=Quotation, quotation=quotation, by=by)
    return quotation


def quotation_request_changes(*, quotation: Quotation, message: str, by: User) -> Quotation:
    _require_client_side(quotation, by)
    if not message.strip():
        raise QuotationError(_("Tell us what you would like to change."), field="message")
    with transaction.atomic():
        _move(
            quotation=quotation,
            action=Action.REQUEST_CHANGES,
            by=by,
            log_action="quotation.changes_requested",
            data={"message": message.strip()},
        )
        email_client_changes_requested(quotation=quotation, message=message.strip(), by=by)
    return quotation


def quotation_decline(*, quotation: Quotation, reason: str, by: User) -> Quotation:
    _require_client_side(quotation, by)
    with transaction.atomic():
        _move(
            quotation=quotation,
            action=Action.DECLINE,
            by=by,
            log_action="quotation.declined",
            data={"reason": reason.strip()},
        )
        email_client_declined(quotation=quotation, reason=reason.strip(), by=by)
    return quotation


def quotation_expire(*, quotation: Quotation, by: User | None = None) -> Quotation:
    """Mark a sent quote expired; only once its valid-until date has passed."""

    def check_due(locked: Quotation) -> None:
        if locked.valid_until is None or locked.valid_until >= timezone.localdate():
            raise QuotationError(_("This quote is still valid."), code="not_due")

    return _move(
        quotation=quotation,
        action=Action.EXPIRE,
        by=by,
        log_action="quotation.expired",
        check=check_due,
    )


def quotation_cancel(*, quotation: Quotation, reason: str, by: User) -> Quotation:
    staff_require(by)
    if not reason.strip():
        raise QuotationError(_("Give a reason for the cancellation."), field="reason")
    with transaction.atomic():
        _move(
            quotation=quotation,
            action=Action.CANCEL,
            by=by,
            log_action="quotation.cancelled",
            data={"reason": reason.strip()},
        )
        quotation_cancelled.send(sender=Quotation, quotation=quotation, reason=reason.strip(), by=by)
    return quotation


def quotation_mark_booked(*, quotation: Quotation) -> Quotation:
    """The system's move when the quote's booking is confirmed (its deposit paid): never set by hand."""
    return _move(
        quotation=quotation,
        action=Action.MARK_BOOKED,
        by=None,
        log_action="quotation.booked",
    )


def quotation_duplicate(*, quotation: Quotation, arrival: datetime.date, by: User) -> Quotation:
    """A new draft of the same trip for another arrival date, owned by `by`.

    The group, room mix, itinerary (with each stay's meal plan), terms, notes and
    extras are copied; nothing is invited yet (the page offers the previous
    hotels, preselected). Bids, pricing, messages and the room are not copied:
    hotels bid again for the new dates.
    """
    staff_require(by)
    nights = (quotation.departure - quotation.arrival).days
    stays = [
        StayInput(city=stay.city, nights=stay.nights, meal_plan=stay.meal_plan)
        for stay in quotation.stays.order_by("position")
    ]
    with transaction.atomic():
        copy = quotation_create(
            client=quotation.client,
            owner=by,
            group_name=quotation.group_name,
            arrival=arrival,
            departure=arrival + datetime.timedelta(days=nights),
            pax=quotation.pax,
            rooms=RoomMix(
                singles=quotation.singles, doubles=quotation.doubles, twins=quotation.twins, triples=quotation.triples
            ),
            stays=stays,
            meal_plan=quotation.meal_plan,
            currency=quotation.currency,
            margin_percent=quotation.margin_percent,
            notes=quotation.notes,
            by=by,
            free_place_every=quotation.free_place_every,
        )
        extras = QuotationExtra.objects.bulk_create(
            QuotationExtra(
                quotation=copy,
                kind=e.kind,
                description=e.description,
                amount_per_person=e.amount_per_person,
            )
            for e in quotation.extras.order_by("id")
        )
        quotation_log(
            quotation=copy,
            action="quotation.duplicated",
            actor=by,
            data={"source": quotation.pk, "reference": quotation.reference, "extras": len(extras)},
        )
    return copy
